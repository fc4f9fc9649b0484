#include "labkit/check.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <sstream>
#include <type_traits>

namespace labkit {
namespace {

// Maps a float's bits onto a line where neighbouring floats are neighbouring
// integers, with -0 and +0 both at zero.
template <class F, class U>
std::uint64_t ulp_distance_impl(F a, F b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<std::uint64_t>::max();
  using S = std::make_signed_t<U>;
  auto ordered = [](F x) -> S {
    const S bits = static_cast<S>(std::bit_cast<U>(x));
    return bits < 0 ? std::numeric_limits<S>::min() - bits : bits;
  };
  const S ia = ordered(a), ib = ordered(b);
  return ia > ib ? static_cast<std::uint64_t>(static_cast<U>(ia) - static_cast<U>(ib))
                 : static_cast<std::uint64_t>(static_cast<U>(ib) - static_cast<U>(ia));
}

template <class T>
CloseReport allclose_impl(std::span<const T> actual, std::span<const T> expected, double rtol,
                          double atol) {
  CloseReport r;
  if (actual.size() != expected.size()) {
    r.ok = false;
    std::ostringstream os;
    os << "size mismatch: actual has " << actual.size() << " elements, expected "
       << expected.size();
    r.message = os.str();
    return r;
  }
  r.count = actual.size();
  double worst_excess = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double a = actual[i], e = expected[i];
    const double err = std::abs(a - e);
    const double tol = atol + rtol * std::abs(e);
    const bool bad = !(err <= tol);  // NaN compares false, so NaN is bad
    if (bad) ++r.mismatches;
    const double excess = std::isnan(err) ? std::numeric_limits<double>::infinity() : err - tol;
    if (excess > worst_excess) {
      worst_excess = excess;
      r.worst_index = i;
      r.worst_actual = a;
      r.worst_expected = e;
    }
    if (err > r.max_abs_error || std::isnan(err)) r.max_abs_error = err;
    if (e != 0 && err / std::abs(e) > r.max_rel_error) r.max_rel_error = err / std::abs(e);
    const auto ulp = ulp_distance(actual[i], expected[i]);
    if (ulp > r.max_ulp) r.max_ulp = ulp;
  }
  r.ok = r.mismatches == 0;
  if (!r.ok) {
    std::ostringstream os;
    os.precision(9);
    os << r.mismatches << " of " << r.count << " elements outside atol=" << atol
       << " + rtol=" << rtol << " * |expected|; worst at index " << r.worst_index
       << ": actual " << r.worst_actual << ", expected " << r.worst_expected
       << " (abs error " << std::abs(r.worst_actual - r.worst_expected) << ")";
    r.message = os.str();
  }
  return r;
}

}  // namespace

std::uint64_t ulp_distance(float a, float b) { return ulp_distance_impl<float, std::uint32_t>(a, b); }
std::uint64_t ulp_distance(double a, double b) { return ulp_distance_impl<double, std::uint64_t>(a, b); }

CloseReport allclose(std::span<const float> actual, std::span<const float> expected, double rtol,
                     double atol) {
  return allclose_impl<float>(actual, expected, rtol, atol);
}
CloseReport allclose(std::span<const double> actual, std::span<const double> expected,
                     double rtol, double atol) {
  return allclose_impl<double>(actual, expected, rtol, atol);
}
CloseReport allclose(double actual, double expected, double rtol, double atol) {
  return allclose_impl<double>(std::span<const double>(&actual, 1),
                               std::span<const double>(&expected, 1), rtol, atol);
}

}  // namespace labkit
