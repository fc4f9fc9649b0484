// The AXI4-Stream designs (clk_a only): the skid buffer, the 8-to-32-bit
// width converter and the FIR filter (against its C++ model, model/fir_model.hpp). Every test drives random back-pressure on m_ready (the
// full-rate ones after measuring the rate without it), the protocol checker
// (axis_checker.hpp) watches the output, and the Scoreboard holds every beat
// handed in against what comes out.
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>

#include "axis_checker.hpp"
#include "dual_clock.hpp"
#include "fir_model.hpp"
#include "hdl_models.hpp"

namespace {

using Dut = fpga_cdc::LABKIT_IMPL::Vfpga_cdc_top;
using Sim = fpga_cdc::DualClockSim<Dut>;

// One AXI4-Stream design's ports in the model (Verilator's are references):
// 8-bit beats in, beats of MData out (8 bits through the skid buffer, 32 out
// of the width converter, 16 out of the FIR filter).
template <class MData>
struct PortRefs {
  CData &s_valid, &s_data, &s_ready, &m_valid;
  MData& m_data;
  CData& m_ready;
};
template <class MData>
struct StreamPorts {
  PortRefs<MData> (*bind)(Dut&);
  std::string out;         // the output's port prefix in messages: "m", "up_m"
  bool registered_ready;   // s_ready must come from a flip-flop
  // The model: what must come out after each beat that goes in (nothing yet: nullopt).
  std::function<std::function<std::optional<std::uint64_t>(std::uint8_t)>()> make_model;
};

// Packs `n` bytes into one output beat, the first in the low byte.
auto packer(int n) {
  return [n] {
    return [n, k = 0, word = std::uint64_t{0}](std::uint8_t byte) mutable -> std::optional<std::uint64_t> {
      word |= std::uint64_t{byte} << (8 * k);
      if (++k < n) return std::nullopt;
      const std::uint64_t out = word;
      k = 0;
      word = 0;
      return out;
    };
  };
}
const StreamPorts<CData> kSkid{
    [](Dut& d) { return PortRefs<CData>{d.s_valid, d.s_data, d.s_ready, d.m_valid, d.m_data, d.m_ready}; }, "m", true,
    packer(1)};
const StreamPorts<IData> kUpsizer{
    [](Dut& d) { return PortRefs<IData>{d.up_s_valid, d.up_s_data, d.up_s_ready, d.up_m_valid, d.up_m_data, d.up_m_ready}; },
    "up_m", false, packer(4)};
const StreamPorts<SData> kFir{
    [](Dut& d) { return PortRefs<SData>{d.fir_s_valid, d.fir_s_data, d.fir_s_ready, d.fir_m_valid, d.fir_m_data, d.fir_m_ready}; },
    "fir_m", false, [] {
      return [fir = fpga_cdc::FirModel()](std::uint8_t x) mutable -> std::optional<std::uint64_t> {
        return static_cast<std::uint16_t>(fir.push(static_cast<std::int8_t>(x)));  // 16 bits, as the port holds it
      };
    }};

// A design between a random source and a random sink (clk_a only).
template <class MData>
struct StreamBench {
  StreamPorts<MData> p;
  Sim sim{fpga_cdc::ClockPair{{10000, 5000}, {10000, 5000}}};  // clk_b is not used here
  labkit::hdl::Random rng;
  fpga_cdc::AxisChecker out;
  std::string data = p.out + "_data", topic = p.out + "_valid";  // signal names, and the TODO that covers them
  std::function<std::optional<std::uint64_t>(std::uint8_t)> model = p.make_model();
  std::uint64_t in_beats = 0, out_words = 0;
  std::function<std::uint8_t()> next_input;  // the source's data (default: random bytes)

  explicit StreamBench(const StreamPorts<MData>& ports) : p(ports), out(ports.out, sim.scoreboard()) { sim.reset(); }
  Dut& dut() { return *sim.operator->(); }

  // One clk_a cycle: the source offers a new beat with chance p_valid once its
  // last one was taken; the sink is ready with chance p_ready.
  void cycle(double p_valid, double p_ready) {
    const auto io = p.bind(dut());
    const bool s_valid = io.s_valid, s_ready = io.s_ready, m_valid = io.m_valid, m_ready = io.m_ready;
    const std::uint64_t s_data = io.s_data, m_data = io.m_data;
    while (!sim.advance().a) {
    }
    if (s_valid && s_ready) {
      ++in_beats;
      if (const auto want = model(static_cast<std::uint8_t>(s_data)))
        sim.scoreboard().expect(data, *want, "output " + std::to_string(out_words++) + ", after input beat " + std::to_string(in_beats - 1));
    }
    if (out.edge(sim.edges(), m_valid, m_ready, m_data) && !sim.scoreboard().observe(sim.edges(), data, m_data, topic))
      return;
    // The source keeps its beat until it is taken (it obeys the rules it checks).
    if (!s_valid || s_ready) {
      io.s_valid = rng.chance(p_valid);
      io.s_data = next_input ? next_input() : static_cast<CData>(rng.bits(8));
    }
    const bool ready_after_edge = io.s_ready;
    io.m_ready = rng.chance(p_ready);
    sim.eval();
    if (p.registered_ready && io.s_ready != ready_after_edge)
      sim.fail("s_ready", "changed when only m_ready and s_valid changed: s_ready must come from a flip-flop", topic);
  }

  // The source must have handed in at least `beats` beats.
  void require_beats(std::uint64_t beats, const std::string& when) {
    if (in_beats < beats)
      sim.fail("s_ready", "only " + std::to_string(in_beats) + " beats taken " + when + ", at least " + std::to_string(beats) +
                              " expected", topic);
  }

  // Stops the source and lets the sink take everything.
  void drain() {
    for (int i = 0; i < 32; ++i) cycle(0.0, 1.0);
    sim.scoreboard().finish(sim.edges());
  }
};

// Random valid and random ready in phases (sink slower, source slower, both
// busy, sink stalled for long stretches).
template <class MData>
void random_back_pressure(StreamBench<MData>& b) {
  const double mixes[][2] = {{0.9, 0.4}, {0.4, 0.9}, {0.8, 0.8}, {1.0, 0.1}, {1.0, 0.5}};
  for (int round = 0; round < 60; ++round) {
    const auto& m = mixes[b.rng.range(0, 4)];
    for (int i = 0; i < 50; ++i) b.cycle(m[0], m[1]);
    if (b.sim.scoreboard().mismatches() > 0) break;
  }
  b.require_beats(1000, "in 3000 cycles");
  b.drain();
}

}  // namespace

// A beat a cycle with no back-pressure: 200 in, 200 out, in order, plus the
// two-cycle start.
HDL_TEST(SkidBuffer, FullThroughputWithoutBackPressure) {
  StreamBench b(kSkid);
  for (int i = 0; i < 200; ++i) b.cycle(1.0, 1.0);
  b.require_beats(199, "in 200 cycles with m_ready and s_valid always 1 (a beat per cycle)");
  if (b.out.beats() < 198) b.sim.fail("m_valid", std::to_string(b.out.beats()) + " beats out in 200 cycles: a beat per cycle expected", "m_valid");
  for (int i = 0; i < 200; ++i) b.cycle(1.0, 0.5);
  b.drain();
}

// Nothing lost, duplicated or reordered, no protocol violation on the output.
HDL_TEST(SkidBuffer, RandomBackPressureKeepsEveryBeatInOrder) {
  StreamBench b(kSkid);
  random_back_pressure(b);
}

// m_ready toggling every cycle while the source never pauses: the skid
// register fills and empties at every edge.
HDL_TEST(SkidBuffer, ReadyTogglingEveryCycle) {
  StreamBench b(kSkid);
  for (int i = 0; i < 200; ++i) b.cycle(1.0, i % 2 ? 0.0 : 1.0);
  b.require_beats(80, "in 200 cycles");
  b.drain();
}

// Four bytes in, one 32-bit word out, the first byte lowest: a byte per cycle
// with the sink always ready.
HDL_TEST(WidthConverter, FourBytesMakeOneWordAtFullRate) {
  StreamBench b(kUpsizer);
  for (int i = 0; i < 400; ++i) b.cycle(1.0, 1.0);
  b.require_beats(398, "in 400 cycles with the sink always ready (a byte per cycle)");
  for (int i = 0; i < 200; ++i) b.cycle(1.0, 0.5);
  b.drain();
}

// The same words under random back-pressure on both sides.
HDL_TEST(WidthConverter, RandomBackPressureKeepsEveryWord) {
  StreamBench b(kUpsizer);
  random_back_pressure(b);
}

// y[n] of the C++ model (model/fir_model.hpp) for every sample, in order,
// under random back-pressure: an impulse gives the taps, then random samples.
HDL_TEST(FirFilter, MatchesTheCppModelSampleBySample) {
  StreamBench b(kFir);
  int n = 0;
  b.next_input = [&] { return static_cast<std::uint8_t>(n++ == 0 ? 1 : b.rng.bits(8)); };  // impulse first
  random_back_pressure(b);
}

// The largest and smallest outputs the taps allow (+17786 and -17914): the
// 16-bit result must hold them without wrapping.
HDL_TEST(FirFilter, ExtremeInputsFitSixteenBits) {
  // Eight samples matching the taps' signs (+127 where the tap that will
  // weigh them is positive, -128 where negative), then eight against them.
  auto extreme = [](int i) {
    const bool against = i / 8 % 2 == 1;
    const bool positive_tap = fpga_cdc::kFirTaps[static_cast<std::size_t>(7 - i % 8)] > 0;
    return static_cast<std::int8_t>(positive_tap != against ? 127 : -128);
  };
  fpga_cdc::FirModel m;
  std::int16_t y = 0;
  for (int i = 0; i < 8; ++i) y = m.push(extreme(i));
  ASSERT_EQ(y, 17786) << "the pattern must reach the largest output";
  for (int i = 8; i < 16; ++i) y = m.push(extreme(i));
  ASSERT_EQ(y, -17914) << "and the smallest";

  StreamBench b(kFir);
  int n = 0;
  b.next_input = [&] { return static_cast<std::uint8_t>(extreme(n++)); };
  for (int i = 0; i < 200; ++i) b.cycle(1.0, 0.7);
  b.require_beats(100, "in 200 cycles");
  b.drain();
}
