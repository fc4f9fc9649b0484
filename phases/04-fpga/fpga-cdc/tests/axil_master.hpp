// AXI4-Lite in the testbench: a protocol checker for the slave's side of the
// five channels, and a bus-functional master (a "driver model") that issues
// one read or write at a time with random delays and random back-pressure.
//
// The checker (ARM IHI 0022, the AXI4-Lite rules a slave can break):
//   - B and R keep valid, and their payload (bresp; rdata and rresp), from
//     the edge where valid is 1 and ready 0 until the transfer: AxisChecker on
//     each channel;
//   - a write response (bvalid) only after both the address (AW) and the data
//     (W) of a write were taken, and never more responses than writes;
//   - read data (rvalid) only for an address (AR) taken before, one each.
// A slave that never answers is the master's to report (its time-out).
//
// The master drives what a real one may: AWVALID and WVALID each after a
// delay of its own drawn from the seed (so the address comes first, the data
// first, or both together), held until taken; noise on AWADDR, WDATA, WSTRB
// and ARADDR while their valid is 0 (a slave may latch them only on a
// handshake); BREADY and RREADY random every cycle, also while nothing is due.
#pragma once
#include <labkit/hdl.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "axil_model.hpp"
#include "axis_checker.hpp"
#include "dual_clock.hpp"

namespace fpga_cdc {

// The handshake signals of one clk_a edge, as that edge sampled them.
struct AxilSample {
  bool awvalid, awready, wvalid, wready, bvalid, bready, arvalid, arready, rvalid, rready;
  std::uint32_t bresp, rdata, rresp;
};

class AxilChecker {
 public:
  explicit AxilChecker(labkit::hdl::Scoreboard& board)
      : board_(board), b_("axil_bvalid", "axil_bresp", board), r_("axil_rvalid", "axil_rdata/axil_rresp", board) {}

  void edge(std::uint64_t cycle, const AxilSample& s) {
    // Counts before this edge's handshakes: a valid seen at this edge rose
    // after the previous one, so its request must be older than that.
    if (s.bvalid && (aw_ <= b_.beats() || w_ <= b_.beats()))
      board_.fail(cycle, "axil_bvalid",
                  "is 1 with no write outstanding (" + std::to_string(aw_) + " addresses and " + std::to_string(w_) +
                      " data beats taken, " + std::to_string(b_.beats()) +
                      " responses given): a write response may rise only after both its AW and its W handshakes",
                  "bvalid");
    if (s.rvalid && ar_ <= r_.beats())
      board_.fail(cycle, "axil_rvalid",
                  "is 1 with no read outstanding (" + std::to_string(ar_) + " addresses taken, " +
                      std::to_string(r_.beats()) + " read data given): read data may rise only after its AR handshake",
                  "rvalid");
    b_.edge(cycle, s.bvalid, s.bready, s.bresp);
    r_.edge(cycle, s.rvalid, s.rready, std::uint64_t{s.rresp} << 32 | s.rdata);
    aw_ += s.awvalid && s.awready;
    w_ += s.wvalid && s.wready;
    ar_ += s.arvalid && s.arready;
  }

 private:
  labkit::hdl::Scoreboard& board_;
  AxisChecker b_, r_;
  std::uint64_t aw_ = 0, w_ = 0, ar_ = 0;
};

// The master, on clk_a of the lab's wrapper (ports axil_*).
template <class Dut>
class AxilMaster {
 public:
  struct Pressure {
    int max_delay = 4;     // AWVALID, WVALID, ARVALID rise 0..max_delay cycles after a request starts
    double p_ready = 0.5;  // BREADY and RREADY are 1 with this chance each cycle
    int aw_delay = -1, w_delay = -1;  // >= 0: this delay instead of a random one (the order of AW and W)
  };
  static constexpr int kTimeout = 200;  // cycles a transaction may take

  AxilMaster(DualClockSim<Dut>& sim, labkit::hdl::Random& rng) : sim_(sim), rng_(rng), checker_(sim.scoreboard()) {}

  Pressure pressure;

  // One write; the response, or nothing (and a failure) after kTimeout cycles.
  std::optional<AxiResp> write(std::uint32_t addr, std::uint32_t data, unsigned strb, const std::string& topic) {
    Dut& d = dut();
    const int aw_at = pressure.aw_delay >= 0 ? pressure.aw_delay : delay();
    const int w_at = pressure.w_delay >= 0 ? pressure.w_delay : delay();
    bool aw_done = false, w_done = false;
    for (int n = 0; n < kTimeout; ++n) {
      d.axil_awvalid = !aw_done && n >= aw_at;
      d.axil_awaddr = d.axil_awvalid ? addr : static_cast<CData>(rng_.bits(6));
      d.axil_wvalid = !w_done && n >= w_at;
      d.axil_wdata = d.axil_wvalid ? data : static_cast<IData>(rng_.bits(32));
      d.axil_wstrb = d.axil_wvalid ? strb : static_cast<CData>(rng_.bits(4));
      const AxilSample s = cycle();
      aw_done |= s.awvalid && s.awready;
      w_done |= s.wvalid && s.wready;
      if (s.bvalid && s.bready) {
        d.axil_awvalid = d.axil_wvalid = 0;
        return static_cast<AxiResp>(s.bresp);
      }
    }
    d.axil_awvalid = d.axil_wvalid = 0;
    const std::string what = !aw_done ? "never took the address" : !w_done ? "never took the data" : "never rose to answer";
    sim_.fail(aw_done && w_done ? "axil_bvalid" : !aw_done ? "axil_awready" : "axil_wready",
              what + " of a write to " + hex(addr) + " in " + std::to_string(kTimeout) + " cycles (AW valid from cycle " +
                  std::to_string(aw_at) + ", W from " + std::to_string(w_at) + ")",
              topic);
    return std::nullopt;
  }

  std::optional<AxilRead> read(std::uint32_t addr, const std::string& topic) {
    Dut& d = dut();
    const int ar_at = delay();
    bool ar_done = false;
    for (int n = 0; n < kTimeout; ++n) {
      d.axil_arvalid = !ar_done && n >= ar_at;
      d.axil_araddr = d.axil_arvalid ? addr : static_cast<CData>(rng_.bits(6));
      const AxilSample s = cycle();
      ar_done |= s.arvalid && s.arready;
      if (s.rvalid && s.rready) {
        d.axil_arvalid = 0;
        return AxilRead{s.rdata, static_cast<AxiResp>(s.rresp)};
      }
    }
    d.axil_arvalid = 0;
    sim_.fail(ar_done ? "axil_rvalid" : "axil_arready",
              std::string(ar_done ? "never rose to answer" : "never took the address") + " of a read of " + hex(addr) + " in " + std::to_string(kTimeout) + " cycles",
              topic);
    return std::nullopt;
  }

  // One clk_a cycle with no request of the master's own (BREADY and RREADY still random).
  void idle() {
    Dut& d = dut();
    d.axil_awvalid = d.axil_wvalid = d.axil_arvalid = 0;
    cycle();
  }

  static std::string hex(std::uint32_t v) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    do s.insert(s.begin(), digits[v & 15]); while (v >>= 4);
    return "0x" + s;
  }

 private:
  Dut& dut() { return *sim_.operator->(); }
  int delay() { return static_cast<int>(rng_.range(0, pressure.max_delay)); }

  // The inputs set since the last edge, then the edge; the checker sees what it sampled.
  AxilSample cycle() {
    Dut& d = dut();
    d.axil_bready = rng_.chance(pressure.p_ready);
    d.axil_rready = rng_.chance(pressure.p_ready);
    sim_.eval();
    const AxilSample s{d.axil_awvalid != 0, d.axil_awready != 0, d.axil_wvalid != 0, d.axil_wready != 0,
                       d.axil_bvalid != 0,  d.axil_bready != 0,  d.axil_arvalid != 0, d.axil_arready != 0,
                       d.axil_rvalid != 0,  d.axil_rready != 0,  d.axil_bresp,        d.axil_rdata,
                       d.axil_rresp};
    while (!sim_.advance().a) {
    }
    checker_.edge(sim_.edges(), s);
    return s;
  }

  DualClockSim<Dut>& sim_;
  labkit::hdl::Random& rng_;
  AxilChecker checker_;
};

}  // namespace fpga_cdc
