#include "@NS@.hpp"

#include <labkit/clock.hpp>

namespace @NS@::reference {

void scale(float a, const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = a * x[i];
}

void scale_naive(float a, const float* x, float* y, std::size_t n) {
  // A deliberately slow baseline: one element at a time. clobber_memory() (an
  // empty asm statement) tells the compiler that memory may change between
  // iterations, so it cannot merge iterations into vector instructions.
  for (std::size_t i = 0; i < n; ++i) {
    y[i] = a * x[i];
    labkit::clobber_memory();
  }
}

}  // namespace @NS@::reference
