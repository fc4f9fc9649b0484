// Warp- and block-level building blocks shared by the reference kernels.
//
// A warp is 32 threads that execute together. __shfl_down_sync(mask, v, k)
// hands each lane the value of v held by the lane k places above it, through
// the register file: no shared memory, no __syncthreads(). The mask names
// the lanes taking part; 0xffffffff means all 32, so every lane of the warp
// must reach the call.
#pragma once
#include <cuda_runtime.h>

namespace cuda_kernels::reference::device {

inline constexpr unsigned kFullMask = 0xffffffffu;

// Tree sum inside one warp: 16, 8, 4, 2, 1 lanes apart. Lane 0 ends with the
// sum of all 32 (the other lanes hold partial sums).
__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(kFullMask, v, offset);
  return v;
}

// Butterfly versions: every lane ends with the result (and the same bits,
// since each pair adds the same two numbers).
__device__ __forceinline__ float warp_allreduce_sum(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(kFullMask, v, offset);
  return v;
}

__device__ __forceinline__ float warp_allreduce_max(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(kFullMask, v, offset));
  return v;
}

// Sum over the whole block (blockDim.x a multiple of 32, at most 1024);
// thread 0 ends with it. Each warp reduces its 32 values with shuffles,
// lane 0 of each writes one partial to shared memory, and warp 0 reduces
// those. Call it once per kernel: the shared array is reused.
__device__ __forceinline__ float block_sum(float v) {
  __shared__ float warp_sums[32];
  const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  v = warp_sum(v);
  if (lane == 0) warp_sums[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < blockDim.x / 32 ? warp_sums[lane] : 0.0f;
    v = warp_sum(v);
  }
  return v;
}

}  // namespace cuda_kernels::reference::device
