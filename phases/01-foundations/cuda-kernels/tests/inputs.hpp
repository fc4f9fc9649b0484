// Inputs shared by the tests and the bench: the seed, a fast generator, the
// unit roundoff (the first and last from labkit/check.hpp, which also has the
// error bounds). No GoogleTest here (the bench includes it too).
#pragma once
#include <cstdint>
#include <vector>

#include <labkit/check.hpp>

#include "cuda_kernels.hpp"

namespace cuda_kernels::test {

inline constexpr double kUnit = labkit::kUnitRoundoffFloat;  // u, unit roundoff of float: 2^-24

// The inputs' seed: labkit::seed() reads LABKIT_SEED (graders set it, so
// inputs differ from the ones you tested with), else labkit::kDefaultSeed.
using labkit::seed;

// xorshift64*: fast enough for tens of millions of values per test.
class Rng {
 public:
  explicit Rng(std::uint64_t s) : state_(s * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull) {}
  std::uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }
  float uniform(float lo, float hi) { return lo + (hi - lo) * static_cast<float>(next() >> 40) * (1.0f / (1 << 24)); }

 private:
  std::uint64_t state_;
};

inline std::vector<float> random_floats(std::size_t n, std::uint64_t s, float lo = -1.0f, float hi = 1.0f) {
  Rng rng(s);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform(lo, hi);
  return v;
}

// Random integers in [lo, hi]. Any partial sum, in any order, is at most
// sum |x_i| <= max(|lo|, |hi|) n in size; below 2^24 that is exact in float
// (the tests keep n small enough).
inline std::vector<float> small_integers(std::size_t n, std::uint64_t s, int lo, int hi) {
  Rng rng(s);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(lo + static_cast<int>(rng.next() % static_cast<std::uint64_t>(hi - lo + 1)));
  return v;
}

inline int scan_levels(int n) {
  int levels = 1;
  for (int m = ceil_div(n, kScanItemsPerBlock); m > 1; m = ceil_div(m, kScanItemsPerBlock)) ++levels;
  return levels;
}

}  // namespace cuda_kernels::test
