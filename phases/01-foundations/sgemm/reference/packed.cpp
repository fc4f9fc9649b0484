// Step 4: packing, and a register-blocked micro-kernel in portable C++.
//
// Two changes over the blocked step, both about feeding the arithmetic:
// - Packing copies the block of A and the panel of B that are about to be
//   used many times into small contiguous buffers, in exactly the order the
//   micro-kernel reads them. Every later access is then sequential, hits
//   cache lines that are fully used, and never strides by lda or ldb (which
//   for power-of-two sizes maps many rows onto the same cache sets).
// - The micro-kernel keeps an MR x NR tile of C in registers for the whole
//   of KC, instead of loading and storing C for every multiply-add: per step
//   of k it loads NR values of B and MR of A and does MR x NR multiply-adds.
//
// This file is compiled with the project's portable flags (SSE2 on x86-64,
// NEON on Arm): the compiler vectorizes the tile's inner loop over NR. It is
// also the fallback that sgemm() uses on CPUs without AVX2.
#include "packing.hpp"
#include "sgemm.hpp"

namespace sgemm::reference {
namespace detail {
namespace {

struct PortableMicro {
  // 4 x 8: eight 4-lane vector accumulators, which with the B values and the
  // broadcast A value fit in the 16 SSE registers (and easily in NEON's 32).
  static constexpr int MR = 4, NR = 8;
  static void run(int kc, const float* __restrict a, const float* __restrict b, float* C, int ldc, int mr, int nr,
                  bool accumulate) {
    float acc[MR][NR] = {};
    for (int p = 0; p < kc; ++p, a += MR, b += NR) {
      for (int r = 0; r < MR; ++r) {
        const float ar = a[r];
        for (int j = 0; j < NR; ++j) acc[r][j] += ar * b[j];
      }
    }
    if (mr == MR && nr == NR) {
      for (int r = 0; r < MR; ++r) {
        float* c = C + static_cast<std::ptrdiff_t>(r) * ldc;
        for (int j = 0; j < NR; ++j) c[j] = accumulate ? c[j] + acc[r][j] : acc[r][j];
      }
    } else {
      store_edge_tile<MR, NR>(&acc[0][0], C, ldc, mr, nr, accumulate);
    }
  }
};

}  // namespace

const Kernel& portable_kernel() {
  static const Kernel k = {"portable", PortableMicro::MR, PortableMicro::NR,
                           /*mc=*/128, /*kc=*/256, /*nc=*/4096,
                           pack_a_block<PortableMicro::MR>, pack_b_panel<PortableMicro::NR>,
                           macro_kernel<PortableMicro>};
  return k;
}

}  // namespace detail

void sgemm_packed(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  detail::packed_gemm(detail::portable_kernel(), M, N, K, A, lda, B, ldb, C, ldc);
}

}  // namespace sgemm::reference
