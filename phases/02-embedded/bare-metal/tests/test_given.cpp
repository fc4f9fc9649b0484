// bare-metal: the given code, tested once (against the reference build):
// schedulability analysis on textbook task sets, the error bounds of the
// floating-point and biquad filters (README, "Error bounds"), and the QEMU
// runner's time limit.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "host.hpp"

namespace bare_metal_given_test {
using bare_metal::Task;

TEST(Schedulability, LiuLaylandBound) {
  EXPECT_DOUBLE_EQ(bare_metal::rm_utilization_bound(1), 1.0);
  EXPECT_NEAR(bare_metal::rm_utilization_bound(2), 0.828427, 1e-6);
  EXPECT_NEAR(bare_metal::rm_utilization_bound(3), 0.779763, 1e-6);
  EXPECT_NEAR(bare_metal::rm_utilization_bound(1000), std::log(2.0), 1e-3);  // the limit, ln 2
}

// U = 0.833 is above the 3-task bound (0.780), so the bound says nothing;
// response-time analysis: R = 1, 3, 10 (the iteration for task 3 runs
// 3 -> 6 -> 7 -> 9 -> 10 -> 10), all within their periods. The firmware's
// `sched` scenario runs this set (test_bare_metal.cpp compares).
TEST(Schedulability, ResponseTimesAboveTheUtilizationBound) {
  const std::vector<Task> set = {{1, 4, 4}, {2, 6, 6}, {3, 12, 12}};
  EXPECT_NEAR(bare_metal::utilization(set), 0.8333333, 1e-6);
  EXPECT_GT(bare_metal::utilization(set), bare_metal::rm_utilization_bound(3));
  const auto r = bare_metal::response_times(set);
  EXPECT_EQ(r, (std::vector<double>{1, 3, 10}));
  EXPECT_TRUE(bare_metal::fixed_priority_schedulable(set));
}

// A response time that lands exactly on the deadline is still schedulable:
// (1,4), (2,6), (3,10) gives R3 = 10.
TEST(Schedulability, ResponseTimeExactlyAtTheDeadline) {
  const std::vector<Task> set = {{1, 4, 4}, {2, 6, 6}, {3, 10, 10}};
  EXPECT_EQ(bare_metal::response_times(set), (std::vector<double>{1, 3, 10}));
  EXPECT_TRUE(bare_metal::fixed_priority_schedulable(set));
  const std::vector<Task> over = {{1, 4, 4}, {2, 6, 6}, {3.5, 10, 10}};
  EXPECT_FALSE(bare_metal::fixed_priority_schedulable(over)) << "half a tick more and task 3 misses";
}

// Harmonic periods: rate-monotonic schedules up to U = 1 exactly.
TEST(Schedulability, HarmonicSetAtFullUtilization) {
  const std::vector<Task> set = {{1, 2, 2}, {1, 4, 4}, {2, 8, 8}};
  EXPECT_DOUBLE_EQ(bare_metal::utilization(set), 1.0);
  EXPECT_EQ(bare_metal::response_times(set), (std::vector<double>{1, 2, 8}));
  EXPECT_TRUE(bare_metal::fixed_priority_schedulable(set));
}

// The classic pair (C, T) = (2, 5), (4, 7), U = 0.97: rate-monotonic misses
// (R2 = 4 + 2 ceil(R2 / 5) -> 8 > 7), EDF schedules it (U <= 1).
TEST(Schedulability, EdfSchedulesWhatRateMonotonicCannot) {
  const std::vector<Task> set = {{2, 5, 5}, {4, 7, 7}};
  EXPECT_FALSE(bare_metal::fixed_priority_schedulable(set));
  EXPECT_GT(bare_metal::response_times(set)[1], 7);
  EXPECT_TRUE(bare_metal::edf_schedulable(set));
  EXPECT_FALSE(bare_metal::edf_schedulable({{3, 5, 5}, {4, 7, 7}})) << "U = 1.17";
}

// Constrained deadlines: U = 0.9 but both deadlines at 3 demand 4 units by
// time 3 (processor demand criterion).
TEST(Schedulability, EdfProcessorDemandWithShortDeadlines) {
  EXPECT_FALSE(bare_metal::edf_schedulable({{2, 3, 4}, {2, 3, 5}}));
  EXPECT_TRUE(bare_metal::edf_schedulable({{1, 3, 4}, {2, 4, 5}}));
}

// ---- Error bounds of the given filters (README, "Error bounds") -------------------------------

double gamma_n(int n) {
  const double u = std::ldexp(1.0, -24);
  return n * u / (1 - n * u);
}

// Float FIR against double with the same (float) coefficients and inputs:
// |error| <= gamma_k sum_k |h_k x_{i-k}| (Higham, Accuracy and Stability of
// Numerical Algorithms, 2nd ed., section 3.1), k the number of terms.
TEST(FilterBounds, FloatFirWithinGammaBound) {
  const int taps = 32, n = 300;
  std::vector<float> h(taps), x(n), y(n);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1, 1);
  for (auto& v : h) v = u(rng) / taps;
  for (auto& v : x) v = u(rng);
  bare_metal::fir_float(h.data(), taps, x.data(), y.data(), n);
  std::vector<double> hd(h.begin(), h.end()), xd(x.begin(), x.end()), yd(n);
  bare_metal::fir_double(hd.data(), taps, xd.data(), yd.data(), n);
  for (int i = 0; i < n; ++i) {
    double mag = 0;
    int terms = 0;
    for (int k = 0; k < taps && k <= i; ++k, ++terms) mag += std::fabs(hd[k] * xd[i - k]);
    ASSERT_LE(std::fabs(y[i] - yd[i]), gamma_n(terms) * mag + 1e-30) << "y[" << i << "]";
  }
}

// A low-pass biquad (poles at radius 0.9, angle 0.3 rad). Against the double
// recursion with the same quantized coefficients, the Q15 output's error
// obeys d[n] = -a1 d[n-1] - a2 d[n-2] + e[n] with |e[n]| <= 2^-16 (one
// rounding per output), so |d| <= 2^-16 ||h_A||_1, h_A the impulse response
// of 1/A(z).
TEST(FilterBounds, BiquadQ15WithinNoiseGainBound) {
  const double r = 0.9, theta = 0.3;
  const double a1 = -2 * r * std::cos(theta), a2 = r * r;
  const double g = (1 + a1 + a2) / 4;  // unity gain at DC: b = g (1, 2, 1)
  bare_metal::BiquadQ14 c{};
  auto q14 = [](double v) { return int16_t(std::lround(v * 16384)); };
  c.b0 = q14(g), c.b1 = q14(2 * g), c.b2 = q14(g), c.a1 = q14(a1), c.a2 = q14(a2);
  const double bq[3] = {c.b0 / 16384.0, c.b1 / 16384.0, c.b2 / 16384.0}, aq[2] = {c.a1 / 16384.0, c.a2 / 16384.0};
  const int n = 2000;
  std::vector<int16_t> x(n), y(n);
  std::vector<double> xd(n), yd(n);
  std::mt19937 rng(9);
  for (int i = 0; i < n; ++i) {
    x[i] = int16_t(int(rng() % 16001) - 8000 + int(8000 * std::sin(0.02 * i)));  // |x| < 0.5: no saturation
    xd[i] = x[i] / 32768.0;
  }
  bare_metal::biquad_q15(c, x.data(), y.data(), n);
  bare_metal::biquad_double(bq, aq, xd.data(), yd.data(), n);
  const double l1 = bare_metal::allpole_l1_norm(aq[0], aq[1]);
  const double bound = std::ldexp(1.0, -16) * l1 + 1e-12;
  double worst = 0;
  for (int i = 0; i < n; ++i) {
    ASSERT_LT(std::abs(int(y[i])), 32767) << "saturated: the bound assumes none";
    worst = std::max(worst, std::fabs(y[i] / 32768.0 - yd[i]));
  }
  EXPECT_LE(worst, bound) << "||h_A||_1 = " << l1;
  EXPECT_GT(worst, bound / 50) << "the bound should be within two orders of the worst error seen";
}

// Float biquad against double with the same float coefficients: each step
// errs by at most gamma_5 times the sum of its 5 terms' magnitudes, and the
// errors propagate through 1/A(z) as above.
TEST(FilterBounds, BiquadFloatWithinPropagatedGammaBound) {
  const float a[2] = {-1.6f, 0.81f};
  const float b[3] = {0.0525f, 0.105f, 0.0525f};
  const int n = 2000;
  std::vector<float> x(n), y(n);
  std::vector<double> xd(n), yd(n);
  std::mt19937 rng(13);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  for (int i = 0; i < n; ++i) xd[i] = x[i] = u(rng);
  bare_metal::biquad_float(b, a, x.data(), y.data(), n);
  const double bd[3] = {b[0], b[1], b[2]}, ad[2] = {a[0], a[1]};
  bare_metal::biquad_double(bd, ad, xd.data(), yd.data(), n);
  double max_terms = 0;
  for (int i = 0; i < n; ++i) {
    const double x1 = i > 0 ? x[i - 1] : 0, x2 = i > 1 ? x[i - 2] : 0, y1 = i > 0 ? y[i - 1] : 0,
                 y2 = i > 1 ? y[i - 2] : 0;
    max_terms = std::max(max_terms, std::fabs(bd[0] * x[i]) + std::fabs(bd[1] * x1) + std::fabs(bd[2] * x2) +
                                        std::fabs(ad[0] * y1) + std::fabs(ad[1] * y2));
  }
  const double bound = bare_metal::allpole_l1_norm(ad[0], ad[1]) * gamma_n(5) * max_terms;
  for (int i = 0; i < n; ++i) ASSERT_LE(std::fabs(y[i] - yd[i]), bound) << "y[" << i << "]";
}

TEST(FilterBounds, AllPoleL1Norm) {
  EXPECT_NEAR(bare_metal::allpole_l1_norm(0, 0), 1.0, 1e-15);
  EXPECT_NEAR(bare_metal::allpole_l1_norm(-0.5, 0), 2.0, 1e-12) << "sum 0.5^k";
  EXPECT_NEAR(bare_metal::allpole_l1_norm(0.5, 0), 2.0, 1e-12) << "sum |(-0.5)^k|";
}

// ---- The runner ----------------------------------------------------------------------------------

// A firmware that never ends is stopped at the test's time limit, and the
// failure can show its last line.
TEST(Runner, AHangIsStoppedWithItsLastOutput) {
  const std::string why = bare_metal::firmware_missing_reason("reference");
  if (!why.empty()) GTEST_SKIP() << why;
  const auto b = bare_metal::boot_firmware(bare_metal::firmware_path("reference"), "hang", 0.7);
  EXPECT_TRUE(b.timed_out);
  EXPECT_NE(b.tail().find("hang: spinning forever"), std::string::npos) << b.tail();
}

TEST(Runner, UnknownScenarioExitsWithTwo) {
  const std::string why = bare_metal::firmware_missing_reason("reference");
  if (!why.empty()) GTEST_SKIP() << why;
  const auto b = bare_metal::boot_firmware(bare_metal::firmware_path("reference"), "no-such-thing", 10);
  EXPECT_EQ(b.exit_code, 2) << b.tail();
  EXPECT_NE(b.output.find("unknown scenario"), std::string::npos) << b.tail();
}

}  // namespace bare_metal_given_test
