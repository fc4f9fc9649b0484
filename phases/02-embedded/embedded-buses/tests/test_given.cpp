// embedded-buses: the given SPI and I2C models and the NEON program, tested
// once (against the reference build).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <labkit/paths.hpp>

#include "embedded_buses.hpp"

namespace embedded_buses_given_test {
using namespace embedded_buses;

// ---- SPI -------------------------------------------------------------------------------------

// Every byte value, in every mode, both directions at once.
TEST(Spi, EveryByteInEveryModeRoundTrips) {
  for (int mode = 0; mode < 4; ++mode)
    for (int v = 0; v < 256; ++v) {
      const auto w = spi_transfer(mode, {std::uint8_t(v)}, {std::uint8_t(255 - v)});
      const auto d = spi_decode(mode, w);
      ASSERT_EQ(d.error, "") << "mode " << mode << ", byte " << v;
      ASSERT_EQ(d.mosi, std::vector<std::uint8_t>{std::uint8_t(v)}) << "mode " << mode;
      ASSERT_EQ(d.miso, std::vector<std::uint8_t>{std::uint8_t(255 - v)}) << "mode " << mode;
    }
}

TEST(Spi, ClockIdlesAtCpolAndSamplesOnTheRightEdge) {
  for (int mode = 0; mode < 4; ++mode) {
    const auto w = spi_transfer(mode, {0xA5}, {0x3C});
    EXPECT_EQ(w.front().sclk, mode >> 1) << "CPOL is the idle level";
    // CPHA 0: the first bit is on MOSI before the first clock edge.
    const auto first_edge = std::find_if(w.begin() + 1, w.end(), [&](const SpiSample& s) { return s.sclk != (mode >> 1); });
    ASSERT_NE(first_edge, w.end());
    if ((mode & 1) == 0) {
      EXPECT_EQ((first_edge - 1)->mosi, 1) << "mode " << mode << ": MSB set up before the edge";
    }
  }
}

// Reading a transfer with the wrong mode fails: a wrong idle level is
// reported, and a wrong phase samples where the data changes.
TEST(Spi, WrongModeIsRejected) {
  for (int sent = 0; sent < 4; ++sent)
    for (int read = 0; read < 4; ++read) {
      if (sent == read) continue;
      const auto w = spi_transfer(sent, {0x5A, 0x0F, 0xC3}, {0, 0, 0});
      const auto d = spi_decode(read, w);
      const std::vector<std::uint8_t> sent_bytes = {0x5A, 0x0F, 0xC3};
      EXPECT_TRUE(!d.error.empty() || d.mosi != sent_bytes)
          << "sent in mode " << sent << ", decoded as mode " << read;
    }
}

// SPI has no checksum: a flipped sample inside a bit changes the byte. What
// the decoder can reject is a protocol violation: data moving on the
// sampling edge, or CS rising in the middle of a byte.
TEST(Spi, GlitchOnTheSamplingEdgeAndPartialByteAreRejected) {
  for (int mode = 0; mode < 4; ++mode) {
    auto w = spi_transfer(mode, {0x00}, {0x00});
    // The sample just before the first sampling edge (index 2 for CPHA 0, 3 for CPHA 1).
    const std::size_t before = (mode & 1) ? 3 : 2;
    w[before].mosi ^= 1;
    EXPECT_NE(spi_decode(mode, w).error.find("sampling edge"), std::string::npos) << "mode " << mode;
    auto cut = spi_transfer(mode, {0xFF, 0xFF}, {0, 0});
    cut.erase(cut.begin() + 2 + 16 + 6, cut.end() - 1);  // drop the end of the second byte
    EXPECT_NE(spi_decode(mode, cut).error.find("partial byte"), std::string::npos) << "mode " << mode;
  }
}

// ---- I2C -------------------------------------------------------------------------------------

TEST(I2c, WriteWithAcksRoundTrips) {
  for (int stretch : {0, 1, 7}) {
    I2cTarget t;
    t.stretch = stretch;
    const std::vector<std::uint8_t> data = {0x00, 0xFF, 0x5A, 0x80};
    const auto d = i2c_decode(i2c_write(0x50, data, t));
    ASSERT_EQ(d.error, "") << "stretch " << stretch;
    EXPECT_EQ(d.address, 0x50);
    EXPECT_FALSE(d.read);
    EXPECT_EQ(d.data, data) << "clock stretching must not change the bytes (stretch " << stretch << ")";
    EXPECT_EQ(d.acks, std::vector<bool>(5, true));
  }
}

TEST(I2c, EveryAddressAndDataByte) {
  I2cTarget t;
  for (int a = 0; a < 128; ++a) {
    t.address = std::uint8_t(a);
    const auto d = i2c_decode(i2c_write(std::uint8_t(a), {std::uint8_t(a * 2), std::uint8_t(255 - a)}, t));
    ASSERT_EQ(d.error, "");
    ASSERT_EQ(d.address, a);
    ASSERT_EQ(d.data, (std::vector<std::uint8_t>{std::uint8_t(a * 2), std::uint8_t(255 - a)}));
  }
}

TEST(I2c, NackOnAddressOrDataStopsTheTransfer) {
  I2cTarget t;
  t.address = 0x51;
  auto d = i2c_decode(i2c_write(0x50, {1, 2, 3}, t));
  EXPECT_EQ(d.error, "");
  EXPECT_EQ(d.acks, std::vector<bool>{false}) << "nobody answers 0x50: one NACK, then STOP";
  EXPECT_TRUE(d.data.empty());
  t.address = 0x50;
  t.nack_after = 1;
  d = i2c_decode(i2c_write(0x50, {1, 2, 3}, t));
  EXPECT_EQ(d.error, "");
  EXPECT_EQ(d.data, (std::vector<std::uint8_t>{1, 2}));
  EXPECT_EQ(d.acks, (std::vector<bool>{true, true, false}));
}

// SDA may change only while SCL is low; a change while SCL is high is a
// START or STOP, which inside a byte is an error. Changes while SCL is low
// between clock pulses are harmless.
TEST(I2c, SdaGlitchWhileSclHighIsRejected) {
  I2cTarget t;
  const auto w = i2c_write(0x50, {0x0F}, t);
  int rejected = 0, high = 0;
  for (std::size_t k = 3; k + 3 < w.size(); ++k) {
    auto bad = w;
    bad[k].sda ^= 1;
    const auto d = i2c_decode(bad);
    if (w[k].scl && (w[k - 1].scl || w[k + 1].scl)) {
      ++high;
      rejected += !d.error.empty() || d.data != std::vector<std::uint8_t>{0x0F} || d.address != 0x50;
    } else if (!w[k].scl && !w[k - 1].scl && !w[k + 1].scl) {
      EXPECT_EQ(d.error, "") << "a change while SCL stays low (sample " << k << ")";
    }
  }
  EXPECT_GT(high, 0);
  EXPECT_EQ(rejected, high) << "every SDA flip in mid-pulse must be noticed";
  auto no_stop = w;
  no_stop.pop_back();
  EXPECT_NE(i2c_decode(no_stop).error, "");
}

// ---- NEON ------------------------------------------------------------------------------------


float value(std::uint32_t i, std::uint32_t salt) { return float(int((i * 2654435761u + salt) >> 28) - 8); }

// The NEON port of simd-dot runs under qemu-aarch64 and agrees with the host
// (correctness only: timings under emulation mean nothing).
TEST(Neon, DotAndSaxpyAgreeUnderQemuAarch64) {
  const std::string exe = labkit::executable_dir() + "/embedded-buses-neon";
  if (labkit::executable_dir().empty() || ::access(exe.c_str(), R_OK) != 0)
    GTEST_SKIP() << "the NEON program was not built: aarch64-linux-gnu-gcc was not found when the build was configured. "
                    "Install it with `tools/labctl deps` (or apt-get install gcc-aarch64-linux-gnu), then configure and build again";
  if (std::system("qemu-aarch64 --version > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "qemu-aarch64 is not installed: `tools/labctl deps` (or apt-get install qemu-user)";
  // -R: reserve 512 MiB of guest address space, not what qemu-user takes by default.
  FILE* p = ::popen(("qemu-aarch64 -R 0x20000000 " + exe + " 2>&1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  ASSERT_TRUE(WIFEXITED(status)) << out;
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_NE(out.find("272 cases, 0 failures"), std::string::npos) << out;
  for (int n : {1000, 4099}) {
    double dot = 0;  // small integers: exact
    for (int i = 0; i < n; ++i) dot += double(value(std::uint32_t(i), 5)) * value(std::uint32_t(i), 7);
    EXPECT_NE(out.find("neon: dot n=" + std::to_string(n) + " = " + std::to_string(long(dot)) + "\n"), std::string::npos)
        << "n = " << n << ", host " << long(dot) << ":\n" << out;
  }
}

}  // namespace embedded_buses_given_test
