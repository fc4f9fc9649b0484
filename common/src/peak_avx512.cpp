// Compiled with the AVX-512 flags (see common/CMakeLists.txt).
#include "peak_kernels.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>

namespace labkit::detail {

// Horizontal sum through memory: GCC 12's _mm512_reduce_add_ps trips a
// spurious -Wuninitialized inside its own header.
static float horizontal_sum(__m512 v) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  float total = 0;
  for (float x : lanes) total += x;
  return total;
}

// 12 independent accumulators: enough to hide a 4-cycle FMA latency on two
// pipes with room to spare, so the loop is bound by throughput, not latency.
double fma_chains_avx512(std::uint64_t iterations, float seed) {
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(seed * 1e-7f);
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(seed + static_cast<float>(i));
  for (std::uint64_t it = 0; it < iterations; ++it) {
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 sum = acc[0];
  for (int i = 1; i < 12; ++i) sum = _mm512_add_ps(sum, acc[i]);
  volatile float sink = horizontal_sum(sum);
  (void)sink;
  return static_cast<double>(iterations) * 12 * 16 * 2;
}

float read_sum_avx512(const float* data, std::size_t n) {
  // Two streams (the two halves of the buffer), as a dot product or saxpy
  // reads: DRAM serves two streams faster than one (about 10% on Zen 4), and
  // the roofline's ceiling must not sit below what such kernels reach.
  // Eight accumulators: two loads per cycle with a 3-cycle add latency need
  // six chains in flight to keep the load ports busy.
  const float* a = data;
  const float* b = data + n / 2;
  __m512 s[8];
  for (auto& v : s) v = _mm512_setzero_ps();
  for (std::size_t i = 0; i < n / 2; i += 64) {
    for (int k = 0; k < 4; ++k) s[k] = _mm512_add_ps(s[k], _mm512_loadu_ps(a + i + 16 * k));
    for (int k = 0; k < 4; ++k) s[4 + k] = _mm512_add_ps(s[4 + k], _mm512_loadu_ps(b + i + 16 * k));
  }
  for (int k = 1; k < 8; ++k) s[0] = _mm512_add_ps(s[0], s[k]);
  return horizontal_sum(s[0]);
}

}  // namespace labkit::detail
#else
namespace labkit::detail {
double fma_chains_avx512(std::uint64_t, float) { return 0; }
float read_sum_avx512(const float*, std::size_t) { return 0; }
}  // namespace labkit::detail
#endif
