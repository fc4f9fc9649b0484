// cuda-kernels: the interface of the lab.
//
// Every function here is a host wrapper: it takes device pointers (memory
// from cudaMalloc), queues its kernel(s) on `stream` and returns without
// waiting. Matrices are row-major. Sizes may be anything >= 0; zero-sized
// problems return at once without touching the GPU.
//
//   saxpy                y[i] = a x[i] + y[i]                              2n flops, 12n bytes
//   reduce_*             *out = x[0] + ... + x[n-1]                          n flops,  4n bytes
//   transpose_*          out (cols x rows) = in (rows x cols) transposed               8 rows cols bytes
//   sgemm_*              C (M x N) = A (M x K) B (K x N)                   2MNK flops
//   softmax_*            each row of y = exp(x - max) / sum(exp(x - max))              8 rows cols bytes
//   histogram_*          bins[v] = how many data[i] == v, 256 bins (the call zeroes bins)   n bytes
//   scan_blelloch        y[i] = x[0] + ... + x[i-1]  (exclusive; y[0] = 0)             8n bytes
//
// Two namespaces hold the two implementations, so the benchmark can run
// them side by side:
//   cuda_kernels::reference  every step of the ladder (README.md, "The ladder")
//   cuda_kernels::student    your three kernels: student/*.cu
// The CPU golden references are in cuda_kernels_cpu.hpp.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace cuda_kernels {

// ---- Launch geometry. The wrappers, the tests and the resource report all
// read these; changing one changes what the resource report assumes.
inline constexpr int kBlock = 256;             // 1-D kernels: 256 threads = 8 warps per block
inline constexpr int kReduceItemsPerBlock = 2 * kBlock;  // tree/shuffle steps: 2 loads per thread
inline constexpr int kTransposeTile = 32;      // a 32 x 32 tile per block...
inline constexpr int kTransposeRows = 8;       // ...moved by 32 x 8 threads, 4 elements each
inline constexpr int kSgemmTile = 32;          // shared-memory tiled sgemm: 32 x 32 tile, 32 x 32 threads
inline constexpr int kSgemmBM = 128;           // register-blocked sgemm: a block computes 128 x 128 of C,
inline constexpr int kSgemmBN = 128;
inline constexpr int kSgemmBK = 8;             // stepping 8 along K,
inline constexpr int kSgemmTM = 8;             // each thread 8 x 8 of it:
inline constexpr int kSgemmTN = 8;
inline constexpr int kSgemmRegblockThreads = (kSgemmBM / kSgemmTM) * (kSgemmBN / kSgemmTN);  // 256
inline constexpr int kSoftmaxRowsPerBlock = kBlock / 32;  // one warp per row
inline constexpr int kHistogramBins = 256;
inline constexpr int kScanItemsPerBlock = 2 * kBlock;     // Blelloch: 512 elements per block

inline constexpr int ceil_div(int a, int b) { return (a + b - 1) / b; }

// ---- Scratch space (device floats) the multi-pass kernels need.
// Reduction, tree and shuffle steps: one partial sum per block, then per
// block of partials, ... until one value is left.
inline std::size_t reduce_workspace_floats(int n) {
  std::size_t total = 0;
  for (int m = ceil_div(n, kReduceItemsPerBlock); m > 1; m = ceil_div(m, kReduceItemsPerBlock)) total += m;
  return total + 1;
}
// Scan: the block sums of every level.
inline std::size_t scan_workspace_floats(int n) {
  std::size_t total = 0;
  for (int m = ceil_div(n, kScanItemsPerBlock); m > 1; m = ceil_div(m, kScanItemsPerBlock)) total += m;
  return total + 1;
}

namespace reference {

// 1. SAXPY: one thread per element.
void saxpy(float a, const float* x, float* y, int n, cudaStream_t stream = nullptr);

// 2. Reduction, three steps. *out is a device float (not written when n = 0).
//    workspace holds reduce_workspace_floats(n) floats (the atomic step needs
//    none: it may be nullptr).
//    a. shared-memory tree: each block adds 512 elements pairwise in shared memory.
void reduce_smem_tree(const float* x, int n, float* out, float* workspace, cudaStream_t stream = nullptr);
//    b. warp shuffles: the first 5 levels of the tree inside registers.
void reduce_warp_shuffle(const float* x, int n, float* out, float* workspace, cudaStream_t stream = nullptr);
//    c. grid-stride loop, float4 loads, one atomicAdd per block: one launch in all.
void reduce_grid_stride_atomic(const float* x, int n, float* out, float* workspace, cudaStream_t stream = nullptr);

// 3. Transpose, three steps, all with 32 x 8 threads per 32 x 32 tile.
void transpose_naive(const float* in, float* out, int rows, int cols, cudaStream_t stream = nullptr);
void transpose_smem_tile(const float* in, float* out, int rows, int cols, cudaStream_t stream = nullptr);
void transpose_smem_padded(const float* in, float* out, int rows, int cols, cudaStream_t stream = nullptr);

// 4. SGEMM, three steps.
void sgemm_naive(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream = nullptr);
void sgemm_smem_tiled(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream = nullptr);
void sgemm_regblock_2d(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream = nullptr);

// 5. Row-wise softmax, one warp per row.
//    a. three passes over the row: max, sum of exponentials, normalize.
void softmax_three_pass(const float* x, float* y, int rows, int cols, cudaStream_t stream = nullptr);
//    b. online: max and sum in one pass (rescaling the sum when the max grows), then normalize.
void softmax_online(const float* x, float* y, int rows, int cols, cudaStream_t stream = nullptr);

// 6. Histogram of bytes into 256 bins (unsigned int counts; the call zeroes bins).
void histogram_global_atomics(const std::uint8_t* data, int n, unsigned int* bins, cudaStream_t stream = nullptr);
void histogram_shared_privatized(const std::uint8_t* data, int n, unsigned int* bins, cudaStream_t stream = nullptr);

// 7. Exclusive scan (Blelloch), multi-level. workspace: scan_workspace_floats(n).
//    x and y may be the same array.
void scan_blelloch(const float* x, float* y, int n, float* workspace, cudaStream_t stream = nullptr);

}  // namespace reference

namespace student {
// TODO(1) student/transpose.cu: the tiled transpose through a padded shared-memory tile.
void transpose_smem_padded(const float* in, float* out, int rows, int cols, cudaStream_t stream = nullptr);
// TODO(2) student/reduce.cu: the warp-shuffle reduction.
void reduce_warp_shuffle(const float* x, int n, float* out, float* workspace, cudaStream_t stream = nullptr);
// TODO(3) student/sgemm.cu: the shared-memory tiled SGEMM.
void sgemm_smem_tiled(int M, int N, int K, const float* A, const float* B, float* C, cudaStream_t stream = nullptr);
}  // namespace student

}  // namespace cuda_kernels
