// The AXI4-Stream skid buffer (clk_a only): every test drives random
// back-pressure on m_ready, and the protocol checker (axis_checker.hpp) watches
// the output; the Scoreboard holds every beat handed in against what comes out.
#include <gtest/gtest.h>

#include <string>

#include "axis_checker.hpp"
#include "dual_clock.hpp"
#include "hdl_models.hpp"

namespace {

using Dut = fpga_cdc::LABKIT_IMPL::Vfpga_cdc_top;
using Sim = fpga_cdc::DualClockSim<Dut>;

// The skid buffer between a random source and a random sink.
struct StreamBench {
  Sim sim{fpga_cdc::ClockPair{{10000, 5000}, {10000, 5000}}};  // clk_b is not used here
  labkit::hdl::Random rng;
  fpga_cdc::AxisChecker out{"m", sim.scoreboard()};
  std::uint64_t in_beats = 0, cycles = 0;

  StreamBench() { sim.reset(); }

  // One clk_a cycle: the source offers a new beat with chance p_valid once its
  // last one was taken; the sink is ready with chance p_ready.
  void cycle(double p_valid, double p_ready) {
    const bool s_valid = sim->s_valid, s_ready = sim->s_ready, m_valid = sim->m_valid, m_ready = sim->m_ready;
    const std::uint64_t s_data = sim->s_data, m_data = sim->m_data;
    while (!sim.advance().a) {
    }
    ++cycles;
    if (s_valid && s_ready) {
      sim.scoreboard().expect("m_data", s_data, "beat " + std::to_string(in_beats));
      ++in_beats;
    }
    if (out.edge(sim.edges(), m_valid, m_ready, m_data) && !sim.scoreboard().observe(sim.edges(), "m_data", m_data, "m_valid"))
      return;
    // The source keeps its beat until it is taken (it obeys the rules it checks).
    if (!s_valid || s_ready) {
      sim->s_valid = rng.chance(p_valid);
      sim->s_data = static_cast<std::uint8_t>(rng.bits(8));
    }
    const bool ready_after_edge = sim->s_ready;
    sim->m_ready = rng.chance(p_ready);
    sim.eval();
    if (sim->s_ready != ready_after_edge)
      sim.fail("s_ready", "changed when only m_ready and s_valid changed: s_ready must come from a flip-flop", "m_valid");
  }

  // Stops the source and lets the sink take everything.
  void drain() {
    for (int i = 0; i < 8; ++i) cycle(0.0, 1.0);
    sim.scoreboard().finish(sim.edges());
  }
};

}  // namespace

// A beat a cycle with no back-pressure: 200 in, 200 out, in order, plus the
// two-cycle start.
HDL_TEST(SkidBuffer, FullThroughputWithoutBackPressure) {
  StreamBench b;
  for (int i = 0; i < 200; ++i) b.cycle(1.0, 1.0);
  if (b.in_beats < 199 || b.out.beats() < 198)
    b.sim.fail("s_ready", std::to_string(b.in_beats) + " beats in and " + std::to_string(b.out.beats()) +
               " out in 200 cycles; with m_ready and s_valid always 1 it must be a beat per cycle", "s_ready");
  b.drain();
}

// Random valid and random ready in phases (sink slower, source slower, both
// busy, sink stalled for long stretches): nothing lost, duplicated or
// reordered, no protocol violation on the output.
HDL_TEST(SkidBuffer, RandomBackPressureKeepsEveryBeatInOrder) {
  StreamBench b;
  const double mixes[][2] = {{0.9, 0.4}, {0.4, 0.9}, {0.8, 0.8}, {1.0, 0.1}, {1.0, 0.5}};
  for (int round = 0; round < 60; ++round) {
    const auto& m = mixes[b.rng.range(0, 4)];
    for (int i = 0; i < 50; ++i) b.cycle(m[0], m[1]);
    if (b.sim.scoreboard().mismatches() > 0) break;
  }
  if (b.in_beats <= 1000) b.sim.fail("s_ready", "only " + std::to_string(b.in_beats) + " beats taken in 3000 cycles", "s_ready");
  b.drain();
}

// m_ready toggling every cycle while the source never pauses: the skid
// register fills and empties at every edge.
HDL_TEST(SkidBuffer, ReadyTogglingEveryCycle) {
  StreamBench b;
  for (int i = 0; i < 200; ++i) b.cycle(1.0, i % 2 ? 0.0 : 1.0);
  if (b.in_beats <= 80) b.sim.fail("s_ready", "only " + std::to_string(b.in_beats) + " beats taken in 200 cycles", "s_ready");
  b.drain();
}
