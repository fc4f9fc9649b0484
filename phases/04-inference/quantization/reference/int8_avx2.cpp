// AVX2 integer kernels (this file alone is compiled with -mavx2 -mfma).
//
// The AVX2 multiply for bytes is vpmaddubsw (_mm256_maddubs_epi16): unsigned
// bytes of its first operand times signed bytes of its second, adjacent pairs
// summed into int16 *with saturation*. For u8 x s8 that sum can reach
// 255 * -128 * 2 = -65280, far outside int16: the instruction would clip it
// and the result would be wrong. We make it exact by splitting each byte of A
// into its low 7 bits and its top bit, a = lo + 128 * hi:
//   maddubs(lo, b): |lo0 b0 + lo1 b1| <= 127 * 128 * 2 = 32512 < 32767  (exact)
//   maddubs(hi, b): |hi0 b0 + hi1 b1| <= 256                            (exact)
// then vpmaddwd (_mm256_madd_epi16) widens each to int32 sums of 4 products,
// by 1 and by 128. Four instructions per 32 multiply-adds where VNNI's
// vpdpbusd needs one; but every AVX2 CPU runs it, and it is exact for all
// inputs.
//
// The Q8_0 / Q4_0 dot products need no split: their left operand is |x| <= 127
// (Q8_0) or <= 8 (Q4_0), so a pair sums to at most 127 * 128 * 2 < 32767.
#include <cstring>
#include <vector>

#include "quantization.hpp"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace quant::reference {

#if defined(__AVX2__)

bool avx2_kernels_compiled() { return true; }

namespace {

// a * b, 4 bytes per int32 lane, summed into that lane; exact for all bytes.
inline __m256i dot4_exact(__m256i a_lo, __m256i a_hi, __m256i b, __m256i ones16, __m256i k128) {
  const __m256i lo = _mm256_madd_epi16(_mm256_maddubs_epi16(a_lo, b), ones16);
  const __m256i hi = _mm256_madd_epi16(_mm256_maddubs_epi16(a_hi, b), k128);
  return _mm256_add_epi32(lo, hi);
}

inline std::int32_t hsum_epi32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

inline std::uint32_t load_u32(const void* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

std::int32_t dot_u8s8_avx2(const std::uint8_t* a, const std::int8_t* b, std::int64_t n) {
  const __m256i mask7 = _mm256_set1_epi8(0x7F), one8 = _mm256_set1_epi8(1);
  const __m256i ones16 = _mm256_set1_epi16(1), k128 = _mm256_set1_epi16(128);
  __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
  std::int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i));
    const __m256i a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i + 32));
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i));
    const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i + 32));
    acc0 = _mm256_add_epi32(acc0, dot4_exact(_mm256_and_si256(a0, mask7),
                                             _mm256_and_si256(_mm256_srli_epi16(a0, 7), one8), b0, ones16, k128));
    acc1 = _mm256_add_epi32(acc1, dot4_exact(_mm256_and_si256(a1, mask7),
                                             _mm256_and_si256(_mm256_srli_epi16(a1, 7), one8), b1, ones16, k128));
  }
  for (; i + 32 <= n; i += 32) {
    const __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i));
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i));
    acc0 = _mm256_add_epi32(acc0, dot4_exact(_mm256_and_si256(a0, mask7),
                                             _mm256_and_si256(_mm256_srli_epi16(a0, 7), one8), b0, ones16, k128));
  }
  std::int32_t sum = hsum_epi32(_mm256_add_epi32(acc0, acc1));
  for (; i < n; ++i) sum += static_cast<std::int32_t>(a[i]) * b[i];
  return sum;
}

// ---------------------------------------------------------------------------
// GEMM: a register tile of MR rows x 16 columns (one panel of B, two ymm of 8
// int32 each), over all K. Per quad of k: two 32-byte loads of B, then per
// row 4 bytes of A split into lo / hi and broadcast, 2 x dot4_exact.

namespace {

// The tile over all quads of k. K is a multiple of 4 here (the driver pads A
// otherwise), so every step reads 4 whole bytes per row of A. The loops over
// the tile are unrolled completely, so the accumulators stay in registers.
template <int MR>
void tile_avx2(const std::uint8_t* A, int lda, const std::int8_t* panel, int kquads, std::int32_t* C, int ldc,
               int cols) {
  const __m256i ones16 = _mm256_set1_epi16(1), k128 = _mm256_set1_epi16(128);
  __m256i acc0[MR], acc1[MR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) acc0[r] = acc1[r] = _mm256_setzero_si256();
  for (int q = 0; q < kquads; ++q) {
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel + q * 64));
    const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel + q * 64 + 32));
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const std::uint32_t a4 = load_u32(A + static_cast<std::ptrdiff_t>(r) * lda + 4 * q);
      const __m256i lo = _mm256_set1_epi32(static_cast<int>(a4 & 0x7F7F7F7Fu));
      const __m256i hi = _mm256_set1_epi32(static_cast<int>((a4 >> 7) & 0x01010101u));
      acc0[r] = _mm256_add_epi32(acc0[r], dot4_exact(lo, hi, b0, ones16, k128));
      acc1[r] = _mm256_add_epi32(acc1[r], dot4_exact(lo, hi, b1, ones16, k128));
    }
  }
  alignas(32) std::int32_t buf[16];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    std::int32_t* c = C + static_cast<std::ptrdiff_t>(r) * ldc;
    if (cols == 16) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(c), acc0[r]);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + 8), acc1[r]);
    } else {
      _mm256_store_si256(reinterpret_cast<__m256i*>(buf), acc0[r]);
      _mm256_store_si256(reinterpret_cast<__m256i*>(buf + 8), acc1[r]);
      std::memcpy(c, buf, sizeof(std::int32_t) * cols);
    }
  }
}

}  // namespace

void gemm_u8s8s32_avx2(int M, const std::uint8_t* A, int lda, const PackedB& B, std::int32_t* C, int ldc) {
  constexpr int MR = 4;
  // K not a multiple of 4: a copy of A with rows zero-padded to whole quads.
  std::vector<std::uint8_t> padded;
  if (B.K % 4 != 0) {
    const int lda4 = 4 * B.kquads;
    padded.assign(static_cast<std::size_t>(M) * lda4, 0);
    for (int i = 0; i < M; ++i)
      std::memcpy(padded.data() + static_cast<std::size_t>(i) * lda4, A + static_cast<std::ptrdiff_t>(i) * lda, B.K);
    A = padded.data();
    lda = lda4;
  }
  for (int p = 0; p < B.panels; ++p) {
    const std::int8_t* panel = B.data.data() + static_cast<std::size_t>(p) * B.kquads * 64;
    const int cols = B.N - 16 * p < 16 ? B.N - 16 * p : 16;
    int i = 0;
    for (; i + MR <= M; i += MR)
      tile_avx2<MR>(A + static_cast<std::ptrdiff_t>(i) * lda, lda, panel, B.kquads,
                    C + static_cast<std::ptrdiff_t>(i) * ldc + 16 * p, ldc, cols);
    for (; i < M; ++i)
      tile_avx2<1>(A + static_cast<std::ptrdiff_t>(i) * lda, lda, panel, B.kquads,
                   C + static_cast<std::ptrdiff_t>(i) * ldc + 16 * p, ldc, cols);
  }
}

// ---------------------------------------------------------------------------
// ggml block dot products: one block (32 values) is one ymm. The integer sum
// of a block is exact; the float part is the scalar code's, in its order.

namespace {
// sum x[j] * y[j] for 32 signed bytes each, |x| <= 127: vpsignb moves x's
// sign onto y, so maddubs(|x|, sign(y, x)) sums x * y exactly.
inline std::int32_t block_dot_s8(__m256i x, __m256i y) {
  const __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
  return hsum_epi32(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}
}  // namespace

float vec_dot_q8_0_q8_0_avx2(std::int64_t k, const BlockQ8_0* x, const BlockQ8_0* y) {
  if (k % kQK != 0) return vec_dot_q8_0_q8_0_scalar(k, x, y);  // throws the scalar code's error
  float sum = 0.0f;
  for (std::int64_t i = 0; i < k / kQK; ++i) {
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs));
    const __m256i yv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs));
    const std::int32_t isum = block_dot_s8(xv, yv);
    sum += static_cast<float>(isum) * (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d));
  }
  return sum;
}

float vec_dot_q4_0_q8_0_avx2(std::int64_t k, const BlockQ4_0* x, const BlockQ8_0* y) {
  if (k % kQK != 0) return vec_dot_q4_0_q8_0_scalar(k, x, y);
  const __m128i low4 = _mm_set1_epi8(0x0F);
  const __m256i eight = _mm256_set1_epi8(8);
  float sum = 0.0f;
  for (std::int64_t i = 0; i < k / kQK; ++i) {
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].qs));
    // Elements 0..15 from the low nibbles, 16..31 from the high ones: the
    // order of y's values, so one ymm against one ymm.
    const __m128i lo = _mm_and_si128(packed, low4);
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(packed, 4), low4);
    const __m256i xv = _mm256_sub_epi8(_mm256_set_m128i(hi, lo), eight);
    const __m256i yv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs));
    const std::int32_t isum = block_dot_s8(xv, yv);
    sum += static_cast<float>(isum) * (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d));
  }
  return sum;
}

#else  // no AVX2 in this compiler: the dispatcher never calls these

bool avx2_kernels_compiled() { return false; }
std::int32_t dot_u8s8_avx2(const std::uint8_t* a, const std::int8_t* b, std::int64_t n) { return dot_u8s8_scalar(a, b, n); }
void gemm_u8s8s32_avx2(int M, const std::uint8_t* A, int lda, const PackedB& B, std::int32_t* C, int ldc) {
  gemm_u8s8s32_portable(M, A, lda, B, C, ldc);
}
float vec_dot_q8_0_q8_0_avx2(std::int64_t k, const BlockQ8_0* x, const BlockQ8_0* y) {
  return vec_dot_q8_0_q8_0_scalar(k, x, y);
}
float vec_dot_q4_0_q8_0_avx2(std::int64_t k, const BlockQ4_0* x, const BlockQ8_0* y) {
  return vec_dot_q4_0_q8_0_scalar(k, x, y);
}

#endif

}  // namespace quant::reference
