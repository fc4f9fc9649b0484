// Every named step of the reference ladder held to the same answers as the
// interface (built into the reference tests only).
#include <gtest/gtest.h>

#include <labkit/cpu.hpp>
#include <string>

#include "sgemm.hpp"
#include "test_support.hpp"

using namespace sgemm::test;
namespace ref = sgemm::reference;

namespace {

Gemm with_threads(void (*f)(int, int, int, const float*, int, const float*, int, float*, int, int), int threads) {
  return [f, threads](int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
    f(M, N, K, A, lda, B, ldb, C, ldc, threads);
  };
}

// Every step on every shape; the steps that need AVX2 or AVX-512 only where
// the CPU has it (elsewhere they are listed as skipped).
std::vector<Case> all_steps() {
  std::vector<std::pair<std::string, Gemm>> steps = {
      {"naive", ref::sgemm_naive}, {"ikj", ref::sgemm_ikj}, {"blocked", ref::sgemm_blocked}, {"packed", ref::sgemm_packed},
      {"avx2", ref::sgemm_microkernel_avx2}, {"avx512", ref::sgemm_microkernel_avx512}};
  for (int t : {1, 2, 3}) {
    steps.push_back({"openmp" + std::to_string(t), with_threads(ref::sgemm_openmp, t)});
    steps.push_back({"tbb" + std::to_string(t), with_threads(ref::sgemm_tbb, t)});
  }
  std::vector<Case> out;
  for (const auto& [name, gemm] : steps)
    for (const Case& c : cases(name, gemm)) out.push_back(c);
  return out;
}

bool available(const std::string& step) {
  if (step == "avx2") return ref::has_avx2();
  if (step == "avx512") return ref::has_avx512();
  return true;
}

class Ladder : public ::testing::TestWithParam<Case> {};

TEST_P(Ladder, ExactOnSmallIntegers) {
  const Case& c = GetParam();
  if (!available(c.entry)) GTEST_SKIP() << c.entry << " needs an instruction set this CPU lacks";
  EXPECT_TRUE(run_and_check(c.gemm, c.shape, true)) << c.entry;
}

TEST_P(Ladder, RandomWithinRoundingBound) {
  const Case& c = GetParam();
  if (!available(c.entry)) GTEST_SKIP() << c.entry << " needs an instruction set this CPU lacks";
  EXPECT_TRUE(run_and_check(c.gemm, c.shape, false)) << c.entry;
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Steps, Ladder, ::testing::ValuesIn(all_steps()),
                         [](const auto& info) { return info.param.entry + "_" + shape_name(info.param.shape); });

TEST(Dispatch, PicksTheWidestKernelTheCpuAndLabkitIsaAllow) {
  const labkit::Isa isa = labkit::best_isa();
  const std::string step = ref::dispatched_step();
  if (isa == labkit::Isa::avx512 && ref::has_avx512()) EXPECT_EQ(step, "avx512");
  else if (isa >= labkit::Isa::avx2 && ref::has_avx2()) EXPECT_EQ(step, "avx2");
  else EXPECT_EQ(step, "portable");
}

TEST(Dispatch, LargeProblemOnOneAndTwoThreads) {
  // One problem with several blocks in every direction (K > KC, M > MC,
  // N > NR) through the dispatched kernel, on one thread and on two.
  const Shape s{301, 530, 700, 3, 1, 2};
  EXPECT_TRUE(run_and_check(ref::sgemm, s, false));
  EXPECT_TRUE(run_and_check(with_threads(ref::sgemm_threaded, 2), s, false));
}
