// The CRC lab's testbench: the LFSR against its model and its maximal period;
// the CRC-32 engine cycle by cycle against the bitwise model, and each
// message's CRC against a table-driven software CRC-32 (zlib's algorithm).
// Built twice: against the reference RTL and against student/.
#include <gtest/gtest.h>

#include <cstring>
#include <labkit/hdl.hpp>
#include <string>
#include <vector>

#include "crc_model.hpp"
#include "hdl_models.hpp"

namespace {

using namespace hdl_crc;
using Dut = hdl_crc::LABKIT_IMPL::Vcrc_unit;
using Sim = labkit::hdl::Sim<Dut>;

// Feeds one message (with idle cycles where gaps says so) and checks
// crc_value after every edge. Returns the CRC the RTL computed.
std::uint32_t feed(Sim& sim, CrcModel& model, const std::vector<std::uint8_t>& msg, labkit::hdl::Random* gaps,
                   std::string_view topic) {
  for (std::size_t i = 0; i <= msg.size(); ++i) {
    while (gaps && gaps->chance(0.2)) {  // an idle cycle: the CRC must hold
      sim->crc_init = 0;
      sim->crc_valid = 0;
      sim.tick();
      model.clock(false, false, 0);
      sim.check("crc_value", sim->crc_value, model.value(), "idle cycle", topic);
    }
    const bool first = i == 0;
    const bool valid = i < msg.size();
    if (!first && !valid) break;
    sim->crc_init = first;
    sim->crc_valid = valid;
    sim->crc_data = valid ? msg[i] : 0;
    sim.tick();
    model.clock(first, valid, valid ? msg[i] : 0);
    sim.check("crc_value", sim->crc_value, model.value(),
              valid ? "byte " + std::to_string(i) + " = " + labkit::hdl::format_value(msg[i]) : "crc_init, empty message",
              topic);
  }
  sim->crc_init = 0;
  sim->crc_valid = 0;
  return sim->crc_value;
}

std::vector<std::uint8_t> bytes(const char* s) { return {s, s + std::strlen(s)}; }

}  // namespace

HDL_TEST(Lfsr, MaximalLengthPeriod) {
  Sim sim;
  sim.reset();
  sim.check("lfsr_state", sim->lfsr_state, 1, "after reset", "lfsr_state");
  sim->lfsr_load = 1;
  sim->lfsr_seed = 0xACE1;
  sim.tick();
  sim->lfsr_load = 0;
  sim->lfsr_step = 1;
  std::uint16_t want = 0xACE1;
  for (int step = 1; step <= 65535; ++step) {
    sim.tick();
    want = lfsr_next(want);
    if (!sim.check("lfsr_state", sim->lfsr_state, want, "step " + std::to_string(step), "lfsr_state")) break;
    if (step < 65535 && want == 0xACE1) FAIL() << "the model repeats after " << step << " steps";
  }
  EXPECT_EQ(want, 0xACE1) << "a maximal-length 16-bit LFSR repeats after 65535 steps";
}

HDL_TEST(Lfsr, LoadWinsAndStepHolds) {
  Sim sim;
  sim.reset();
  sim->lfsr_load = 1;
  sim->lfsr_step = 1;
  sim->lfsr_seed = 0x8001;
  sim.tick();
  sim.check("lfsr_state", sim->lfsr_state, 0x8001, "load and step together: load wins", "lfsr_state");
  sim->lfsr_load = 0;
  sim->lfsr_step = 0;
  sim.tick(3);
  sim.check("lfsr_state", sim->lfsr_state, 0x8001, "no step: the state holds", "lfsr_state");
  sim->lfsr_step = 1;
  sim.tick();
  sim.check("lfsr_state", sim->lfsr_state, lfsr_next(0x8001), "one step", "lfsr_state");
  // Loads of random seeds, each followed by one step: every seed bit both ways.
  labkit::hdl::Random rng;
  for (int i = 0; i < 32; ++i) {
    const auto seed = static_cast<std::uint16_t>(rng.bits(16) | 1);
    sim->lfsr_load = 1;
    sim->lfsr_seed = seed;
    sim.tick();
    sim->lfsr_load = 0;
    sim.tick();
    sim.check("lfsr_state", sim->lfsr_state, lfsr_next(seed), "load " + labkit::hdl::format_value(seed) + ", step", "lfsr_state");
  }
}

TEST(CrcModel, KnownAnswers) {
  // The standard check value of CRC-32 and two more from zlib.
  const auto nine = bytes("123456789");
  EXPECT_EQ(crc32_table(nine.data(), nine.size()), 0xCBF43926u);
  const auto fox = bytes("The quick brown fox jumps over the lazy dog");
  EXPECT_EQ(crc32_table(fox.data(), fox.size()), 0x414FA339u);
  EXPECT_EQ(crc32_table(nullptr, 0), 0u);
  CrcModel m;
  m.clock(true, false, 0);
  for (auto b : nine) m.clock(false, true, b);
  EXPECT_EQ(m.value(), 0xCBF43926u) << "the bitwise model agrees with the table";
}

HDL_TEST(Crc, CheckValue) {
  Sim sim;
  CrcModel model;
  sim.reset();
  const auto crc = feed(sim, model, bytes("123456789"), nullptr, "crc_value");
  EXPECT_EQ(crc, 0xCBF43926u) << "CRC-32 of \"123456789\"";
}

HDL_TEST(Crc, EmptyMessageAndInit) {
  Sim sim;
  CrcModel model;
  sim.reset();
  feed(sim, model, {}, nullptr, "crc_init");
  EXPECT_EQ(sim->crc_value, 0u);
  feed(sim, model, bytes("abc"), nullptr, "crc_init");
  const auto fox = bytes("The quick brown fox jumps over the lazy dog");
  EXPECT_EQ(feed(sim, model, fox, nullptr, "crc_init"), 0x414FA339u) << "crc_init starts a new message";
}

// Random messages, back to back (crc_init with the first byte) and with idle
// cycles in between, each checked against the software CRC-32.
HDL_TEST(Crc, RandomStreamsMatchSoftware) {
  Sim sim;
  CrcModel model;
  labkit::hdl::Random rng;
  sim.reset();
  for (int m = 0; m < 300; ++m) {
    std::vector<std::uint8_t> msg(static_cast<std::size_t>(rng.range(0, 200)));
    for (auto& b : msg) b = static_cast<std::uint8_t>(rng.bits(8));
    const auto rtl = feed(sim, model, msg, m % 2 ? &rng : nullptr, "crc_value");
    const auto sw = crc32_table(msg.data(), msg.size());
    if (rtl != sw) {
      sim.check("crc_value", rtl, sw, "message " + std::to_string(m) + " of " + std::to_string(msg.size()) + " bytes vs software CRC-32", "crc_value");
      break;
    }
  }
}
