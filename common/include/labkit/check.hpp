// labkit/check.hpp: comparing results against a reference.
//
// An element passes when |actual - expected| <= atol + rtol * |expected|
// (the rule numpy.allclose and llm.c use). The report names the worst element,
// so a failure says where to look, not just that something is off.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace labkit {

// Distance in units in the last place between two floats: 0 for equal values,
// 1 for neighbours. NaN against anything is the maximum distance.
std::uint64_t ulp_distance(float a, float b);
std::uint64_t ulp_distance(double a, double b);

struct CloseReport {
  bool ok = true;
  std::size_t count = 0;          // elements compared
  std::size_t mismatches = 0;     // elements outside the tolerance
  std::size_t worst_index = 0;    // element with the largest excess over its tolerance
  double worst_actual = 0, worst_expected = 0;
  double max_abs_error = 0;
  double max_rel_error = 0;
  std::uint64_t max_ulp = 0;
  std::string message;            // one readable line, empty when ok
};

CloseReport allclose(std::span<const float> actual, std::span<const float> expected,
                     double rtol = 1e-5, double atol = 1e-6);
CloseReport allclose(std::span<const double> actual, std::span<const double> expected,
                     double rtol = 1e-12, double atol = 1e-14);
// One value (a dot product, a loss) against its reference.
CloseReport allclose(double actual, double expected, double rtol, double atol);

}  // namespace labkit
