// Tests of the simd-dot interface, built twice: against the reference and
// against student/ (LABKIT_IMPL selects the namespace).
#include <gtest/gtest.h>

#include <labkit/check.hpp>
#include <labkit/check_gtest.hpp>

#include "simd_dot.hpp"
#include "test_support.hpp"

namespace impl = simd_dot::LABKIT_IMPL;
using namespace simd_dot::test;

class DotLengths : public ::testing::TestWithParam<std::size_t> {};

TEST_P(DotLengths, ExactForSmallIntegersAtEveryAlignment) {
  const std::size_t n = GetParam();
  for (std::size_t offset : {0u, 1u, 2u, 3u, 5u}) {
    Buffer x(n, offset), y(n, offset + 1);
    fill_integers(x.data(), n, 7, 3);
    fill_integers(y.data(), n, 5, 2);
    const double expected = dot_double(x.data(), y.data(), n);
    EXPECT_EQ(impl::dot(x.data(), y.data(), n), static_cast<float>(expected))
        << "n=" << n << ", x misaligned by " << offset << " floats: the exact answer is " << expected;
  }
}

TEST_P(DotLengths, RandomDataWithinRoundingBound) {
  const std::size_t n = GetParam();
  std::mt19937_64 rng(seed() + n);
  Buffer x(n, 1), y(n, 3);
  fill_random(x.data(), n, rng);
  fill_random(y.data(), n, rng);
  double sum_abs = 0;
  const double expected = dot_double(x.data(), y.data(), n, &sum_abs);
  const double got = impl::dot(x.data(), y.data(), n);
  const double bound = labkit::dot_error_bound_probabilistic(n, sum_abs) + labkit::kUnderflowSlack;
  EXPECT_CLOSE(labkit::within(got, expected, bound, {"dot", labkit::Where::kScalar})) << "n=" << n;
  EXPECT_EQ(x.canaries_report(), "") << "n=" << n << ": dot must not write to x";
  EXPECT_EQ(y.canaries_report(), "") << "n=" << n << ": dot must not write to y";
}

TEST_P(DotLengths, SaxpyExactForSmallIntegersAndNoWritesOutsideY) {
  const std::size_t n = GetParam();
  for (std::size_t offset : {0u, 1u, 3u}) {
    Buffer x(n, offset), y(n, offset + 2);
    fill_integers(x.data(), n, 9, 4);
    fill_integers(y.data(), n, 11, 5);
    std::vector<float> expected(n);
    for (std::size_t i = 0; i < n; ++i) expected[i] = 2.0f * x.data()[i] + y.data()[i];
    impl::saxpy(2.0f, x.data(), y.data(), n);
    ASSERT_CLOSE(labkit::exactly_equal(y.span(), expected, {"y"})) << "n=" << n << ", offset " << offset;
    EXPECT_EQ(y.canaries_report(), "") << "n=" << n << ": saxpy wrote outside y[0.." << n << ")";
    EXPECT_EQ(x.canaries_report(), "") << "n=" << n << ": saxpy wrote to x";
  }
}

TEST_P(DotLengths, SaxpyRandomWithinOneRoundingPerOperation) {
  const std::size_t n = GetParam();
  std::mt19937_64 rng(seed() * 3 + n);
  Buffer x(n, 2), y(n, 1);
  fill_random(x.data(), n, rng);
  fill_random(y.data(), n, rng);
  const float a = 0.7f;
  std::vector<double> expected(n), bound(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double ax = static_cast<double>(a) * x.data()[i];
    expected[i] = ax + y.data()[i];
    // mul then add rounds twice; an FMA rounds once: gamma_2 (|ax| + |y|) covers both.
    bound[i] = labkit::axpy_error_bound(ax, y.data()[i]) + labkit::kUnderflowSlack;
  }
  impl::saxpy(a, x.data(), y.data(), n);
  EXPECT_CLOSE(labkit::within(y.span(), expected, bound, {"y"})) << "n=" << n;
}

INSTANTIATE_TEST_SUITE_P(Lengths, DotLengths, ::testing::ValuesIn(kLengths),
                         [](const auto& info) { return "n" + std::to_string(info.param); });

TEST(Dot, EmptyInputIsZeroAndSaxpyOfNothingIsANoOp) {
  float x = 1.0f, y = 2.0f;
  EXPECT_EQ(impl::dot(&x, &y, 0), 0.0f);
  impl::saxpy(3.0f, &x, &y, 0);
  EXPECT_EQ(y, 2.0f);
}

TEST(Dot, AliasedSaxpyDoublesAVector) {
  // saxpy(1, y, y) is y = 2y: the same pointer as input and output is legal.
  std::vector<float> y(37);
  fill_integers(y.data(), y.size(), 13, 6);
  std::vector<float> expected(y);
  for (auto& v : expected) v *= 2;
  impl::saxpy(1.0f, y.data(), y.data(), y.size());
  EXPECT_ELEMENTS_EQ(y, expected);
}
