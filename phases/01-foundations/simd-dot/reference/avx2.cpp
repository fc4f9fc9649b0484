// Step 3: AVX2 + FMA intrinsics. This file alone is compiled with -mavx2
// -mfma; its functions run only after has_avx2() said yes (dispatch.cpp).
#include "simd_dot.hpp"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace simd_dot::reference {

bool has_avx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

float dot_avx2(const float* x, const float* y, std::size_t n) {
  // Four independent accumulators: an FMA takes ~4 cycles to produce its
  // result and two can start every cycle, so one accumulator would leave the
  // units idle waiting on its own previous result.
  __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    // loadu: unaligned loads cost nothing extra on modern cores unless they
    // straddle a cache line, so we accept any pointer.
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 16), _mm256_loadu_ps(y + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 24), _mm256_loadu_ps(y + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc0);
  // Horizontal sum: 8 lanes -> 4 -> 2 -> 1.
  const __m256 acc = _mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  float sum = _mm_cvtss_f32(s);
  // Scalar tail: the last n % 8 elements.
  for (; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

void saxpy_avx2(float a, const float* x, float* y, std::size_t n) {
  const __m256 va = _mm256_set1_ps(a);
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    _mm256_storeu_ps(y + i + 8, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8)));
  }
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] = a * x[i] + y[i];
}

}  // namespace simd_dot::reference
#else
// Not an x86 build (or no compiler support): the step exists but never runs.
namespace simd_dot::reference {
bool has_avx2() { return false; }
float dot_avx2(const float* x, const float* y, std::size_t n) { return dot_auto(x, y, n); }
void saxpy_avx2(float a, const float* x, float* y, std::size_t n) { saxpy_auto(a, x, y, n); }
}  // namespace simd_dot::reference
#endif
