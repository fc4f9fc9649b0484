// Matrix transpose, out (cols x rows) = in (rows x cols)^T, in three steps.
//
// Every step uses the same launch: one block of 32 x 8 threads per 32 x 32
// tile, each thread moving 4 elements (rows threadIdx.y, +8, +16, +24). Only
// the path the data takes changes:
//
//   a. transpose_naive        read a row of the tile (coalesced), write a
//                             column of `out`: the 32 threads of a warp write
//                             32 floats `rows` apart, 32 separate transactions.
//   b. transpose_smem_tile    stage the tile in shared memory: read rows of
//                             `in`, write rows of `out`, both coalesced. But
//                             reading a *column* of tile[32][32] hits one
//                             shared-memory bank 32 times: a 32-way conflict.
//   c. transpose_smem_padded  tile[32][33]: the extra column shifts each row
//                             by one bank, so a column spans all 32 banks.
//
// The kernel does no arithmetic at all; its yardstick is a device-to-device
// copy of the same bytes (the bench measures both in one run).
#include <labkit/cuda.hpp>

#include <stdexcept>

#include "cuda_kernels.hpp"

namespace cuda_kernels::reference {

__global__ void transpose_naive_kernel(const float* __restrict__ in, float* __restrict__ out, int rows, int cols) {
  const int c = blockIdx.x * kTransposeTile + threadIdx.x;
  const int r0 = blockIdx.y * kTransposeTile + threadIdx.y;
  if (c >= cols) return;
  for (int j = 0; j < kTransposeTile; j += kTransposeRows) {
    const int r = r0 + j;
    if (r < rows) out[static_cast<size_t>(c) * rows + r] = in[static_cast<size_t>(r) * cols + c];
  }
}

__global__ void transpose_smem_tile_kernel(const float* __restrict__ in, float* __restrict__ out, int rows, int cols) {
  __shared__ float tile[kTransposeTile][kTransposeTile];
  const int c0 = blockIdx.x * kTransposeTile, r0 = blockIdx.y * kTransposeTile;
  const int tx = threadIdx.x, ty = threadIdx.y;
  // Read: the warp with this ty reads 32 consecutive floats of row r.
  for (int j = 0; j < kTransposeTile; j += kTransposeRows) {
    const int r = r0 + ty + j, c = c0 + tx;
    if (r < rows && c < cols) tile[ty + j][tx] = in[static_cast<size_t>(r) * cols + c];
  }
  __syncthreads();
  // Write: row (c0 + ty + j) of `out` is column (ty + j) of the tile; the
  // warp writes 32 consecutive floats of it, reading tile[tx][ty + j]:
  // addresses 32 words apart, all in the same bank.
  for (int j = 0; j < kTransposeTile; j += kTransposeRows) {
    const int orow = c0 + ty + j, ocol = r0 + tx;
    if (orow < cols && ocol < rows) out[static_cast<size_t>(orow) * rows + ocol] = tile[tx][ty + j];
  }
}

__global__ void transpose_smem_padded_kernel(const float* __restrict__ in, float* __restrict__ out, int rows, int cols) {
  // Row length 33 words: tile[tx][k] for tx = 0..31 lands in banks (33 tx + k) % 32,
  // 32 different banks.
  __shared__ float tile[kTransposeTile][kTransposeTile + 1];
  const int c0 = blockIdx.x * kTransposeTile, r0 = blockIdx.y * kTransposeTile;
  const int tx = threadIdx.x, ty = threadIdx.y;
  for (int j = 0; j < kTransposeTile; j += kTransposeRows) {
    const int r = r0 + ty + j, c = c0 + tx;
    if (r < rows && c < cols) tile[ty + j][tx] = in[static_cast<size_t>(r) * cols + c];
  }
  __syncthreads();
  for (int j = 0; j < kTransposeTile; j += kTransposeRows) {
    const int orow = c0 + ty + j, ocol = r0 + tx;
    if (orow < cols && ocol < rows) out[static_cast<size_t>(orow) * rows + ocol] = tile[tx][ty + j];
  }
}

namespace {

using TransposeKernel = void (*)(const float*, float*, int, int);

void launch(TransposeKernel kernel, const float* in, float* out, int rows, int cols, cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return;
  const dim3 block(kTransposeTile, kTransposeRows);
  const dim3 grid(ceil_div(cols, kTransposeTile), ceil_div(rows, kTransposeTile));
  if (grid.y > 65535) throw std::invalid_argument("transpose: at most 65535 x 32 rows");
  kernel<<<grid, block, 0, stream>>>(in, out, rows, cols);
  LABKIT_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

void transpose_naive(const float* in, float* out, int rows, int cols, cudaStream_t stream) {
  launch(transpose_naive_kernel, in, out, rows, cols, stream);
}
void transpose_smem_tile(const float* in, float* out, int rows, int cols, cudaStream_t stream) {
  launch(transpose_smem_tile_kernel, in, out, rows, cols, stream);
}
void transpose_smem_padded(const float* in, float* out, int rows, int cols, cudaStream_t stream) {
  launch(transpose_smem_padded_kernel, in, out, rows, cols, stream);
}

}  // namespace cuda_kernels::reference
