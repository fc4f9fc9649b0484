// systolic-array: the interface of the lab.
//
// A model of an R x C systolic array running GEMM and convolution layers (a
// convolution is a GEMM by im2col: M = output pixels, K = filter height x
// width x channels, N = filters) in three dataflows, with SCALE-Sim v2's
// accounting:
//
//   os  output stationary  PE(i, j) keeps C[m][n]; A streams from the left,
//                          B from the top, K is time.
//   ws  weight stationary  PE(i, j) keeps B[k][n]; A streams from the left,
//                          partial sums flow down, M is time.
//   is  input stationary   PE(i, j) keeps A[m][k] (transposed: k on rows,
//                          m on columns); B streams in, N is time.
//
// Two parts:
//   systolic_array::     the model every tool and test shares (core/): the
//                        functional int8 simulations, the cycle-level and
//                        analytical SCALE-Sim models, config/topology files,
//                        reports and the sweep.
//   ::reference/student  the task: os_compute_stats(), the output-stationary
//                        cycle accounting (student/os_accounting.cpp).
#pragma once
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace systolic_array {

enum class Dataflow { os, ws, is };
const char* dataflow_name(Dataflow df);                    // "os", "ws", "is"
std::optional<Dataflow> parse_dataflow(std::string_view s);  // case-insensitive
inline constexpr Dataflow kAllDataflows[] = {Dataflow::os, Dataflow::ws, Dataflow::is};

struct ArrayShape {
  int rows = 8;  // R: PEs down the array
  int cols = 8;  // C: PEs across
};

// The GEMM a layer runs: C (M x N) = A (M x K) * B (K x N).
struct GemmShape {
  std::int64_t M = 0;  // output pixels (rows of the im2col matrix)
  std::int64_t N = 0;  // filters
  std::int64_t K = 0;  // window size: filter height x width x channels
};

// The compute side of one layer, as SCALE-Sim v2 reports it when memory never
// stalls (InterfaceBandwidth CALC). Per dataflow the GEMM maps to
//   Sr (spread over the R rows), Sc (over the C columns), T (streamed in time):
//     os: Sr = M, Sc = N, T = K     ws: Sr = K, Sc = N, T = M     is: Sr = K, Sc = M, T = N
// and runs in folds: ceil(Sr / R) row folds x ceil(Sc / C) column folds.
struct ComputeStats {
  std::int64_t row_folds = 0, col_folds = 0, folds = 0;
  std::int64_t cycles_per_fold = 0;  // demand rows per fold, fill and drain included
  std::int64_t total_cycles = 0;     // SCALE-Sim's "Total Cycles": folds x cycles_per_fold - 1
  double overall_util_pct = 0;       // 100 x MACs / (total_cycles x R x C)
  double mapping_eff_pct = 0;        // mean over folds of used PEs / (R x C)
  double compute_util_pct = 0;       // mean over folds of MACs / (R x C x fold's compute cycles)
  std::int64_t ifmap_sram_reads = 0, filter_sram_reads = 0, ofmap_sram_writes = 0;
  std::int64_t macs = 0;             // M x N x K
};

// The closed form for all three dataflows (the analytical mode).
ComputeStats analytical_compute(Dataflow df, const GemmShape& g, const ArrayShape& a);

// ---------------------------------------------------------------------------
// Functional model: int8 x int8 -> int32 on a register-level systolic array.
// A is M x K, B is K x N, row-major; the result is C = A * B (M x N).
// Each fold is simulated cycle by cycle: skewed operands enter at the array's
// edges, every PE does one multiply-accumulate per cycle, and values move one
// PE per cycle. `fold_cycles` records each fold's length in cycles (from the
// first operand entering to the last MAC: the same count SCALE-Sim charges).
struct FunctionalResult {
  std::vector<std::int32_t> C;
  std::vector<std::int64_t> fold_cycles;
  std::int64_t total_cycles = 0;  // sum of fold_cycles
  std::int64_t macs = 0;          // MACs done by PEs that hold real data
};
FunctionalResult run_gemm_int8(Dataflow df, const ArrayShape& a, std::int64_t M, std::int64_t N, std::int64_t K,
                               const std::int8_t* A, const std::int8_t* B);
// The plain triple loop it is held to.
std::vector<std::int32_t> gemm_int8_plain(std::int64_t M, std::int64_t N, std::int64_t K, const std::int8_t* A,
                                          const std::int8_t* B);

// One output-stationary fold exactly as rtl/ computes it: an R x C tile of C
// from A rows [m0, m0 + R) and B columns [n0, n0 + C), zero-padded at the
// edges. Returns the tile (R x C, row-major) and its cycle count T + R + C - 2.
struct OsTile {
  std::vector<std::int32_t> acc;
  std::int64_t cycles = 0;
};
OsTile os_fold_int8(const ArrayShape& a, std::int64_t M, std::int64_t N, std::int64_t K, const std::int8_t* A,
                    const std::int8_t* B, std::int64_t m0, std::int64_t n0);

// ---------------------------------------------------------------------------
// SCALE-Sim compatible inputs.

// A .cfg file: [general] run_name; [architecture_presets] ArrayHeight,
// ArrayWidth, IfmapSramSzkB, FilterSramSzkB, OfmapSramSzkB, IfmapOffset,
// FilterOffset, OfmapOffset, Dataflow, Bandwidth; [run_presets]
// InterfaceBandwidth CALC|USER; optional [network_presets] TopologyCsvLoc.
struct Config {
  std::string run_name = "scale_run";
  ArrayShape array{};
  std::int64_t ifmap_kb = 64, filter_kb = 64, ofmap_kb = 64;
  std::int64_t ifmap_offset = 0, filter_offset = 10000000, ofmap_offset = 20000000;
  Dataflow dataflow = Dataflow::os;
  bool calc_bandwidth = true;      // InterfaceBandwidth = CALC (the mode reproduced here)
  std::vector<int> bandwidths;     // USER mode words/cycle (parsed; USER runs are not modelled)
  std::string topology_path;       // from [network_presets], if present
};
Config read_config(const std::string& path);  // throws std::runtime_error naming file, line and fix
Config parse_config(std::string_view text, const std::string& name = "<config>");

// One layer of a topology CSV.
//   conv form: Layer name, IFMAP Height, IFMAP Width, Filter Height,
//              Filter Width, Channels, Num Filter, Strides[, Stride width],
//   gemm form: Layer, M, N, K,
// Both end each row with a comma, as SCALE-Sim writes them. A conv layer
// whose name contains "DP" (depthwise) becomes one layer per channel.
struct Layer {
  std::string name;
  std::int64_t ifmap_h = 1, ifmap_w = 1, filter_h = 1, filter_w = 1, channels = 1, num_filters = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t ofmap_h() const { return (ifmap_h - filter_h + stride_h + stride_h - 1) / stride_h; }
  std::int64_t ofmap_w() const { return (ifmap_w - filter_w + stride_w + stride_w - 1) / stride_w; }
  GemmShape gemm() const { return {ofmap_h() * ofmap_w(), num_filters, filter_h * filter_w * channels}; }
};
Layer gemm_layer(std::string name, std::int64_t M, std::int64_t N, std::int64_t K);  // SCALE-Sim's GEMM mapping
enum class TopologyForm { conv, gemm };
std::vector<Layer> read_topology(const std::string& path, TopologyForm form);
std::vector<Layer> parse_topology(std::string_view text, TopologyForm form, const std::string& name = "<topology>");

// ---------------------------------------------------------------------------
// One layer on the configured array with double-buffered scratchpads.
enum class Mode { cycle, analytical };

struct OperandAccess {
  double sram_start = 0, sram_stop = 0;  // first and last cycle the array touches this SRAM
  std::int64_t sram_accesses = 0;        // reads (ifmap, filter) or writes (ofmap)
  double dram_start = 0, dram_stop = 0;  // first and last cycle of DRAM traffic
  std::int64_t dram_accesses = 0;        // words read from (written to) DRAM
};

struct LayerResult {
  std::string name;
  GemmShape gemm{};
  ComputeStats compute{};        // total_cycles and overall_util include stalls
  std::int64_t stall_cycles = 0;  // ofmap write-buffer drains that filled the buffer
  OperandAccess ifmap{}, filter{}, ofmap{};
  // Average words per cycle, as SCALE-Sim's BANDWIDTH_REPORT.csv has them.
  double ifmap_sram_bw = 0, filter_sram_bw = 0, ofmap_sram_bw = 0;
  double ifmap_dram_bw = 0, filter_dram_bw = 0, ofmap_dram_bw = 0;
  std::int64_t demand_rows_walked = 0;  // cycle mode: demand rows simulated
  std::int64_t elements_walked = 0;     // cycle mode: SRAM accesses simulated one by one
};

// Mode::cycle walks every demand row of every fold: each SRAM access, the
// read buffers' set-based prefetch (DRAM reads) and the ofmap write buffer's
// drains (DRAM writes, and the stalls when it fills). Mode::analytical uses
// the closed forms: identical cycles, utilizations and SRAM counts whenever
// no drain stalls; DRAM counts from a reuse-distance estimate.
LayerResult simulate_layer(const Config& cfg, const Layer& layer, Mode mode = Mode::cycle);

// SCALE-Sim's three report files, with its header rows and number formats.
void write_compute_report(std::ostream& out, const std::vector<LayerResult>& layers);
void write_bandwidth_report(std::ostream& out, const std::vector<LayerResult>& layers);
void write_detailed_access_report(std::ostream& out, const std::vector<LayerResult>& layers);
// Writes the three files into `dir` (created if missing).
void write_reports(const std::string& dir, const std::vector<LayerResult>& layers);
// A double the way Python's str() prints it (shortest round-trip, "5.0", "1e-05").
std::string py_float(double v);

// ---------------------------------------------------------------------------
// Sweep: every array shape x dataflow over a topology.
struct SweepPoint {
  ArrayShape array{};
  Dataflow dataflow = Dataflow::os;
  std::int64_t total_cycles = 0, stall_cycles = 0, macs = 0;
  double overall_util_pct = 0, compute_util_pct = 0, mapping_eff_pct = 0;
  std::int64_t sram_reads = 0, sram_writes = 0, dram_reads = 0, dram_writes = 0;
};
std::vector<SweepPoint> sweep(const Config& base, const std::vector<Layer>& layers, const std::vector<ArrayShape>& shapes,
                              Mode mode);
void write_sweep_csv(std::ostream& out, const std::vector<SweepPoint>& points);
void write_sweep_svg(std::ostream& out, const std::vector<SweepPoint>& points, const std::string& title);

}  // namespace systolic_array

// ---------------------------------------------------------------------------
// The task: output-stationary cycle accounting (README, "Your task").
namespace systolic_array::reference {
ComputeStats os_compute_stats(const GemmShape& g, const ArrayShape& a);
}
namespace systolic_array::student {
ComputeStats os_compute_stats(const GemmShape& g, const ArrayShape& a);
}
