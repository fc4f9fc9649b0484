// Hidden tests (lab.toml task "hidden-edges", visibility = "hidden"): only
// the grader's checkout of the course has tests/hidden/; a student handout
// (labctl handout) does not. They hold the student code to cases the visible
// tests leave out: long vectors at all sixteen float alignments of a cache
// line, and saxpy's a = 0 and a = -1, each with an exact answer.
#include <gtest/gtest.h>

#include <labkit/check_gtest.hpp>

#include <vector>

#include "simd_dot.hpp"
#include "../test_support.hpp"

namespace impl = simd_dot::LABKIT_IMPL;
using namespace simd_dot::test;

TEST(HiddenDot, LongVectorsExactAtAllSixteenAlignments) {
  for (std::size_t n : {4093u, 65537u}) {
    for (std::size_t offset = 0; offset < 16; ++offset) {
      Buffer x(n, offset), y(n, (offset * 7) % 16);
      fill_integers(x.data(), n, 5, 2);
      fill_integers(y.data(), n, 3, 1);
      const double expected = dot_double(x.data(), y.data(), n);
      ASSERT_EQ(impl::dot(x.data(), y.data(), n), static_cast<float>(expected))
          << "n=" << n << ", x misaligned by " << offset << " floats";
    }
  }
}

TEST(HiddenDot, ScaledAddByZeroAndMinusOneIsExact) {
  const std::size_t n = 1031;  // a prime: a tail after every vector width
  for (float a : {0.0f, -1.0f}) {
    Buffer x(n, 3), y(n, 5);
    fill_integers(x.data(), n, 13, 6);
    fill_integers(y.data(), n, 7, 3);
    std::vector<float> expected(n);
    for (std::size_t i = 0; i < n; ++i) expected[i] = a * x.data()[i] + y.data()[i];
    impl::saxpy(a, x.data(), y.data(), n);
    ASSERT_CLOSE(labkit::exactly_equal(y.span(), expected, {"y"})) << "a=" << a;
    EXPECT_EQ(y.canaries_report(), "") << "a=" << a << ": saxpy wrote outside y";
  }
}
