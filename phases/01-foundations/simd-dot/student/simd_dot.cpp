// Your implementation of the simd-dot lab. Edit only files in student/.
//
// Goal: dot() and saxpy() as fast as the reference, correct for every n
// (0 included) and every pointer alignment. Work through README.md, then:
//   tools/labctl test simd-dot      # correctness, against a double-precision reference
//   tools/labctl bench simd-dot     # your speedup over the scalar baseline
//
// How to use AVX2 in one file without breaking other CPUs:
//   __attribute__((target("avx2,fma"))) lets a single function use AVX2
//   intrinsics while the rest of the program stays portable; call it only
//   after checking the CPU (labkit::best_isa() >= labkit::Isa::avx2).
//   Keep a portable path for other CPUs (and for Arm, where the x86 code is
//   compiled out by the #if below).
#include <labkit/cpu.hpp>
#include <labkit/todo.hpp>

#include "simd_dot.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SIMD_DOT_X86 1
#endif

namespace simd_dot::student {

#ifdef SIMD_DOT_X86
__attribute__((target("avx2,fma"))) static float dot_avx2(const float* x, const float* y, std::size_t n) {
  // TODO(1): vectorize with _mm256_loadu_ps and _mm256_fmadd_ps.
  //  - use several independent accumulators (why? README, "Latency and throughput")
  //  - reduce the 8 lanes to one float at the end
  //  - finish the last n % 8 elements with a scalar tail loop
  (void)x, (void)y, (void)n;
  LABKIT_TODO(1, "write dot_avx2 in student/simd_dot.cpp: 8-lane FMA loop, horizontal sum, scalar tail");
}

__attribute__((target("avx2,fma"))) static void saxpy_avx2(float a, const float* x, float* y, std::size_t n) {
  // TODO(2): y[i] = a * x[i] + y[i], eight at a time: _mm256_set1_ps(a),
  // _mm256_fmadd_ps, _mm256_storeu_ps; then a scalar tail.
  (void)a, (void)x, (void)y, (void)n;
  LABKIT_TODO(2, "write saxpy_avx2 in student/simd_dot.cpp: broadcast a, FMA, unaligned store, scalar tail");
}
#endif

// Portable fallback for CPUs without AVX2 (and for Arm).
static float dot_portable(const float* x, const float* y, std::size_t n) {
  float sum = 0.0f;
  for (std::size_t i = 0; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

static void saxpy_portable(float a, const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = a * x[i] + y[i];
}

float dot(const float* x, const float* y, std::size_t n) {
#ifdef SIMD_DOT_X86
  if (labkit::best_isa() >= labkit::Isa::avx2) return dot_avx2(x, y, n);
#endif
  return dot_portable(x, y, n);
}

void saxpy(float a, const float* x, float* y, std::size_t n) {
#ifdef SIMD_DOT_X86
  if (labkit::best_isa() >= labkit::Isa::avx2) return saxpy_avx2(a, x, y, n);
#endif
  saxpy_portable(a, x, y, n);
}

}  // namespace simd_dot::student
