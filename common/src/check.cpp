#include "labkit/check.hpp"

#include <bit>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <type_traits>

namespace labkit {

// ------------------------------------------------------------------ the seed

std::uint64_t seed() {
  const char* s = std::getenv("LABKIT_SEED");
  if (s == nullptr || *s == '\0') return kDefaultSeed;
  const std::string text(s);
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  // Digits only (strtoull alone would accept "-1", " 7" and "7abc").
  const std::size_t first = hex ? 2 : 0;
  bool digits = first < text.size();
  for (std::size_t i = first; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    digits = digits && (hex ? std::isxdigit(c) != 0 : std::isdigit(c) != 0);
  }
  errno = 0;
  const unsigned long long v = digits ? std::strtoull(text.c_str() + first, nullptr, hex ? 16 : 10) : 0;
  if (!digits || errno == ERANGE)
    throw std::invalid_argument("LABKIT_SEED=\"" + text +
                                "\" is not a seed: give an unsigned 64-bit number (decimal, or hexadecimal "
                                "with 0x), or unset it for the default " +
                                std::to_string(kDefaultSeed));
  return v;
}

// --------------------------------------------------------- rounding-error bounds

double gamma_n(std::size_t n, double u) {
  const double nu = static_cast<double>(n) * u;
  return nu < 1 ? nu / (1 - nu) : std::numeric_limits<double>::infinity();
}

double dot_error_bound(std::size_t n, double sum_abs_products, double u) { return gamma_n(n, u) * sum_abs_products; }

double gemm_error_bound(std::size_t K, double sum_abs_products, double u) {
  return dot_error_bound(K, sum_abs_products, u);
}

double sum_error_bound(std::size_t n, double sum_abs, double u) { return gamma_n(n ? n - 1 : 0, u) * sum_abs; }

double tree_sum_error_bound(std::size_t depth, double sum_abs, double u) { return gamma_n(depth, u) * sum_abs; }

double axpy_error_bound(double ax, double y, double u) { return gamma_n(2, u) * (std::abs(ax) + std::abs(y)); }

double dot_error_bound_probabilistic(std::size_t n, double sum_abs_products, double lambda, double u) {
  return lambda * std::sqrt(static_cast<double>(n) + 1) * u * sum_abs_products;
}

// ------------------------------------------------------------- the comparison

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

}  // namespace

std::uint64_t ulp_distance(float a, float b) { return ulp_distance_impl<float, std::uint32_t>(a, b); }
std::uint64_t ulp_distance(double a, double b) { return ulp_distance_impl<double, std::uint64_t>(a, b); }

std::string element_name(const Where& where, std::size_t i) {
  if (where.cols == Where::kScalar) return where.name;
  if (where.cols == 0) return where.name + "[" + std::to_string(i) + "]";
  return where.name + "[" + std::to_string(i / where.cols) + "][" + std::to_string(i % where.cols) + "]";
}

namespace detail {

namespace {
// "actual 0.3, expected 0.3" says nothing: two values that differ are printed
// with as many digits as it takes to tell them apart (9 tell floats apart,
// 17 doubles); integers exactly, from their text.
std::string two_values(double actual, double expected, const std::string& actual_text,
                       const std::string& expected_text) {
  const auto text = [](double v, int digits) {
    std::ostringstream os;
    os.precision(digits);
    os << v;
    return os.str();
  };
  std::string a = text(actual, 9), e = text(expected, 9);
  if (a == e && actual != expected) a = text(actual, 17), e = text(expected, 17);
  if (!actual_text.empty()) a = actual_text;
  if (!expected_text.empty()) e = expected_text;
  return "actual " + a + ", expected " + e;
}
}  // namespace

void describe(CloseReport& r, const Where& where, const std::string& rule) {
  std::ostringstream os;
  os.precision(9);
  if (where.cols == Where::kScalar && r.count == 1) {
    os << where.name << (rule == "exact" ? " differs from the expected value" : " outside its bound");
  } else {
    os << r.mismatches << " of " << r.count << " elements of " << where.name << " "
       << (rule == "exact" ? "differ from the expected values" : "outside their bound");
  }
  if (!rule.empty() && rule != "exact") os << " (" << rule << ")";
  os << "; " << (r.count == 1 ? "" : "first ") << element_name(where, r.first_index) << ": "
     << two_values(r.first_actual, r.first_expected, r.first_actual_text, r.first_expected_text);
  if (std::isnan(r.first_actual)) {
    os << " (NaN)";
  } else if (rule == "exact") {
    os << " (must be exact)";
  } else {
    os << ", |error| " << std::abs(r.first_actual - r.first_expected) << " > bound " << r.first_bound;
  }
  if (r.mismatches > 1 && r.worst_index != r.first_index)
    os << "; largest excess at " << element_name(where, r.worst_index) << " ("
       << two_values(r.worst_actual, r.worst_expected, r.worst_actual_text, r.worst_expected_text) << ")";
  r.message = os.str();
}

CloseReport size_mismatch(std::size_t actual, std::size_t expected, const Where& where) {
  CloseReport r;
  r.ok = false;
  r.message = "size mismatch: " + where.name + " has " + std::to_string(actual) + " elements, expected " +
              std::to_string(expected);
  return r;
}

std::string allclose_rule(double rtol, double atol) {
  std::ostringstream os;
  os << "atol=" << atol << " + rtol=" << rtol << " * |expected|";
  return os.str();
}

std::string describe_overwrites(const std::vector<std::size_t>& overwritten, std::size_t before, std::size_t rows,
                                std::size_t cols, std::size_t ld, std::size_t element_bytes) {
  if (overwritten.empty()) return "";
  const std::size_t x = overwritten.front();
  const std::size_t end = before + rows * ld;  // one past the last row (its padding included)
  std::ostringstream os;
  os << overwritten.size() << " canar" << (overwritten.size() == 1 ? "y" : "ies") << " overwritten; first ";
  if (x < before) {
    os << before - x << " element(s) before the first element (" << (before - x) * element_bytes
       << " bytes before it)";
  } else if (x >= end) {
    os << x - end + 1 << " element(s) past the end of the " << (rows > 1 ? "last row" : "buffer");
    if (rows > 1 && ld > cols) os << " (its padding included)";
  } else {
    const std::size_t off = x - before;
    os << "row " << off / ld << ", column " << off % ld << ": padding (only columns 0.." << cols - 1
       << " belong to the matrix, ld = " << ld << ")";
  }
  return os.str();
}

}  // namespace detail

CloseReport allclose(std::span<const float> actual, std::span<const float> expected, double rtol, double atol) {
  return allclose(actual, expected, rtol, atol, Where{});
}
CloseReport allclose(std::span<const double> actual, std::span<const double> expected, double rtol, double atol) {
  return allclose(actual, expected, rtol, atol, Where{});
}
CloseReport allclose(double actual, double expected, double rtol, double atol) {
  return allclose(std::span<const double>(&actual, 1), std::span<const double>(&expected, 1), rtol, atol,
                  Where{"value", Where::kScalar});
}
CloseReport within(double actual, double expected, double bound, const Where& where) {
  return within(std::span<const double>(&actual, 1), std::span<const double>(&expected, 1),
                [bound](std::size_t) { return bound; }, where);
}

}  // namespace labkit
