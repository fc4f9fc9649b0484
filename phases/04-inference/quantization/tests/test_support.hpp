// Shared by the lab's tests: inputs from LABKIT_SEED, and the plain
// definitions the kernels are held to, written out again here so the tests
// do not trust the code they test.
#pragma once
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <labkit/check.hpp>

#include "quantization.hpp"

namespace quant::test {

// Graders set LABKIT_SEED, so the inputs differ from the ones you tuned on:
// labkit::seed() reads it (else labkit::kDefaultSeed); each test adds its salt.
inline std::uint64_t seed(std::uint64_t salt) { return labkit::seed() * 1000003u + salt; }

inline std::vector<float> random_floats(std::size_t n, std::uint64_t salt, float lo = -3.0f, float hi = 3.0f) {
  std::mt19937_64 rng(seed(salt));
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// ggml's test-quantize-fns data: 0.1 + 2 cos(i + offset).
inline std::vector<float> ggml_test_data(std::size_t n, float offset = 0.0f) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = 0.1f + 2.0f * std::cos(static_cast<float>(i) + offset);
  return v;
}

// Q8_0 by its definition (ggml's quantize_row_q8_0_ref).
inline std::vector<BlockQ8_0> q8_0_by_definition(const std::vector<float>& x) {
  std::vector<BlockQ8_0> y(x.size() / kQK);
  for (std::size_t i = 0; i < y.size(); ++i) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) amax = std::fmax(amax, std::fabs(x[i * kQK + j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    for (int j = 0; j < kQK; ++j) y[i].qs[j] = static_cast<std::int8_t>(std::roundf(x[i * kQK + j] * id));
  }
  return y;
}

// The bytes of a block array, for comparing whole rows.
template <class Block>
inline std::vector<std::uint8_t> bytes_of(const std::vector<Block>& b) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(b.data());
  return std::vector<std::uint8_t>(p, p + b.size() * sizeof(Block));
}

}  // namespace quant::test
