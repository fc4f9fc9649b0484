// systolic-array benchmark: how fast the models simulate, and the task's
// accounting next to the reference.
//
//   tools/labctl bench systolic-array      # or build/<preset>/bin/systolic-array_bench --help
//
// Cases (one size: the number of layers; GFLOP/s column = 2 x simulated MACs per ns):
//   alexnet_128x128   AlexNet's 8 layers on a 128x128 array, os dataflow:
//                     cycle-level mode (the baseline) vs analytical mode,
//                     reported as "reference" (lab.toml's target reads that row)
//   os_accounting     the same layers through os_compute_stats(): student
//                     over reference (a deterministic result, validated
//                     against the cycle-level model, then timed)
// Smoke mode runs a small GEMM set on an 8x8 array instead.
#include <labkit/harness.hpp>

#include <string>
#include <vector>

#include "systolic.hpp"

namespace sa = systolic_array;

namespace {

std::vector<sa::Layer> alexnet() {
  return sa::parse_topology(
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
      "Conv1, 227, 227, 11, 11, 3, 96, 4,\nConv2, 31, 31, 5, 5, 96, 256, 1,\nConv3, 15, 15, 3, 3, 256, 384, 1,\n"
      "Conv4, 15, 15, 3, 3, 384, 384, 1,\nConv5, 15, 15, 3, 3, 384, 256, 1,\nFC6, 6, 6, 6, 6, 256, 4096, 1,\n"
      "FC7, 1, 1, 1, 1, 4096, 4096, 1,\nFC8, 1, 1, 1, 1, 4096, 1000, 1,\n",
      sa::TopologyForm::conv);
}

std::vector<sa::Layer> small_gemms() {
  return {sa::gemm_layer("a", 64, 64, 64), sa::gemm_layer("b", 37, 53, 71), sa::gemm_layer("c", 100, 20, 30)};
}

}  // namespace

int main(int argc, char** argv) {
  labkit::Harness h("systolic-array", argc, argv);
  const bool smoke = h.smoke();
  const std::vector<sa::Layer> layers = smoke ? small_gemms() : alexnet();
  sa::Config cfg;
  cfg.array = smoke ? sa::ArrayShape{8, 8} : sa::ArrayShape{128, 128};
  cfg.dataflow = sa::Dataflow::os;
  cfg.ifmap_kb = cfg.filter_kb = smoke ? 64 : 6144;
  cfg.ofmap_kb = smoke ? 64 : 2048;
  const std::int64_t n = static_cast<std::int64_t>(layers.size());
  double macs = 0;
  for (const auto& l : layers) macs += static_cast<double>(l.gemm().M * l.gemm().N * l.gemm().K);
  const labkit::Work work{2 * macs, 0};

  // The cycle mode is the yardstick; the analytical mode must agree on cycles.
  std::vector<sa::LayerResult> cycle_results;
  for (const auto& l : layers) cycle_results.push_back(sa::simulate_layer(cfg, l, sa::Mode::cycle));

  const std::string kase = smoke ? "gemm_8x8" : "alexnet_128x128";
  h.set_baseline(kase, "cycle");
  h.add(kase, n, "cycle", labkit::Role::baseline, work,
        [&] {
          for (const auto& l : layers) labkit::do_not_optimize(sa::simulate_layer(cfg, l, sa::Mode::cycle).compute.total_cycles);
        },
        [] { return std::string(); });
  h.add(kase, n, "reference", labkit::Role::reference, work,  // the analytical mode
        [&] {
          for (const auto& l : layers)
            labkit::do_not_optimize(sa::simulate_layer(cfg, l, sa::Mode::analytical).compute.total_cycles);
        },
        [&]() -> std::string {
          for (size_t i = 0; i < layers.size(); ++i) {
            const auto a = sa::simulate_layer(cfg, layers[i], sa::Mode::analytical);
            if (a.compute.total_cycles != cycle_results[i].compute.total_cycles - cycle_results[i].stall_cycles)
              return "layer " + layers[i].name + ": analytical " + std::to_string(a.compute.total_cycles) +
                     " cycles, cycle mode " + std::to_string(cycle_results[i].compute.total_cycles);
          }
          return "";
        });

  // The task: the accounting function, validated against the cycle model.
  auto accounting = [&](auto fn) {
    return [&, fn]() -> std::string {
      for (size_t i = 0; i < layers.size(); ++i) {
        const sa::ComputeStats s = fn(layers[i].gemm(), cfg.array);
        const auto& want = cycle_results[i];
        if (s.total_cycles != want.compute.total_cycles - want.stall_cycles ||
            s.ofmap_sram_writes != want.compute.ofmap_sram_writes || s.ifmap_sram_reads != want.compute.ifmap_sram_reads)
          return "layer " + layers[i].name + ": " + std::to_string(s.total_cycles) + " cycles, expected " +
                 std::to_string(want.compute.total_cycles - want.stall_cycles);
      }
      return "";
    };
  };
  auto timed = [&](auto fn) {
    return [&, fn] {
      for (const auto& l : layers) labkit::do_not_optimize(fn(l.gemm(), cfg.array).total_cycles);
    };
  };
  // The yardstick here is the reference's accounting, not the cycle-level
  // mode: alexnet_128x128 already times that (about 2 s a call, 24 calls),
  // and timing it again here doubled the bench's time for no new number.
  h.set_baseline("os_accounting", "reference");
  h.add("os_accounting", n, "reference", labkit::Role::baseline, work, timed(sa::reference::os_compute_stats),
        accounting(sa::reference::os_compute_stats));
  h.add("os_accounting", n, "student", labkit::Role::student, work, timed(sa::student::os_compute_stats),
        accounting(sa::student::os_compute_stats));
  return h.run();
}
