// Hidden tests (lab.toml task "hidden-shapes", visibility = "hidden"): only
// the grader's checkout of the course has tests/hidden/; a student handout
// (labctl handout) does not. Shapes the visible tests do not name: several
// K blocks with a ragged end, N past a panel by a prime, tall and thin, and
// padded leading dimensions, for the one-thread and the threaded entry points.
#include <gtest/gtest.h>

#include "sgemm.hpp"
#include "../test_support.hpp"

namespace impl = sgemm::LABKIT_IMPL;
using namespace sgemm::test;

namespace {

const std::vector<Shape> kHiddenShapes = {
    {257, 129, 513}, {31, 4099, 5}, {2, 2, 3001}, {523, 3, 67}, {61, 97, 259, 7, 11, 3},
};

std::vector<Case> hidden_cases(const std::string& entry, const Gemm& gemm) {
  std::vector<Case> out;
  for (const Shape& s : kHiddenShapes) out.push_back({entry, gemm, s});
  return out;
}

class HiddenShapes : public ::testing::TestWithParam<Case> {};

TEST_P(HiddenShapes, ExactOnSmallIntegers) {
  EXPECT_TRUE(run_and_check(GetParam().gemm, GetParam().shape, /*exact=*/true)) << GetParam().entry;
}

TEST_P(HiddenShapes, RandomWithinRoundingBound) {
  EXPECT_TRUE(run_and_check(GetParam().gemm, GetParam().shape, /*exact=*/false)) << GetParam().entry;
}

void threaded_on_two(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  impl::sgemm_threaded(M, N, K, A, lda, B, ldb, C, ldc, 2);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(HiddenSgemm, HiddenShapes, ::testing::ValuesIn(hidden_cases("sgemm", impl::sgemm)), case_name);
INSTANTIATE_TEST_SUITE_P(HiddenThreaded2, HiddenShapes,
                         ::testing::ValuesIn(hidden_cases("sgemm_threaded, 2 threads", threaded_on_two)), case_name);
