// Step 2: let the compiler vectorize.
//
// saxpy vectorizes on its own at -O3: every element is independent. dot does
// not: a float sum is a chain, and reordering it changes the rounding, which
// the compiler may not do unless told. `#pragma omp simd reduction(+:sum)`
// (with -fopenmp-simd, no OpenMP runtime needed) grants exactly that
// permission for this loop, without -ffast-math's effect on the whole file.
// The compiler can only use the ISA it is allowed: the project's portable
// flags mean SSE2 on x86-64 (4 lanes) and NEON on Arm.
#include "simd_dot.hpp"

namespace simd_dot::reference {

float dot_auto(const float* x, const float* y, std::size_t n) {
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (std::size_t i = 0; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

void saxpy_auto(float a, const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = a * x[i] + y[i];
}

}  // namespace simd_dot::reference
