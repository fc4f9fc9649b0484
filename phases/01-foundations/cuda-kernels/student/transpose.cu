// TODO(1): the tiled matrix transpose, through a padded shared-memory tile.
// Edit only files in student/. README.md, "Your task", walks through it.
//
//   out (cols x rows) = in (rows x cols) transposed; both row-major.
//
// Launch (already written, in the wrapper below): one block of 32 x 8 threads
// (kTransposeTile x kTransposeRows) per 32 x 32 tile of `in`; block (bx, by)
// owns rows 32 by .. 32 by + 31 and columns 32 bx .. 32 bx + 31 of `in`.
// Each thread moves 4 elements: rows threadIdx.y, +8, +16, +24 of the tile.
//
// Steps:
//   1. Declare the tile in shared memory, 32 rows of 33 floats (why 33: README,
//      "Shared-memory banks").
//   2. Read: for j = 0, 8, 16, 24, thread (tx, ty) copies in[r][c] with
//      r = 32 by + ty + j, c = 32 bx + tx into tile[ty + j][tx]. Consecutive
//      threads read consecutive addresses: coalesced.
//   3. __syncthreads(): the whole tile must be loaded before anyone reads it.
//   4. Write: the same tile is rows 32 bx .. of `out` and columns 32 by ..;
//      for j = 0, 8, 16, 24, write out[32 bx + ty + j][32 by + tx] from
//      tile[tx][ty + j]. Consecutive threads write consecutive addresses again.
//   5. Guard every global read and write with the matrix bounds: rows and cols
//      need not be multiples of 32 (the tests use 1 x 37, 100 x 257, ...).
// Then delete the LABKIT_TODO line in the wrapper.
#include <labkit/cuda.hpp>
#include <labkit/todo.hpp>

#include "cuda_kernels.hpp"

namespace cuda_kernels::student {

__global__ void transpose_smem_padded_kernel(const float* __restrict__ in, float* __restrict__ out, int rows, int cols) {
  // TODO(1): steps 1-5 above.
  (void)in, (void)out, (void)rows, (void)cols;
}

void transpose_smem_padded(const float* in, float* out, int rows, int cols, cudaStream_t stream) {
  LABKIT_TODO(1, "write transpose_smem_padded_kernel in student/transpose.cu, then delete this line");
  if (rows <= 0 || cols <= 0) return;
  const dim3 block(kTransposeTile, kTransposeRows);
  const dim3 grid(ceil_div(cols, kTransposeTile), ceil_div(rows, kTransposeTile));
  transpose_smem_padded_kernel<<<grid, block, 0, stream>>>(in, out, rows, cols);
  LABKIT_CUDA_CHECK(cudaGetLastError());
}

}  // namespace cuda_kernels::student
