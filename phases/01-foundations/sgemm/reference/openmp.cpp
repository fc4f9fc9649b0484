// Step 7a: the dispatched packed GEMM on several threads, with OpenMP.
//
// The loops are those of packed_gemm.cpp. Inside one (jc, pc) step, the
// panel of B is packed once, by all threads together, and shared; the rows
// of C are cut into blocks (split_rows: a multiple of `threads` blocks of
// equal height) and each thread packs the rows of A it needs into its own
// buffer and runs the macro-kernel on them. Threads write disjoint rows of C,
// so they never need a lock; the only synchronization is the barrier at the
// end of each `omp for`: nobody repacks B while another thread still reads it.
//
// schedule(dynamic): a thread takes the next block when it is done with one.
// With equal blocks on idle cores this is the same as a static split; on a
// machine where another program delays one thread, the others take the
// blocks it has not started, and wait at the barrier only for the one it is on.
#include <omp.h>

#include "packed_gemm.hpp"
#include "sgemm.hpp"

namespace sgemm::reference {

void sgemm_openmp(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                  int threads) {
  using namespace detail;
  const Kernel& k = dispatched_kernel();
  if (threads <= 1 || small_problem(M, N, K)) return packed_gemm(k, M, N, K, A, lda, B, ldb, C, ldc);
  if (trivial_shape(M, N, K, C, ldc)) return;
  const RowBlocks rows = split_rows(k, M, threads);
  float* Bp = workspace(Slot::b, static_cast<std::size_t>(k.kc) * round_up(min_int(N, k.nc), k.nr));
#pragma omp parallel num_threads(threads)
  {
    float* Ap = workspace(Slot::a, static_cast<std::size_t>(rows.height) * k.kc);
    for (int jc = 0; jc < N; jc += k.nc) {
      const int nc = min_int(k.nc, N - jc);
      for (int pc = 0; pc < K; pc += k.kc) {
        const int kc = min_int(k.kc, K - pc);
        // Pack B together: each thread packs some of its slivers.
#pragma omp for schedule(static)
        for (int j = 0; j < nc; j += k.nr)
          k.pack_b(kc, min_int(k.nr, nc - j), B + static_cast<std::ptrdiff_t>(pc) * ldb + jc + j, ldb,
                   Bp + static_cast<std::ptrdiff_t>(j) * kc);
        // (implicit barrier: B is packed before anyone uses it)
#pragma omp for schedule(dynamic, 1)
        for (int block = 0; block < rows.count; ++block) {
          const int ic = block * rows.height;
          const int mc = min_int(rows.height, M - ic);
          k.pack_a(mc, kc, A + static_cast<std::ptrdiff_t>(ic) * lda + pc, lda, Ap);
          k.macro_kernel(mc, nc, kc, Ap, Bp, C + static_cast<std::ptrdiff_t>(ic) * ldc + jc, ldc, pc > 0);
        }
        // (implicit barrier: nobody repacks B while it is in use)
      }
    }
  }
}

}  // namespace sgemm::reference
