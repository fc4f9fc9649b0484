// Hidden tests: built into both test programs like tests/*.cpp, but only the
// grader's checkout of the course has this folder. `labctl handout` leaves it
// out of the students' repository (lab.toml, [handout]); the task that scores
// these tests is hidden until the due date. Put here the cases a student
// should not tune against; keep the visible tests enough to finish the lab.
#include <gtest/gtest.h>

#include <labkit/check_gtest.hpp>
#include <vector>

#include "@NS@.hpp"

namespace impl = @NS@::LABKIT_IMPL;

TEST(HiddenScale, NegativeFactorAndAnOddLength) {
  const std::size_t n = 4099;  // a prime: a tail after every vector width
  std::vector<float> x(n), y(n, 7.0f), expected(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = static_cast<float>(i % 13) - 6.0f;
    expected[i] = -2.0f * x[i];
  }
  impl::scale(-2.0f, x.data(), y.data(), n);
  EXPECT_ALLCLOSE(std::span<const float>(y), std::span<const float>(expected), 0.0, 0.0);
}
