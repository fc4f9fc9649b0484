// Shapes, inputs, the double-precision reference and the checks shared by
// the sgemm tests.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

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
// - k past the K block (256), n past the N panel (4096), m past several
//   row blocks (so every thread gets some);
// - leading dimensions larger than the rows (padding that must not be read
//   from A and B, nor written in C);
// - M, N or K equal to 0.
inline const std::vector<Shape> kShapes = {
    {1, 1, 1},          {7, 7, 7},         {33, 33, 33},       {127, 127, 127},     {1000, 1, 3},
    {3, 1000, 1},       {65, 17, 129},     {1, 1, 1000},       {1, 300, 70},        {12, 32, 256},
    {13, 33, 257},      {100, 50, 600},    {3, 4500, 2},       {300, 40, 40},       {7, 7, 7, 5, 3, 2},
    {65, 17, 129, 5, 3, 7}, {33, 70, 300, 1, 16, 9}, {0, 5, 5},  {5, 0, 5},           {5, 5, 0},
};

inline std::vector<Case> cases(const std::string& entry, const Gemm& gemm) {
  std::vector<Case> out;
  for (const Shape& s : kShapes) out.push_back({entry, gemm, s});
  return out;
}

inline std::string case_name(const ::testing::TestParamInfo<Case>& info) { return shape_name(info.param.shape); }

// Graders set LABKIT_SEED so inputs differ from the ones you tested with.
inline std::uint64_t seed() {
  const char* s = std::getenv("LABKIT_SEED");
  return s && *s ? std::strtoull(s, nullptr, 10) : 20261126u;
}

// A rows x cols matrix with leading dimension ld inside a larger buffer: the
// payload starts one float past a 64-byte boundary (misaligned on purpose),
// and everything that is not payload (row padding, and a slack before and
// after) holds a guard value that must survive every call.
struct Matrix {
  static constexpr float kGuard = -7777.0f;
  static constexpr int kSlack = 17;
  int rows, cols, ld;
  std::vector<float> storage;
  Matrix(int rows_, int cols_, int pad)
      : rows(rows_), cols(cols_), ld(cols_ + pad),
        storage(static_cast<std::size_t>(rows_) * (cols_ + pad) + 2 * kSlack, kGuard) {}
  float* data() { return storage.data() + kSlack; }
  const float* data() const { return storage.data() + kSlack; }
  float& at(int i, int j) { return data()[static_cast<std::ptrdiff_t>(i) * ld + j]; }
  float at(int i, int j) const { return data()[static_cast<std::ptrdiff_t>(i) * ld + j]; }
  // "" when every guard is intact, else where the first overwritten one is.
  std::string guards_report() const {
    for (std::size_t x = 0; x < storage.size(); ++x) {
      const std::ptrdiff_t off = static_cast<std::ptrdiff_t>(x) - kSlack;
      const bool payload = off >= 0 && off < static_cast<std::ptrdiff_t>(rows) * ld && off % ld < cols;
      if (!payload && storage[x] != kGuard) {
        std::ostringstream out;
        if (off < 0) out << (-off) << " floats before the first element";
        else if (off >= static_cast<std::ptrdiff_t>(rows) * ld) out << (off - static_cast<std::ptrdiff_t>(rows) * ld) + 1 << " floats past the end";
        else out << "row " << off / ld << ", column " << off % ld << " (padding: only columns 0.." << cols - 1 << " belong to the matrix)";
        return out.str();
      }
    }
    return "";
  }
};

// Random values in [-1, 1).
inline void fill_random(Matrix& m, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  for (int i = 0; i < m.rows; ++i)
    for (int j = 0; j < m.cols; ++j) m.at(i, j) = d(rng);
}

// Small integers, |v| <= span: every product and every partial sum of a
// row-times-column is an integer below 2^24, so it is exact in float and any
// correct implementation returns exactly the same answer, in any order. A
// product dropped or counted twice shows.
inline void fill_integers(Matrix& m, int span, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> d(-span, span);
  for (int i = 0; i < m.rows; ++i)
    for (int j = 0; j < m.cols; ++j) m.at(i, j) = static_cast<float>(d(rng));
}

struct Expected {
  std::vector<double> value;    // C computed in double
  std::vector<double> abs_sum;  // sum over k of |A[i][k] * B[k][j]|
};

inline Expected multiply_double(const Matrix& A, const Matrix& B) {
  Expected e;
  const int M = A.rows, N = B.cols, K = A.cols;
  e.value.assign(static_cast<std::size_t>(M) * N, 0.0);
  e.abs_sum.assign(e.value.size(), 0.0);
  for (int i = 0; i < M; ++i)
    for (int k = 0; k < K; ++k) {
      const double a = A.at(i, k);
      for (int j = 0; j < N; ++j) {
        const double p = a * B.at(k, j);
        e.value[static_cast<std::size_t>(i) * N + j] += p;
        e.abs_sum[static_cast<std::size_t>(i) * N + j] += std::abs(p);
      }
    }
  return e;
}

// The tolerance for one element of C, whatever order the products are added
// in (blocked, vectorized, split over threads) and with or without FMA:
//   |computed - exact| <= gamma_K * sum_k |A[i][k] * B[k][j]|,
//   gamma_K = K u / (1 - K u),  u = 2^-24 (half an ulp of 1.0f)
// (Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed., eq. 3.5).
// It is a theorem, not a guess, so a correct implementation never fails it;
// a wrong one (a dropped or repeated product, a stale element of C, padding
// read as data) misses it by orders of magnitude. The double-precision
// reference itself is off by at most K 2^-53 of the same sum: 2^-29 of the
// tolerance, accounted for by the factor 1.01.
inline double tolerance(int K, double abs_sum) {
  const double ku = K * std::ldexp(1.0, -24);
  return 1.01 * ku / (1.0 - ku) * abs_sum;
}

// Runs `gemm` on A and B into a C whose elements start as NaN (C is
// overwritten, its old contents must never be read) and checks every
// element (exactly when `exact`, else within tolerance()), the guards
// around C, and that A and B are unchanged.
inline ::testing::AssertionResult run_and_check(const Gemm& gemm, const Shape& s, bool exact) {
  std::mt19937_64 rng(seed() + 1000003u * s.m + 1009u * s.n + s.k + (exact ? 7u : 0u));
  Matrix A(s.m, s.k, s.pad_a), B(s.k, s.n, s.pad_b), C(s.m, s.n, s.pad_c);
  if (exact) {
    fill_integers(A, 3, rng);
    fill_integers(B, 2, rng);
  } else {
    fill_random(A, rng);
    fill_random(B, rng);
  }
  for (int i = 0; i < s.m; ++i)
    for (int j = 0; j < s.n; ++j) C.at(i, j) = std::numeric_limits<float>::quiet_NaN();
  const Matrix A0 = A, B0 = B;
  const Expected e = multiply_double(A, B);
  gemm(s.m, s.n, s.k, A.data(), A.ld, B.data(), B.ld, C.data(), C.ld);

  if (A.storage != A0.storage || B.storage != B0.storage)
    return ::testing::AssertionFailure() << "the inputs A or B were modified (or their padding was written)";
  if (const std::string where = C.guards_report(); !where.empty())
    return ::testing::AssertionFailure() << "wrote outside C: at " << where << " (lda=" << A.ld << ", ldb=" << B.ld
                                         << ", ldc=" << C.ld << ")";
  int wrong = 0;
  std::ostringstream first;
  for (int i = 0; i < s.m; ++i)
    for (int j = 0; j < s.n; ++j) {
      const std::size_t x = static_cast<std::size_t>(i) * s.n + j;
      const double got = C.at(i, j), want = e.value[x];
      const double allowed = exact ? 0.0 : tolerance(s.k, e.abs_sum[x]);
      if (!(std::abs(got - want) <= allowed)) {  // also catches NaN
        if (wrong++ == 0)
          first << "C[" << i << "][" << j << "] = " << got << ", expected " << want
                << (exact ? " exactly (small integers: every sum is exact in float)"
                          : ", allowed error " + std::to_string(allowed))
                << (std::isnan(got) ? " (NaN: an element never written, or C read before it was written)" : "");
      }
    }
  if (wrong)
    return ::testing::AssertionFailure() << wrong << " of " << s.m * s.n << " elements wrong; first: " << first.str()
                                         << " (lda=" << A.ld << ", ldb=" << B.ld << ", ldc=" << C.ld << ")";
  return ::testing::AssertionSuccess();
}

}  // namespace sgemm::test
