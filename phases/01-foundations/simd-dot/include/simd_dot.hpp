// simd-dot: the interface of the lab.
//
//   dot(x, y, n)       returns sum_i x[i] * y[i]           (2n flops, reads 8n bytes)
//   saxpy(a, x, y, n)  y[i] = a * x[i] + y[i] for every i  (2n flops, moves 12n bytes)
//
// Pointers may be unaligned and n may be any value, 0 included. Every
// implementation lives in its own namespace so baselines, the reference and
// your code can run side by side in one benchmark process:
//   simd_dot::reference  the reference solution and its named steps
//   simd_dot::student    yours: student/simd_dot.cpp
#pragma once
#include <cstddef>

namespace simd_dot {

namespace reference {
// Dispatched: the fastest step this CPU runs (AVX-512, else AVX2, else auto).
float dot(const float* x, const float* y, std::size_t n);
void saxpy(float a, const float* x, float* y, std::size_t n);
// Which step dot() and saxpy() dispatch to: "avx512", "avx2" or "auto".
const char* dispatched_step();

// The ladder, one named function per step (README.md explains each).
// 1. One multiply-add at a time, vectorization switched off: the baseline.
float dot_scalar(const float* x, const float* y, std::size_t n);
void saxpy_scalar(float a, const float* x, float* y, std::size_t n);
// 2. Plain loops the compiler vectorizes for the baseline ISA (SSE2 / NEON).
float dot_auto(const float* x, const float* y, std::size_t n);
void saxpy_auto(float a, const float* x, float* y, std::size_t n);
// 3. AVX2 + FMA intrinsics, 8 lanes, 4 accumulators, scalar tail.
//    Only call when the CPU has AVX2 and FMA (has_avx2()).
bool has_avx2();
float dot_avx2(const float* x, const float* y, std::size_t n);
void saxpy_avx2(float a, const float* x, float* y, std::size_t n);
// 4. AVX-512 intrinsics, 16 lanes, 4 accumulators, masked tail.
//    Only call when the CPU has AVX-512F (has_avx512()).
bool has_avx512();
float dot_avx512(const float* x, const float* y, std::size_t n);
void saxpy_avx512(float a, const float* x, float* y, std::size_t n);
}  // namespace reference

namespace student {
float dot(const float* x, const float* y, std::size_t n);
void saxpy(float a, const float* x, float* y, std::size_t n);
}  // namespace student

}  // namespace simd_dot
