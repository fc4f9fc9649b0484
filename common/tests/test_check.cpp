#include <gtest/gtest.h>

#include <cmath>
#include <limits>
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
  EXPECT_NE(r.message.find("index 3"), std::string::npos) << r.message;
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
  EXPECT_NE(std::string(failure.message()).find("index 1"), std::string::npos);
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
