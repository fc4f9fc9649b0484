// The FIFO testbench: directed corners, then long random traffic, every cycle
// compared with a std::deque model (model/fifo_model.hpp). Built twice:
// against the reference RTL and against student/fifo.sv.
//
// The design is Verilated with DEPTH = 6 and ALMOST_FULL = 4 (CMakeLists.txt):
// a depth that is not a power of two catches pointers that wrap too late.
#include <gtest/gtest.h>

#include <labkit/hdl.hpp>
#include <string>

#include "fifo_model.hpp"
#include "hdl_models.hpp"

namespace {

using Dut = hdl_fifo::LABKIT_IMPL::Vfifo;
constexpr std::size_t kDepth = 6, kAlmostFull = 4;  // as in CMakeLists.txt

// The DUT and the model side by side, compared after every clock edge.
struct Bench {
  labkit::hdl::Sim<Dut> sim;
  hdl_fifo::FifoModel model{kDepth, kAlmostFull};
  std::uint64_t pushes = 0, pops = 0;

  Bench() {
    sim.reset();
    compare("after reset");
  }

  // One cycle: drive the requests, clock, compare every output.
  void cycle(bool push, std::uint32_t data, bool pop) {
    // pop_data must show the oldest entry before the edge that pops it.
    if (pop && !model.empty()) sim.check("pop_data", sim->pop_data, model.front(), "the entry being popped", "pop_data");
    sim->push = push;
    sim->push_data = data;
    sim->pop = pop;
    const auto e = model.clock(push, data, pop);
    pushes += e.pushed;
    pops += e.popped;
    sim.tick();
    compare(what(push, data, pop));
  }

  static std::string what(bool push, std::uint32_t data, bool pop) {
    std::string s = push ? "push " + labkit::hdl::format_value(data) : "no push";
    return s + (pop ? ", pop" : ", no pop");
  }

  void compare(const std::string& applied) {
    sim.check("count", sim->count, model.count(), applied, "count");
    sim.check("empty", sim->empty, model.empty(), applied, "empty");
    sim.check("full", sim->full, model.full(), applied, "full");
    sim.check("almost_full", sim->almost_full, model.almost_full(), applied, "almost_full");
    if (!model.empty()) sim.check("pop_data", sim->pop_data, model.front(), applied + "; the oldest entry", "pop_data");
  }
};

}  // namespace

HDL_TEST(Fifo, ResetGivesEmpty) {
  Bench b;
  EXPECT_EQ(b.model.count(), 0u);
}

HDL_TEST(Fifo, FillThenDrainInOrder) {
  Bench b;
  for (std::uint32_t i = 0; i < kDepth; ++i) b.cycle(true, 0xa0 + i, false);  // fill: almost_full at 4, full at 6
  b.cycle(true, 0xee, false);                                            // full: dropped
  b.cycle(true, 0xef, false);
  for (std::uint32_t i = 0; i < kDepth + 2; ++i) b.cycle(false, 0, true);  // drain, then pop while empty
  EXPECT_EQ(b.pushes, kDepth);
  EXPECT_EQ(b.pops, kDepth);
}

HDL_TEST(Fifo, PushAndPopWhenFull) {
  Bench b;
  for (std::uint32_t i = 0; i < kDepth; ++i) b.cycle(true, i + 1, false);
  for (std::uint32_t i = 0; i < 20; ++i) b.cycle(true, 0x40 + i, true);  // one out, one in: stays full
  EXPECT_EQ(b.model.count(), kDepth);
}

HDL_TEST(Fifo, PushAndPopWhenEmpty) {
  Bench b;
  b.cycle(true, 0x5a, true);  // nothing to pop: only the push happens
  b.cycle(true, 0x5b, true);  // now one out, one in
  b.cycle(false, 0, true);
  b.cycle(false, 0, true);
  EXPECT_EQ(b.pushes, 2u);
}

HDL_TEST(Fifo, PointersWrapManyTimes) {
  Bench b;
  for (std::uint32_t i = 0; i < 10 * kDepth; ++i) {  // at most 3 entries: wraps without filling
    b.cycle(true, i & 0xff, i % 3 == 2);
    if (i % 3 == 2) b.cycle(false, 0, true);
  }
}

// Long random traffic in phases that fill, drain and hover around the
// thresholds, so full, empty and almost_full all change many times.
HDL_TEST(Fifo, LongRandomTraffic) {
  Bench b;
  labkit::hdl::Random rng;
  const double phases[][2] = {{0.9, 0.2}, {0.5, 0.5}, {0.2, 0.9}, {0.7, 0.6}, {1.0, 1.0}, {0.3, 0.3}};
  for (int round = 0; round < 200; ++round) {
    const auto& p = phases[rng.range(0, 5)];
    const int len = static_cast<int>(rng.range(10, 200));
    for (int i = 0; i < len; ++i) b.cycle(rng.chance(p[0]), static_cast<std::uint32_t>(rng.bits(8)), rng.chance(p[1]));
    if (b.sim.scoreboard().mismatches() > 0) break;
  }
  EXPECT_GT(b.pushes, 5000u);
  ::testing::Test::RecordProperty("cycles", static_cast<int>(b.sim.cycle()));
}
