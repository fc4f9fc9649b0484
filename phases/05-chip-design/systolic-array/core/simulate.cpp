// The SCALE-Sim v2 model of one layer: an analytical mode (closed forms) and
// a cycle-level mode that walks every demand row of every fold.
//
// How SCALE-Sim times a fold. Each operand's demand for a fold is a matrix
// with one row per cycle and one column per array edge port. Streamed
// operands are "skewed": column c is delayed by c cycles, the systolic fill.
// Null rows are added before and after, for the pipeline to fill and drain,
// so all three operands' demands have the same number of rows per fold:
//   os: T + R + C - 2        ws, is: 2R + C + T - 2   (R extra: weights shift in)
// Folds run back to back, and the layer ends on the last demand row:
// total cycles = folds x rows per fold - 1 (rows are numbered from 0), plus
// any stall the memories add.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "systolic.hpp"

namespace systolic_array {
namespace {

using i64 = std::int64_t;

i64 ceil_div(i64 a, i64 b) { return (a + b - 1) / b; }

// The spatial (Sr, Sc) and temporal (T) dimensions of a dataflow.
struct Mapping {
  i64 Sr, Sc, T;
};
Mapping map_gemm(Dataflow df, const GemmShape& g) {
  switch (df) {
    case Dataflow::os: return {g.M, g.N, g.K};
    case Dataflow::ws: return {g.K, g.N, g.M};
    case Dataflow::is: return {g.K, g.M, g.N};
  }
  return {0, 0, 0};
}

i64 rows_per_fold(Dataflow df, int R, int C, i64 T) {
  return df == Dataflow::os ? T + R + C - 2 : 2 * i64{R} + C + T - 2;
}
// The denominator SCALE-Sim divides a fold's MACs by for "compute
// utilization": the un-skewed demand matrix it times the fold with, plus its
// width, minus one. For os that is the fold's length; for ws and is it counts
// the stationary operand's R-row load again plus C - 1, so it is longer.
i64 compute_util_cycles(Dataflow df, int R, int C, i64 T) {
  return df == Dataflow::os ? T + R + C - 2 : 2 * i64{R} + 2 * i64{C} + T - 3;
}

void check_shapes(const GemmShape& g, const ArrayShape& a) {
  if (a.rows < 1 || a.cols < 1) throw std::invalid_argument("array rows and cols must be >= 1");
  if (g.M < 1 || g.N < 1 || g.K < 1) throw std::invalid_argument("M, N and K must be >= 1");
}

// ---------------------------------------------------------------------------
// The read buffer of CALC mode (SCALE-Sim's "estimate bandwidth" buffer).
// It never stalls; it only decides which reads reach DRAM. New addresses are
// collected into sets of 1% of the buffer; the active half holds 50 sets. An
// address is a hit while it is in one of the sets of the current group of 50
// (the group that began when the previous half filled); otherwise it is
// fetched again. Each time 50 new sets fill, the previous group is fetched
// from DRAM over the interval since the group before it filled.
class ReadBuffer {
 public:
  ReadBuffer(i64 size_bytes, i64 address_span, i64 default_bw)
      : items_per_set_(size_bytes / 100), default_bw_(default_bw), last_set_(static_cast<size_t>(address_span), -1) {}

  void access(i64 index, i64 cycle) {
    if (!first_seen_) {
      first_seen_ = true;
      first_request_cycle_ = cycle;
    }
    i64& last = last_set_[static_cast<size_t>(index)];
    if (last >= group_start_) return;  // in the current group: a hit
    last = current_set_;
    ++additions_;
    if (++in_current_set_ < items_per_set_) return;
    in_current_set_ = 0;
    ++current_set_;
    if (current_set_ != group_start_ + kSetsPerHalf) return;
    // The active half is full: fetch the previous group.
    if (!active_done_) {
      last_end_ = first_request_cycle_ - 1 - kPortLatency;
      const i64 cycles = ceil_div(kSetsPerHalf * items_per_set_, default_bw_);
      last_start_ = last_end_ - cycles + 1;
      record(last_start_, last_end_);
      active_done_ = true;
    } else {
      record(last_start_, last_end_);
    }
    group_start_ += kSetsPerHalf;
    last_start_ = last_end_ + 1;
    last_end_ = cycle;
  }

  // The end of the layer: the sets not yet fetched are fetched now.
  void finish() {
    i64 last_set = current_set_;
    if (in_current_set_ == 0) --last_set;  // an empty current set is dropped
    if (!active_done_) {
      last_end_ = -1 - kPortLatency;
      const i64 cycles = ceil_div((last_set + 1) * items_per_set_, default_bw_);
      last_start_ = last_end_ - cycles + 1;
    }
    record(last_start_, last_end_);
  }

  i64 dram_reads() const { return additions_; }
  double dram_start() const { return static_cast<double>(start_); }
  double dram_stop() const { return static_cast<double>(stop_); }

 private:
  static constexpr i64 kSetsPerHalf = 50;  // active_buf_frac 0.5 of 100 sets
  static constexpr i64 kPortLatency = 1;   // the DRAM read port answers a cycle later
  void record(i64 s, i64 e) {
    if (e < s) return;
    if (!any_) start_ = s + kPortLatency;
    any_ = true;
    stop_ = e + kPortLatency;
  }
  i64 items_per_set_, default_bw_;
  std::vector<i64> last_set_;
  i64 current_set_ = 0, in_current_set_ = 0, group_start_ = 0, additions_ = 0;
  bool first_seen_ = false, active_done_ = false, any_ = false;
  i64 first_request_cycle_ = 0, last_start_ = -2, last_end_ = -1, start_ = 0, stop_ = 0;
};

// The ofmap write buffer: outputs collect in lines of `bw` words; when the
// buffer is more than half full its drain half is written to DRAM, one line
// per cycle, while the array goes on. The array waits (a stall) only when an
// output finds the buffer full during a drain. At the end of the layer
// everything left is drained.
class WriteBuffer {
 public:
  WriteBuffer(i64 size_bytes, i64 bw)
      : total_(size_bytes), active_(ceil_div(size_bytes, 2)), drain_size_(size_bytes - ceil_div(size_bytes, 2)),
        bw_(bw), free_(size_bytes) {}

  // `n` outputs arrive in the demand row at `cycle`; returns the cycle the row completes.
  i64 write_row(i64 n, i64 cycle) {
    i64 current = cycle;
    for (i64 e = 0; e < n; ++e) {
      if (++line_fill_ == bw_) {
        lines_.push_back(line_fill_);
        line_fill_ = 0;
      }
      --free_;
      if (current < drain_end_) {
        if (free_ <= 0) current = drain_end_;
      } else if (free_ < total_ - drain_size_) {
        // More than the active half is used: start draining the drain half.
        // The array goes on; it only waits if the buffer fills before the
        // drain ends (above). In CALC mode a drain line is as wide as the
        // array, so the buffer never fills: no stalls.
        flush_line();
        drain_end_ = drain(current);
      }
    }
    return current;
  }

  void finish(i64 cycle) {
    flush_line();
    while (drain_line_ < static_cast<i64>(lines_.size())) {
      drain_end_ = drain(cycle);
      cycle = drain_end_ + 1;
    }
  }

  i64 dram_writes() const { return writes_; }
  double dram_start() const { return static_cast<double>(min_cycle_); }
  double dram_stop() const { return static_cast<double>(max_cycle_); }

 private:
  void flush_line() {
    if (line_fill_ > 0) lines_.push_back(line_fill_);
    line_fill_ = 0;
  }
  i64 drain(i64 start) {
    const i64 end_line = std::min<i64>(drain_line_ + ceil_div(drain_size_, bw_), static_cast<i64>(lines_.size()));
    const i64 n = end_line - drain_line_;
    if (n <= 0) return start;
    // SCALE-Sim subtracts the empty slots of the last line only.
    const i64 data = (n - 1) * bw_ + lines_[static_cast<size_t>(end_line - 1)];
    writes_ += data;
    free_ += data;
    min_cycle_ = std::min(min_cycle_, start);
    max_cycle_ = std::max(max_cycle_, start + n - 1);  // write port latency 0
    drain_line_ = end_line;
    return start + n - 1;
  }
  i64 total_, active_, drain_size_, bw_, free_;
  i64 line_fill_ = 0, drain_line_ = 0, drain_end_ = 0, writes_ = 0;
  i64 min_cycle_ = std::numeric_limits<i64>::max(), max_cycle_ = std::numeric_limits<i64>::min();
  std::vector<i64> lines_;
};

// Operand addresses, as SCALE-Sim's operand matrices hold them.
struct Addresses {
  const Layer& l;
  i64 M, N, K;
  std::vector<i64> m_row, m_col, m_base, k_row, k_col, k_off;
  i64 ifmap_span, filter_span;

  explicit Addresses(const Layer& layer) : l(layer) {
    const GemmShape g = l.gemm();
    M = g.M;
    N = g.N;
    K = g.K;
    const i64 Ew = l.ofmap_w(), W = l.ifmap_w, Ch = l.channels;
    m_row.resize(M);
    m_col.resize(M);
    m_base.resize(M);
    for (i64 m = 0; m < M; ++m) {
      m_row[m] = (m / Ew) * l.stride_h;
      m_col[m] = (m % Ew) * l.stride_w;
      m_base[m] = m_row[m] * W * Ch + m_col[m] * Ch;
    }
    k_row.resize(K);
    k_col.resize(K);
    k_off.resize(K);
    for (i64 k = 0; k < K; ++k) {
      k_row[k] = k / (l.filter_w * Ch);
      const i64 r = k % (l.filter_w * Ch);
      k_col[k] = r / Ch;
      k_off[k] = k_row[k] * W * Ch + k_col[k] * Ch + r % Ch;
    }
    ifmap_span = l.ifmap_h * W * Ch;
    filter_span = N * K;
  }
  // Index inside the ifmap (address minus IfmapOffset), or -1 where the
  // window hangs over the edge of the image (SCALE-Sim's padded address).
  i64 ifmap(i64 m, i64 k) const {
    if (k_row[k] + m_row[m] >= l.ifmap_h || k_col[k] + m_col[m] >= l.ifmap_w) return -1;
    return m_base[m] + k_off[k];
  }
  i64 filter(i64 k, i64 n) const { return n * K + k; }
};

// One operand's demand in one fold: `nrows` rows of `width` ports between
// `prefix` and `suffix` null rows, optionally skewed. Element (u, c) is
// operand matrix entry (r0 + ru*u' + rc*c, c0 + cu*u' + cc*c), where u' is u
// or, for a flipped operand (filled bottom row first), R - 1 - u.
struct OperandFold {
  i64 prefix, nrows, suffix;
  int width;
  bool skew, flip;
  int used_rows, used_cols;  // beyond these the demand is null
  i64 r0, ru, rc, c0, cu, cc;

  i64 lines() const { return prefix + nrows + suffix + (skew ? width - 1 : 0); }

  // Calls f(row, col) for each non-null element of demand row `line`.
  template <class F>
  void for_each(i64 line, F&& f) const {
    if (skew) {
      const i64 c_lo = std::max<i64>(0, line - prefix - nrows + 1);
      const i64 c_hi = std::min<i64>(used_cols - 1, line - prefix);
      for (i64 c = c_lo; c <= c_hi; ++c) emit(line - prefix - c, c, f);
    } else {
      const i64 u = line - prefix;
      if (u < 0 || u >= nrows) return;
      for (i64 c = 0; c < used_cols; ++c) emit(u, c, f);
    }
  }
  template <class F>
  void emit(i64 u, i64 c, F& f) const {
    const i64 uu = flip ? nrows - 1 - u : u;
    if (flip && uu >= used_rows) return;
    f(r0 + ru * uu + rc * c, c0 + cu * uu + cc * c);
  }
};

struct FoldDemand {
  OperandFold ifmap, filter, ofmap;
};

// The three demand matrices of fold (fr, fc), as SCALE-Sim builds them.
FoldDemand fold_demand(Dataflow df, int R, int C, const Mapping& mp, i64 fr, i64 fc) {
  const i64 rs = fr * R, cs = fc * C;
  const int ur = static_cast<int>(std::min<i64>(R, mp.Sr - rs));
  const int uc = static_cast<int>(std::min<i64>(C, mp.Sc - cs));
  const i64 T = mp.T;
  FoldDemand d{};
  switch (df) {
    case Dataflow::os:
      // ifmap (M x K): port c of the left edge streams row rs + c over k = u.
      d.ifmap = {0, T, C - 1, R, true, false, R, ur, rs, 0, 1, 0, 1, 0};
      // filter (K x N): port c of the top edge streams column cs + c.
      d.filter = {0, T, R - 1, C, true, false, C, uc, 0, 1, 0, cs, 0, 1};
      // ofmap (M x N): the R x C tile leaves bottom row first, after T - 1 cycles.
      d.ofmap = {T - 1, R, 0, C, true, true, ur, uc, rs, 1, 0, cs, 0, 1};
      break;
    case Dataflow::ws:
      // ifmap (M x K): after R weight-load cycles, port c streams column rs + c over m = u.
      d.ifmap = {R, T, C - 1, R, true, false, R, ur, 0, 1, 0, rs, 0, 1};
      // filter (K x N): the R x C weight tile shifts in, last row first, then nothing.
      d.filter = {0, R, R + C + T - 2, C, false, true, ur, uc, rs, 1, 0, cs, 0, 1};
      // ofmap (M x N): column cs + c of the outputs leaves port c.
      d.ofmap = {2 * R - 1, T, 0, C, true, false, 0, uc, 0, 1, 0, cs, 0, 1};
      break;
    case Dataflow::is:
      // ifmap (M x K), held transposed: PE(i, j) holds A[cs + j][rs + i], loaded last row first.
      d.ifmap = {0, R, R + C + T - 2, C, false, true, ur, uc, cs, 0, 1, rs, 1, 0};
      // filter (K x N): port c streams row rs + c over n = u.
      d.filter = {R, T, C - 1, R, true, false, R, ur, rs, 0, 1, 0, 1, 0};
      // ofmap (M x N): port c writes row cs + c over n = u.
      d.ofmap = {2 * R - 1, T, 0, C, true, false, 0, uc, cs, 0, 1, 0, 1, 0};
      break;
  }
  return d;
}

void fill_bandwidths(LayerResult& r) {
  const double t = static_cast<double>(r.compute.total_cycles);
  r.ifmap_sram_bw = static_cast<double>(r.ifmap.sram_accesses) / t;
  r.filter_sram_bw = static_cast<double>(r.filter.sram_accesses) / t;
  r.ofmap_sram_bw = static_cast<double>(r.ofmap.sram_accesses) / t;
  r.ifmap_dram_bw = static_cast<double>(r.ifmap.dram_accesses) / (r.ifmap.dram_stop - r.ifmap.dram_start + 1);
  r.filter_dram_bw = static_cast<double>(r.filter.dram_accesses) / (r.filter.dram_stop - r.filter.dram_start + 1);
  r.ofmap_dram_bw = static_cast<double>(r.ofmap.dram_accesses) / (r.ofmap.dram_stop - r.ofmap.dram_start + 1);
}

LayerResult simulate_cycle(const Config& cfg, const Layer& layer) {
  const Dataflow df = cfg.dataflow;
  const int R = cfg.array.rows, C = cfg.array.cols;
  const Addresses ad(layer);
  const GemmShape g{ad.M, ad.N, ad.K};
  check_shapes(g, cfg.array);
  const Mapping mp = map_gemm(df, g);
  const i64 rf = ceil_div(mp.Sr, R), cf = ceil_div(mp.Sc, C);

  // CALC mode: the read buffers fetch 10 words per cycle at first; the
  // ofmap drains one array-width line per cycle.
  ReadBuffer ibuf(cfg.ifmap_kb * 1024, ad.ifmap_span, 10);
  ReadBuffer fbuf(cfg.filter_kb * 1024, ad.filter_span, 10);
  WriteBuffer obuf(cfg.ofmap_kb * 1024, C);

  LayerResult res;
  res.name = layer.name;
  res.gemm = g;
  ComputeStats& cs = res.compute;
  cs.row_folds = rf;
  cs.col_folds = cf;
  cs.folds = rf * cf;
  cs.cycles_per_fold = rows_per_fold(df, R, C, mp.T);
  cs.macs = g.M * g.N * g.K;

  i64 line = 0, stalls = 0, last_out = 0;
  i64 i_first = -1, i_last = -1, f_first = -1, f_last = -1, o_first = -1, o_last = -1;
  double map_sum = 0, util_sum = 0;
  const double pes = static_cast<double>(R) * C;
  const i64 util_cycles = compute_util_cycles(df, R, C, mp.T);

  for (i64 fc = 0; fc < cf; ++fc)
    for (i64 fr = 0; fr < rf; ++fr) {
      const FoldDemand d = fold_demand(df, R, C, mp, fr, fc);
      const i64 L = d.ifmap.lines();
      if (d.filter.lines() != L || d.ofmap.lines() != L)
        throw std::logic_error("systolic-array: operand demands out of step (a model bug)");
      const i64 used = std::min<i64>(R, mp.Sr - fr * R) * std::min<i64>(C, mp.Sc - fc * C);
      // Summed fold by fold, in SCALE-Sim's order, so the averages match to the last bit.
      map_sum += static_cast<double>(used) / pes;
      util_sum += static_cast<double>(used * mp.T) / (pes * static_cast<double>(util_cycles));

      for (i64 r = 0; r < L; ++r, ++line) {
        const i64 cycle = line + stalls;
        bool any = false;
        d.ifmap.for_each(r, [&](i64 m, i64 k) {
          ++cs.ifmap_sram_reads;
          const i64 a = ad.ifmap(m, k);
          if (a < 0) return;
          ibuf.access(a, cycle);
          any = true;
        });
        if (any) {
          if (i_first < 0) i_first = cycle + 1;  // the SRAM answers a cycle later
          i_last = cycle + 1;
        }
        any = false;
        d.filter.for_each(r, [&](i64 k, i64 n) {
          ++cs.filter_sram_reads;
          fbuf.access(ad.filter(k, n), cycle);
          any = true;
        });
        if (any) {
          if (f_first < 0) f_first = cycle + 1;
          f_last = cycle + 1;
        }
        i64 outputs = 0;
        d.ofmap.for_each(r, [&](i64, i64) { ++outputs; });
        cs.ofmap_sram_writes += outputs;
        res.elements_walked += outputs;
        const i64 out = obuf.write_row(outputs, cycle);
        if (outputs > 0) {
          if (o_first < 0) o_first = out;
          o_last = out;
        }
        stalls += std::max<i64>(0, out - cycle);
        last_out = out;
      }
      // SCALE-Sim's os model also adds R + C "writes" per fold (the flipped
      // tile's height plus width); kept so the counts match its reports.
      if (df == Dataflow::os) cs.ofmap_sram_writes += R + C;
    }
  res.demand_rows_walked = line;
  res.elements_walked += cs.ifmap_sram_reads + cs.filter_sram_reads;
  ibuf.finish();
  fbuf.finish();
  obuf.finish(last_out);

  cs.total_cycles = last_out;
  res.stall_cycles = stalls;
  cs.overall_util_pct = static_cast<double>(cs.macs * 100) / static_cast<double>(cs.total_cycles * R * C);
  cs.mapping_eff_pct = map_sum / static_cast<double>(cs.folds) * 100;
  cs.compute_util_pct = util_sum / static_cast<double>(cs.folds) * 100;

  res.ifmap = {static_cast<double>(i_first), static_cast<double>(i_last), cs.ifmap_sram_reads, ibuf.dram_start(),
               ibuf.dram_stop(), ibuf.dram_reads()};
  res.filter = {static_cast<double>(f_first), static_cast<double>(f_last), cs.filter_sram_reads, fbuf.dram_start(),
                fbuf.dram_stop(), fbuf.dram_reads()};
  res.ofmap = {static_cast<double>(o_first), static_cast<double>(o_last), cs.ofmap_sram_writes, obuf.dram_start(),
               obuf.dram_stop(), obuf.dram_writes()};
  fill_bandwidths(res);
  return res;
}

// Words an operand brings from DRAM when it is streamed `passes` times and
// reuse within one pass fits (or does not fit) the active half of its buffer.
i64 reuse_estimate(i64 footprint, i64 passes, i64 reuse_set, i64 half_buffer) {
  if (footprint <= half_buffer) return footprint;  // fetched once, stays
  if (reuse_set <= half_buffer) return footprint;  // reused while it is still there
  return footprint * passes;
}

LayerResult simulate_analytical(const Config& cfg, const Layer& layer) {
  const Dataflow df = cfg.dataflow;
  const int R = cfg.array.rows, C = cfg.array.cols;
  const GemmShape g = layer.gemm();
  LayerResult res;
  res.name = layer.name;
  res.gemm = g;
  res.compute = analytical_compute(df, g, cfg.array);
  const ComputeStats& cs = res.compute;
  const Mapping mp = map_gemm(df, g);
  const i64 L = cs.cycles_per_fold;

  // SRAM activity: the first fold's first operand row, the last fold's last.
  // ifmap/filter rows answer one cycle after the demand; see the cycle mode.
  const i64 last_fold = (cs.folds - 1) * L;
  const Layer& l = layer;
  const i64 ifmap_words = std::min(l.ifmap_h * l.ifmap_w * l.channels, g.M * g.K);
  const i64 filter_words = g.K * g.N;
  const i64 half_i = 50 * ((cfg.ifmap_kb * 1024) / 100), half_f = 50 * ((cfg.filter_kb * 1024) / 100);
  i64 i_dram = 0, f_dram = 0, o_dram = 0;
  switch (df) {
    case Dataflow::os:
      res.ifmap = {1, static_cast<double>(last_fold + (mp.T + R - 2) + 1), cs.ifmap_sram_reads};
      res.filter = {1, static_cast<double>(last_fold + (mp.T + C - 2) + 1), cs.filter_sram_reads};
      res.ofmap = {static_cast<double>(mp.T - 1), static_cast<double>(last_fold + L - 1), cs.ofmap_sram_writes};
      // A is streamed once per column fold; a column block of B is reused by every row fold in a row.
      i_dram = reuse_estimate(ifmap_words, cs.col_folds, ifmap_words, half_i);
      f_dram = reuse_estimate(filter_words, cs.row_folds, g.K * std::min<i64>(C, g.N), half_f);
      o_dram = g.M * g.N;
      break;
    case Dataflow::ws:
      res.ifmap = {static_cast<double>(R + 1), static_cast<double>(last_fold + R + mp.T + R - 2 + 1), cs.ifmap_sram_reads};
      res.filter = {1, static_cast<double>(last_fold + R), cs.filter_sram_reads};
      res.ofmap = {static_cast<double>(2 * R - 1), static_cast<double>(last_fold + L - 1), cs.ofmap_sram_writes};
      i_dram = reuse_estimate(ifmap_words, cs.col_folds, ifmap_words, half_i);
      f_dram = filter_words;
      o_dram = cs.ofmap_sram_writes;
      break;
    case Dataflow::is:
      res.ifmap = {1, static_cast<double>(last_fold + R), cs.ifmap_sram_reads};
      res.filter = {static_cast<double>(R + 1), static_cast<double>(last_fold + R + mp.T + R - 2 + 1), cs.filter_sram_reads};
      res.ofmap = {static_cast<double>(2 * R - 1), static_cast<double>(last_fold + L - 1), cs.ofmap_sram_writes};
      i_dram = ifmap_words;
      f_dram = reuse_estimate(filter_words, cs.col_folds, filter_words, half_f);
      o_dram = cs.ofmap_sram_writes;
      break;
  }
  // DRAM windows: the first half-buffer arrives before the layer starts at 10
  // words per cycle, the rest is spread over the run (an estimate).
  res.ifmap.dram_accesses = i_dram;
  res.ifmap.dram_start = -static_cast<double>(ceil_div(std::min(i_dram, half_i), 10));
  res.ifmap.dram_stop = static_cast<double>(i_dram > half_i ? cs.total_cycles : -1);
  res.filter.dram_accesses = f_dram;
  res.filter.dram_start = -static_cast<double>(ceil_div(std::min(f_dram, half_f), 10));
  res.filter.dram_stop = static_cast<double>(f_dram > half_f ? cs.total_cycles : -1);
  res.ofmap.dram_accesses = o_dram;
  res.ofmap.dram_start = res.ofmap.sram_start;
  res.ofmap.dram_stop = static_cast<double>(cs.total_cycles + ceil_div(o_dram, C));
  fill_bandwidths(res);
  return res;
}

}  // namespace

ComputeStats analytical_compute(Dataflow df, const GemmShape& g, const ArrayShape& a) {
  check_shapes(g, a);
  const int R = a.rows, C = a.cols;
  const Mapping mp = map_gemm(df, g);
  ComputeStats s;
  s.row_folds = ceil_div(mp.Sr, R);
  s.col_folds = ceil_div(mp.Sc, C);
  s.folds = s.row_folds * s.col_folds;
  s.cycles_per_fold = rows_per_fold(df, R, C, mp.T);
  s.total_cycles = s.folds * s.cycles_per_fold - 1;
  s.macs = g.M * g.N * g.K;
  const double pes = static_cast<double>(R) * C;
  // Every fold's used rows add up to Sr and used columns to Sc, so the
  // per-fold means collapse to one ratio each.
  s.mapping_eff_pct = static_cast<double>(mp.Sr * mp.Sc) / (pes * static_cast<double>(s.folds)) * 100;
  s.compute_util_pct = static_cast<double>(mp.Sr * mp.Sc) * static_cast<double>(mp.T) /
                       (pes * static_cast<double>(compute_util_cycles(df, R, C, mp.T)) * static_cast<double>(s.folds)) *
                       100;
  s.overall_util_pct = static_cast<double>(s.macs * 100) / static_cast<double>(s.total_cycles * R * C);
  switch (df) {
    case Dataflow::os:  // A again for every column fold, B for every row fold
      s.ifmap_sram_reads = s.col_folds * g.M * g.K;
      s.filter_sram_reads = s.row_folds * g.K * g.N;
      s.ofmap_sram_writes = g.M * g.N + s.folds * (R + C);
      break;
    case Dataflow::ws:  // B once; A per column fold; a partial sum of C per row fold
      s.ifmap_sram_reads = s.col_folds * g.M * g.K;
      s.filter_sram_reads = g.K * g.N;
      s.ofmap_sram_writes = s.row_folds * g.M * g.N;
      break;
    case Dataflow::is:  // A once; B per column fold; a partial sum of C per row fold
      s.ifmap_sram_reads = g.M * g.K;
      s.filter_sram_reads = s.col_folds * g.K * g.N;
      s.ofmap_sram_writes = s.row_folds * g.M * g.N;
      break;
  }
  return s;
}

LayerResult simulate_layer(const Config& cfg, const Layer& layer, Mode mode) {
  if (!cfg.calc_bandwidth)
    throw std::invalid_argument("InterfaceBandwidth USER is not modelled; set InterfaceBandwidth : CALC in the config");
  return mode == Mode::cycle ? simulate_cycle(cfg, layer) : simulate_analytical(cfg, layer);
}

}  // namespace systolic_array
