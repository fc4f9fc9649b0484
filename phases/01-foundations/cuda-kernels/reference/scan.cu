// Exclusive scan (prefix sum), y[i] = x[0] + ... + x[i-1], the work-efficient
// way of Blelloch (1990), as in GPU Gems 3, chapter 39.
//
// One block of 256 threads scans 512 elements in shared memory in two sweeps
// over a balanced binary tree:
//   up-sweep    (reduce) level by level, each node becomes the sum of its two
//               children; the root holds the block's total.
//   down-sweep  set the root to 0; level by level, each node passes its value
//               to its left child and (its value + the left child's old value)
//               to its right child. The leaves end up holding the exclusive scan.
// 2 x 511 additions for 512 elements: O(n) work, O(log n) steps.
//
// Longer arrays: scan each 512-element block, keep each block's total, scan
// those totals the same way (recursively), and add total[b] to every element
// of block b.
//
// Shared-memory banks: the tree's strided indices (offset x (2t+1) - 1) hit the
// same bank more and more often as offset grows. Inserting one padding word
// every 32 (index i is stored at i + i / 32) spreads them out again.
#include <labkit/cuda.hpp>

#include "cuda_kernels.hpp"

namespace cuda_kernels::reference {

__device__ __forceinline__ int padded(int i) { return i + (i >> 5); }

// x and y may alias (the recursion scans the block totals in place): each
// block reads its elements into shared memory before writing any.
__global__ void scan_blelloch_block_kernel(const float* x, float* y, float* block_totals, int n) {
  constexpr int kItems = kScanItemsPerBlock;
  __shared__ float temp[kItems + kItems / 32];
  const int tid = threadIdx.x;
  const size_t base = static_cast<size_t>(blockIdx.x) * kItems;
  const int ai = tid, bi = tid + kItems / 2;
  temp[padded(ai)] = base + ai < static_cast<size_t>(n) ? x[base + ai] : 0.0f;
  temp[padded(bi)] = base + bi < static_cast<size_t>(n) ? x[base + bi] : 0.0f;

  int offset = 1;
  for (int d = kItems / 2; d > 0; d >>= 1) {  // up-sweep: 256, 128, ..., 1 active threads
    __syncthreads();
    if (tid < d) {
      const int a = offset * (2 * tid + 1) - 1, b = offset * (2 * tid + 2) - 1;
      temp[padded(b)] += temp[padded(a)];
    }
    offset <<= 1;
  }
  if (tid == 0) {
    if (block_totals) block_totals[blockIdx.x] = temp[padded(kItems - 1)];
    temp[padded(kItems - 1)] = 0.0f;
  }
  for (int d = 1; d < kItems; d <<= 1) {  // down-sweep: 1, 2, ..., 256 active threads
    offset >>= 1;
    __syncthreads();
    if (tid < d) {
      const int a = offset * (2 * tid + 1) - 1, b = offset * (2 * tid + 2) - 1;
      const float left = temp[padded(a)];
      temp[padded(a)] = temp[padded(b)];
      temp[padded(b)] += left;
    }
  }
  __syncthreads();
  if (base + ai < static_cast<size_t>(n)) y[base + ai] = temp[padded(ai)];
  if (base + bi < static_cast<size_t>(n)) y[base + bi] = temp[padded(bi)];
}

// y[i] += offsets[block of i]: the scanned totals of the blocks before it.
__global__ void scan_add_block_offsets_kernel(float* __restrict__ y, const float* __restrict__ offsets, int n) {
  const float offset = offsets[blockIdx.x];
  const size_t base = static_cast<size_t>(blockIdx.x) * kScanItemsPerBlock;
  for (int i = threadIdx.x; i < kScanItemsPerBlock; i += blockDim.x)
    if (base + i < static_cast<size_t>(n)) y[base + i] += offset;
}

namespace {

void scan_level(const float* x, float* y, int n, float* workspace, cudaStream_t stream) {
  const int blocks = ceil_div(n, kScanItemsPerBlock);
  if (blocks == 1) {
    scan_blelloch_block_kernel<<<1, kBlock, 0, stream>>>(x, y, nullptr, n);
    LABKIT_CUDA_CHECK(cudaGetLastError());
    return;
  }
  float* totals = workspace;  // this level's block totals, then the deeper levels' space
  scan_blelloch_block_kernel<<<blocks, kBlock, 0, stream>>>(x, y, totals, n);
  LABKIT_CUDA_CHECK(cudaGetLastError());
  scan_level(totals, totals, blocks, workspace + blocks, stream);  // exclusive scan of the totals, in place
  scan_add_block_offsets_kernel<<<blocks, kBlock, 0, stream>>>(y, totals, n);
  LABKIT_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

void scan_blelloch(const float* x, float* y, int n, float* workspace, cudaStream_t stream) {
  if (n <= 0) return;
  scan_level(x, y, n, workspace, stream);
}

}  // namespace cuda_kernels::reference
