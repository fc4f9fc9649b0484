// Step 5: the packed GEMM with an AVX2 + FMA micro-kernel. This file alone is
// compiled with -mavx2 -mfma; dispatch.cpp calls it only after has_avx2()
// said yes.
//
// The register tile is 6 rows x 16 columns of C: 12 accumulators of 8 floats,
// plus two vectors of B and one broadcast of A, out of 16 ymm registers. Per
// step of k the kernel loads 2 vectors of B, broadcasts 6 values of A and
// issues 12 FMAs (192 flops). With an FMA latency of 4 cycles and two FMAs
// per cycle, at least 8 accumulators must be in flight to keep both FMA units
// busy; 12 leave some slack.
#include "sgemm.hpp"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#include "packing.hpp"

namespace sgemm::reference {
namespace detail {
namespace {

struct Avx2Micro {
  static constexpr int MR = 6, NR = 16;
  static void run(int kc, const float* __restrict a, const float* __restrict b, float* C, int ldc, int mr, int nr,
                  bool accumulate) {
    __m256 lo[MR], hi[MR];  // columns 0-7 and 8-15 of each row of the tile
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) lo[r] = hi[r] = _mm256_setzero_ps();
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      _mm_prefetch(reinterpret_cast<const char*>(C + static_cast<std::ptrdiff_t>(r) * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(C + static_cast<std::ptrdiff_t>(r) * ldc + 15), _MM_HINT_T0);
    }
#pragma GCC unroll 4
    for (int p = 0; p < kc; ++p) {
      const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 6
      for (int r = 0; r < MR; ++r) {
        const __m256 ar = _mm256_broadcast_ss(a + r);
        lo[r] = _mm256_fmadd_ps(ar, b0, lo[r]);
        hi[r] = _mm256_fmadd_ps(ar, b1, hi[r]);
      }
      a += MR;
      b += NR;
    }
    if (mr == MR && nr == NR) {
#pragma GCC unroll 6
      for (int r = 0; r < MR; ++r) {
        float* c = C + static_cast<std::ptrdiff_t>(r) * ldc;
        if (accumulate) {
          lo[r] = _mm256_add_ps(lo[r], _mm256_loadu_ps(c));
          hi[r] = _mm256_add_ps(hi[r], _mm256_loadu_ps(c + 8));
        }
        _mm256_storeu_ps(c, lo[r]);
        _mm256_storeu_ps(c + 8, hi[r]);
      }
    } else {
      alignas(32) float tile[MR * NR];
#pragma GCC unroll 6
      for (int r = 0; r < MR; ++r) {
        _mm256_store_ps(tile + r * NR, lo[r]);
        _mm256_store_ps(tile + r * NR + 8, hi[r]);
      }
      store_edge_tile<MR, NR>(tile, C, ldc, mr, nr, accumulate);
    }
  }
};

}  // namespace

// Cache blocks: packed A block 144 x 256 floats = 144 KiB (L2), one B
// sliver 256 x 16 floats = 16 KiB (half of L1), B panel up to 4 MiB (L3).
const Kernel& avx2_kernel() {
  static const Kernel k = {"avx2", Avx2Micro::MR, Avx2Micro::NR,
                           /*mc=*/144, /*kc=*/256, /*nc=*/4096,
                           pack_a_block<Avx2Micro::MR>, pack_b_panel<Avx2Micro::NR>,
                           macro_kernel<Avx2Micro>};
  return k;
}

}  // namespace detail

bool has_avx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

void sgemm_microkernel_avx2(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                            int ldc) {
  detail::packed_gemm(detail::avx2_kernel(), M, N, K, A, lda, B, ldb, C, ldc);
}

}  // namespace sgemm::reference
#else
// Not an x86 build (or no compiler support): the step exists but never runs.
#include "packed_gemm.hpp"

namespace sgemm::reference {
namespace detail {
// Cache blocks: packed A block 144 x 256 floats = 144 KiB (L2), one B
// sliver 256 x 16 floats = 16 KiB (half of L1), B panel up to 4 MiB (L3).
const Kernel& avx2_kernel() { return portable_kernel(); }
}  // namespace detail
bool has_avx2() { return false; }
void sgemm_microkernel_avx2(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                            int ldc) {
  sgemm_packed(M, N, K, A, lda, B, ldb, C, ldc);
}
}  // namespace sgemm::reference
#endif
