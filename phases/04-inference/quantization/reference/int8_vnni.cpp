// AVX-512 VNNI integer kernels. This file alone is compiled with the AVX-512
// flags plus -mavx512vnni (CMakeLists.txt, when the compiler accepts it).
//
// vpdpbusd (_mm512_dpbusd_epi32(acc, a, b)): for each of the 16 int32 lanes,
//   acc += a.u8[4l] * b.s8[4l] + ... + a.u8[4l+3] * b.s8[4l+3]
// with no intermediate rounding or saturation (vpdpbusds is the saturating
// one). 64 multiply-adds in one instruction, exactly the integer dot product,
// where AVX2 needs vpmaddubsw + vpmaddwd + vpaddd (and saturates).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "labkit/machine.hpp"
#include "quantization.hpp"

#if defined(__AVX512F__) && defined(__AVX512VNNI__) && defined(__AVX512BW__)
#include <immintrin.h>
#define QUANT_HAVE_VNNI 1
#endif

namespace quant::reference {

#if defined(QUANT_HAVE_VNNI)

bool vnni_kernels_compiled() { return true; }

std::int32_t dot_u8s8_vnni(const std::uint8_t* a, const std::int8_t* b, std::int64_t n) {
  // Four independent accumulators: vpdpbusd has a latency of several cycles
  // and each one waits for the previous result in its accumulator.
  __m512i acc0 = _mm512_setzero_si512(), acc1 = _mm512_setzero_si512();
  __m512i acc2 = _mm512_setzero_si512(), acc3 = _mm512_setzero_si512();
  std::int64_t i = 0;
  for (; i + 256 <= n; i += 256) {
    acc0 = _mm512_dpbusd_epi32(acc0, _mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));
    acc1 = _mm512_dpbusd_epi32(acc1, _mm512_loadu_si512(a + i + 64), _mm512_loadu_si512(b + i + 64));
    acc2 = _mm512_dpbusd_epi32(acc2, _mm512_loadu_si512(a + i + 128), _mm512_loadu_si512(b + i + 128));
    acc3 = _mm512_dpbusd_epi32(acc3, _mm512_loadu_si512(a + i + 192), _mm512_loadu_si512(b + i + 192));
  }
  for (; i + 64 <= n; i += 64)
    acc0 = _mm512_dpbusd_epi32(acc0, _mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));
  if (i < n) {  // the last 1..63 bytes: masked loads read nothing past the end, and give zeros
    const __mmask64 m = (std::uint64_t{1} << (n - i)) - 1;  // n - i < 64
    acc1 = _mm512_dpbusd_epi32(acc1, _mm512_maskz_loadu_epi8(m, a + i), _mm512_maskz_loadu_epi8(m, b + i));
  }
  return _mm512_reduce_add_epi32(_mm512_add_epi32(_mm512_add_epi32(acc0, acc1), _mm512_add_epi32(acc2, acc3)));
}

// ---------------------------------------------------------------------------
// GEMM. Register tile: MR = 6 rows x NP = 4 panels (64 columns): 24 zmm
// accumulators, 4 for the panels of B, 1 for the broadcast of A (29 of 32).
// Per quad of k: 4 loads of B (64 bytes each), 6 broadcasts of 4 bytes of A,
// 24 vpdpbusd = 1536 multiply-adds. Blocks of kc quads of k: the 4 panels'
// slice of B (kc x 256 bytes) is reused by every row block of A streaming
// past; the first block stores C, the later ones add to it. Each block costs
// a load, add and store of every C tile, so fewer, longer blocks win while
// the slice stays in L2 (vnni_kc_quads).

namespace {

constexpr int kMR = 6, kNP = 4;
// kc from the L2 labkit finds: B's slice takes a sixteenth of it (64 KiB of a
// 1 MiB L2: kc = 256 quads, all of k at n = 1024), leaving the rest to A's
// rows and C's tiles. An L1-sized slice (96 quads, 24 KiB) was the first
// choice; on a Zen 5 core (family 26 model 2: 48 KiB L1d, 1 MiB L2), one
// thread at n = 1024 against oneDNN's matmul in the same process measured
// 0.83x at 64 quads, 0.88x at 128, 0.95x at 192, 0.95-0.97x at 256-512
// (with B packed by pack_b_vnni). 96 quads where L2 is unknown.
int vnni_kc_quads() {
  static const int kc = [] {
    const std::uint64_t l2 = labkit::data_cache_bytes(labkit::describe_machine(), 2);
    return l2 ? static_cast<int>(std::clamp<std::uint64_t>(l2 / 16 / 256, 96, 1024)) : 96;
  }();
  return kc;
}

inline std::uint32_t load_u32(const void* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// `count` steps of k (quads) into the register tile. Every loop over the
// tile is unrolled completely, so acc[][] lives in registers: a loop the
// compiler cannot unroll, or an index known only at run time, would put the
// whole array in memory and add a store to every vpdpbusd.
template <int MR, int NP>
[[gnu::always_inline]] inline void vnni_steps(__m512i (&acc)[MR][NP], const std::uint8_t* A, std::ptrdiff_t lda,
                                              const std::int8_t* B, std::size_t panel_stride, int count) {
  for (int s = 0; s < count; ++s) {
    __m512i b[NP];
#pragma GCC unroll 4
    for (int p = 0; p < NP; ++p) b[p] = _mm512_load_si512(B + p * panel_stride + static_cast<std::size_t>(s) * 64);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m512i a = _mm512_set1_epi32(static_cast<int>(load_u32(A + r * lda + 4 * s)));
#pragma GCC unroll 4
      for (int p = 0; p < NP; ++p) acc[r][p] = _mm512_dpbusd_epi32(acc[r][p], a, b[p]);
    }
  }
}

template <int MR, int NP>
void tile_vnni(const std::uint8_t* A, int lda, int K, int q0, int q1, const std::int8_t* panels,
               std::size_t panel_stride, std::int32_t* C, int ldc, int cols, bool accumulate) {
  __m512i acc[MR][NP];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int p = 0; p < NP; ++p) acc[r][p] = _mm512_setzero_si512();

  (void)K;  // the driver pads A to whole quads of k
  vnni_steps<MR, NP>(acc, A + 4 * q0, lda, panels + static_cast<std::size_t>(q0) * 64, panel_stride, q1 - q0);

  __mmask16 mask[NP];
#pragma GCC unroll 4
  for (int p = 0; p < NP; ++p) {
    const int n = cols - 16 * p;
    mask[p] = n >= 16 ? static_cast<__mmask16>(0xFFFF) : n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1u);
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    std::int32_t* c = C + static_cast<std::ptrdiff_t>(r) * ldc;
#pragma GCC unroll 4
    for (int p = 0; p < NP; ++p) {
      __m512i v = acc[r][p];
      if (accumulate) v = _mm512_add_epi32(v, _mm512_maskz_loadu_epi32(mask[p], c + 16 * p));
      _mm512_mask_storeu_epi32(c + 16 * p, mask[p], v);
    }
  }
}

template <int NP>
void rows_vnni(int M, const std::uint8_t* A, int lda, int K, int q0, int q1, const std::int8_t* panels,
               std::size_t panel_stride, std::int32_t* C, int ldc, int cols, bool accumulate) {
  int i = 0;
  for (; i + kMR <= M; i += kMR)
    tile_vnni<kMR, NP>(A + static_cast<std::ptrdiff_t>(i) * lda, lda, K, q0, q1, panels, panel_stride,
                       C + static_cast<std::ptrdiff_t>(i) * ldc, ldc, cols, accumulate);
  const std::uint8_t* a = A + static_cast<std::ptrdiff_t>(i) * lda;
  std::int32_t* c = C + static_cast<std::ptrdiff_t>(i) * ldc;
  switch (M - i) {
    case 1: tile_vnni<1, NP>(a, lda, K, q0, q1, panels, panel_stride, c, ldc, cols, accumulate); break;
    case 2: tile_vnni<2, NP>(a, lda, K, q0, q1, panels, panel_stride, c, ldc, cols, accumulate); break;
    case 3: tile_vnni<3, NP>(a, lda, K, q0, q1, panels, panel_stride, c, ldc, cols, accumulate); break;
    case 4: tile_vnni<4, NP>(a, lda, K, q0, q1, panels, panel_stride, c, ldc, cols, accumulate); break;
    case 5: tile_vnni<5, NP>(a, lda, K, q0, q1, panels, panel_stride, c, ldc, cols, accumulate); break;
    default: break;
  }
}

}  // namespace

// Packing B with byte interleaves: 64 columns (four panels) of four rows of
// B in, four 64-byte groups out, where pack_b moves one byte at a time. In
// each 128-bit lane (16 columns), unpack bytes of rows 0/1 and 2/3, then
// 16-bit pairs of those: four vectors whose lane L holds columns 16L+0..3,
// 16L+4..7, 16L+8..11, 16L+12..15 of panel L as (r0 r1 r2 r3) quads. A 4 x 4
// transpose of 128-bit lanes (two rounds of vshufi32x4) turns them into one
// vector per panel. Rows past K and columns past N load as zeros, so the
// padding pack_b writes comes out the same.
void pack_b_vnni(int K, int N, const std::int8_t* B, int ldb, PackedB& p) {
  check_pack_b_args(K, N, ldb);
  p.K = K;
  p.N = N;
  p.kquads = (K + 3) / 4;
  p.panels = (N + 15) / 16;
  p.data.resize(static_cast<std::size_t>(p.panels) * p.kquads * 64);  // every byte is written below
  p.col_sums.clear();
  const std::size_t panel_stride = static_cast<std::size_t>(p.kquads) * 64;
  for (int n0 = 0; n0 < N; n0 += 64) {
    const int cols = N - n0 < 64 ? N - n0 : 64;
    const __mmask64 m = cols == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << cols) - 1;
    const int first_panel = n0 / 16, panels = (cols + 15) / 16;
    std::int8_t* out = p.data.data() + static_cast<std::size_t>(first_panel) * panel_stride;
    for (int q = 0; q < p.kquads; ++q, out += 64) {
      __m512i x[4];
#pragma GCC unroll 4
      for (int r = 0; r < 4; ++r)
        x[r] = 4 * q + r < K ? _mm512_maskz_loadu_epi8(m, B + static_cast<std::ptrdiff_t>(4 * q + r) * ldb + n0)
                             : _mm512_setzero_si512();
      const __m512i t0 = _mm512_unpacklo_epi8(x[0], x[1]), t1 = _mm512_unpackhi_epi8(x[0], x[1]);
      const __m512i t2 = _mm512_unpacklo_epi8(x[2], x[3]), t3 = _mm512_unpackhi_epi8(x[2], x[3]);
      const __m512i u0 = _mm512_unpacklo_epi16(t0, t2), u1 = _mm512_unpackhi_epi16(t0, t2);
      const __m512i u2 = _mm512_unpacklo_epi16(t1, t3), u3 = _mm512_unpackhi_epi16(t1, t3);
      const __m512i v0 = _mm512_shuffle_i32x4(u0, u1, 0x44), v1 = _mm512_shuffle_i32x4(u0, u1, 0xEE);
      const __m512i v2 = _mm512_shuffle_i32x4(u2, u3, 0x44), v3 = _mm512_shuffle_i32x4(u2, u3, 0xEE);
      const __m512i panel[4] = {_mm512_shuffle_i32x4(v0, v2, 0x88), _mm512_shuffle_i32x4(v0, v2, 0xDD),
                                _mm512_shuffle_i32x4(v1, v3, 0x88), _mm512_shuffle_i32x4(v1, v3, 0xDD)};
      for (int i = 0; i < panels; ++i) _mm512_store_si512(out + i * panel_stride, panel[i]);
    }
  }
}

void gemm_u8s8s32_vnni(int M, const std::uint8_t* A, int lda, const PackedB& B, std::int32_t* C, int ldc) {
  if (M <= 0 || B.N <= 0) return;
  const std::size_t panel_stride = static_cast<std::size_t>(B.kquads) * 64;
  if (B.kquads == 0) {  // K = 0: C = 0
    for (int i = 0; i < M; ++i) std::memset(C + static_cast<std::ptrdiff_t>(i) * ldc, 0, sizeof(std::int32_t) * B.N);
    return;
  }
  // K not a multiple of 4: the kernel reads A in whole quads, so give it a
  // copy of A with each row zero-padded to 4 * kquads bytes (B is zero
  // there). O(M K) bytes copied, against O(M N K) work.
  std::vector<std::uint8_t> padded;
  if (B.K % 4 != 0) {
    const int lda4 = 4 * B.kquads;
    padded.assign(static_cast<std::size_t>(M) * lda4, 0);
    for (int i = 0; i < M; ++i)
      std::memcpy(padded.data() + static_cast<std::size_t>(i) * lda4, A + static_cast<std::ptrdiff_t>(i) * lda, B.K);
    A = padded.data();
    lda = lda4;
  }
  const int kc = vnni_kc_quads();
  for (int p0 = 0; p0 < B.panels; p0 += kNP) {
    const int np = B.panels - p0 < kNP ? B.panels - p0 : kNP;
    const int cols = B.N - 16 * p0 < 16 * kNP ? B.N - 16 * p0 : 16 * kNP;
    const std::int8_t* panels = B.data.data() + p0 * panel_stride;
    std::int32_t* c = C + 16 * p0;
    for (int q0 = 0; q0 < B.kquads; q0 += kc) {
      const int q1 = B.kquads - q0 < kc ? B.kquads : q0 + kc;
      const bool accumulate = q0 > 0;
      switch (np) {
        case 4: rows_vnni<4>(M, A, lda, B.K, q0, q1, panels, panel_stride, c, ldc, cols, accumulate); break;
        case 3: rows_vnni<3>(M, A, lda, B.K, q0, q1, panels, panel_stride, c, ldc, cols, accumulate); break;
        case 2: rows_vnni<2>(M, A, lda, B.K, q0, q1, panels, panel_stride, c, ldc, cols, accumulate); break;
        default: rows_vnni<1>(M, A, lda, B.K, q0, q1, panels, panel_stride, c, ldc, cols, accumulate); break;
      }
    }
  }
}

#else  // this compiler cannot build VNNI code: the dispatcher never calls these

bool vnni_kernels_compiled() { return false; }
std::int32_t dot_u8s8_vnni(const std::uint8_t* a, const std::int8_t* b, std::int64_t n) { return dot_u8s8_scalar(a, b, n); }
void gemm_u8s8s32_vnni(int M, const std::uint8_t* A, int lda, const PackedB& B, std::int32_t* C, int ldc) {
  gemm_u8s8s32_portable(M, A, lda, B, C, ldc);
}
void pack_b_vnni(int K, int N, const std::int8_t* B, int ldb, PackedB& p) { p = pack_b(K, N, B, ldb); }

#endif

}  // namespace quant::reference
