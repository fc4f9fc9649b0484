// Reduction, sum of n floats, in three steps.
//
//   a. reduce_smem_tree           each block adds 512 elements in shared memory,
//                                 halving the active threads at every level;
//                                 partial sums per block, then again on those.
//   b. reduce_warp_shuffle        the same blocks, but the last 5 levels (32
//                                 values down to 1) happen inside each warp with
//                                 __shfl_down_sync: no shared memory, no barriers.
//   c. reduce_grid_stride_atomic  only as many blocks as the GPU holds at once;
//                                 each thread sums many float4s in a register
//                                 first, each block adds its total to the result
//                                 with one atomicAdd: one kernel launch in all.
//
// The sum is memory-bound: 1 flop per 4 bytes. The bench compares each step's
// bandwidth with a device-to-device copy moving the same bytes.
// Float addition is not associative, so each step adds in a different order
// and the last bits differ; with atomics (c) the order, and so the bits, can
// change from run to run. tests/test_support.hpp gives the bound they meet.
#include <labkit/cuda.hpp>

#include <algorithm>

#include "cuda_kernels.hpp"
#include "device_helpers.cuh"
#include "launch_helpers.hpp"

namespace cuda_kernels::reference {

// a. One block: 256 threads, 512 elements. Each thread adds two elements as
// it loads them (a block of 256 would otherwise idle half its threads on the
// first level), then log2(256) = 8 levels in shared memory, a barrier each.
__global__ void reduce_smem_tree_kernel(const float* __restrict__ x, int n, float* __restrict__ partial) {
  __shared__ float s[kBlock];
  const unsigned tid = threadIdx.x;
  const unsigned i = blockIdx.x * kReduceItemsPerBlock + tid;
  float v = 0.0f;
  if (i < static_cast<unsigned>(n)) v = x[i];
  if (i + kBlock < static_cast<unsigned>(n)) v += x[i + kBlock];
  s[tid] = v;
  __syncthreads();
  // Sequential addressing: active threads 0..stride-1 read s[tid + stride],
  // consecutive words, so no two threads of a warp hit the same bank.
  for (unsigned stride = kBlock / 2; stride > 0; stride >>= 1) {
    if (tid < stride) s[tid] += s[tid + stride];
    __syncthreads();
  }
  if (tid == 0) partial[blockIdx.x] = s[0];
}

// b. The same loads; the in-block tree is warp shuffles (device_helpers.cuh):
// each warp sums its 32 values in 5 register exchanges, 8 warp sums meet in
// shared memory once, and warp 0 adds them.
__global__ void reduce_warp_shuffle_kernel(const float* __restrict__ x, int n, float* __restrict__ partial) {
  const unsigned i = blockIdx.x * kReduceItemsPerBlock + threadIdx.x;
  float v = 0.0f;
  if (i < static_cast<unsigned>(n)) v = x[i];
  if (i + kBlock < static_cast<unsigned>(n)) v += x[i + kBlock];
  v = device::block_sum(v);
  if (threadIdx.x == 0) partial[blockIdx.x] = v;
}

// c. Grid-stride: thread t adds elements t, t + stride, t + 2 stride, ...,
// 16 bytes at a time. `head` elements before the first 16-byte boundary (for
// a pointer into the middle of an array) and the last n % 4 go one by one.
__global__ void reduce_grid_stride_atomic_kernel(const float* __restrict__ x, int n, int head, float* __restrict__ out) {
  const unsigned tid = blockIdx.x * blockDim.x + threadIdx.x;
  const unsigned stride = gridDim.x * blockDim.x;
  float sum = 0.0f;
  if (tid < static_cast<unsigned>(head)) sum = x[tid];
  const unsigned body = static_cast<unsigned>(n - head) / 4;
  const float4* x4 = reinterpret_cast<const float4*>(x + head);
#pragma unroll 4
  for (unsigned i = tid; i < body; i += stride) {
    const float4 v = x4[i];
    sum += (v.x + v.y) + (v.z + v.w);
  }
  for (unsigned i = head + 4 * body + tid; i < static_cast<unsigned>(n); i += stride) sum += x[i];
  sum = device::block_sum(sum);
  if (threadIdx.x == 0) atomicAdd(out, sum);
}

namespace {

// Runs a partial-sum kernel until one value is left: n -> n/512 -> ... -> 1,
// each level's partials in the workspace after the previous level's.
void multi_pass(void (*kernel)(const float*, int, float*), const float* x, int n, float* out, float* workspace,
                cudaStream_t stream) {
  const float* in = x;
  int m = n;
  float* level = workspace;
  for (;;) {
    const int blocks = ceil_div(m, kReduceItemsPerBlock);
    float* dst = blocks == 1 ? out : level;
    kernel<<<blocks, kBlock, 0, stream>>>(in, m, dst);
    LABKIT_CUDA_CHECK(cudaGetLastError());
    if (blocks == 1) return;
    in = level;
    m = blocks;
    level += blocks;
  }
}

}  // namespace

void reduce_smem_tree(const float* x, int n, float* out, float* workspace, cudaStream_t stream) {
  if (n <= 0) return;
  multi_pass(reduce_smem_tree_kernel, x, n, out, workspace, stream);
}

void reduce_warp_shuffle(const float* x, int n, float* out, float* workspace, cudaStream_t stream) {
  if (n <= 0) return;
  multi_pass(reduce_warp_shuffle_kernel, x, n, out, workspace, stream);
}

void reduce_grid_stride_atomic(const float* x, int n, float* out, float* /*workspace*/, cudaStream_t stream) {
  if (n <= 0) return;
  static const int resident = resident_blocks(reduce_grid_stride_atomic_kernel, kBlock);
  const int head = head_to_alignment(x, sizeof(float), 16, n);
  const int blocks = std::min(ceil_div(n, 4 * kBlock), resident);
  LABKIT_CUDA_CHECK(cudaMemsetAsync(out, 0, sizeof(float), stream));  // the blocks add into it
  reduce_grid_stride_atomic_kernel<<<blocks, kBlock, 0, stream>>>(x, n, head, out);
  LABKIT_CUDA_CHECK(cudaGetLastError());
}

}  // namespace cuda_kernels::reference
