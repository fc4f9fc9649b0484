// The clock-domain crossings: sync_2ff, pulse_sync, handshake_sync and
// async_fifo, each simulated under six pairs of unrelated clocks drawn from
// the seed (dual_clock.hpp: A faster, B faster, ratios within 3% of 1, equal
// periods at a random phase) against a software model. Built twice: against
// the reference RTL and against student/*.sv.
//
// Verilator never goes metastable, so these tests check what simulation can:
// the logic is right for every order in which the two clocks' edges arrive,
// and each crossing has the structure that makes it safe in silicon (two
// flops in a synchronizer, pointers that change one bit at a time).
#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "dual_clock.hpp"
#include "hdl_models.hpp"

namespace {

using Dut = fpga_cdc::LABKIT_IMPL::Vfpga_cdc_top;
using Sim = fpga_cdc::DualClockSim<Dut>;
using fpga_cdc::ClockPair;

constexpr int kEdges = 4000;  // rising edges of either clock per clock pair

// Runs `body` once per clock pair; stops at the first pair that fails.
template <class Body>
void for_each_clock_pair(Body body) {
  labkit::hdl::Random rng("clocks");
  for (const ClockPair& clocks : fpga_cdc::clock_pairs(rng)) {
    Sim sim(clocks);
    sim.reset();
    body(sim);
    if (sim.scoreboard().mismatches() > 0 || ::testing::Test::HasFailure()) break;
  }
}

}  // namespace

// q follows d exactly two clk_b edges later: the model is two registers
// clocked by clk_b. One flop (q at the first edge) is the classic mistake:
// it passes a functional test in simulation and fails in silicon.
HDL_TEST(Sync2ff, LevelArrivesTwoDestinationEdgesLater) {
  for_each_clock_pair([](Sim& sim) {
    labkit::hdl::Random rng;
    std::uint64_t meta = 0, q = 0, changes = 0;
    for (int i = 0; i < kEdges; ++i) {
      const std::uint64_t d = sim->sync_d;  // what the flops see at this edge
      const auto e = sim.advance();
      if (e.b) {
        q = meta;
        meta = d;
        if (!sim.check("sync_q", sim->sync_q, q, "two clk_b edges after sync_d", "sync_q")) return;
      }
      if (e.a && rng.chance(0.08)) {
        sim->sync_d = !sim->sync_d;
        ++changes;
      }
    }
    EXPECT_GT(changes, 20u) << "the test changed sync_d too rarely to check anything";
  });
}

// Every pulse in domain A comes out as exactly one one-cycle pulse in domain B,
// no earlier than the pulse and at most three clk_b edges after it. Pulses are
// at least two clk_b periods plus one clk_a period apart (the rule in README).
HDL_TEST(PulseSync, EveryPulseArrivesOnceWithinThreeEdges) {
  for_each_clock_pair([](Sim& sim) {
    labkit::hdl::Random rng;
    std::deque<std::uint64_t> in_flight;  // clk_b edges seen since each pulse not yet delivered
    std::uint64_t sent = 0, received = 0, last_pulse_ps = 0;
    bool high_before = false;
    for (int i = 0; i < kEdges; ++i) {
      const bool pulsing = sim->pulse_in;
      const auto e = sim.advance();
      if (e.a && pulsing) {
        in_flight.push_back(0);
        ++sent;
      }
      if (e.b) {
        for (auto& n : in_flight) ++n;
        const bool high = sim->pulse_out;
        if (high && high_before) return sim.fail("pulse_out", "high for two clk_b cycles in a row: one pulse must give one cycle", "pulse_out");
        if (high) {
          if (in_flight.empty()) return sim.fail("pulse_out", "a pulse came out that was never sent (duplicated)", "pulse_out");
          in_flight.pop_front();
          ++received;
        }
        if (!in_flight.empty() && in_flight.front() > 3)
          return sim.fail("pulse_out", "pulse " + std::to_string(received + 1) + " did not arrive within three clk_b edges (lost)", "pulse_out");
        high_before = high;
      }
      if (e.a) {
        const bool spaced = sim.time_ps() - last_pulse_ps >= 2 * sim.period_b() + sim.period_a() || sent == 0;
        const bool draining = i >= kEdges - 100;  // the last pulses have time to arrive
        sim->pulse_in = !pulsing && spaced && !draining && rng.chance(0.3);
        if (sim->pulse_in) last_pulse_ps = sim.time_ps();
      }
    }
    EXPECT_GT(sent, 30u) << "the test sent too few pulses to check anything; " << sim.clocks().describe();
    if (!in_flight.empty()) sim.fail("pulse_out", std::to_string(in_flight.size()) + " pulse(s) never arrived", "pulse_out");
  });
}

// Random 16-bit words sent whenever hs_ready (and sometimes while it is 0,
// which must be ignored); every accepted word comes out once, in order.
HDL_TEST(Handshake, EveryWordOnceInOrder) {
  for_each_clock_pair([](Sim& sim) {
    labkit::hdl::Random rng;
    auto& board = sim.scoreboard();
    std::uint64_t accepted = 0, refused = 0, delivered = 0;
    for (int i = 0; i < kEdges; ++i) {
      const bool send = sim->hs_send, ready = sim->hs_ready;
      const std::uint64_t data = sim->hs_data;
      const auto e = sim.advance();
      if (e.a && send) {
        if (ready) {
          board.expect("hs_data_out", data, "word " + std::to_string(accepted));
          ++accepted;
        } else {
          ++refused;
        }
      }
      if (e.b && sim->hs_valid) {
        if (!board.observe(sim.edges(), "hs_data_out", sim->hs_data_out, "hs_valid")) return;
        ++delivered;
      }
      if (e.a) {
        sim->hs_send = rng.chance(0.6);
        sim->hs_data = static_cast<std::uint16_t>(rng.bits(16));
      }
    }
    sim->hs_send = 0;
    for (int i = 0; i < 80; ++i)  // drain the word in flight
      if (sim.advance().b && sim->hs_valid) board.observe(sim.edges(), "hs_data_out", sim->hs_data_out, "hs_valid");
    board.finish(sim.edges());
    if (accepted <= 40) sim.fail("hs_ready", "only " + std::to_string(accepted) + " words taken: is hs_ready ever 1?", "hs_ready");
    // A word offered while hs_ready is 0 must be ignored: the test must have tried.
    if (refused == 0) sim.fail("hs_ready", "always 1: it must be 0 while a word is in flight", "hs_ready");
  });
}

namespace {

constexpr std::size_t kFifoDepth = 8;  // async_fifo AW = 3 in rtl/fpga_cdc_top.sv

// The Gray code of a count, as the 4-bit pointers (AW + 1 bits) hold it.
std::uint64_t gray(std::uint64_t count) {
  const std::uint64_t n = count & 0xf;
  return n ^ (n >> 1);
}

// The asynchronous FIFO against a std::deque, under traffic in phases: the
// writer faster, the reader faster, both busy, one side idle (so the FIFO
// fills to exactly its depth and drains to exactly empty).
struct FifoBench {
  Sim& sim;
  labkit::hdl::Random rng;
  std::deque<std::uint64_t> model;
  std::uint64_t pushed = 0, popped = 0, refused_full = 0;

  explicit FifoBench(Sim& s) : sim(s) {}

  // One rising edge with writes wanted at chance pw and reads at pr. Returns false on a mismatch.
  bool edge(double pw, double pr) {
    const bool push = sim->fifo_push, full = sim->fifo_full, pop = sim->fifo_pop, empty = sim->fifo_empty;
    const std::uint64_t wdata = sim->fifo_wdata;
    const auto e = sim.advance();
    const std::string ctx = std::to_string(model.size()) + " entries held";
    if (e.b && pop && !empty) {
      model.pop_front();
      ++popped;
    }
    if (e.a && push) {
      if (full) ++refused_full;
      else {
        model.push_back(wdata);
        ++pushed;
      }
    }
    if (e.a) {
      // Full may stay on late (the read pointer arrives two clk_a edges late), never off early.
      if (!sim->fifo_full && model.size() >= kFifoDepth)
        return sim.check("fifo_full", 0, 1, ctx + ": the next push would overwrite an unread entry", "fifo_full");
      if (!pointer_is_gray("fifo_wptr_gray", sim->fifo_wptr_gray, pushed, "written")) return false;
      sim->fifo_push = rng.chance(pw);
      sim->fifo_wdata = static_cast<std::uint8_t>(rng.bits(8));
    }
    if (e.b) {
      if (!sim->fifo_empty && model.empty())
        return sim.check("fifo_empty", 0, 1, "nothing unread: a pop now would read garbage", "fifo_empty");
      if (!sim->fifo_empty && !sim.check("fifo_rdata", sim->fifo_rdata, model.front(), "the oldest unread entry", "fifo_empty"))
        return false;
      if (!pointer_is_gray("fifo_rptr_gray", sim->fifo_rptr_gray, popped, "read")) return false;
      sim->fifo_pop = rng.chance(pr);
    }
    sim.eval();
    return true;
  }

  // The pointer the other side synchronizes must be the Gray code of the
  // entries written (read) so far: a binary pointer fails here, and a Gray
  // count changes one bit per entry, which is what makes the crossing safe.
  bool pointer_is_gray(std::string_view signal, std::uint64_t actual, std::uint64_t count, const char* what) {
    return sim.check(signal, actual, gray(count), std::string("the Gray code of the entries ") + what + " (mod 16)", "gray");
  }

  bool phase(int edges, double pw, double pr) {
    for (int i = 0; i < edges; ++i)
      if (!edge(pw, pr)) return false;
    return true;
  }
};

}  // namespace

// Nothing lost, duplicated or reordered; full and empty never wrong.
HDL_TEST(AsyncFifo, RandomTrafficNothingLostDuplicatedOrReordered) {
  for_each_clock_pair([](Sim& sim) {
    FifoBench f(sim);
    // Random mixes, and every third round one side paused, so that the FIFO
    // fills and empties under every clock pair (a fast reader keeps it empty).
    const double mixes[][2] = {{0.9, 0.3}, {0.3, 0.9}, {0.7, 0.7}, {1.0, 1.0}, {0.5, 0.2}, {0.9, 0.0}, {0.0, 0.9}};
    for (int round = 0; round < 10; ++round) {
      const auto& m = mixes[round % 3 == 2 ? 5 + round / 3 % 2 : f.rng.range(0, 4)];
      if (!f.phase(300, m[0], m[1])) return;
    }
    if (f.pushed <= 100) sim.fail("fifo_full", "only " + std::to_string(f.pushed) + " entries written", "fifo_full");
    if (f.refused_full == 0) sim.fail("fifo_full", "never 1, though the reader paused for 300 edges", "fifo_full");
  });
}

// With the reader idle the FIFO takes exactly DEPTH entries, then says full;
// with the writer idle it gives them all back, in order, then says empty.
HDL_TEST(AsyncFifo, FillsToExactlyDepthThenDrainsToEmpty) {
  for_each_clock_pair([](Sim& sim) {
    FifoBench f(sim);
    for (int round = 0; round < 3; ++round) {
      if (!f.phase(200, 1.0, 0.0)) return;
      sim.check("fifo_full", sim->fifo_full, 1, "the reader idle for 200 edges, writes offered at every clk_a edge", "fifo_full");
      if (!sim.check("entries held", f.model.size(), kFifoDepth, "after filling with the reader idle", "fifo_full")) return;
      if (!f.phase(200, 0.0, 1.0)) return;
      sim.check("fifo_empty", sim->fifo_empty, 1, "the writer idle for 200 edges, reads at every clk_b edge", "fifo_empty");
      if (!sim.check("entries held", f.model.size(), 0, "after draining with the writer idle", "fifo_empty")) return;
    }
  });
}
