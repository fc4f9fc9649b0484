// Step 2: the same three loops in i-k-j order.
//
// Row i of C is built as a sum of rows of B, each scaled by one element of A:
//   C[i][:] += A[i][k] * B[k][:]   for k = 0 .. K-1
// The inner loop now walks a row of B and a row of C with unit stride: every
// byte of every cache line fetched is used, the hardware prefetcher sees a
// plain stream, and the iterations are independent, so the compiler
// vectorizes them (SSE2 with the portable flags: 4 lanes, no FMA). Nothing
// else changed: same flops, same result up to rounding.
//
// What is still wrong: for each row i the whole of B (K x N floats) streams
// through the core. Once B outgrows the L2 cache (512 x 512 floats = 1 MiB),
// every row of C costs a trip to L3 or DRAM for all of B.
#include <cstddef>
#include <cstring>

#include "sgemm.hpp"

namespace sgemm::reference {

void sgemm_ikj(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  for (int i = 0; i < M; ++i) {
    float* c = C + static_cast<std::ptrdiff_t>(i) * ldc;
    std::memset(c, 0, sizeof(float) * static_cast<std::size_t>(N > 0 ? N : 0));
    for (int k = 0; k < K; ++k) {
      const float a = A[static_cast<std::ptrdiff_t>(i) * lda + k];
      const float* b = B + static_cast<std::ptrdiff_t>(k) * ldb;
      for (int j = 0; j < N; ++j) c[j] += a * b[j];
    }
  }
}

}  // namespace sgemm::reference
