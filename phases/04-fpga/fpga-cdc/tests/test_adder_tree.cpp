// The pipelined adder tree (clk_a only): out_sum is the sum of the eight
// numbers presented four cycles earlier, exactly (latency 4: inputs sampled at
// edge e appear right after edge e + 3), with in_valid carried alongside.
// `labctl synth fpga-cdc` reports what the pipelining buys: the clock frequency.
#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "dual_clock.hpp"
#include "hdl_models.hpp"

namespace {

using Dut = fpga_cdc::LABKIT_IMPL::Vfpga_cdc_top;
using Sim = fpga_cdc::DualClockSim<Dut>;
constexpr int kLatency = 4;  // registers from tree_in_data to tree_out_sum

struct TreeBench {
  Sim sim{fpga_cdc::ClockPair{{10000, 5000}, {10000, 5000}}};
  std::deque<std::pair<bool, std::uint64_t>> sampled;  // (in_valid, sum) at each edge, newest last

  TreeBench() {
    sim.reset();
    for (int i = 0; i < kLatency; ++i) sampled.emplace_back(false, 0);  // reset: out_valid 0
  }

  // Presents eight numbers (and in_valid) for the next edge, clocks, and
  // compares the output with what went in kLatency edges before.
  bool cycle(bool valid, const std::uint16_t (&x)[8]) {
    std::uint64_t sum = 0;
    for (int i = 0; i < 8; ++i) {
      sum += x[i];
      auto& word = sim->tree_in_data[i / 2];
      word = (i % 2) ? (word & 0xffffu) | (std::uint32_t{x[i]} << 16) : (word & 0xffff0000u) | x[i];
    }
    sim->tree_in_valid = valid;
    while (!sim.advance().a) {
    }
    sampled.emplace_back(valid, sum);
    const auto [want_valid, want_sum] = sampled[sampled.size() - kLatency];
    sampled.pop_front();
    const std::string ctx = "the inputs of " + std::to_string(kLatency) + " cycles earlier";
    if (!sim.check("tree_out_valid", sim->tree_out_valid, want_valid, ctx, "tree_out")) return false;
    return !want_valid || sim.check("tree_out_sum", sim->tree_out_sum, want_sum, ctx, "tree_out");
  }
};

}  // namespace

// Largest and smallest values: the sum needs all 19 bits.
HDL_TEST(AdderTree, ExtremesNeedAllNineteenBits) {
  TreeBench b;
  const std::uint16_t ones[8] = {0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff};
  const std::uint16_t zeros[8] = {};
  const std::uint16_t one_hot[8] = {0, 0, 0, 0, 0, 0, 0, 0x8000};
  for (const auto* x : {&ones, &zeros, &one_hot, &ones, &ones})
    if (!b.cycle(true, *x)) return;
  for (int i = 0; i < kLatency + 1; ++i)
    if (!b.cycle(false, zeros)) return;
}

// A new set of numbers every cycle, with random gaps in in_valid.
HDL_TEST(AdderTree, RandomStreamExactSumsAtLatencyFour) {
  TreeBench b;
  labkit::hdl::Random rng;
  for (int i = 0; i < 3000; ++i) {
    std::uint16_t x[8];
    for (auto& v : x) v = static_cast<std::uint16_t>(rng.bits(16));
    if (!b.cycle(rng.chance(0.8), x)) return;
  }
}
