#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "labkit/check.hpp"
#include "labkit/check_gtest.hpp"
#include "labkit/todo.hpp"

using namespace labkit;

TEST(Check, UlpDistanceOfNeighbours) {
  const float one = 1.0f;
  EXPECT_EQ(ulp_distance(one, one), 0u);
  EXPECT_EQ(ulp_distance(one, std::nextafter(one, 2.0f)), 1u);
  EXPECT_EQ(ulp_distance(std::nextafter(one, 2.0f), one), 1u);
  // Across zero: -denorm_min, 0, +denorm_min are neighbours; -0 equals +0.
  EXPECT_EQ(ulp_distance(0.0f, -0.0f), 0u);
  EXPECT_EQ(ulp_distance(-std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::denorm_min()), 2u);
  EXPECT_EQ(ulp_distance(1.0, std::nextafter(1.0, 0.0)), 1u);
  EXPECT_EQ(ulp_distance(std::nanf(""), 1.0f), std::numeric_limits<std::uint64_t>::max());
}

TEST(Check, AllcloseAcceptsWithinTolerance) {
  std::vector<float> expected{1.0f, 100.0f, 0.0f};
  std::vector<float> actual{1.0f + 1e-6f, 100.0f + 5e-4f, 5e-7f};
  const auto r = allclose(actual, expected, 1e-5, 1e-6);
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.mismatches, 0u);
  EXPECT_TRUE(r.message.empty());
}

TEST(Check, AllcloseNamesTheWorstIndex) {
  std::vector<float> expected{1, 2, 3, 4, 5};
  std::vector<float> actual{1, 2.1f, 3, 4.5f, 5};
  const auto r = allclose(actual, expected, 1e-5, 1e-6);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.mismatches, 2u);
  EXPECT_EQ(r.worst_index, 3u);
  EXPECT_NEAR(r.max_abs_error, 0.5, 1e-6);
  // The message leads with the first wrong element and names the worst too.
  EXPECT_EQ(r.first_index, 1u);
  EXPECT_NE(r.message.find("first x[1]"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("largest excess at x[3]"), std::string::npos) << r.message;
}

TEST(Check, NanIsNeverClose) {
  std::vector<float> expected{1, 2};
  std::vector<float> actual{1, std::nanf("")};
  const auto r = allclose(actual, expected, 1.0, 1.0);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.worst_index, 1u);
}

TEST(Check, SizeMismatchIsReported) {
  std::vector<double> a{1, 2}, b{1};
  const auto r = allclose(a, b);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("size mismatch"), std::string::npos);
}

TEST(Check, ScalarOverload) {
  EXPECT_TRUE(allclose(1.0 + 1e-9, 1.0, 1e-8, 0).ok);
  EXPECT_FALSE(allclose(1.1, 1.0, 1e-3, 1e-3).ok);
}

TEST(Check, GtestMacroPassesAndFails) {
  std::vector<float> a{1, 2}, b{1, 2};
  EXPECT_ALLCLOSE(std::span<const float>(a), std::span<const float>(b), 1e-6, 0);
  const auto failure = labkit::AllClose("a", "b", "r", "t", std::span<const float>(a),
                                        std::span<const float>(std::vector<float>{1, 3}), 1e-6, 0.0);
  EXPECT_FALSE(failure);
  EXPECT_NE(std::string(failure.message()).find("x[1]"), std::string::npos) << failure.message();
}

// ---------------------------------------------------------------- within()

TEST(Within, KnownMismatchNamesFirstIndexBothValuesBoundAndCount) {
  const std::vector<float> actual{1.0f, 2.5f, 3.0f, 4.0f, 7.0f, 6.0f};
  const std::vector<double> expected{1.0, 2.0, 3.0, 4.0, 5.0, 6.0};
  const std::vector<double> bound{0.1, 0.25, 0.1, 0.1, 0.5, 0.1};
  const CloseReport r = within(actual, expected, std::span<const double>(bound), {"y"});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.count, 6u);
  EXPECT_EQ(r.mismatches, 2u);
  EXPECT_EQ(r.first_index, 1u);
  EXPECT_EQ(r.first_actual, 2.5);
  EXPECT_EQ(r.first_expected, 2.0);
  EXPECT_EQ(r.first_bound, 0.25);
  EXPECT_EQ(r.worst_index, 4u);  // excess 1.5 over 0.5, against 0.25 at index 1
  EXPECT_EQ(r.message,
            "2 of 6 elements of y outside their bound; first y[1]: actual 2.5, expected 2, |error| 0.5 > bound 0.25; "
            "largest excess at y[4] (actual 7, expected 5)");
}

TEST(Within, MessageNeverListsTheVectors) {
  // 10000 wrong elements: the message stays one short line.
  std::vector<double> actual(10000, 1.0), expected(10000, 0.0);
  const CloseReport r = within(actual, expected, [](std::size_t) { return 0.5; }, {"big"});
  EXPECT_EQ(r.mismatches, 10000u);
  EXPECT_EQ(r.first_index, 0u);
  EXPECT_LT(r.message.size(), 200u) << r.message;
  EXPECT_EQ(r.message.find('\n'), std::string::npos);
}

TEST(Within, CallableBoundPerElementAndMatrixNames) {
  // A 2 x 3 matrix, bound 0.1 * (column + 1): only C[1][0] (error 0.2 > 0.1) is wrong.
  const std::vector<float> actual{0.0f, 0.15f, 0.25f, 0.2f, 0.0f, 0.0f};
  const std::vector<float> expected(6, 0.0f);
  const CloseReport r = within(actual, expected, [](std::size_t i) { return 0.1 * (i % 3 + 1); }, {"C", 3});
  EXPECT_EQ(r.mismatches, 1u);
  EXPECT_EQ(r.first_index, 3u);
  EXPECT_NE(r.message.find("first C[1][0]: actual 0.200000003, expected 0"), std::string::npos) << r.message;
  EXPECT_TRUE(within(actual, expected, [](std::size_t) { return 0.25; }).ok);
}

TEST(Within, NanIsWrongWhateverTheBoundAndSaysSo) {
  const std::vector<float> actual{1.0f, std::nanf("")};
  const std::vector<double> expected{1.0, 2.0};
  const CloseReport r = within(actual, expected, [](std::size_t) { return 1e30; }, {"y"});
  EXPECT_EQ(r.mismatches, 1u);
  EXPECT_EQ(r.first_index, 1u);
  EXPECT_NE(r.message.find("(NaN)"), std::string::npos) << r.message;
}

TEST(Within, SizeMismatchAndBoundsOfTheWrongLength) {
  const std::vector<float> a{1, 2}, b{1};
  EXPECT_NE(within(a, b, [](std::size_t) { return 0.0; }).message.find("size mismatch"), std::string::npos);
  const std::vector<double> bounds{1.0};
  const CloseReport r = within(a, a, std::span<const double>(bounds));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("bounds"), std::string::npos) << r.message;
}

TEST(Within, ScalarValue) {
  EXPECT_TRUE(within(1.0 + 1e-9, 1.0, 1e-8).ok);
  const CloseReport r = within(1.5, 1.0, 0.25, {"dot", Where::kScalar});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "dot outside its bound; dot: actual 1.5, expected 1, |error| 0.5 > bound 0.25");
}

TEST(ExactlyEqual, IntegersOfEveryWidth) {
  const std::vector<std::int32_t> got{5, 6, 7, -8}, want{5, 6, 8, -10};
  const CloseReport r = exactly_equal(got, want, {"C"});
  EXPECT_EQ(r.mismatches, 2u);
  EXPECT_EQ(r.first_index, 2u);
  EXPECT_EQ(r.message,
            "2 of 4 elements of C differ from the expected values; first C[2]: actual 7, expected 8 (must be exact); "
            "largest excess at C[3] (actual -8, expected -10)");
  // Values a double cannot tell apart are still different integers.
  const std::vector<std::int64_t> big{(std::int64_t{1} << 62) + 1}, big2{std::int64_t{1} << 62};
  EXPECT_FALSE(exactly_equal(big, big2).ok);
  const std::vector<std::uint32_t> bins{3, 0}, bins2{3, 0};
  EXPECT_TRUE(exactly_equal(bins, bins2).ok);
  const std::vector<std::int8_t> q{-128, 127}, q2{-128, 126};
  EXPECT_EQ(exactly_equal(q, q2).first_index, 1u);
}

TEST(ExactlyEqual, FloatsAndNan) {
  const std::vector<float> a{0.0f, 1.0f}, b{-0.0f, 1.0f};
  EXPECT_TRUE(exactly_equal(a, b).ok);  // -0 == +0
  const std::vector<float> n{std::nanf(""), 1.0f};
  EXPECT_FALSE(exactly_equal(n, n).ok);
}

TEST(Within, GtestMacroPrintsTheReport) {
  const std::vector<float> a{1, 2}, b{1, 2};
  EXPECT_CLOSE(exactly_equal(a, b));
  const std::vector<float> c{1, 3};
  const auto result = ReportOk("unused", exactly_equal(a, c, {"v"}));
  EXPECT_FALSE(result);
  EXPECT_NE(std::string(result.message()).find("first v[1]: actual 2, expected 3"), std::string::npos)
      << result.message();
  EXPECT_TRUE(to_assertion(exactly_equal(a, b)));
}

TEST(ExactlyEqual, BigIntegersAndCloseDoublesPrintDifferently) {
  // 2^62 + 1 and 2^62 are the same double: the message prints the integers.
  const std::vector<std::int64_t> big{(std::int64_t{1} << 62) + 1}, big2{std::int64_t{1} << 62};
  EXPECT_EQ(exactly_equal(big, big2, {"n"}).message,
            "1 of 1 elements of n differ from the expected values; n[0]: actual 4611686018427387905, "
            "expected 4611686018427387904 (must be exact)");
  // 0.1 + 0.2 and 0.3 agree to 9 digits: printed with 17.
  const std::vector<double> sum{0.1 + 0.2}, third{0.3};
  EXPECT_NE(exactly_equal(sum, third, {"s"}).message.find("actual 0.30000000000000004, expected 0.29999999999999999"),
            std::string::npos)
      << exactly_equal(sum, third, {"s"}).message;
}

// EXPECT_ELEMENTS_EQ: what a saxpy with a wrong tail printed through EXPECT_EQ
// was two identical 32-element lists (GoogleTest cuts them); now it is the element.
TEST(ElementsEq, NamesTheFirstWrongIndexBothValuesAndTheCount) {
  std::vector<float> y(37), expected(37);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = expected[i] = static_cast<float>(2 * i);
  EXPECT_ELEMENTS_EQ(y, expected);
  y[36] = 26;
  const auto result = ElementsEqual("y", "expected", y, expected);
  EXPECT_FALSE(result);
  EXPECT_STREQ(result.message(),
               "1 of 37 elements of y differ from the expected values; first y[36]: actual 26, expected 72 "
               "(must be exact)");
  y[3] = 5;
  EXPECT_STREQ(ElementsEqual("y", "expected", y, expected).message(),
               "2 of 37 elements of y differ from the expected values; first y[3]: actual 5, expected 6 "
               "(must be exact); largest excess at y[36] (actual 26, expected 72)");
}

TEST(ElementsEq, MacroFailsWithTheReportAndTakesIntegersAndSizes) {
  const std::vector<std::uint8_t> out{12, 9, 13, 8};
  EXPECT_ELEMENTS_EQ(out, (std::vector<std::uint8_t>{12, 9, 13, 8}));
  EXPECT_NONFATAL_FAILURE(EXPECT_ELEMENTS_EQ(out, (std::vector<std::uint8_t>{12, 9, 14, 8})),
                          "first out[2]: actual 13, expected 14");
  EXPECT_NONFATAL_FAILURE(EXPECT_ELEMENTS_EQ(out, (std::vector<int>{12, 9, 13})),
                          "size mismatch: out has 4 elements, expected 3");
  EXPECT_FATAL_FAILURE(ASSERT_ELEMENTS_EQ(std::vector<int>{1}, std::vector<int>{2}), "actual 1, expected 2");
}

// ---------------------------------------------------------------- the seed

// Sets or unsets LABKIT_SEED for one scope and restores it afterwards.
class SeedEnv {
 public:
  explicit SeedEnv(const char* value) {
    if (const char* old = std::getenv("LABKIT_SEED")) old_ = old;
    if (value) setenv("LABKIT_SEED", value, 1);
    else unsetenv("LABKIT_SEED");
  }
  ~SeedEnv() {
    if (old_) setenv("LABKIT_SEED", old_->c_str(), 1);
    else unsetenv("LABKIT_SEED");
  }

 private:
  std::optional<std::string> old_;
};

TEST(Seed, DefaultWhenUnsetOrEmpty) {
  {
    SeedEnv env(nullptr);
    EXPECT_EQ(seed(), kDefaultSeed);
    EXPECT_EQ(seed(), 20261126u);
  }
  SeedEnv env("");
  EXPECT_EQ(seed(), kDefaultSeed);
}

TEST(Seed, ValueWhenSet) {
  {
    SeedEnv env("7");
    EXPECT_EQ(seed(), 7u);
  }
  {
    SeedEnv env("18446744073709551615");
    EXPECT_EQ(seed(), 18446744073709551615ull);
  }
  SeedEnv env("0x10");
  EXPECT_EQ(seed(), 16u);
}

TEST(Seed, GarbageIsAnErrorThatNamesTheVariable) {
  for (const char* bad : {"abc", "7abc", "-1", " 7", "0x", "18446744073709551616"}) {
    SeedEnv env(bad);
    try {
      seed();
      ADD_FAILURE() << "LABKIT_SEED=" << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("LABKIT_SEED"), std::string::npos) << e.what();
    }
  }
}

// ---------------------------------------------------------------- error bounds

TEST(Bounds, GammaMatchesTheFormula) {
  const double u = std::ldexp(1.0, -24);
  EXPECT_EQ(unit_roundoff<float>(), u);
  EXPECT_EQ(unit_roundoff<double>(), std::ldexp(1.0, -53));
  EXPECT_EQ(gamma_n(0), 0.0);
  EXPECT_DOUBLE_EQ(gamma_n(1000), 1000 * u / (1 - 1000 * u));
  EXPECT_DOUBLE_EQ(gamma_n(10, 0.01), 0.1 / 0.9);
  EXPECT_TRUE(std::isinf(gamma_n(100, 0.01)));  // n u >= 1: no bound
}

TEST(Bounds, KnownCases) {
  const double u = std::ldexp(1.0, -24);
  // K = 256, sum |a b| = 64: gamma_256 * 64.
  EXPECT_DOUBLE_EQ(gemm_error_bound(256, 64.0), 256 * u / (1 - 256 * u) * 64.0);
  EXPECT_EQ(dot_error_bound(256, 64.0), gemm_error_bound(256, 64.0));
  // 1000 terms in a loop: at most 999 additions each.
  EXPECT_DOUBLE_EQ(sum_error_bound(1000, 2.0), 999 * u / (1 - 999 * u) * 2.0);
  EXPECT_EQ(sum_error_bound(1, 2.0), 0.0);  // one term: nothing is added
  EXPECT_DOUBLE_EQ(tree_sum_error_bound(10, 3.0), 10 * u / (1 - 10 * u) * 3.0);
  EXPECT_DOUBLE_EQ(axpy_error_bound(0.5, -0.25), 2 * u / (1 - 2 * u) * 0.75);
  EXPECT_DOUBLE_EQ(dot_error_bound_probabilistic(99, 5.0), 4.0 * 10.0 * u * 5.0);
  EXPECT_DOUBLE_EQ(dot_error_bound(1000, 1.0, unit_roundoff<double>()), gamma_n(1000, std::ldexp(1.0, -53)));
}

TEST(Bounds, HoldForAFloatDotAndCatchADroppedTerm) {
  // A float dot product in plain loop order stays within gamma_n sum |x y| of
  // the double answer; the same loop missing its last product (4) does not.
  const std::size_t n = 4097;
  std::vector<float> x(n), y(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = static_cast<float>(std::sin(0.37 * i));
    y[i] = static_cast<float>(std::cos(0.11 * i + 1));
  }
  x[n - 1] = y[n - 1] = 2.0f;  // the product to drop: 4, above gamma_n sum |x y| (about 0.3)
  double exact = 0, sum_abs = 0;
  float computed = 0, dropped = 0;
  for (std::size_t i = 0; i < n; ++i) {
    exact += static_cast<double>(x[i]) * y[i];
    sum_abs += std::abs(static_cast<double>(x[i]) * y[i]);
    computed += x[i] * y[i];
    if (i + 1 < n) dropped += x[i] * y[i];
  }
  EXPECT_TRUE(within(computed, exact, dot_error_bound(n, sum_abs)).ok);
  EXPECT_TRUE(within(computed, exact, dot_error_bound_probabilistic(n, sum_abs)).ok);
  EXPECT_FALSE(within(dropped, exact, dot_error_bound(n, sum_abs)).ok);
}

// ---------------------------------------------------------------- guarded buffers

TEST(Guarded, IntactBufferAndItsLayout) {
  GuardedBuffer<float> b(10, 3);
  EXPECT_EQ(b.size(), 10u);
  EXPECT_TRUE(b.canaries_intact());
  EXPECT_EQ(b.canaries_report(), "");
  // The payload starts `misalign` elements past a 64-byte boundary, and as canaries.
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b.data()) % 64, 3 * sizeof(float));
  EXPECT_EQ(b[0], default_canary<float>());
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(i);  // the payload is free to write
  EXPECT_TRUE(b.canaries_intact());
  EXPECT_EQ(b.payload(), (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(Guarded, WriteBeforeTheBufferIsCaught) {
  GuardedBuffer<float> b(10);
  b.data()[-1] = 0.0f;
  EXPECT_EQ(b.canaries_report(), "1 canary overwritten; first 1 element(s) before the first element (4 bytes before it)");
  b.data()[-3] = 0.0f;
  EXPECT_EQ(b.canaries_report(), "2 canaries overwritten; first 3 element(s) before the first element (12 bytes before it)");
}

TEST(Guarded, WriteAfterTheBufferIsCaught) {
  GuardedBuffer<std::int32_t> b(7);
  EXPECT_EQ(b.canary(), static_cast<std::int32_t>(0x5EADBEEF));
  b.data()[7] = 0;  // one past the end
  EXPECT_EQ(b.canaries_report(), "1 canary overwritten; first 1 element(s) past the end of the buffer");
  GuardedBuffer<std::int8_t> c(5);
  c.data()[5 + 10] = 1;
  EXPECT_EQ(c.canaries_report(), "1 canary overwritten; first 11 element(s) past the end of the buffer");
  GuardedBuffer<double> d(0);  // empty: everything is canary
  d.storage()[d.payload_offset()] = 1.0;
  EXPECT_FALSE(d.canaries_intact());
}

TEST(Guarded, MatrixPaddingIsGuardedAndInputsCompare) {
  GuardedMatrix<float> m(3, 4, 6, 1);  // 3 x 4 in rows of 6: columns 4 and 5 are padding
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 4; ++j) m.at(i, j) = 1.0f;
  EXPECT_TRUE(m.canaries_intact());
  const GuardedMatrix<float> before = m;
  EXPECT_TRUE(m == before);
  m.data()[1 * 6 + 5] = 2.0f;
  EXPECT_FALSE(m == before);
  EXPECT_EQ(m.canaries_report(),
            "1 canary overwritten; first row 1, column 5: padding (only columns 0..3 belong to the matrix, ld = 6)");
  m.data()[1 * 6 + 5] = m.canary();
  m.data()[2 * 6 + 4] = 3.0f;  // the last row's padding
  EXPECT_NE(m.canaries_report().find("row 2, column 4"), std::string::npos) << m.canaries_report();
  m.data()[2 * 6 + 4] = m.canary();
  m.data()[3 * 6] = 3.0f;  // past the last row's padding
  EXPECT_EQ(m.canaries_report(), "1 canary overwritten; first 1 element(s) past the end of the last row (its padding included)");
  EXPECT_EQ(m.payload().size(), 12u);
}

TEST(Guarded, NanCanaryComparesByBits) {
  GuardedBuffer<float> b(4, 0, std::numeric_limits<float>::quiet_NaN());
  EXPECT_TRUE(b.canaries_intact());
  b.data()[4] = 0.0f;
  EXPECT_FALSE(b.canaries_intact());
}

TEST(Check, TodoCarriesFileLineAndNumber) {
  try {
    LABKIT_TODO(3, "write the kernel");
    FAIL() << "LABKIT_TODO did not throw";
  } catch (const NotImplemented& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("test_check.cpp:"), std::string::npos) << what;
    EXPECT_NE(what.find("TODO(3): write the kernel"), std::string::npos) << what;
  }
}
