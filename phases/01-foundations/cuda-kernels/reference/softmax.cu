// Row-wise softmax, y[r][c] = exp(x[r][c] - m_r) / sum_c' exp(x[r][c'] - m_r),
// m_r the row's maximum (subtracting it keeps exp from overflowing and does
// not change the result). One warp per row: lane l handles columns l, l + 32,
// ..., so every pass over a row is coalesced. Two steps:
//
//   a. softmax_three_pass  pass 1 finds the max, pass 2 sums exp(x - max),
//                          pass 3 writes exp(x - max) / sum: the row is read
//                          three times and written once.
//   b. softmax_online      passes 1 and 2 fused (Milakov and Gimelshein, 2018):
//                          keep a running max m and a sum s of exp(x - m);
//                          when a larger value v arrives, rescale the sum by
//                          exp(m - v) first. Two reads instead of three. This
//                          is the trick inside FlashAttention.
//
// Memory-bound at both steps: the bench counts the bytes one read and one
// write of the matrix need, so the three-pass step shows the cost of its
// extra read (when the row does not stay in cache between passes).
#include <labkit/cuda.hpp>

#include <cmath>

#include "cuda_kernels.hpp"
#include "device_helpers.cuh"

namespace cuda_kernels::reference {

__global__ void softmax_three_pass_kernel(const float* __restrict__ x, float* __restrict__ y, int rows, int cols) {
  const int row = blockIdx.x * kSoftmaxRowsPerBlock + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;  // the whole warp leaves together: the shuffles below stay full-warp
  const float* xr = x + static_cast<size_t>(row) * cols;
  float* yr = y + static_cast<size_t>(row) * cols;

  float m = -INFINITY;
  for (int c = lane; c < cols; c += 32) m = fmaxf(m, xr[c]);
  m = device::warp_allreduce_max(m);

  float s = 0.0f;
  for (int c = lane; c < cols; c += 32) s += expf(xr[c] - m);
  s = device::warp_allreduce_sum(s);

  for (int c = lane; c < cols; c += 32) yr[c] = expf(xr[c] - m) / s;
}

__global__ void softmax_online_kernel(const float* __restrict__ x, float* __restrict__ y, int rows, int cols) {
  const int row = blockIdx.x * kSoftmaxRowsPerBlock + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;
  const float* xr = x + static_cast<size_t>(row) * cols;
  float* yr = y + static_cast<size_t>(row) * cols;

  // Invariant: s = sum of exp(v - m) over the values seen so far.
  float m = -INFINITY, s = 0.0f;
  for (int c = lane; c < cols; c += 32) {
    const float v = xr[c];
    if (v > m) {
      s *= expf(m - v);  // exp(-inf) = 0 on the first value
      m = v;
    }
    s += expf(v - m);
  }
  // Merge the 32 lanes' (m, s) pairs the same way; a lane that saw no value
  // has m = -inf, s = 0 and must contribute nothing (exp(-inf - -inf) is NaN).
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) {
    const float m2 = __shfl_xor_sync(device::kFullMask, m, offset);
    const float s2 = __shfl_xor_sync(device::kFullMask, s, offset);
    const float mn = fmaxf(m, m2);
    if (mn != -INFINITY) s = s * expf(m - mn) + s2 * expf(m2 - mn);
    m = mn;
  }
  for (int c = lane; c < cols; c += 32) yr[c] = expf(xr[c] - m) / s;
}

namespace {

void launch(void (*kernel)(const float*, float*, int, int), const float* x, float* y, int rows, int cols,
            cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return;
  kernel<<<ceil_div(rows, kSoftmaxRowsPerBlock), kBlock, 0, stream>>>(x, y, rows, cols);
  LABKIT_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

void softmax_three_pass(const float* x, float* y, int rows, int cols, cudaStream_t stream) {
  launch(softmax_three_pass_kernel, x, y, rows, cols, stream);
}
void softmax_online(const float* x, float* y, int rows, int cols, cudaStream_t stream) {
  launch(softmax_online_kernel, x, y, rows, cols, stream);
}

}  // namespace cuda_kernels::reference
