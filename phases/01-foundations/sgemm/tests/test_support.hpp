// Shapes, inputs, the double-precision reference and the checks shared by
// the sgemm tests.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <labkit/check.hpp>

namespace sgemm::test {

using Gemm = std::function<void(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                                int ldc)>;

// One problem: C (m x n) = A (m x k) * B (k x n), each with `pad_*` extra
// floats per row (so lda = k + pad_a, and so on).
struct Shape {
  int m, n, k;
  int pad_a = 0, pad_b = 0, pad_c = 0;
};

// How GoogleTest prints a shape in a failure message.
inline void PrintTo(const Shape& s, std::ostream* os) {
  *os << s.m << " x " << s.n << " x " << s.k << " (M x N x K), lda = K + " << s.pad_a << ", ldb = N + " << s.pad_b
      << ", ldc = N + " << s.pad_c;
}

inline std::string shape_name(const Shape& s) {
  std::string name = "m" + std::to_string(s.m) + "_n" + std::to_string(s.n) + "_k" + std::to_string(s.k);
  if (s.pad_a || s.pad_b || s.pad_c) name += "_padded";
  return name;
}

// One test case: an entry point (its name for messages) on one shape.
struct Case {
  std::string entry;
  Gemm gemm;
  Shape shape;
};

inline void PrintTo(const Case& c, std::ostream* os) {
  *os << c.entry << " on ";
  PrintTo(c.shape, os);
}

// Shapes that hit every path of a blocked, packed, register-tiled GEMM:
// - 1, 7, 33, 127: smaller than, not a multiple of, and one past the
//   register tiles (6 x 16, 12 x 32) and vector widths;
// - a single column (n = 1), a single row (m = 1), a dot product (1 x 1 x 1000),
//   an outer product (k = 1);
// - exactly one 12 x 32 tile, and one row and column more;
// - k past the K block (256; 1024 where the AVX-512 kernel finds full-width
//   FMAs and a 1 MiB L2), n past the N panel (4096), m past several row
//   blocks (so every thread gets some);
// - leading dimensions larger than the rows (padding that must not be read
//   from A and B, nor written in C);
// - M, N or K equal to 0.
inline const std::vector<Shape> kShapes = {
    {1, 1, 1},          {7, 7, 7},         {33, 33, 33},       {127, 127, 127},     {1000, 1, 3},
    {3, 1000, 1},       {65, 17, 129},     {1, 1, 1000},       {1, 300, 70},        {12, 32, 256},
    {13, 33, 257},      {100, 50, 600},    {3, 4500, 2},       {300, 40, 40},       {7, 7, 7, 5, 3, 2},
    {65, 17, 129, 5, 3, 7}, {33, 70, 300, 1, 16, 9}, {0, 5, 5},  {5, 0, 5},           {5, 5, 0},
    {13, 33, 1100, 2, 1, 3},
};

inline std::vector<Case> cases(const std::string& entry, const Gemm& gemm) {
  std::vector<Case> out;
  for (const Shape& s : kShapes) out.push_back({entry, gemm, s});
  return out;
}

inline std::string case_name(const ::testing::TestParamInfo<Case>& info) { return shape_name(info.param.shape); }

// The inputs' seed: labkit::seed() reads LABKIT_SEED (graders set it, so
// inputs differ from the ones you tested with), else labkit::kDefaultSeed.
using labkit::seed;

// A rows x cols matrix with leading dimension ld inside a larger buffer: the
// payload starts one float past a 64-byte boundary (misaligned on purpose),
// and everything that is not payload (row padding, and canaries before and
// after) must survive every call; canaries_report() says where one did not.
using Matrix = labkit::GuardedMatrix<float>;

inline Matrix make_matrix(int rows, int cols, int pad) {
  return Matrix(static_cast<std::size_t>(rows), static_cast<std::size_t>(cols), static_cast<std::size_t>(cols + pad),
                /*misalign=*/1);
}

// Random values in [-1, 1).
inline void fill_random(Matrix& m, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (std::size_t j = 0; j < m.cols(); ++j) m.at(i, j) = d(rng);
}

// Small integers, |v| <= span: every product and every partial sum of a
// row-times-column is an integer below 2^24, so it is exact in float and any
// correct implementation returns exactly the same answer, in any order. A
// product dropped or counted twice shows.
inline void fill_integers(Matrix& m, int span, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> d(-span, span);
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (std::size_t j = 0; j < m.cols(); ++j) m.at(i, j) = static_cast<float>(d(rng));
}

struct Expected {
  std::vector<double> value;    // C computed in double, row-major, N per row
  std::vector<double> abs_sum;  // sum over k of |A[i][k] * B[k][j]|
};

inline Expected multiply_double(const Matrix& A, const Matrix& B) {
  Expected e;
  const std::size_t M = A.rows(), N = B.cols(), K = A.cols();
  e.value.assign(M * N, 0.0);
  e.abs_sum.assign(e.value.size(), 0.0);
  for (std::size_t i = 0; i < M; ++i)
    for (std::size_t k = 0; k < K; ++k) {
      const double a = A.at(i, k);
      for (std::size_t j = 0; j < N; ++j) {
        const double p = a * B.at(k, j);
        e.value[i * N + j] += p;
        e.abs_sum[i * N + j] += std::abs(p);
      }
    }
  return e;
}

// The tolerance for one element of C, whatever order the products are added
// in (blocked, vectorized, split over threads) and with or without FMA:
//   |computed - exact| <= gamma_K * sum_k |A[i][k] * B[k][j]|,
//   gamma_K = K u / (1 - K u),  u = 2^-24 (half an ulp of 1.0f)
// (labkit::gemm_error_bound(); Higham, "Accuracy and Stability of Numerical
// Algorithms", 2nd ed., section 3.5). It is a theorem, not a guess, so a
// correct implementation never fails it; a wrong one (a dropped or repeated
// product, a stale element of C, padding read as data) misses it by orders
// of magnitude. The double-precision reference itself is off by at most
// K 2^-53 of the same sum: 2^-29 of the tolerance, accounted for by the
// factor 1.01.
inline double tolerance(int K, double abs_sum) { return 1.01 * labkit::gemm_error_bound(K, abs_sum); }

// Runs `gemm` on A and B into a C whose elements start as NaN (C is
// overwritten, its old contents must never be read) and checks every
// element (exactly when `exact`, else within tolerance()), the canaries
// around C and in its padding, and that A and B are unchanged.
inline ::testing::AssertionResult run_and_check(const Gemm& gemm, const Shape& s, bool exact) {
  std::mt19937_64 rng(seed() + 1000003u * s.m + 1009u * s.n + s.k + (exact ? 7u : 0u));
  Matrix A = make_matrix(s.m, s.k, s.pad_a), B = make_matrix(s.k, s.n, s.pad_b), C = make_matrix(s.m, s.n, s.pad_c);
  if (exact) {
    fill_integers(A, 3, rng);
    fill_integers(B, 2, rng);
  } else {
    fill_random(A, rng);
    fill_random(B, rng);
  }
  for (std::size_t i = 0; i < C.rows(); ++i)
    for (std::size_t j = 0; j < C.cols(); ++j) C.at(i, j) = std::numeric_limits<float>::quiet_NaN();
  const Matrix A0 = A, B0 = B;
  const Expected e = multiply_double(A, B);
  const int lda = static_cast<int>(A.ld()), ldb = static_cast<int>(B.ld()), ldc = static_cast<int>(C.ld());
  gemm(s.m, s.n, s.k, A.data(), lda, B.data(), ldb, C.data(), ldc);
  std::ostringstream lds;
  lds << " (lda=" << lda << ", ldb=" << ldb << ", ldc=" << ldc << ")";

  if (!(A == A0) || !(B == B0))
    return ::testing::AssertionFailure() << "the inputs A or B were modified (or their padding was written)";
  if (const std::string where = C.canaries_report(); !where.empty())
    return ::testing::AssertionFailure() << "wrote outside C: " << where << lds.str();
  const labkit::Where where{"C", static_cast<std::size_t>(s.n)};
  const labkit::CloseReport r =
      exact ? labkit::exactly_equal(C.payload(), e.value, where)
            : labkit::within(C.payload(), e.value, [&](std::size_t x) { return tolerance(s.k, e.abs_sum[x]); }, where);
  if (!r.ok)
    return ::testing::AssertionFailure()
           << r.message << (exact ? " (small integers: every sum is exact in float)" : "")
           << (std::isnan(r.first_actual) ? " (NaN: an element never written, or C read before it was written)" : "")
           << lds.str();
  return ::testing::AssertionSuccess();
}

}  // namespace sgemm::test
