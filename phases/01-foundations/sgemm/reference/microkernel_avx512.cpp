// Step 6: the packed GEMM with an AVX-512 micro-kernel. This file alone is
// compiled with the AVX-512 flags; dispatch.cpp calls it only after
// has_avx512() said yes.
//
// The register tile is 12 rows x 32 columns of C: 24 accumulators of 16
// floats, plus the two vectors of B, out of 32 zmm registers. Per step of k
// the kernel loads 2 vectors of B, broadcasts 12 values of A, and issues 24
// FMAs (768 flops): 12 loads per 24 FMAs, so the FMA units, not the loads,
// set the pace. 24 independent accumulators are far more than the
// latency x throughput of the FMA units needs (4 cycles x 2 per cycle = 8
// on cores with two 512-bit FMA pipes; on Zen 4, which splits each 512-bit
// FMA into two 256-bit halves, 4 x 1 = 4), so no FMA waits on another.
#include "sgemm.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>

#include "labkit/machine.hpp"
#include "packing.hpp"

namespace sgemm::reference {
namespace detail {
namespace {

struct Avx512Micro {
  static constexpr int MR = 12, NR = 32;
  static void run(int kc, const float* __restrict a, const float* __restrict b, float* C, int ldc, int mr, int nr,
                  bool accumulate) {
    __m512 lo[MR], hi[MR];  // columns 0-15 and 16-31 of each row of the tile
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) lo[r] = hi[r] = _mm512_setzero_ps();
    // The tile of C is needed only after the loop: ask for it now, so its
    // cache misses overlap with the arithmetic instead of following it.
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) {
      _mm_prefetch(reinterpret_cast<const char*>(C + static_cast<std::ptrdiff_t>(r) * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(C + static_cast<std::ptrdiff_t>(r) * ldc + 31), _MM_HINT_T0);
    }
#pragma GCC unroll 4
    for (int p = 0; p < kc; ++p) {
      const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 12
      for (int r = 0; r < MR; ++r) {
        const __m512 ar = _mm512_set1_ps(a[r]);
        lo[r] = _mm512_fmadd_ps(ar, b0, lo[r]);
        hi[r] = _mm512_fmadd_ps(ar, b1, hi[r]);
      }
      a += MR;
      b += NR;
    }
    if (mr == MR && nr == NR) {
#pragma GCC unroll 12
      for (int r = 0; r < MR; ++r) {
        float* c = C + static_cast<std::ptrdiff_t>(r) * ldc;
        if (accumulate) {
          lo[r] = _mm512_add_ps(lo[r], _mm512_loadu_ps(c));
          hi[r] = _mm512_add_ps(hi[r], _mm512_loadu_ps(c + 16));
        }
        _mm512_storeu_ps(c, lo[r]);
        _mm512_storeu_ps(c + 16, hi[r]);
      }
    } else {
      // An edge tile: through a buffer, so the accumulators stay registers
      // (indexing them with the run-time mr would force them into memory).
      alignas(64) float tile[MR * NR];
#pragma GCC unroll 12
      for (int r = 0; r < MR; ++r) {
        _mm512_store_ps(tile + r * NR, lo[r]);
        _mm512_store_ps(tile + r * NR + 16, hi[r]);
      }
      store_edge_tile<MR, NR>(tile, C, ldc, mr, nr, accumulate);
    }
  }
};

}  // namespace

// KC, the steps of k per load and store of the C tile. 256 was measured best
// on the reference machine (AMD Zen 4: 32 KiB L1d, 1 MiB L2, 32 MiB L3 per
// two cores): one B sliver, 256 x 32 floats = 32 KiB, is as big as L1 (KC =
// 128 or 192, which leave room in L1, measured a few percent slower). Zen 5
// (AMD family 26) runs 512-bit FMAs at full width, twice Zen 4's rate per
// cycle, so the C tile's load and store per KC steps weigh twice as much
// there: on a 2-core Zen 5 VM, KC = 512 took one thread from 178 to 191
// GFLOP/s (n = 2048) and two threads over one from 1.75x to 1.85x, although
// its B sliver (64 KiB) overflows the 48 KiB L1d. Other cores keep 256 until
// someone measures them.
int avx512_kc() {
  const auto id = labkit::cpuid_identity(labkit::native_cpuid());
  return id.vendor == "AuthenticAMD" && id.family >= 26 ? 512 : 256;
}

// The other cache blocks: the packed A block, 144 x KC floats (144 or 288
// KiB), stays in L2; the B panel, up to KC x 4096 floats, stays in L3.
const Kernel& avx512_kernel() {
  static const Kernel k = {"avx512", Avx512Micro::MR, Avx512Micro::NR,
                           /*mc=*/144, /*kc=*/avx512_kc(), /*nc=*/4096,
                           pack_a_block<Avx512Micro::MR>, pack_b_panel<Avx512Micro::NR>,
                           macro_kernel<Avx512Micro>};
  return k;
}

}  // namespace detail

// The file is compiled with -mavx512f -mavx512vl -mavx512bw -mavx512dq, and
// the compiler may use any of them (in the packing loops, say): all four.
bool has_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
}

void sgemm_microkernel_avx512(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                              int ldc) {
  detail::packed_gemm(detail::avx512_kernel(), M, N, K, A, lda, B, ldb, C, ldc);
}

}  // namespace sgemm::reference
#else
// Not an x86 build (or no compiler support): the step exists but never runs.
#include "packed_gemm.hpp"

namespace sgemm::reference {
namespace detail {
// Cache blocks, measured best on the reference machine (32 KiB L1d, 1 MiB
// L2, 32 MiB L3 per two cores): the packed A block, 144 x 256 floats =
// 144 KiB, stays in L2; one B sliver, 256 x 32 floats = 32 KiB, is as big as
// L1 (KC = 128 or 192, which leave room in L1, measured a few percent slower:
// fewer steps of k per load and store of the C tile); the B panel, up to
// 256 x 4096 floats = 4 MiB, stays in L3.
const Kernel& avx512_kernel() { return portable_kernel(); }
}  // namespace detail
bool has_avx512() { return false; }
void sgemm_microkernel_avx512(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                              int ldc) {
  sgemm_packed(M, N, K, A, lda, B, ldb, C, ldc);
}
}  // namespace sgemm::reference
#endif
