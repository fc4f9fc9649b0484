// The UART testbench: the transmitter cycle by cycle against the frame model
// (model/uart_model.hpp), back-to-back bytes at exactly 10 * divisor cycles
// each, loopback of random bytes at several divisors, and a receiver fed by
// hand-made frames: a bad stop bit, a break, a glitch.
// Built twice: against the reference RTL and against student/.
#include <gtest/gtest.h>

#include <labkit/hdl.hpp>
#include <string>
#include <vector>

#include "hdl_models.hpp"
#include "uart_model.hpp"

namespace {

using namespace hdl_uart;
using Dut = hdl_uart::LABKIT_IMPL::Vuart;

std::string where_in_frame(const TxModel& m) {
  const int p = m.position();
  if (p < 0) return "idle line";
  const std::string byte = " of " + labkit::hdl::format_value(m.byte());
  if (p == 0) return "start bit" + byte;
  if (p == 9) return "stop bit" + byte;
  return "data bit " + std::to_string(p - 1) + byte;
}

// The UART with the TX model beside it. Each cycle: offer a byte (or not),
// clock, compare txd and tx_ready, loop txd back to rxd (when looped), and
// hand every received byte and framing error to the scoreboard.
struct Bench {
  labkit::hdl::Sim<Dut> sim;
  TxModel tx;
  labkit::hdl::Scoreboard& board = sim.scoreboard();
  bool loopback = true;
  int frame_errors = 0;
  std::uint64_t accepted = 0, received = 0;

  explicit Bench(int divisor) : tx(divisor) {
    sim->divisor = static_cast<std::uint16_t>(divisor);
    sim->rxd = 1;
    sim.reset();
  }

  // Returns true when the byte was taken at this edge.
  bool cycle(bool valid, std::uint8_t data) {
    sim.check("tx_ready", sim->tx_ready, tx.ready(), where_in_frame(tx), "tx_ready");
    sim->tx_valid = valid;
    sim->tx_data = data;
    const bool taken = tx.clock(valid, data);
    if (taken) {
      ++accepted;
      if (loopback) board.expect("rx_data", data, "sent at cycle " + std::to_string(sim.cycle()));
    }
    sim.tick();
    sim.check("txd", sim->txd, tx.txd(), where_in_frame(tx), "txd");
    if (loopback) sim->rxd = sim->txd;
    watch_receiver();
    return taken;
  }

  void watch_receiver() {
    if (sim->rx_valid) {
      ++received;
      board.observe(sim.cycle(), "rx_data", sim->rx_data, "rx_valid");
    }
    if (sim->rx_frame_error) ++frame_errors;
  }

  // Drives rxd directly with a frame (stop bit as given), or idles it.
  void drive_rx(int divisor, std::uint8_t byte, int stop_bit) {
    for (int i = 0; i < 10; ++i)
      for (int k = 0; k < divisor; ++k) {
        sim->rxd = i == 9 ? stop_bit : frame_bit(byte, i);
        sim.tick();
        watch_receiver();
      }
  }
  void idle_rx(int cycles, int level = 1) {
    for (int k = 0; k < cycles; ++k) {
      sim->rxd = level;
      sim.tick();
      watch_receiver();
    }
  }
};

}  // namespace

HDL_TEST(UartTx, FrameTiming) {
  const int divisor = 4;
  Bench b(divisor);
  b.loopback = false;
  for (std::uint8_t byte : {0x55, 0x00, 0xff, 0xa3}) {
    while (!b.cycle(true, byte)) {
      if (b.sim.cycle() > 2000) return b.sim.fail("tx_ready", "never rose to take the byte", "tx_ready");
    }
    for (int i = 0; i < 10 * divisor + 3; ++i) b.cycle(false, 0);  // the frame, then idle
  }
  EXPECT_EQ(b.accepted, 4u);
}

// With tx_valid held high the line carries frame after frame with no idle
// cycle: 10 * divisor cycles per byte.
HDL_TEST(UartTx, BackToBackBytes) {
  const int divisor = 8, bytes = 20;
  Bench b(divisor);
  b.loopback = false;
  labkit::hdl::Random rng;
  std::uint64_t first = 0, last = 0;
  for (int sent = 0; sent < bytes;) {
    const auto cycle = b.sim.cycle();
    if (b.cycle(true, static_cast<std::uint8_t>(rng.bits(8)))) {
      (sent == 0 ? first : last) = cycle;
      ++sent;
    }
    if (b.sim.cycle() > 100000) return b.sim.fail("tx_ready", "the transmitter stopped taking bytes", "tx_ready");
  }
  const double cycles_per_byte = static_cast<double>(last - first) / (bytes - 1);
  EXPECT_EQ(cycles_per_byte, 10.0 * divisor) << "bytes offered back to back must leave no idle cycle (tx_ready)";
  ::testing::Test::RecordProperty("cycles_per_byte", std::to_string(cycles_per_byte));
}

HDL_TEST(Uart, LoopbackRandomBytes) {
  for (int divisor : {4, 5, 16}) {
    Bench b(divisor);
    labkit::hdl::Random rng("loopback/" + std::to_string(divisor));
    for (int n = 0; n < 120;) {
      const bool offer = rng.chance(0.7);
      n += b.cycle(offer, static_cast<std::uint8_t>(rng.bits(8)));
    }
    for (int i = 0; i < 12 * divisor; ++i) b.cycle(false, 0);  // let the last frame arrive
    b.board.finish(b.sim.cycle());
    EXPECT_EQ(b.frame_errors, 0) << "divisor " << divisor << ": no framing error on a clean line";
    if (b.board.mismatches()) break;
  }
}

// The slowest baud rate: every bit of divisor and of the bit timers is used.
HDL_TEST(Uart, LoopbackSlowestDivisor) {
  const int divisor = 0xffff;
  Bench b(divisor);
  while (!b.cycle(true, 0x5a)) {
  }
  for (int i = 0; i < 11 * divisor; ++i) b.cycle(false, 0);
  b.board.finish(b.sim.cycle());
  EXPECT_EQ(b.received, 1u);
  EXPECT_EQ(b.frame_errors, 0);
}

HDL_TEST(UartRx, FramingErrorDropsTheByte) {
  const int divisor = 8;
  Bench b(divisor);
  b.loopback = false;
  b.idle_rx(20);
  b.drive_rx(divisor, 0x41, 0);  // stop bit 0: framing error
  b.idle_rx(3 * divisor);
  b.board.expect("rx_data", 0x42, "the good frame after the bad one");
  b.drive_rx(divisor, 0x42, 1);
  b.idle_rx(3 * divisor);
  b.board.finish(b.sim.cycle());
  if (b.frame_errors != 1)
    b.sim.fail("rx_frame_error", "pulsed " + std::to_string(b.frame_errors) + " times, expected once", "rx_frame_error");
}

HDL_TEST(UartRx, BreakIsOneErrorThenRecovers) {
  const int divisor = 6;
  Bench b(divisor);
  b.loopback = false;
  b.idle_rx(10);
  b.idle_rx(30 * divisor, 0);  // the line held low for 30 bit times
  b.idle_rx(2 * divisor);
  b.board.expect("rx_data", 0x3c, "the first frame after the break");
  b.drive_rx(divisor, 0x3c, 1);
  b.idle_rx(3 * divisor);
  b.board.finish(b.sim.cycle());
  if (b.frame_errors != 1)
    b.sim.fail("rx_frame_error", "pulsed " + std::to_string(b.frame_errors) + " times during one break, expected once",
               "rx_frame_error");
}

HDL_TEST(UartRx, IgnoresAGlitch) {
  const int divisor = 16;
  Bench b(divisor);
  b.loopback = false;
  b.idle_rx(10);
  b.idle_rx(2, 0);  // low for two cycles: shorter than half a bit
  b.idle_rx(12 * divisor);
  b.board.expect("rx_data", 0xa5, "the frame after the glitch");
  b.drive_rx(divisor, 0xa5, 1);
  b.idle_rx(3 * divisor);
  b.board.finish(b.sim.cycle());
  EXPECT_EQ(b.frame_errors, 0);
}
