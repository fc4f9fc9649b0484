// Inputs and exact answers shared by the simd-dot tests.
#pragma once
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include <labkit/check.hpp>

namespace simd_dot::test {

// Lengths that hit every path: empty, shorter than one vector, exact
// multiples of 8, 16, 32 and 64 lanes, one more and one less, and long.
inline const std::vector<std::size_t> kLengths = {0,  1,  2,  3,  7,   8,   9,   15,  16,   17,   31,  32,
                                                  33, 63, 64, 65, 100, 127, 128, 129, 1000, 1023, 4097, 100003};

// The inputs' seed: labkit::seed() reads LABKIT_SEED (graders set it, so
// inputs differ from the ones you tested with), else labkit::kDefaultSeed.
using labkit::seed;

// A buffer with canaries before and after the payload, which must survive
// untouched; data() starts `misalign` floats past a 64-byte boundary, so it
// is deliberately misaligned for any misalign that is not a multiple of 16.
using Buffer = labkit::GuardedBuffer<float>;

inline void fill_random(float* p, std::size_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  for (std::size_t i = 0; i < n; ++i) p[i] = d(rng);
}

// Small integers: every product and partial sum is exact in float while
// |sum| < 2^24, so any correct implementation returns the exact answer,
// whatever order it adds in. A dropped tail element changes the result.
inline void fill_integers(float* p, std::size_t n, int modulus, int shift) {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<float>(static_cast<int>(i % modulus) - shift);
}

// The double-precision answer, and sum |x_i y_i| for the rounding-error bound.
// Random data is held to labkit::dot_error_bound_probabilistic() (the
// probabilistic bound of Higham and Mary, 4 sqrt(n + 1) u sum|x_i y_i|, for
// any summation order); small integers need no tolerance: their sums are exact.
inline double dot_double(const float* x, const float* y, std::size_t n, double* sum_abs = nullptr) {
  double s = 0, a = 0;
  for (std::size_t i = 0; i < n; ++i) {
    s += static_cast<double>(x[i]) * y[i];
    a += std::abs(static_cast<double>(x[i]) * y[i]);
  }
  if (sum_abs) *sum_abs = a;
  return s;
}

}  // namespace simd_dot::test
