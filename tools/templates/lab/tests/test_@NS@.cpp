// Built twice: against the reference and against student/ (LABKIT_IMPL).
#include <gtest/gtest.h>

#include <labkit/check_gtest.hpp>
#include <vector>

#include "@NS@.hpp"

namespace impl = @NS@::LABKIT_IMPL;

TEST(Scale, MatchesAPlainLoop) {
  for (std::size_t n : {0u, 1u, 7u, 64u, 1001u}) {
    std::vector<float> x(n), y(n, -1.0f), expected(n);
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = static_cast<float>(i % 17) - 8.0f;
      expected[i] = 0.5f * x[i];
    }
    impl::scale(0.5f, x.data(), y.data(), n);
    EXPECT_ALLCLOSE(std::span<const float>(y), std::span<const float>(expected), 0.0, 0.0) << "n=" << n;
  }
}
