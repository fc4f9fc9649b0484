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

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>

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

// pack_a_block<12> with vector transposes: the portable loop moves one
// float at a time (about one per cycle: 0.3 ms of a 10.5 ms n = 1024 product
// on a Zen 5 core, 3% of the call). Per 8 steps of k, rows 0-7 are an 8 x 8
// transpose (unpack, shuffle, then swap 128-bit halves) and rows 8-11 a 4 x 8
// one; each column then goes out as 8 + 4 floats at Ap[p * 12]. Slivers
// with fewer than 12 rows, and the last kc % 8 steps, take the portable loop.
void pack_a_block_12x(int mc, int kc, const float* A, int lda, float* Ap) {
  constexpr int MR = Avx512Micro::MR;
  static_assert(MR == 12, "the transposes below are written for 12 rows");
  int i = 0;
  for (; i + MR <= mc; i += MR, Ap += static_cast<std::ptrdiff_t>(MR) * kc) {
    const float* a = A + static_cast<std::ptrdiff_t>(i) * lda;
    auto row = [&](int r, int p) { return _mm256_loadu_ps(a + static_cast<std::ptrdiff_t>(r) * lda + p); };
    int p = 0;
    for (; p + 8 <= kc; p += 8) {
      // Rows 0-7: an 8 x 8 transpose.
      const __m256 t0 = _mm256_unpacklo_ps(row(0, p), row(1, p)), t1 = _mm256_unpackhi_ps(row(0, p), row(1, p));
      const __m256 t2 = _mm256_unpacklo_ps(row(2, p), row(3, p)), t3 = _mm256_unpackhi_ps(row(2, p), row(3, p));
      const __m256 t4 = _mm256_unpacklo_ps(row(4, p), row(5, p)), t5 = _mm256_unpackhi_ps(row(4, p), row(5, p));
      const __m256 t6 = _mm256_unpacklo_ps(row(6, p), row(7, p)), t7 = _mm256_unpackhi_ps(row(6, p), row(7, p));
      const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
      const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
      const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
      const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
      // s0 = column 0 of rows 0-3 | column 4 of rows 0-3; s4 the same of rows 4-7; and so on.
      const __m256 col[8] = {_mm256_permute2f128_ps(s0, s4, 0x20), _mm256_permute2f128_ps(s1, s5, 0x20),
                             _mm256_permute2f128_ps(s2, s6, 0x20), _mm256_permute2f128_ps(s3, s7, 0x20),
                             _mm256_permute2f128_ps(s0, s4, 0x31), _mm256_permute2f128_ps(s1, s5, 0x31),
                             _mm256_permute2f128_ps(s2, s6, 0x31), _mm256_permute2f128_ps(s3, s7, 0x31)};
      // Rows 8-11: a 4 x 8 transpose; u[c] holds column c (low half) and c + 4 (high half).
      const __m256 v0 = _mm256_unpacklo_ps(row(8, p), row(9, p)), v1 = _mm256_unpackhi_ps(row(8, p), row(9, p));
      const __m256 v2 = _mm256_unpacklo_ps(row(10, p), row(11, p)), v3 = _mm256_unpackhi_ps(row(10, p), row(11, p));
      const __m256 u[4] = {_mm256_shuffle_ps(v0, v2, 0x44), _mm256_shuffle_ps(v0, v2, 0xEE),
                           _mm256_shuffle_ps(v1, v3, 0x44), _mm256_shuffle_ps(v1, v3, 0xEE)};
      float* out = Ap + static_cast<std::ptrdiff_t>(p) * MR;
#pragma GCC unroll 8
      for (int c = 0; c < 8; ++c) {
        _mm256_storeu_ps(out + c * MR, col[c]);
        _mm_storeu_ps(out + c * MR + 8, c < 4 ? _mm256_castps256_ps128(u[c]) : _mm256_extractf128_ps(u[c - 4], 1));
      }
    }
    for (; p < kc; ++p)
#pragma GCC unroll 12
      for (int r = 0; r < MR; ++r) Ap[p * MR + r] = a[static_cast<std::ptrdiff_t>(r) * lda + p];
  }
  if (i < mc) pack_a_block<MR>(mc - i, kc, A + static_cast<std::ptrdiff_t>(i) * lda, lda, Ap);
}

}  // namespace

// Does this core run a 512-bit FMA at full width (two per cycle: Zen 5,
// Intel's server cores) or as two 256-bit halves (Zen 4)? Measured, not
// looked up by model: the same number of independent FMAs (12 chains, more
// than latency x throughput) at 512 and at 256 bits, best of three each,
// timed back to back. At full width the 512-bit ones take about as long as
// the 256-bit ones; split in halves, about twice as long. About 2 ms, once.
template <class V, V (*Fma)(V, V, V), V (*Set1)(float)>
[[gnu::noinline]] double seconds_of_fmas(long iterations) {
  V acc[12];
#pragma GCC unroll 12
  for (int r = 0; r < 12; ++r) acc[r] = Set1(static_cast<float>(r));
  const V m = Set1(0.999999f), a = Set1(1e-6f);
  const auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i)
#pragma GCC unroll 12
    for (int r = 0; r < 12; ++r) acc[r] = Fma(acc[r], m, a);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  V sum = acc[0];
  for (int r = 1; r < 12; ++r) sum += acc[r];
  float first;
  std::memcpy(&first, &sum, sizeof(float));
  volatile float keep = first;  // the chains' results are used: the loops stay
  (void)keep;
  return s;
}
__m512 fma512(__m512 a, __m512 b, __m512 c) { return _mm512_fmadd_ps(a, b, c); }
__m512 set512(float x) { return _mm512_set1_ps(x); }
__m256 fma256(__m256 a, __m256 b, __m256 c) { return _mm256_fmadd_ps(a, b, c); }
__m256 set256(float x) { return _mm256_set1_ps(x); }

bool fma512_full_width() {
  constexpr long kIterations = 100000;  // 1.2 million FMAs: about 0.2-0.4 ms each
  double t512 = 1e9, t256 = 1e9;
  for (int round = 0; round < 3; ++round) {
    t512 = std::min(t512, seconds_of_fmas<__m512, fma512, set512>(kIterations));
    t256 = std::min(t256, seconds_of_fmas<__m256, fma256, set256>(kIterations));
  }
  return t512 < 1.5 * t256;
}

// The cache blocks, from what this machine is rather than from a table of
// models.
//
// Split 512-bit FMAs (Zen 4: 32 KiB L1d, 1 MiB L2, 32 MiB L3 per two cores,
// the reference machine): KC = 256 makes one B sliver, 256 x 32 floats =
// 32 KiB, as big as L1 (KC = 128 or 192, which leave room in L1, measured a
// few percent slower); the packed A block, 144 x 256 floats = 144 KiB, stays
// in L2; the B panel, up to 256 x 4096 floats = 4 MiB, in L3.
//
// Full-width 512-bit FMAs do the same work in half the cycles, so what a
// micro-kernel call pays once per KC steps (loading, adding and storing the
// 12 x 32 tile of C, whose rows are a page apart) weighs twice as much, and
// L2 is fast enough to feed both slivers. Then KC is as big as keeps the
// packed A block, MC = 96 rows x KC, within half of L2 (at most 1024, where
// n = 1024 needs a single pass over C). Measured on a 2-core Zen 5 VM
// (family 26 model 2: 48 KiB L1d, 1 MiB L2), one thread at n = 1024 against
// oneDNN's dnnl_sgemm in the same process: 0.94-0.97x at MC 144 / KC 512,
// 0.99-1.00x at MC 96 / KC 1024 (README, "Measured").
Blocks avx512_blocks() {
  static const Blocks chosen = [] {
    Blocks b;
    b.full_width = fma512_full_width();
    b.l2_bytes = labkit::data_cache_bytes(labkit::describe_machine(), 2);
    if (!b.full_width) {
      b.mc = 144;
      b.kc = 256;
    } else {
      b.mc = 96;
      const std::uint64_t fit = b.l2_bytes ? b.l2_bytes / 2 / (sizeof(float) * b.mc) : 512;
      b.kc = static_cast<int>(std::clamp<std::uint64_t>(fit / 8 * 8, 256, 1024));
    }
    return b;
  }();
  return chosen;
}

// The B panel, up to KC x 4096 floats (16 MiB at KC = 1024), stays in L3.
const Kernel& avx512_kernel() {
  static const Kernel k = {"avx512", Avx512Micro::MR, Avx512Micro::NR,
                           /*mc=*/avx512_blocks().mc, /*kc=*/avx512_blocks().kc, /*nc=*/4096,
                           pack_a_block_12x, pack_b_panel<Avx512Micro::NR>,
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
Blocks avx512_blocks() { return {}; }
}  // namespace detail
bool has_avx512() { return false; }
void sgemm_microkernel_avx512(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                              int ldc) {
  sgemm_packed(M, N, K, A, lda, B, ldb, C, ldc);
}
}  // namespace sgemm::reference
#endif
