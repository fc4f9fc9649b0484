// AVX-512 versions of the Q8_0 quantizer and of the requantization step
// (this file alone is compiled with the AVX-512 flags). Both produce exactly
// the bits of their scalar versions: same float operations on each element,
// same integer arithmetic.
#include <cstring>

#include "quantization.hpp"

#if defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>
#define QUANT_HAVE_AVX512 1
#endif

namespace quant::reference {

#if defined(QUANT_HAVE_AVX512)

bool avx512_kernels_compiled() { return true; }

namespace {

// roundf(x) for |x| < 2^23: halves away from zero. The hardware rounding
// modes have no "half away" (only to nearest even, down, up, toward zero), so:
// t = trunc(x); the fraction x - t is exact; where |x - t| >= 0.5 step one
// further from zero.
inline __m512 round_half_away(__m512 x) {
  const __m512 t = _mm512_roundscale_ps(x, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m512 frac = _mm512_abs_ps(_mm512_sub_ps(x, t));
  const __mmask16 up = _mm512_cmp_ps_mask(frac, _mm512_set1_ps(0.5f), _CMP_GE_OQ);
  // copysign(1, x): the sign bit of x on 1.0f
  const __m512 one = _mm512_or_ps(_mm512_set1_ps(1.0f), _mm512_and_ps(x, _mm512_set1_ps(-0.0f)));
  return _mm512_mask_add_ps(t, up, t, one);
}

}  // namespace

void quantize_row_q8_0_avx512(const float* x, BlockQ8_0* y, std::int64_t k) {
  if (k % kQK != 0) return quantize_row_q8_0_scalar(x, y, k);  // throws the scalar code's error
  for (std::int64_t i = 0; i < k / kQK; ++i) {
    const __m512 v0 = _mm512_loadu_ps(x + i * kQK), v1 = _mm512_loadu_ps(x + i * kQK + 16);
    // amax is a max: exact, in any order.
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    const __m512 vid = _mm512_set1_ps(id);
    const __m512i q0 = _mm512_cvttps_epi32(round_half_away(_mm512_mul_ps(v0, vid)));
    const __m512i q1 = _mm512_cvttps_epi32(round_half_away(_mm512_mul_ps(v1, vid)));
    // |q| <= 127 here, so narrowing to bytes loses nothing.
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y[i].qs), _mm512_cvtepi32_epi8(q0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y[i].qs + 16), _mm512_cvtepi32_epi8(q1));
  }
}

// 16 accumulators at a time. The 32 x 32 -> 64-bit products come from
// vpmuldq (_mm512_mul_epi32), which multiplies the even 32-bit lanes only:
// once for the even lanes, once after shifting the odd lanes down. The
// rounding, the arithmetic shift by a per-lane count (vpsravq), the zero point
// and the clamp are done in 64 bits, as in the scalar definition, and the two
// halves are interleaved back at the end.
void requantize_row_avx512(int n, const std::int32_t* acc, const Requant* r, std::int32_t zero_point,
                           std::int32_t qmin, std::int32_t qmax, std::uint8_t* out) {
  static_assert(sizeof(Requant) == 8, "Requant is {multiplier, shift}: loaded as one 64-bit lane per element");
  const __m512i one = _mm512_set1_epi64(1), k31 = _mm512_set1_epi64(31);
  const __m512i zp = _mm512_set1_epi64(zero_point), lo = _mm512_set1_epi64(qmin), hi = _mm512_set1_epi64(qmax);
  const __m512i low32 = _mm512_set1_epi64(0xFFFFFFFFLL);
  int j = 0;
  for (; j + 16 <= n; j += 16) {
    const __m512i a = _mm512_loadu_si512(acc + j);
    // r[j..j+7] and r[j+8..j+15]: each 64-bit lane holds {multiplier, shift}.
    const __m512i r0 = _mm512_loadu_si512(r + j), r1 = _mm512_loadu_si512(r + j + 8);
    // Gather the multipliers of elements 0, 2, 4.. (even) and 1, 3, 5.. (odd)
    // into the low halves of 64-bit lanes, matching _mm512_mul_epi32's inputs.
    const __m512i even_idx = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
    const __m512i odd_idx = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
    const __m512i r_even = _mm512_permutex2var_epi64(r0, even_idx, r1);  // {mult, shift} of even elements
    const __m512i r_odd = _mm512_permutex2var_epi64(r0, odd_idx, r1);
    const __m512i a_even = a;                          // even elements sit in the low halves already
    const __m512i a_odd = _mm512_srli_epi64(a, 32);    // odd elements moved down
    auto half = [&](__m512i av, __m512i rv) {
      const __m512i mult = _mm512_and_si512(rv, low32);
      const __m512i total = _mm512_add_epi64(_mm512_srai_epi64(rv, 32), k31);  // 31 + shift
      const __m512i prod = _mm512_mul_epi32(av, mult);                         // signed 32 x 32 -> 64
      const __m512i round = _mm512_sllv_epi64(one, _mm512_sub_epi64(total, one));
      __m512i v = _mm512_srav_epi64(_mm512_add_epi64(prod, round), total);
      v = _mm512_add_epi64(v, zp);
      return _mm512_min_epi64(_mm512_max_epi64(v, lo), hi);
    };
    const __m512i ve = half(a_even, r_even), vo = half(a_odd, r_odd);
    // Interleave back: even results in the low 32 bits, odd ones in the high.
    const __m512i both = _mm512_or_si512(_mm512_and_si512(ve, low32), _mm512_slli_epi64(vo, 32));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + j), _mm512_cvtepi32_epi8(both));
  }
  for (; j < n; ++j) out[j] = static_cast<std::uint8_t>(requantize_one(acc[j], r[j], zero_point, qmin, qmax));
}

#else  // no AVX-512 in this compiler: the dispatcher never calls these

bool avx512_kernels_compiled() { return false; }
void quantize_row_q8_0_avx512(const float* x, BlockQ8_0* y, std::int64_t k) { quantize_row_q8_0_scalar(x, y, k); }
void requantize_row_avx512(int n, const std::int32_t* acc, const Requant* r, std::int32_t zero_point,
                           std::int32_t qmin, std::int32_t qmax, std::uint8_t* out) {
  requantize_row_scalar(n, acc, r, zero_point, qmin, qmax, out);
}

#endif

}  // namespace quant::reference
