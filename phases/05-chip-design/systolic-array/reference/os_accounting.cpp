// The reference answer to the task: output-stationary cycle accounting,
// fold by fold, in the order SCALE-Sim v2 walks them (column folds outside,
// row folds inside), so the averages come out identical to the last bit.
#include <algorithm>
#include <stdexcept>

#include "systolic.hpp"

namespace systolic_array::reference {

ComputeStats os_compute_stats(const GemmShape& g, const ArrayShape& a) {
  if (a.rows < 1 || a.cols < 1) throw std::invalid_argument("array rows and cols must be >= 1");
  if (g.M < 1 || g.N < 1 || g.K < 1) throw std::invalid_argument("M, N and K must be >= 1");
  const std::int64_t R = a.rows, C = a.cols;
  // Output stationary: the M x N outputs tile the array (Sr = M on rows,
  // Sc = N on columns); K is time, one A and one B element per edge port per cycle.
  const std::int64_t Sr = g.M, Sc = g.N, T = g.K;
  ComputeStats s;
  s.row_folds = (Sr + R - 1) / R;
  s.col_folds = (Sc + C - 1) / C;
  s.folds = s.row_folds * s.col_folds;
  // A fold: T cycles of operands, skewed by up to R - 1 (rows) and C - 1
  // (columns) cycles. The last MAC, in PE(R-1, C-1), happens at cycle
  // T - 1 + (R - 1) + (C - 1), so a fold lasts T + R + C - 2 cycles.
  s.cycles_per_fold = T + R + C - 2;
  // Folds run back to back; SCALE-Sim reports the index of the last cycle.
  s.total_cycles = s.folds * s.cycles_per_fold - 1;
  s.macs = g.M * g.N * g.K;

  double mapping_sum = 0, util_sum = 0;
  const double pes = static_cast<double>(R * C);
  for (std::int64_t fc = 0; fc < s.col_folds; ++fc)
    for (std::int64_t fr = 0; fr < s.row_folds; ++fr) {
      const std::int64_t used_rows = std::min(R, Sr - fr * R), used_cols = std::min(C, Sc - fc * C);
      const std::int64_t used = used_rows * used_cols;
      mapping_sum += static_cast<double>(used) / pes;
      util_sum += static_cast<double>(used * T) / (pes * static_cast<double>(s.cycles_per_fold));
      // Every row fold reads its R rows of A for T cycles; every column fold
      // its C columns of B. SCALE-Sim's os model also counts R + C extra
      // output writes per fold (the drained tile's height plus width).
      s.ifmap_sram_reads += used_rows * T;
      s.filter_sram_reads += used_cols * T;
      s.ofmap_sram_writes += used + R + C;
    }
  s.mapping_eff_pct = mapping_sum / static_cast<double>(s.folds) * 100;
  s.compute_util_pct = util_sum / static_cast<double>(s.folds) * 100;
  s.overall_util_pct = static_cast<double>(s.macs * 100) / static_cast<double>(s.total_cycles * R * C);
  return s;
}

}  // namespace systolic_array::reference
