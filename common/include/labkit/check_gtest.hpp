// labkit/check_gtest.hpp: GoogleTest assertions built on labkit::allclose.
//
//   EXPECT_ALLCLOSE(actual_span, expected_span, rtol, atol);
//
// On failure the message names the worst element and its error.
#pragma once
#include <gtest/gtest.h>

#include "labkit/check.hpp"

namespace labkit {

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

#define EXPECT_ALLCLOSE(actual, expected, rtol, atol) \
  EXPECT_PRED_FORMAT4(::labkit::AllClose, actual, expected, rtol, atol)
#define ASSERT_ALLCLOSE(actual, expected, rtol, atol) \
  ASSERT_PRED_FORMAT4(::labkit::AllClose, actual, expected, rtol, atol)
