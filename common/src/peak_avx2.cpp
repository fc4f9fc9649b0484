// Compiled with the AVX2 + FMA flags (see common/CMakeLists.txt).
#include "peak_kernels.hpp"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace labkit::detail {

double fma_chains_avx2(std::uint64_t iterations, float seed) {
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(seed * 1e-7f);
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(seed + static_cast<float>(i));
  for (std::uint64_t it = 0; it < iterations; ++it) {
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 sum = acc[0];
  for (int i = 1; i < 12; ++i) sum = _mm256_add_ps(sum, acc[i]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, sum);
  volatile float sink = lanes[0] + lanes[7];
  (void)sink;
  return static_cast<double>(iterations) * 12 * 8 * 2;
}

float read_sum_avx2(const float* data, std::size_t n) {
  // Two streams, like read_sum_avx512 (peak_avx512.cpp says why).
  const float* a = data;
  const float* b = data + n / 2;
  __m256 s[8];
  for (auto& v : s) v = _mm256_setzero_ps();
  for (std::size_t i = 0; i < n / 2; i += 32) {
    for (int k = 0; k < 4; ++k) s[k] = _mm256_add_ps(s[k], _mm256_loadu_ps(a + i + 8 * k));
    for (int k = 0; k < 4; ++k) s[4 + k] = _mm256_add_ps(s[4 + k], _mm256_loadu_ps(b + i + 8 * k));
  }
  for (int k = 1; k < 8; ++k) s[0] = _mm256_add_ps(s[0], s[k]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s[0]);
  float total = 0;
  for (float x : lanes) total += x;
  return total;
}

}  // namespace labkit::detail
#else
namespace labkit::detail {
double fma_chains_avx2(std::uint64_t, float) { return 0; }
float read_sum_avx2(const float*, std::size_t) { return 0; }
}  // namespace labkit::detail
#endif
