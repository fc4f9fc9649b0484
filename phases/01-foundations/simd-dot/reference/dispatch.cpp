// Run-time dispatch: choose the widest step this CPU supports, once.
// labkit::best_isa() also honours LABKIT_ISA=scalar|avx2|avx512 from the
// environment, so you can force a narrower path to compare or to test it.
#include <labkit/cpu.hpp>

#include "simd_dot.hpp"

namespace simd_dot::reference {
namespace {

struct Chosen {
  float (*dot)(const float*, const float*, std::size_t);
  void (*saxpy)(float, const float*, float*, std::size_t);
  const char* name;
};

Chosen choose() {
  const labkit::Isa isa = labkit::best_isa();
  if (isa >= labkit::Isa::avx512 && has_avx512()) return {dot_avx512, saxpy_avx512, "avx512"};
  if (isa >= labkit::Isa::avx2 && has_avx2()) return {dot_avx2, saxpy_avx2, "avx2"};
  return {dot_auto, saxpy_auto, "auto"};
}

// A function-local static is initialized exactly once, thread-safely.
const Chosen& chosen() {
  static const Chosen c = choose();
  return c;
}

}  // namespace

float dot(const float* x, const float* y, std::size_t n) { return chosen().dot(x, y, n); }
void saxpy(float a, const float* x, float* y, std::size_t n) { chosen().saxpy(a, x, y, n); }
const char* dispatched_step() { return chosen().name; }

}  // namespace simd_dot::reference
