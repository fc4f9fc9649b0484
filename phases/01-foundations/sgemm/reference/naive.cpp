// Step 1: the textbook triple loop, i-j-k. The baseline.
//
// Each element of C is a dot product of a row of A and a column of B. The
// row of A is read in order, but the column of B is not: consecutive k are
// ldb floats apart, so every multiply-add touches a different cache line of
// B, and for N >= 16 no line is used twice before it is evicted from L1.
// The sum is also one dependency chain, so even when the data is in cache
// the loop waits an add latency per element. Both make it slow; neither is
// something the compiler may fix (reordering a float sum changes its
// rounding).
#include <cstddef>

#include "sgemm.hpp"

namespace sgemm::reference {

void sgemm_naive(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  for (int i = 0; i < M; ++i) {
    for (int j = 0; j < N; ++j) {
      float sum = 0.0f;
      for (int k = 0; k < K; ++k)
        sum += A[static_cast<std::ptrdiff_t>(i) * lda + k] * B[static_cast<std::ptrdiff_t>(k) * ldb + j];
      C[static_cast<std::ptrdiff_t>(i) * ldc + j] = sum;
    }
  }
}

}  // namespace sgemm::reference
