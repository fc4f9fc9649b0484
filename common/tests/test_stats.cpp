#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "labkit/stats.hpp"

using namespace labkit;

TEST(Stats, MedianOddEvenAndUnsorted) {
  EXPECT_DOUBLE_EQ(median(std::vector<double>{3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(median(std::vector<double>{4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(median(std::vector<double>{7}), 7.0);
}

TEST(Stats, MadIgnoresOneOutlier) {
  // Deviations from the median 3: 2,1,0,1,997 -> median deviation 1.
  EXPECT_DOUBLE_EQ(mad(std::vector<double>{1, 2, 3, 4, 1000}), 1.0);
}

TEST(Stats, CoefficientOfVariation) {
  // mean 5, sample sd of {2,4,4,4,5,5,7,9} = sqrt(32/7).
  const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
  EXPECT_NEAR(cv(v), std::sqrt(32.0 / 7.0) / 5.0, 1e-12);
  EXPECT_EQ(cv(std::vector<double>{1}), 0.0);
}

TEST(Stats, QuantileInterpolates) {
  const std::vector<double> v{10, 20, 30, 40, 50};
  EXPECT_DOUBLE_EQ(quantile(v, 0.0), 10);
  EXPECT_DOUBLE_EQ(quantile(v, 0.25), 20);
  EXPECT_DOUBLE_EQ(quantile(v, 0.1), 14);
  EXPECT_DOUBLE_EQ(quantile(v, 1.0), 50);
  EXPECT_THROW(quantile(v, 1.5), std::invalid_argument);
}

TEST(Stats, SummaryFields) {
  const auto s = summarize(std::vector<double>{5, 1, 3});
  EXPECT_EQ(s.n, 3u);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 5);
  EXPECT_EQ(s.median, 3);
  EXPECT_EQ(s.mean, 3);
  EXPECT_EQ(s.mad, 2);
  EXPECT_NEAR(s.relative_mad(), 2.0 / 3.0, 1e-12);
}

TEST(Stats, EmptyInputThrows) {
  EXPECT_THROW(median(std::vector<double>{}), std::invalid_argument);
  EXPECT_THROW(ratio_interval(std::vector<double>{}, std::vector<double>{1}), std::invalid_argument);
}

TEST(Stats, BootstrapIntervalCoversTrueMedianAndIsDeterministic) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(100.0, 5.0);
  std::vector<double> v(200);
  for (auto& x : v) x = noise(rng);
  const Statistic med = [](std::span<const double> s) { return median(s); };
  const auto a = bootstrap_interval(v, med, 0.95, 1000, 1);
  const auto b = bootstrap_interval(v, med, 0.95, 1000, 1);
  EXPECT_EQ(a.lo, b.lo);
  EXPECT_EQ(a.hi, b.hi);
  EXPECT_TRUE(a.contains(100.0)) << a.lo << " " << a.hi;
  EXPECT_LE(a.lo, a.estimate);
  EXPECT_GE(a.hi, a.estimate);
  // The standard error of a median of 200 N(100, 5) draws is about 0.44;
  // a 95% interval should be roughly 4 standard errors wide.
  EXPECT_GT(a.hi - a.lo, 0.5);
  EXPECT_LT(a.hi - a.lo, 4.0);
}

TEST(Stats, SpeedupIgnoresSlowedStretchesThatMoveTheMedian) {
  // Baseline ~600 ns, candidate ~100 ns: speedup 6. Then a neighbour slows
  // 60% of the baseline's repetitions by 20-80%, as on a shared VM.
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> jitter(-2, 2), slowdown(1.2, 1.8);
  std::vector<double> base(24), cand(24);
  for (auto& x : base) x = 600 + jitter(rng);
  for (auto& x : cand) x = 100 + jitter(rng) / 6;
  for (std::size_t i = 0; i < base.size(); i += 5)
    for (std::size_t j = i; j < std::min(base.size(), i + 3); ++j) base[j] *= slowdown(rng);
  const auto median_ratio = ratio_interval(base, cand);
  const auto speedup = speedup_interval(base, cand);
  EXPECT_GT(median_ratio.estimate, 6.6) << "the slowed stretches move the median";
  EXPECT_NEAR(speedup.estimate, 6.0, 0.1);
  // A low quantile sits a little below the centre of each side's jitter, so
  // the interval is near 6, not necessarily around it: within 1% either way.
  EXPECT_NEAR(speedup.lo, 6.0, 0.06);
  EXPECT_NEAR(speedup.hi, 6.0, 0.06);
  EXPECT_THROW(speedup_interval(std::vector<double>{}, cand), std::invalid_argument);
}

TEST(Stats, RatioIntervalOfAKnownSpeedup) {
  // Baseline takes ~300 ns, candidate ~100 ns: speedup 3 with small noise.
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> jitter(-3, 3);
  std::vector<double> base(30), cand(30);
  for (auto& x : base) x = 300 + jitter(rng);
  for (auto& x : cand) x = 100 + jitter(rng) / 3;
  const auto r = ratio_interval(base, cand);
  EXPECT_NEAR(r.estimate, 3.0, 0.05);
  EXPECT_TRUE(r.contains(3.0)) << r.lo << " " << r.hi;
  EXPECT_LT(r.hi - r.lo, 0.2);
  EXPECT_TRUE(r.straddles(3.0));
  EXPECT_FALSE(r.straddles(2.0));
}
