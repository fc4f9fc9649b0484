// Every named step of the reference ladder held to the same answers as the
// interface (built into the reference tests only).
#include <gtest/gtest.h>

#include <labkit/check.hpp>
#include <labkit/check_gtest.hpp>
#include <labkit/cpu.hpp>
#include <string>

#include "simd_dot.hpp"
#include "test_support.hpp"

using namespace simd_dot::test;
namespace ref = simd_dot::reference;

struct Step {
  const char* name;
  float (*dot)(const float*, const float*, std::size_t);
  void (*saxpy)(float, const float*, float*, std::size_t);
  bool (*available)();
};

static bool always() { return true; }

class Ladder : public ::testing::TestWithParam<Step> {};

TEST_P(Ladder, ExactOnIntegersForEveryLengthAndAlignment) {
  const Step s = GetParam();
  if (!s.available()) GTEST_SKIP() << s.name << " needs an instruction set this CPU lacks";
  for (std::size_t n : kLengths) {
    for (std::size_t offset : {0u, 1u, 3u}) {
      Buffer x(n, offset), y(n, offset + 1);
      fill_integers(x.data(), n, 7, 3);
      fill_integers(y.data(), n, 5, 2);
      ASSERT_EQ(s.dot(x.data(), y.data(), n), static_cast<float>(dot_double(x.data(), y.data(), n)))
          << s.name << " n=" << n << " offset=" << offset;
      std::vector<float> expected(n);
      for (std::size_t i = 0; i < n; ++i) expected[i] = -3.0f * x.data()[i] + y.data()[i];
      s.saxpy(-3.0f, x.data(), y.data(), n);
      ASSERT_CLOSE(labkit::exactly_equal(y.span(), expected, {"y"})) << s.name << " n=" << n << " offset=" << offset;
      ASSERT_EQ(y.canaries_report(), "") << s.name << " n=" << n << " wrote outside y";
    }
  }
}

TEST_P(Ladder, RandomWithinBound) {
  const Step s = GetParam();
  if (!s.available()) GTEST_SKIP() << s.name << " needs an instruction set this CPU lacks";
  std::mt19937_64 rng(seed());
  for (std::size_t n : kLengths) {
    Buffer x(n, 1), y(n, 2);
    fill_random(x.data(), n, rng);
    fill_random(y.data(), n, rng);
    double sum_abs = 0;
    const double expected = dot_double(x.data(), y.data(), n, &sum_abs);
    const double bound = labkit::dot_error_bound_probabilistic(n, sum_abs) + labkit::kUnderflowSlack;
    EXPECT_CLOSE(labkit::within(s.dot(x.data(), y.data(), n), expected, bound, {"dot", labkit::Where::kScalar}))
        << s.name << " n=" << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Steps, Ladder,
                         ::testing::Values(Step{"scalar", ref::dot_scalar, ref::saxpy_scalar, always},
                                           Step{"auto", ref::dot_auto, ref::saxpy_auto, always},
                                           Step{"avx2", ref::dot_avx2, ref::saxpy_avx2, ref::has_avx2},
                                           Step{"avx512", ref::dot_avx512, ref::saxpy_avx512, ref::has_avx512}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Dispatch, PicksTheWidestStepTheCpuAndLabkitIsaAllow) {
  const labkit::Isa isa = labkit::best_isa();
  const std::string step = ref::dispatched_step();
  if (isa == labkit::Isa::avx512 && ref::has_avx512()) EXPECT_EQ(step, "avx512");
  else if (isa >= labkit::Isa::avx2 && ref::has_avx2()) EXPECT_EQ(step, "avx2");
  else EXPECT_EQ(step, "auto");
}
