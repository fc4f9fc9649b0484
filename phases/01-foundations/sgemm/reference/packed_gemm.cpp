// The loops of a packed GEMM (GotoBLAS / BLIS), written once for every
// micro-kernel. From the outside in:
//
//   for jc over N, step NC          a panel of B: KC x NC floats, lives in L3
//     for pc over K, step KC          pack B[pc.., jc..] -> Bp
//       for ic over M, step MC          a block of A: MC x KC floats, lives in L2
//         pack A[ic.., pc..] -> Ap
//         macro-kernel:
//           for jr over NC, step NR       one B sliver, KC x NR, lives in L1
//             for ir over MC, step MR       one A sliver streams in from L2
//               micro-kernel: MR x NR tile of C += sliver of A * sliver of B
//
// C is written, never read, on the first pass over K (pc == 0) and
// accumulated into on the later ones, so whatever C held before (NaN
// included) never leaks into the result.
#include <cstdlib>
#include <cstring>
#include <new>

#include "packed_gemm.hpp"

namespace sgemm::reference::detail {

bool trivial_shape(int M, int N, int K, float* C, int ldc) {
  if (M <= 0 || N <= 0) return true;
  if (K > 0) return false;
  for (int i = 0; i < M; ++i) std::memset(C + static_cast<std::ptrdiff_t>(i) * ldc, 0, sizeof(float) * N);
  return true;
}

float* workspace(Slot slot, std::size_t floats) {
  struct Buffer {
    float* data = nullptr;
    std::size_t floats = 0;
    ~Buffer() { std::free(data); }
  };
  thread_local Buffer buffers[2];
  Buffer& b = buffers[static_cast<int>(slot)];
  if (b.floats < floats) {
    std::free(b.data);
    b.data = nullptr;
    b.floats = 0;
    const std::size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
    b.data = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (!b.data) throw std::bad_alloc();
    b.floats = floats;
  }
  return b.data;
}

RowBlocks split_rows(const Kernel& k, int M, int threads) {
  // As few blocks as MC allows, rounded up to a multiple of the thread count,
  // then rows spread evenly over them (in whole slivers of MR).
  const int per_round = k.mc * threads;
  const int count = threads * ((M + per_round - 1) / per_round);
  const int height = round_up((M + count - 1) / count, k.mr);
  return {height, (M + height - 1) / height};
}

void packed_gemm(const Kernel& k, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                 int ldc) {
  if (trivial_shape(M, N, K, C, ldc)) return;
  float* Bp = workspace(Slot::b, static_cast<std::size_t>(k.kc) * round_up(min_int(N, k.nc), k.nr));
  float* Ap = workspace(Slot::a, static_cast<std::size_t>(round_up(min_int(M, k.mc), k.mr)) * k.kc);
  for (int jc = 0; jc < N; jc += k.nc) {
    const int nc = min_int(k.nc, N - jc);
    for (int pc = 0; pc < K; pc += k.kc) {
      const int kc = min_int(k.kc, K - pc);
      k.pack_b(kc, nc, B + static_cast<std::ptrdiff_t>(pc) * ldb + jc, ldb, Bp);
      for (int ic = 0; ic < M; ic += k.mc) {
        const int mc = min_int(k.mc, M - ic);
        k.pack_a(mc, kc, A + static_cast<std::ptrdiff_t>(ic) * lda + pc, lda, Ap);
        k.macro_kernel(mc, nc, kc, Ap, Bp, C + static_cast<std::ptrdiff_t>(ic) * ldc + jc, ldc, pc > 0);
      }
    }
  }
}

}  // namespace sgemm::reference::detail
