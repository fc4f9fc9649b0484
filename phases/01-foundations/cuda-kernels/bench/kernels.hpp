// Every kernel of the lab with the block size its wrapper launches it with:
// the resource report and the occupancy counts need the block size, which
// only the host code knows. A kernel missing here shows "block ?" in the
// report; a reference kernel listed here but not compiled fails the report's
// CTest (cuda-kernels.resources), so the table cannot go stale.
//
// `kase` names the step (the count's case in the bench JSON and lab.toml);
// the student's kernels share the case of the reference step they mirror.
#pragma once
#include <labkit/cuda.hpp>

#include <string>
#include <vector>

#include "cuda_kernels.hpp"

namespace cuda_kernels {

inline std::vector<labkit::cuda::KernelLaunch> kernel_launches() {
  const std::string r = "cuda_kernels::reference::", s = "cuda_kernels::student::";
  constexpr int kTransposeThreads = kTransposeTile * kTransposeRows;  // 256
  constexpr int kTiledThreads = kSgemmTile * kSgemmTile;              // 1024
  return {
      {r + "saxpy_kernel", "saxpy", "reference", kBlock, 0},
      {r + "reduce_smem_tree_kernel", "reduce_smem_tree", "reference", kBlock, 0},
      {r + "reduce_warp_shuffle_kernel", "reduce_warp_shuffle", "reference", kBlock, 0},
      {r + "reduce_grid_stride_atomic_kernel", "reduce_grid_stride_atomic", "reference", kBlock, 0},
      {r + "transpose_naive_kernel", "transpose_naive", "reference", kTransposeThreads, 0},
      {r + "transpose_smem_tile_kernel", "transpose_smem_tile", "reference", kTransposeThreads, 0},
      {r + "transpose_smem_padded_kernel", "transpose_smem_padded", "reference", kTransposeThreads, 0},
      {r + "sgemm_naive_kernel", "sgemm_naive", "reference", 32 * 8, 0},
      {r + "sgemm_smem_tiled_kernel", "sgemm_smem_tiled", "reference", kTiledThreads, 0},
      {r + "sgemm_regblock_2d_kernel", "sgemm_regblock_2d", "reference", kSgemmRegblockThreads, 0},
      {r + "softmax_three_pass_kernel", "softmax_three_pass", "reference", kBlock, 0},
      {r + "softmax_online_kernel", "softmax_online", "reference", kBlock, 0},
      {r + "histogram_global_atomics_kernel", "histogram_global_atomics", "reference", kBlock, 0},
      {r + "histogram_shared_privatized_kernel", "histogram_shared_privatized", "reference", kBlock, 0},
      {r + "scan_blelloch_block_kernel", "scan_blelloch", "reference", kBlock, 0},
      {r + "scan_add_block_offsets_kernel", "scan_blelloch", "reference", kBlock, 0},
      {s + "transpose_smem_padded_kernel", "transpose_smem_padded", "student", kTransposeThreads, 0},
      {s + "reduce_warp_shuffle_kernel", "reduce_warp_shuffle", "student", kBlock, 0},
      {s + "sgemm_smem_tiled_kernel", "sgemm_smem_tiled", "student", kTiledThreads, 0},
  };
}

}  // namespace cuda_kernels
