// Step 1: the scalar baseline. Compiled with vectorization off (see
// CMakeLists.txt) so it really is one multiply and one add per element: the
// yardstick every other step's speedup is measured against.
#include "simd_dot.hpp"

namespace simd_dot::reference {

float dot_scalar(const float* x, const float* y, std::size_t n) {
  float sum = 0.0f;
  for (std::size_t i = 0; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

void saxpy_scalar(float a, const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = a * x[i] + y[i];
}

}  // namespace simd_dot::reference
