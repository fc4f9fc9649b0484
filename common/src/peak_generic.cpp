// Portable kernels: GCC/Clang vector extensions, which become SSE on x86-64
// and NEON on AArch64. Built with -ffp-contract=fast so a*b+c may fuse.
#include "peak_kernels.hpp"

namespace labkit::detail {

typedef float v4f __attribute__((vector_size(16)));

double fma_chains_generic(std::uint64_t iterations, float seed) {
  const v4f a = {0.999999f, 0.999999f, 0.999999f, 0.999999f};
  const float bs = seed * 1e-7f;
  const v4f b = {bs, bs, bs, bs};
  v4f acc[12];
  for (int i = 0; i < 12; ++i) {
    const float s = seed + static_cast<float>(i);
    acc[i] = v4f{s, s, s, s};
  }
  for (std::uint64_t it = 0; it < iterations; ++it) {
    for (int i = 0; i < 12; ++i) acc[i] = acc[i] * a + b;
  }
  v4f sum = acc[0];
  for (int i = 1; i < 12; ++i) sum += acc[i];
  volatile float sink = sum[0] + sum[3];
  (void)sink;
  return static_cast<double>(iterations) * 12 * 4 * 2;
}

float read_sum_generic(const float* data, std::size_t n) {
  // Two streams, like read_sum_avx512 (peak_avx512.cpp says why).
  const float* halves[2] = {data, data + n / 2};
  v4f s[8] = {};
  for (std::size_t i = 0; i < n / 2; i += 16) {
    for (int k = 0; k < 8; ++k) {
      v4f x;
      __builtin_memcpy(&x, halves[k / 4] + i + 4 * (k % 4), sizeof x);
      s[k] += x;
    }
  }
  v4f t = s[0];
  for (int k = 1; k < 8; ++k) t += s[k];
  return t[0] + t[1] + t[2] + t[3];
}

}  // namespace labkit::detail
