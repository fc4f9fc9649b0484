// Per-ISA kernels behind measure_fma_peak and measure_read_bandwidth. Each
// lives in a file compiled with that ISA's flags; a file whose ISA the
// compiler cannot target defines the function as returning 0.
#pragma once
#include <cstddef>
#include <cstdint>

namespace labkit::detail {

// Runs `iterations` rounds of independent FMA chains; returns the flop count
// (0 when this build has no such kernel). `seed` keeps the values opaque.
double fma_chains_avx512(std::uint64_t iterations, float seed);
double fma_chains_avx2(std::uint64_t iterations, float seed);
double fma_chains_generic(std::uint64_t iterations, float seed);
// Lanes per vector of each kernel, for the theoretical peak.
inline constexpr int kLanesAvx512 = 16, kLanesAvx2 = 8, kLanesGeneric = 4;

// Sums n floats (n a multiple of 128) with several vector accumulators,
// reading the two halves of the buffer as two streams.
float read_sum_avx512(const float* data, std::size_t n);
float read_sum_avx2(const float* data, std::size_t n);
float read_sum_generic(const float* data, std::size_t n);

}  // namespace labkit::detail
