#include "labkit/stats.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

namespace labkit {
namespace {

std::vector<double> sorted_copy(std::span<const double> samples) {
  if (samples.empty()) throw std::invalid_argument("labkit stats: no samples");
  std::vector<double> v(samples.begin(), samples.end());
  std::sort(v.begin(), v.end());
  return v;
}

double quantile_sorted(const std::vector<double>& v, double q) {
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = static_cast<std::size_t>(std::ceil(pos));
  const double frac = pos - static_cast<double>(lo);
  return v[lo] + (v[hi] - v[lo]) * frac;
}

// Resample `from` with replacement into `into`.
void resample(std::span<const double> from, std::vector<double>& into, std::mt19937_64& rng) {
  std::uniform_int_distribution<std::size_t> pick(0, from.size() - 1);
  into.resize(from.size());
  for (auto& x : into) x = from[pick(rng)];
}

Interval percentile_interval(double estimate, std::vector<double>& replicates, double confidence) {
  std::sort(replicates.begin(), replicates.end());
  const double tail = (1.0 - confidence) / 2.0;
  return {estimate, quantile_sorted(replicates, tail), quantile_sorted(replicates, 1.0 - tail)};
}

}  // namespace

double median(std::span<const double> samples) { return quantile(samples, 0.5); }

double quantile(std::span<const double> samples, double q) {
  if (q < 0 || q > 1) throw std::invalid_argument("labkit stats: quantile q must be in [0, 1]");
  return quantile_sorted(sorted_copy(samples), q);
}

double mad(std::span<const double> samples) {
  const double m = median(samples);
  std::vector<double> dev(samples.size());
  std::transform(samples.begin(), samples.end(), dev.begin(), [m](double x) { return std::abs(x - m); });
  return median(dev);
}

double mean(std::span<const double> samples) {
  if (samples.empty()) throw std::invalid_argument("labkit stats: no samples");
  double sum = 0;
  for (double x : samples) sum += x;
  return sum / static_cast<double>(samples.size());
}

double cv(std::span<const double> samples) {
  if (samples.size() < 2) return 0;
  const double m = mean(samples);
  double ss = 0;
  for (double x : samples) ss += (x - m) * (x - m);
  const double sd = std::sqrt(ss / static_cast<double>(samples.size() - 1));
  return m != 0 ? sd / m : 0;
}

Summary summarize(std::span<const double> samples) {
  const auto v = sorted_copy(samples);
  Summary s;
  s.n = v.size();
  s.min = v.front();
  s.max = v.back();
  s.mean = mean(v);
  s.median = quantile_sorted(v, 0.5);
  s.mad = mad(v);
  s.cv = cv(v);
  return s;
}

Interval bootstrap_interval(std::span<const double> samples, const Statistic& statistic,
                            double confidence, int resamples, std::uint64_t seed) {
  if (samples.empty()) throw std::invalid_argument("labkit stats: no samples");
  std::mt19937_64 rng(seed);
  std::vector<double> replicates(static_cast<std::size_t>(resamples));
  std::vector<double> draw;
  for (auto& r : replicates) {
    resample(samples, draw, rng);
    r = statistic(draw);
  }
  return percentile_interval(statistic(samples), replicates, confidence);
}

namespace {

// statistic(numerator) / statistic(denominator), each set resampled on its own.
Interval bootstrap_ratio(std::span<const double> numerator, std::span<const double> denominator,
                         const Statistic& statistic, double confidence, int resamples, std::uint64_t seed) {
  if (numerator.empty() || denominator.empty())
    throw std::invalid_argument("labkit stats: ratio of an empty sample set");
  std::mt19937_64 rng(seed);
  std::vector<double> replicates(static_cast<std::size_t>(resamples));
  std::vector<double> num, den;
  for (auto& r : replicates) {
    resample(numerator, num, rng);
    resample(denominator, den, rng);
    r = statistic(num) / statistic(den);
  }
  return percentile_interval(statistic(numerator) / statistic(denominator), replicates, confidence);
}

}  // namespace

Interval ratio_interval(std::span<const double> numerator, std::span<const double> denominator,
                        double confidence, int resamples, std::uint64_t seed) {
  return bootstrap_ratio(numerator, denominator, [](std::span<const double> s) { return median(s); }, confidence,
                         resamples, seed);
}

Interval speedup_interval(std::span<const double> baseline, std::span<const double> candidate, double confidence,
                          int resamples, std::uint64_t seed) {
  return bootstrap_ratio(baseline, candidate, [](std::span<const double> s) { return quantile(s, kSpeedupQuantile); },
                         confidence, resamples, seed);
}

}  // namespace labkit
