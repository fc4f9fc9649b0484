// labkit/check_gtest.hpp: GoogleTest assertions built on labkit/check.hpp.
//
//   EXPECT_CLOSE(labkit::within(got, want, bound_of, {"C", N})) << "M N K = " << ...;
//   EXPECT_CLOSE(labkit::exactly_equal(bins, expected, {"bins"}));
//   EXPECT_ELEMENTS_EQ(y, expected) << "n=" << n;   // vectors of integers, bytes, exact floats
//   EXPECT_ALLCLOSE(actual_span, expected_span, rtol, atol);
//
// On failure the message is the report's one line: the first wrong element,
// both values, its bound, and how many elements are wrong in all.
#pragma once
#include <gtest/gtest.h>

#include "labkit/check.hpp"

namespace labkit {

// A report as a GoogleTest result (for a helper that returns AssertionResult).
inline ::testing::AssertionResult to_assertion(const CloseReport& r) {
  if (r.ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r.message;
}

// The predicate-formatter behind EXPECT_CLOSE: prints the report, not the expression.
inline ::testing::AssertionResult ReportOk(const char*, const CloseReport& r) { return to_assertion(r); }

// The predicate-formatter behind EXPECT_ELEMENTS_EQ: exactly_equal(), with the
// elements named after the actual expression ("first y[36]: actual 26,
// expected 52"). Use it instead of EXPECT_EQ on two containers: GoogleTest
// prints both, cut after 32 elements, so a wrong element past the 32nd shows
// as two identical-looking lists.
template <class A, class E>
::testing::AssertionResult ElementsEqual(const char* actual_expr, const char*, const A& actual, const E& expected) {
  return to_assertion(exactly_equal(actual, expected, Where{actual_expr}));
}

template <class A, class E>
::testing::AssertionResult AllClose(const char* actual_expr, const char* expected_expr,
                                    const char*, const char*, const A& actual, const E& expected,
                                    double rtol, double atol) {
  const CloseReport r = allclose(actual, expected, rtol, atol);
  if (r.ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << actual_expr << " vs " << expected_expr << ": "
                                       << r.message;
}

}  // namespace labkit

#define EXPECT_CLOSE(report) EXPECT_PRED_FORMAT1(::labkit::ReportOk, report)
#define ASSERT_CLOSE(report) ASSERT_PRED_FORMAT1(::labkit::ReportOk, report)

// Every element equal (integers, bytes, floats that must be exact), one line
// on failure: the first wrong index, both values, how many differ.
#define EXPECT_ELEMENTS_EQ(actual, expected) EXPECT_PRED_FORMAT2(::labkit::ElementsEqual, actual, expected)
#define ASSERT_ELEMENTS_EQ(actual, expected) ASSERT_PRED_FORMAT2(::labkit::ElementsEqual, actual, expected)

#define EXPECT_ALLCLOSE(actual, expected, rtol, atol) \
  EXPECT_PRED_FORMAT4(::labkit::AllClose, actual, expected, rtol, atol)
#define ASSERT_ALLCLOSE(actual, expected, rtol, atol) \
  ASSERT_PRED_FORMAT4(::labkit::AllClose, actual, expected, rtol, atol)
