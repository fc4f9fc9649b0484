// Step 3: cache blocking. The i-k-j loops of step 2, run block by block.
//
// Step 2 streams all of B (K x N floats) once per row of A. Here B is cut
// into blocks of KB x NB floats (256 x 256 = 256 KiB, which fits in L2), and
// every row of A is multiplied with one block before the next block is
// touched:
//
//   for jc over N, step NB          columns jc .. jc+NB of C and B
//     for pc over K, step KB          rows pc .. pc+KB of B: one block, stays in L2
//       for i over M                    all rows of C use that block
//         for k in the block              C[i][jc..] += A[i][k] * B[k][jc..]
//           for j in the block              (the row piece of C, 1 KiB, stays in L1)
//
// B now comes from DRAM or L3 once in total, instead of once per row of C;
// the rest of its reads hit L2. The flops, and the order in which each
// element of C adds up its products, are the same as in step 2.
#include <cstddef>
#include <cstring>

#include "sgemm.hpp"

namespace sgemm::reference {

namespace {
constexpr int kBlockN = 256;  // columns of B and C per block
constexpr int kBlockK = 256;  // rows of B (columns of A) per block
}  // namespace

void sgemm_blocked(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  if (M <= 0 || N <= 0) return;
  for (int i = 0; i < M; ++i) std::memset(C + static_cast<std::ptrdiff_t>(i) * ldc, 0, sizeof(float) * N);
  for (int jc = 0; jc < N; jc += kBlockN) {
    const int nb = N - jc < kBlockN ? N - jc : kBlockN;
    for (int pc = 0; pc < K; pc += kBlockK) {
      const int kb = K - pc < kBlockK ? K - pc : kBlockK;
      for (int i = 0; i < M; ++i) {
        float* c = C + static_cast<std::ptrdiff_t>(i) * ldc + jc;
        const float* a = A + static_cast<std::ptrdiff_t>(i) * lda + pc;
        for (int k = 0; k < kb; ++k) {
          const float aik = a[k];
          const float* b = B + static_cast<std::ptrdiff_t>(pc + k) * ldb + jc;
          for (int j = 0; j < nb; ++j) c[j] += aik * b[j];
        }
      }
    }
  }
}

}  // namespace sgemm::reference
