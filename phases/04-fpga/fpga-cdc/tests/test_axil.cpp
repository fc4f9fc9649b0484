// The AXI4-Lite register file (clk_a only), driven by the bus-functional
// master of axil_master.hpp and compared, transaction by transaction, with
// the C++ register model (model/axil_model.hpp). Every test runs under random
// back-pressure (random BREADY/RREADY, random AWVALID/WVALID/ARVALID delays,
// all from the seed), with the protocol checker watching every edge. Between
// transactions the hardware side moves: the status input changes and irq_set
// raises events; the ctrl and irq outputs are checked after each transaction.
#include <gtest/gtest.h>

#include <bitset>
#include <string>

#include "axil_master.hpp"
#include "hdl_models.hpp"

namespace {

using Dut = fpga_cdc::LABKIT_IMPL::Vfpga_cdc_top;
using Sim = fpga_cdc::DualClockSim<Dut>;
using fpga_cdc::AxiResp;
using Model = fpga_cdc::AxilRegModel;
using Master = fpga_cdc::AxilMaster<Dut>;

std::string resp_name(AxiResp r) { return r == AxiResp::okay ? "OKAY" : "SLVERR"; }

struct AxilBench {
  Sim sim{fpga_cdc::ClockPair{{10000, 5000}, {10000, 5000}}};  // clk_b is not used here
  labkit::hdl::Random rng;
  Master master{sim, rng};
  Model model;

  AxilBench() { sim.reset(); }

  // A write through the master; its response and the outputs against the model.
  bool write(std::uint32_t addr, std::uint32_t data, unsigned strb, const std::string& topic = "awready") {
    const auto resp = master.write(addr, data, strb, topic);
    if (!resp) return false;
    const AxiResp want = model.write(addr, data, strb);
    const std::string ctx = "write of " + Master::hex(data) + " to " + Master::hex(addr) + " with wstrb " +
                            std::bitset<4>(strb).to_string() + " (expected " + resp_name(want) + ")";
    return sim.check("axil_bresp", static_cast<unsigned>(*resp), static_cast<unsigned>(want), ctx, topic) &&
           outputs_match("after a " + ctx, topic);
  }

  bool read(std::uint32_t addr, const std::string& topic = "awready") {
    const auto got = master.read(addr, topic);
    if (!got) return false;
    const auto want = model.read(addr);
    const std::string ctx = "read of " + Master::hex(addr) + " (expected " + resp_name(want.resp) + ")";
    return sim.check("axil_rresp", static_cast<unsigned>(got->resp), static_cast<unsigned>(want.resp), ctx, topic) &&
           sim.check("axil_rdata", got->data, want.data, ctx, topic);
  }

  bool outputs_match(const std::string& ctx, const std::string& topic) {
    return sim.check("axil_ctrl", sim->axil_ctrl, model.ctrl(), ctx, topic) &&
           sim.check("axil_irq", sim->axil_irq, model.irq(), ctx, "irq_set");
  }

  // A few idle cycles in which the status input may change and irq_set may
  // raise events (never during a transaction, so every read has one answer).
  bool hardware(int cycles, double p_event) {
    for (int i = 0; i < cycles; ++i) {
      if (rng.chance(0.3)) {
        const auto s = static_cast<std::uint32_t>(rng.bits(32));
        sim->axil_status = s;
        model.set_status(s);
      }
      const auto events = static_cast<std::uint8_t>(rng.chance(p_event) ? rng.bits(8) : 0);
      sim->axil_irq_set = events;
      master.idle();
      model.raise(events);
    }
    sim->axil_irq_set = 0;
    return outputs_match("after idle cycles with status changes and irq_set events", "irq_set");
  }

  std::uint32_t mapped_rw() { return rng.chance(0.5) ? Model::kCtrl : Model::kScratch; }
};

}  // namespace

// After reset: CTRL, SCRATCH and IRQ read 0, STATUS reads the input, ID the
// constant; each answers OKAY.
HDL_TEST(AxiLite, ResetValuesAndRegisterMap) {
  AxilBench b;
  if (!b.hardware(2, 0.0)) return;
  for (int round = 0; round < 3; ++round)
    for (std::uint32_t a : {Model::kCtrl, Model::kScratch, Model::kStatus, Model::kIrq, Model::kId}) {
      if (!b.read(a)) return;
      if (!b.hardware(1, 0.0)) return;
    }
}

// The address before the data, the data before the address (by up to eight
// cycles each way), and both in the same cycle: every write lands, and reads
// back, whatever the order.
HDL_TEST(AxiLite, AddressAndDataInEitherOrder) {
  AxilBench b;
  const int orders[][2] = {{0, 3}, {0, 8}, {3, 0}, {8, 0}, {0, 0}, {2, 2}, {1, 0}, {0, 1}};
  for (int round = 0; round < 4; ++round)
    for (const auto& o : orders) {
      b.master.pressure.aw_delay = o[0];
      b.master.pressure.w_delay = o[1];
      const std::uint32_t a = b.mapped_rw();
      if (!b.write(a, static_cast<std::uint32_t>(b.rng.bits(32)), 0xf)) return;
      if (!b.read(a)) return;
    }
}

// WSTRB: only the byte lanes whose strobe is 1 change (0000 changes nothing,
// 1111 all four), on both read-write registers.
HDL_TEST(AxiLite, ByteEnablesWriteOnlyTheirLanes) {
  AxilBench b;
  for (unsigned strb = 0; strb < 16; ++strb) {
    const std::uint32_t a = b.mapped_rw();
    if (!b.write(a, 0xffffffffu, 0xf, "wstrb") || !b.write(a, 0x00000000u, strb, "wstrb") || !b.read(a, "wstrb")) return;
  }
  for (int i = 0; i < 60; ++i) {
    const std::uint32_t a = b.mapped_rw();
    if (!b.write(a, static_cast<std::uint32_t>(b.rng.bits(32)), static_cast<unsigned>(b.rng.bits(4)), "wstrb")) return;
    if (!b.read(a, "wstrb")) return;
  }
}

// IRQ: events set bits, a write of 1 clears a bit and a write of 0 leaves it
// (only byte lane 0 counts), a read never clears; `irq` is 1 while any bit is.
HDL_TEST(AxiLite, InterruptBitsAreWriteOneToClear) {
  AxilBench b;
  for (int i = 0; i < 40; ++i) {
    if (!b.hardware(static_cast<int>(b.rng.range(1, 4)), 0.4)) return;
    if (!b.read(Model::kIrq) || !b.read(Model::kIrq)) return;  // twice: reading must not clear
    const auto mask = static_cast<std::uint32_t>(b.rng.bits(32));
    const unsigned strb = b.rng.chance(0.8) ? (static_cast<unsigned>(b.rng.bits(4)) | 1u) : 0xeu;
    if (!b.write(Model::kIrq, mask, strb, "wstrb") || !b.read(Model::kIrq)) return;
  }
  if (!b.write(Model::kIrq, 0xff, 0xf) || !b.read(Model::kIrq)) return;  // all clear: irq falls
}

// Every offset of the 64-byte window, read and written, at every byte
// offset within the word: the five registers answer OKAY (writes to STATUS and
// ID SLVERR, changing nothing), everything else SLVERR with read data 0.
HDL_TEST(AxiLite, UnmappedAndReadOnlyAnswerSlverr) {
  AxilBench b;
  if (!b.write(Model::kCtrl, 0x12345678, 0xf) || !b.write(Model::kScratch, 0x9abcdef0, 0xf)) return;
  for (std::uint32_t a = 0; a < 64; ++a) {
    if (!b.write(a, static_cast<std::uint32_t>(b.rng.bits(32)), static_cast<unsigned>(b.rng.bits(4)))) return;
    if (!b.read(a)) return;
    if (!b.read(Model::kId) || !b.read(Model::kStatus)) return;
  }
}

// 500 random reads and writes, mapped and unmapped, with random strobes, in
// four mixes of back-pressure (none at all, slow master, slow responses
// taken, long stalls), events and status changes between them.
HDL_TEST(AxiLite, RandomTrafficMatchesTheRegisterModel) {
  AxilBench b;
  const Master::Pressure mixes[] = {{0, 1.0}, {8, 0.7}, {2, 0.2}, {4, 0.05}};
  for (int i = 0; i < 500; ++i) {
    if (i % 25 == 0) b.master.pressure = mixes[b.rng.range(0, 3)];
    const std::uint32_t a = b.rng.chance(0.8) ? static_cast<std::uint32_t>(b.rng.range(0, 4) * 4)
                                              : static_cast<std::uint32_t>(b.rng.bits(6));
    const bool ok = b.rng.chance(0.5)
                        ? b.write(a, static_cast<std::uint32_t>(b.rng.bits(32)),
                                  b.rng.chance(0.5) ? 0xfu : static_cast<unsigned>(b.rng.bits(4)))
                        : b.read(a);
    if (!ok) return;
    if (b.rng.chance(0.3) && !b.hardware(static_cast<int>(b.rng.range(1, 3)), 0.3)) return;
  }
}
