// labkit/stats.hpp: robust statistics for noisy timings.
//
// Timings on a shared machine have long right tails (interrupts, other
// tenants), so labkit summarizes with the median and the median absolute
// deviation rather than the mean and standard deviation, and states
// uncertainty as a bootstrap confidence interval.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace labkit {

double median(std::span<const double> samples);
// Median absolute deviation from the median (unscaled).
double mad(std::span<const double> samples);
double mean(std::span<const double> samples);
// Coefficient of variation: sample standard deviation / mean.
double cv(std::span<const double> samples);
// Quantile by linear interpolation between order statistics, q in [0, 1].
double quantile(std::span<const double> samples, double q);

struct Summary {
  std::size_t n = 0;
  double min = 0, max = 0, mean = 0, median = 0, mad = 0, cv = 0;
  // MAD relative to the median: the "median absolute percentage error" that
  // nanobench reports. Above 5% a row is flagged unstable.
  double relative_mad() const { return median != 0 ? mad / median : 0; }
};
Summary summarize(std::span<const double> samples);

struct Interval {
  double estimate = 0;  // the statistic on the original samples
  double lo = 0;        // lower bound of the confidence interval
  double hi = 0;        // upper bound
  bool contains(double x) const { return lo <= x && x <= hi; }
  // True when a threshold falls inside the interval: the data cannot tell
  // which side of it the true value is on, so measure again.
  bool straddles(double threshold) const { return lo < threshold && threshold < hi; }
};

using Statistic = std::function<double(std::span<const double>)>;

// Percentile bootstrap: resample with replacement, recompute the statistic,
// take the (1-confidence)/2 tails. Deterministic for a given seed.
Interval bootstrap_interval(std::span<const double> samples, const Statistic& statistic,
                            double confidence = 0.95, int resamples = 2000,
                            std::uint64_t seed = 42);

// The ratio median(numerator) / median(denominator) of two independent sample
// sets, with a bootstrap interval that resamples each set separately.
// For a speedup pass baseline times as the numerator and candidate times as
// the denominator.
Interval ratio_interval(std::span<const double> numerator, std::span<const double> denominator,
                        double confidence = 0.95, int resamples = 2000, std::uint64_t seed = 42);

// The quantile speedups are judged on: the 10th percentile of each side's
// repetitions. On a shared machine, noise only ever adds time, and whole
// stretches of a run can be slowed (a neighbour's burst): in five runs of
// simd-dot, the scalar saxpy's median moved by 20% while its 10th percentile
// moved by 1%. A low quantile estimates what the code does when nothing
// interferes, and, unlike the minimum, one lucky repetition does not decide it.
// (Chen and Revels, "Robust benchmarking in noisy environments", 2016, make
// the same argument for the minimum.)
inline constexpr double kSpeedupQuantile = 0.10;

// A speedup: quantile(baseline, kSpeedupQuantile) / quantile(candidate, ...),
// with a bootstrap interval that resamples each set separately.
Interval speedup_interval(std::span<const double> baseline, std::span<const double> candidate,
                          double confidence = 0.95, int resamples = 2000, std::uint64_t seed = 42);

}  // namespace labkit
