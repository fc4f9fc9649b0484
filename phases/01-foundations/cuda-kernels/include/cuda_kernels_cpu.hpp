// cuda-kernels: the CPU golden references. Plain loops, in double where a
// float result depends on the order of additions, so every GPU version is
// held to the same exact-as-possible answer (tests/test_support.hpp states
// the tolerance each comparison allows, and why).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace cuda_kernels::cpu {

inline void saxpy(float a, const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = a * x[i] + y[i];
}

// Returns the sum, and in *sum_abs the sum of |x[i]| (for the error bound).
inline double reduce_sum(const float* x, std::size_t n, double* sum_abs = nullptr) {
  double s = 0, a = 0;
  for (std::size_t i = 0; i < n; ++i) {
    s += x[i];
    a += std::abs(static_cast<double>(x[i]));
  }
  if (sum_abs) *sum_abs = a;
  return s;
}

inline void transpose(const float* in, float* out, std::size_t rows, std::size_t cols) {
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) out[c * rows + r] = in[r * cols + c];
}

// C = A B in double. With abs_c, also |A| |B| (the error bound's scale).
inline void sgemm(int M, int N, int K, const float* A, const float* B, double* C, double* abs_c = nullptr) {
  std::vector<double> row(static_cast<std::size_t>(N)), abs_row(static_cast<std::size_t>(N));
  for (int i = 0; i < M; ++i) {
    std::fill(row.begin(), row.end(), 0.0);
    std::fill(abs_row.begin(), abs_row.end(), 0.0);
    for (int k = 0; k < K; ++k) {
      const double a = A[static_cast<std::size_t>(i) * K + k];
      const float* b = B + static_cast<std::size_t>(k) * N;
      for (int j = 0; j < N; ++j) {
        row[j] += a * b[j];
        abs_row[j] += std::abs(a * b[j]);
      }
    }
    std::copy(row.begin(), row.end(), C + static_cast<std::size_t>(i) * N);
    if (abs_c) std::copy(abs_row.begin(), abs_row.end(), abs_c + static_cast<std::size_t>(i) * N);
  }
}

// One entry of A B, for spot checks of large products.
inline double sgemm_entry(int K, int N, const float* A, const float* B, int i, int j, double* abs_entry) {
  double s = 0, a = 0;
  for (int k = 0; k < K; ++k) {
    const double p = static_cast<double>(A[static_cast<std::size_t>(i) * K + k]) * B[static_cast<std::size_t>(k) * N + j];
    s += p;
    a += std::abs(p);
  }
  *abs_entry = a;
  return s;
}

inline void softmax_rows(const float* x, double* y, std::size_t rows, std::size_t cols) {
  for (std::size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    double* yr = y + r * cols;
    double m = -std::numeric_limits<double>::infinity();
    for (std::size_t c = 0; c < cols; ++c) m = std::max(m, static_cast<double>(xr[c]));
    double s = 0;
    for (std::size_t c = 0; c < cols; ++c) s += std::exp(xr[c] - m);
    for (std::size_t c = 0; c < cols; ++c) yr[c] = std::exp(xr[c] - m) / s;
  }
}

inline std::vector<unsigned int> histogram(const std::uint8_t* data, std::size_t n) {
  std::vector<unsigned int> bins(256, 0);
  for (std::size_t i = 0; i < n; ++i) ++bins[data[i]];
  return bins;
}

// y[i] = x[0] + ... + x[i-1]; prefix_abs[i] = |x[0]| + ... + |x[i-1]|.
inline void exclusive_scan(const float* x, double* y, std::size_t n, double* prefix_abs = nullptr) {
  double s = 0, a = 0;
  for (std::size_t i = 0; i < n; ++i) {
    y[i] = s;
    if (prefix_abs) prefix_abs[i] = a;
    s += x[i];
    a += std::abs(static_cast<double>(x[i]));
  }
}

}  // namespace cuda_kernels::cpu
