// Your task: output-stationary cycle accounting (README.md, "Your task").
//
// Fill in every field of ComputeStats for a GEMM of g.M x g.N x g.K on an
// a.rows x a.cols array in the output-stationary dataflow, exactly as
// SCALE-Sim v2 counts them (include/systolic.hpp documents each field).
// The tests compare your numbers with the cycle-level model for many shapes,
// and with SCALE-Sim's published 8x8, M = N = K = 64 case (4991 cycles).
//
//   ctest --test-dir build/<preset> -R systolic-array.student --output-on-failure
#include <stdexcept>

#include <labkit/todo.hpp>

#include "systolic.hpp"

namespace systolic_array::student {

ComputeStats os_compute_stats(const GemmShape& g, const ArrayShape& a) {
  if (a.rows < 1 || a.cols < 1) throw std::invalid_argument("array rows and cols must be >= 1");
  if (g.M < 1 || g.N < 1 || g.K < 1) throw std::invalid_argument("M, N and K must be >= 1");
  ComputeStats s;
  // 1. The folds: how many R x C tiles of the M x N output there are.
  LABKIT_TODO(1, "count row_folds, col_folds and folds (student/os_accounting.cpp)");
  // 2. The cycles: how long one fold takes (fill + stream + drain), and the
  //    layer's total_cycles as SCALE-Sim reports it.
  LABKIT_TODO(2, "set cycles_per_fold and total_cycles; overall_util_pct from macs");
  // 3. The per-fold averages (mapping efficiency, compute utilization), and
  //    the SRAM reads and writes.
  LABKIT_TODO(3, "average mapping_eff_pct and compute_util_pct over folds; count SRAM accesses");
  return s;
}

}  // namespace systolic_array::student
