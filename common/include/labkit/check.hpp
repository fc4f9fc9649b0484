// labkit/check.hpp: holding a result to its reference, the way every lab does.
//
//   seed()                   the tests' and benches' random inputs: LABKIT_SEED,
//                            else kDefaultSeed (graders set it; see below)
//   GuardedBuffer<T>         an output (or input) with canaries before and after
//   GuardedMatrix<T>         ... and in every row's padding (ld > cols)
//   within(a, e, bound)      |a[i] - e[i]| <= bound(i) for every element; the
//                            report names the FIRST wrong element, both values,
//                            its bound, and how many are wrong in all
//   exactly_equal(a, e)      the same with bound 0 (integers, exact float sums);
//                            EXPECT_ELEMENTS_EQ(a, e) in a GoogleTest
//   allclose(a, e, rtol, atol)  bound = atol + rtol |e| (numpy.allclose, llm.c)
//   gamma_n(n), dot_error_bound(), gemm_error_bound(), sum_error_bound(),
//   tree_sum_error_bound(), axpy_error_bound(), dot_error_bound_probabilistic()
//                            the rounding-error bounds, each with its source
//
// A mismatch message is one line and never a dump of the vectors, e.g.
//   3 of 1089 elements of C outside their bound; first C[0][2]: actual 1.5,
//   expected 1.25, |error| 0.25 > bound 2.4e-06; largest excess at C[7][1]
// GoogleTest glue (EXPECT_CLOSE, EXPECT_ELEMENTS_EQ, EXPECT_ALLCLOSE) is in
// labkit/check_gtest.hpp.
#pragma once
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <ranges>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace labkit {

// ------------------------------------------------------------------ the seed

// The seed of every lab's random inputs when LABKIT_SEED is unset or empty.
// Tests add their own salt (the length, the shape) to it, so each case has
// its own stream. A grade sets LABKIT_SEED to a fresh value, so a submission
// is tested on inputs its author never saw (docs/instructors.md).
inline constexpr std::uint64_t kDefaultSeed = 20261126;

// LABKIT_SEED as an unsigned number (decimal, or hexadecimal with 0x), or
// kDefaultSeed when unset or empty. Anything else throws std::invalid_argument
// with a message that names the variable and the bad value: a typo must not
// quietly test on seed 0.
std::uint64_t seed();

// --------------------------------------------------------- rounding-error bounds
//
// Source: N. J. Higham, "Accuracy and Stability of Numerical Algorithms",
// 2nd ed., SIAM, 2002. Its model of floating-point arithmetic (section 2.2):
// fl(x op y) = (x op y)(1 + d), |d| <= u, the unit roundoff, for +, -, *, /
// and for an FMA's one rounding; underflow is outside the model (add
// kUnderflowSlack where results can be tiny).

// u: half the distance from 1 to the next number: 2^-24 (float), 2^-53 (double).
template <class T>
constexpr double unit_roundoff() {
  return static_cast<double>(std::numeric_limits<T>::epsilon()) / 2;
}
inline constexpr double kUnitRoundoffFloat = 0x1p-24;

// An absolute slack for results that underflow, which the model excludes: far
// below any error a wrong kernel makes, far above n times float's smallest
// subnormal (1.4e-45) for any n a test uses.
inline constexpr double kUnderflowSlack = 1e-30;

// gamma_n = n u / (1 - n u) (Higham, Lemma 3.1): n roundings, each a factor
// (1 + d_i)^(+-1), multiply a value by at most 1 + theta_n, |theta_n| <= gamma_n.
// +infinity when n u >= 1, where the lemma says nothing.
double gamma_n(std::size_t n, double u = kUnitRoundoffFloat);

// A dot product of length n, sum_i x_i y_i, summed in ANY order (a loop,
// vector lanes, a tree, threads), with or without FMA:
//   |computed - exact| <= gamma_n sum_i |x_i y_i|
// (Higham, section 3.1: each product passes through at most n roundings).
// sum_abs_products is sum_i |x_i y_i|, computed in double beside the reference.
double dot_error_bound(std::size_t n, double sum_abs_products, double u = kUnitRoundoffFloat);

// One element of C = A B with inner dimension K is a dot product of length K:
//   |C_ij computed - C_ij exact| <= gamma_K sum_k |A_ik B_kj|
// (Higham, section 3.5: |C - fl(AB)| <= gamma_K |A| |B|, elementwise). A
// blocked, packed, vectorized or threaded GEMM keeps it: it only reorders sums.
double gemm_error_bound(std::size_t K, double sum_abs_products, double u = kUnitRoundoffFloat);

// A sum of n terms in any order: |computed - exact| <= gamma_{n-1} sum_i |x_i|
// (Higham, section 4.2: recursive summation; any order, because no term passes
// through more than n - 1 additions).
double sum_error_bound(std::size_t n, double sum_abs, double u = kUnitRoundoffFloat);

// A sum in which no term passes through more than `depth` additions (a tree
// of that depth: pairwise summation has depth ceil(log2 n), a GPU block
// reduction log2 of its width per level):
//   |computed - exact| <= gamma_depth sum_i |x_i|   (Higham, section 4.2).
double tree_sum_error_bound(std::size_t depth, double sum_abs, double u = kUnitRoundoffFloat);

// a x + y for one element, ax = a * x exact (in double): a multiply and an
// add round twice, an FMA once, so |computed - exact| <= gamma_2 (|ax| + |y|)
// (Higham, Lemma 3.1 with n = 2).
double axpy_error_bound(double ax, double y, double u = kUnitRoundoffFloat);

// A dot product (or sum) of n random terms: lambda sqrt(n + 1) u sum|x_i y_i|,
// the first-order form of the probabilistic bound of N. J. Higham and T. Mary,
// "A New Approach to Probabilistic Rounding Error Analysis", SIAM J. Sci.
// Comput. 41(5), 2019: rounding errors of mean zero grow like sqrt(n), not n,
// whatever the summation order. It holds with high probability, not with
// certainty, so it is for random data only; there it is far tighter than
// dot_error_bound() and still catches a lost precision (a half-precision
// accumulator, a sum restarted halfway). The labs use lambda = 4.
double dot_error_bound_probabilistic(std::size_t n, double sum_abs_products, double lambda = 4.0,
                                     double u = kUnitRoundoffFloat);

// ------------------------------------------------------------- the comparison

// Distance in units in the last place between two floats: 0 for equal values,
// 1 for neighbours. NaN against anything is the maximum distance.
std::uint64_t ulp_distance(float a, float b);
std::uint64_t ulp_distance(double a, double b);

// How a message names element i: name[i], or name[row][col] for a row-major
// matrix of `cols` columns, or just name for one value (cols = Where::kScalar).
struct Where {
  static constexpr std::size_t kScalar = std::numeric_limits<std::size_t>::max();
  std::string name = "x";
  std::size_t cols = 0;
};
std::string element_name(const Where& where, std::size_t i);

struct CloseReport {
  bool ok = true;
  std::size_t count = 0;          // elements compared
  std::size_t mismatches = 0;     // elements outside their bound
  // The first element outside its bound: where to start looking.
  std::size_t first_index = 0;
  double first_actual = 0, first_expected = 0, first_bound = 0;
  // The element with the largest excess over its bound.
  std::size_t worst_index = 0;
  double worst_actual = 0, worst_expected = 0;
  // Integers: the exact values (a double rounds those above 2^53, so two
  // different 64-bit values could print the same). Empty for floating types.
  std::string first_actual_text, first_expected_text, worst_actual_text, worst_expected_text;
  double max_abs_error = 0;
  double max_rel_error = 0;
  std::uint64_t max_ulp = 0;      // same floating type on both sides only
  std::string message;            // one readable line, empty when ok
};

namespace detail {
// Fills r.message from r's fields. rule: how the bound was set ("" for
// caller-supplied bounds, "exact" for bound 0, "atol=... + rtol=... |expected|").
void describe(CloseReport& r, const Where& where, const std::string& rule);
CloseReport size_mismatch(std::size_t actual, std::size_t expected, const Where& where);
std::string allclose_rule(double rtol, double atol);

template <class R>
auto as_span(const R& r) {
  return std::span<const std::ranges::range_value_t<R>>(std::ranges::data(r), std::ranges::size(r));
}

template <class A, class E, class BoundOf>
CloseReport compare(std::span<const A> actual, std::span<const E> expected, BoundOf&& bound_of, const Where& where,
                    const std::string& rule) {
  static_assert(std::is_arithmetic_v<A> && std::is_arithmetic_v<E>, "compare numbers");
  if (actual.size() != expected.size()) return size_mismatch(actual.size(), expected.size(), where);
  CloseReport r;
  r.count = actual.size();
  double worst_excess = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double a = static_cast<double>(actual[i]), e = static_cast<double>(expected[i]);
    const double bound = static_cast<double>(bound_of(i));
    double err;
    if constexpr (std::is_integral_v<A> && std::is_integral_v<E>) {
      // Exact for any 64-bit integers (long double has a 64-bit significand on x86).
      err = static_cast<double>(std::abs(static_cast<long double>(actual[i]) - static_cast<long double>(expected[i])));
      if (err == 0 && !std::cmp_equal(actual[i], expected[i])) err = 1;
    } else {
      err = std::abs(a - e);
    }
    const bool bad = !(err <= bound);  // NaN compares false: NaN is always wrong
    if (bad && r.mismatches++ == 0) {
      r.first_index = i;
      r.first_actual = a;
      r.first_expected = e;
      r.first_bound = bound;
      if constexpr (std::is_integral_v<A>) r.first_actual_text = std::to_string(+actual[i]);
      if constexpr (std::is_integral_v<E>) r.first_expected_text = std::to_string(+expected[i]);
    }
    const double excess = std::isnan(err) ? std::numeric_limits<double>::infinity() : err - bound;
    if (excess > worst_excess) {
      worst_excess = excess;
      r.worst_index = i;
      r.worst_actual = a;
      r.worst_expected = e;
      if constexpr (std::is_integral_v<A>) r.worst_actual_text = std::to_string(+actual[i]);
      if constexpr (std::is_integral_v<E>) r.worst_expected_text = std::to_string(+expected[i]);
    }
    if (err > r.max_abs_error || std::isnan(err)) r.max_abs_error = err;
    if (e != 0 && err / std::abs(e) > r.max_rel_error) r.max_rel_error = err / std::abs(e);
    if constexpr (std::is_same_v<A, E> && (std::is_same_v<A, float> || std::is_same_v<A, double>)) {
      const auto ulp = ulp_distance(actual[i], expected[i]);
      if (ulp > r.max_ulp) r.max_ulp = ulp;
    }
  }
  r.ok = r.mismatches == 0;
  if (!r.ok) describe(r, where, rule);
  return r;
}
}  // namespace detail

template <class R>
concept NumberRange = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
                      std::is_arithmetic_v<std::ranges::range_value_t<R>>;

// Every element within its own bound: |actual[i] - expected[i]| <= bound_of(i).
// actual and expected: vectors, spans or arrays of any number type (a float
// result against a double reference is the usual pair). bound_of: a callable
// taking the index, e.g. [&](std::size_t i) { return gemm_error_bound(K, abs_sum[i]); }.
template <NumberRange A, NumberRange E, class BoundOf>
  requires std::invocable<BoundOf&, std::size_t>
CloseReport within(const A& actual, const E& expected, BoundOf&& bound_of, const Where& where = {}) {
  return detail::compare(detail::as_span(actual), detail::as_span(expected), bound_of, where, "");
}

// The same with the bounds in an array, one per element.
template <NumberRange A, NumberRange E>
CloseReport within(const A& actual, const E& expected, std::span<const double> bounds, const Where& where = {}) {
  if (bounds.size() != std::ranges::size(expected))
    return detail::size_mismatch(bounds.size(), std::ranges::size(expected), Where{where.name + "'s bounds", 0});
  return detail::compare(detail::as_span(actual), detail::as_span(expected),
                         [&](std::size_t i) { return bounds[i]; }, where, "");
}

// Bound 0: integers, data that is only moved, sums of small integers (exact in
// float in any order). NaN never equals anything. In a GoogleTest, use
// EXPECT_ELEMENTS_EQ(actual, expected) (labkit/check_gtest.hpp) instead of
// EXPECT_EQ on two vectors: EXPECT_EQ prints both vectors, cut after 32
// elements, so the wrong element is often not shown at all.
template <NumberRange A, NumberRange E>
CloseReport exactly_equal(const A& actual, const E& expected, const Where& where = {}) {
  return detail::compare(detail::as_span(actual), detail::as_span(expected), [](std::size_t) { return 0.0; },
                         where, "exact");
}

// bound = atol + rtol |expected[i]|, for any pair of number ranges.
template <NumberRange A, NumberRange E>
CloseReport allclose(const A& actual, const E& expected, double rtol, double atol, const Where& where = {}) {
  const auto e = detail::as_span(expected);
  return detail::compare(detail::as_span(actual), e,
                         [&](std::size_t i) { return atol + rtol * std::abs(static_cast<double>(e[i])); }, where,
                         detail::allclose_rule(rtol, atol));
}

// The original overloads, with default tolerances per type.
CloseReport allclose(std::span<const float> actual, std::span<const float> expected,
                     double rtol = 1e-5, double atol = 1e-6);
CloseReport allclose(std::span<const double> actual, std::span<const double> expected,
                     double rtol = 1e-12, double atol = 1e-14);
// One value (a dot product, a loss) against its reference.
CloseReport allclose(double actual, double expected, double rtol, double atol);
// One value within a bound (a dot product within dot_error_bound()).
CloseReport within(double actual, double expected, double bound, const Where& where = {"value", Where::kScalar});

// ----------------------------------------------------------- guarded buffers

namespace detail {
// Writes outside a guarded buffer's payload, in words: "" when there are none.
// `overwritten` lists storage positions whose canary changed, in order.
std::string describe_overwrites(const std::vector<std::size_t>& overwritten, std::size_t before, std::size_t rows,
                                std::size_t cols, std::size_t ld, std::size_t element_bytes);

template <class T, std::size_t Align>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U, Align>&) noexcept {}
  template <class U>
  struct rebind {
    using other = AlignedAllocator<U, Align>;
  };
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{Align})); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, std::align_val_t{Align}); }
  friend bool operator==(const AlignedAllocator&, const AlignedAllocator&) { return true; }
};
}  // namespace detail

// The canary a guarded buffer holds outside its payload, unless told another:
// a value no test data takes (-12345 for floating types, the bytes 5E AD BE EF
// repeated for integers, truncated to the type's width).
template <class T>
constexpr T default_canary() {
  if constexpr (std::is_floating_point_v<T>) return T(-12345);
  else return static_cast<T>(0x5EADBEEF5EADBEEFull);
}

// A rows x cols row-major matrix, rows `ld` elements apart, inside a larger
// allocation: kCanaryBytes of canaries before the first element (plus
// `misalign` more elements, so the payload starts misalign elements past a
// 64-byte boundary) and after the last row, and canaries in every row's
// padding (columns cols..ld-1). A kernel that writes outside its output, or
// into the padding, changes a canary; canaries_report() says where. The
// payload starts as canaries too, so "actual == canary" means "never written".
// Canaries compare by bits, so a NaN canary works.
template <class T>
class GuardedMatrix {
 public:
  static constexpr std::size_t kAlign = 64;
  static constexpr std::size_t kCanaryBytes = 256;
  static constexpr std::size_t kCanaries = kCanaryBytes / sizeof(T) > 0 ? kCanaryBytes / sizeof(T) : 1;

  GuardedMatrix(std::size_t rows, std::size_t cols, std::size_t ld, std::size_t misalign = 0,
                T canary = default_canary<T>())
      : rows_(rows), cols_(cols), ld_(ld < cols ? cols : ld), before_(kCanaries + misalign), canary_(canary),
        storage_(before_ + rows_ * ld_ + kCanaries, canary) {}

  T* data() { return storage_.data() + before_; }
  const T* data() const { return storage_.data() + before_; }
  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  std::size_t ld() const { return ld_; }
  T canary() const { return canary_; }
  T& at(std::size_t i, std::size_t j) { return data()[i * ld_ + j]; }
  const T& at(std::size_t i, std::size_t j) const { return data()[i * ld_ + j]; }

  // Every element, canaries included, and where the payload starts in it: to
  // copy the whole thing to a device and back (canaries and all).
  std::span<T> storage() { return storage_; }
  std::span<const T> storage() const { return storage_; }
  std::size_t payload_offset() const { return before_; }

  // The rows x cols payload, packed (ld = cols), to compare with a reference.
  std::vector<T> payload() const {
    std::vector<T> out;
    out.reserve(rows_ * cols_);
    for (std::size_t i = 0; i < rows_; ++i) out.insert(out.end(), data() + i * ld_, data() + i * ld_ + cols_);
    return out;
  }

  bool is_payload(std::size_t storage_index) const {
    if (storage_index < before_) return false;
    const std::size_t off = storage_index - before_;
    return off < rows_ * ld_ && off % ld_ < cols_;
  }

  // "" when every canary is intact, else how many were overwritten and where
  // the first (lowest address) is, relative to the payload.
  std::string canaries_report() const {
    std::vector<std::size_t> overwritten;
    for (std::size_t x = 0; x < storage_.size(); ++x)
      if (!is_payload(x) && std::memcmp(&storage_[x], &canary_, sizeof(T)) != 0) overwritten.push_back(x);
    return detail::describe_overwrites(overwritten, before_, rows_, cols_, ld_, sizeof(T));
  }
  bool canaries_intact() const { return canaries_report().empty(); }

  // Same layout and contents, canaries included (an input a kernel must not change).
  friend bool operator==(const GuardedMatrix& a, const GuardedMatrix& b) {
    return a.rows_ == b.rows_ && a.cols_ == b.cols_ && a.ld_ == b.ld_ && a.before_ == b.before_ &&
           std::memcmp(a.storage_.data(), b.storage_.data(), a.storage_.size() * sizeof(T)) == 0;
  }

 private:
  std::size_t rows_, cols_, ld_, before_;
  T canary_;
  std::vector<T, detail::AlignedAllocator<T, kAlign>> storage_;
};

// n elements with canaries before and after: a GuardedMatrix of one row.
template <class T>
class GuardedBuffer : public GuardedMatrix<T> {
 public:
  explicit GuardedBuffer(std::size_t n, std::size_t misalign = 0, T canary = default_canary<T>())
      : GuardedMatrix<T>(n ? 1 : 0, n, n, misalign, canary) {}
  std::size_t size() const { return this->cols(); }
  std::span<T> span() { return {this->data(), size()}; }
  std::span<const T> span() const { return {this->data(), size()}; }
  T& operator[](std::size_t i) { return this->data()[i]; }
  const T& operator[](std::size_t i) const { return this->data()[i]; }
};

}  // namespace labkit
