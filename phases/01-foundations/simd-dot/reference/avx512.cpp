// Step 4: AVX-512. This file alone is compiled with the AVX-512 flags; its
// functions run only after has_avx512() said yes (dispatch.cpp).
#include "simd_dot.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>

namespace simd_dot::reference {

bool has_avx512() { return __builtin_cpu_supports("avx512f"); }

float dot_avx512(const float* x, const float* y, std::size_t n) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), acc0);
    acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16), acc1);
    acc2 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 32), _mm512_loadu_ps(y + i + 32), acc2);
    acc3 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 48), _mm512_loadu_ps(y + i + 48), acc3);
  }
  for (; i + 16 <= n; i += 16) acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), acc0);
  // The tail without a scalar loop: a mask enables only the first n - i
  // lanes, and masked-off lanes load as zero (and never touch memory, so
  // reading "past the end" cannot fault).
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
    acc1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i), acc1);
  }
  const __m512 acc = _mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3));
  // 16 lanes -> 8 -> 4 -> 1. The shuffle swaps the two 256-bit halves, so
  // after the add the low half holds the pairwise sums.
  const __m512 folded = _mm512_add_ps(acc, _mm512_shuffle_f32x4(acc, acc, 0x4E));
  const __m256 half = _mm512_castps512_ps256(folded);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(half), _mm256_extractf128_ps(half, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

void saxpy_avx512(float a, const float* x, float* y, std::size_t n) {
  const __m512 va = _mm512_set1_ps(a);
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    _mm512_storeu_ps(y + i + 16, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16)));
  }
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
    const __m512 r = _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i));
    _mm512_mask_storeu_ps(y + i, m, r);  // masked store: lanes past n stay untouched
  }
}

}  // namespace simd_dot::reference
#else
namespace simd_dot::reference {
bool has_avx512() { return false; }
float dot_avx512(const float* x, const float* y, std::size_t n) { return dot_auto(x, y, n); }
void saxpy_avx512(float a, const float* x, float* y, std::size_t n) { saxpy_auto(a, x, y, n); }
}  // namespace simd_dot::reference
#endif
