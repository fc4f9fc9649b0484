#include "@NS@.hpp"

namespace @NS@::reference {

void scale(float a, const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = a * x[i];
}

void scale_naive(float a, const float* x, float* y, std::size_t n) {
  // volatile keeps the compiler from vectorizing: a deliberately slow baseline.
  for (volatile std::size_t i = 0; i < n; i = i + 1) y[i] = a * x[i];
}

}  // namespace @NS@::reference
