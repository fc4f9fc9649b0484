// embedded-buses: your CRC-15, bit stuffing and CRC-16, alone and inside the
// given CAN and Modbus framing: known check values, a hand-derived CAN frame,
// round trips, and corrupted frames that must be rejected.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

#include "embedded_buses.hpp"

namespace embedded_buses_test {
namespace impl = embedded_buses::LABKIT_IMPL;
using embedded_buses::Bits;
using embedded_buses::CanFrame;
const embedded_buses::Codec kCodec = EMBEDDED_BUSES_CODEC(impl);

Bits bits_of(const std::string& s) {
  Bits b;
  for (char ch : s)
    if (ch == '0' || ch == '1') b.push_back(std::uint8_t(ch - '0'));
  return b;
}
std::string str(const Bits& b) {
  std::string s;
  for (auto v : b) s += char('0' + v);
  return s;
}
Bits bytes_msb_first(const char* text) {
  Bits b;
  for (const char* p = text; *p; ++p)
    for (int k = 7; k >= 0; --k) b.push_back(std::uint8_t(*p >> k & 1));
  return b;
}

// The catalogue check values (CRC RevEng catalogue: CRC-15/CAN check 0x059E,
// CRC-16/MODBUS check 0x4B37, both over the ASCII string "123456789").
TEST(CanCrc, CheckValueOf123456789) {
  const Bits b = bytes_msb_first("123456789");
  EXPECT_EQ(impl::can_crc15(b.data(), b.size()), 0x059E);
  EXPECT_EQ(impl::can_crc15(b.data(), 0), 0) << "the register starts at 0";
  const Bits one = {1};
  EXPECT_EQ(impl::can_crc15(one.data(), 1), 0x4599) << "a single 1 bit leaves the generator";
}

TEST(ModbusCrc, CheckValueOf123456789) {
  const auto* p = reinterpret_cast<const std::uint8_t*>("123456789");
  EXPECT_EQ(impl::modbus_crc16(p, 9), 0x4B37);
  EXPECT_EQ(impl::modbus_crc16(p, 0), 0xFFFF) << "the register starts at 0xFFFF";
}

// The usual example of a Modbus RTU request: read 10 holding registers from
// address 0 of unit 1, "01 03 00 00 00 0A C5 CD" (CRC 0xCDC5, low byte first).
TEST(ModbusFrame, ReadHoldingRegistersExample) {
  const auto f = embedded_buses::modbus_frame(1, 3, {0x00, 0x00, 0x00, 0x0A}, kCodec);
  EXPECT_EQ(f, (std::vector<std::uint8_t>{0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD}));
  EXPECT_EQ(embedded_buses::modbus_check(f, kCodec), "");
}

// Every single-bit error and every burst of up to 16 bits is detected by a
// 16-bit CRC with a degree-16 generator: flip them all.
TEST(ModbusFrame, RejectsEverySingleBitAndShortBurstError) {
  const auto f = embedded_buses::modbus_frame(0x11, 0x10, {0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01, 0x02}, kCodec);
  ASSERT_EQ(embedded_buses::modbus_check(f, kCodec), "");
  const std::size_t nbits = 8 * f.size();
  for (std::size_t start = 0; start < nbits; ++start)
    for (std::size_t len = 1; len <= 16 && start + len <= nbits; ++len) {
      auto g = f;
      g[start / 8] ^= std::uint8_t(0x80 >> start % 8);  // a burst: first and last bit flipped ...
      const std::size_t last = start + len - 1;
      if (len > 1) g[last / 8] ^= std::uint8_t(0x80 >> last % 8);
      ASSERT_NE(embedded_buses::modbus_check(g, kCodec), "") << "burst at bit " << start << ", length " << len;
    }
  EXPECT_NE(embedded_buses::modbus_check({0x01, 0x03, 0x00}, kCodec), "") << "3 bytes is too short";
}

TEST(CanStuffing, FiveEqualBitsGetTheirComplement) {
  struct Case {
    const char *in, *out;
  } cases[] = {
      {"", ""},
      {"0000", "0000"},
      {"00000", "000001"},                   // a stuff bit even at the very end
      {"000000", "0000010"},
      {"0000011111", "000001111101"},       // the stuff bit starts the next run: 1 + 1111 = five 1s
      {"1111100000", "111110000010"},     // the stuff 0 and four 0s make five: another stuff bit
      {"00000000000", "0000010000010"},      // eleven 0s: two stuff bits
      {"010101", "010101"},
  };
  for (const auto& c : cases) {
    const Bits in = bits_of(c.in);
    Bits out(in.size() + in.size() / 4 + 1, 9);
    out.resize(impl::can_stuff(in.data(), in.size(), out.data()));
    EXPECT_EQ(str(out), c.out) << "stuffing " << c.in;
    Bits back(in.size());
    EXPECT_EQ(impl::can_destuff(out.data(), out.size(), back.data(), in.size()), long(out.size())) << c.out;
    EXPECT_EQ(str(back), c.in) << "destuffing " << c.out;
  }
}

TEST(CanStuffing, ExhaustiveRoundTripUpTo14Bits) {
  for (int n = 0; n <= 14; ++n)
    for (std::uint32_t v = 0; v < (1u << n); ++v) {
      Bits in(n);
      for (int i = 0; i < n; ++i) in[i] = std::uint8_t(v >> i & 1);
      Bits out(n + n / 4 + 1);
      out.resize(impl::can_stuff(in.data(), in.size(), out.data()));
      // No six equal bits in a row may remain.
      for (std::size_t i = 5; i < out.size(); ++i) {
        bool six = true;
        for (int k = 1; k <= 5; ++k) six = six && out[i - k] == out[i];
        ASSERT_FALSE(six) << "six equal bits after stuffing " << str(in);
      }
      Bits back(n);
      ASSERT_EQ(impl::can_destuff(out.data(), out.size(), back.data(), n), long(out.size())) << str(in);
      ASSERT_EQ(back, in) << str(in);
    }
}

TEST(CanStuffing, DestuffRejectsSixEqualBits) {
  const Bits six = bits_of("0000001");
  Bits out(8);
  EXPECT_EQ(impl::can_destuff(six.data(), six.size(), out.data(), 6), -1) << "a sixth 0 where a stuff bit belongs";
  const Bits short_in = bits_of("00000");
  EXPECT_EQ(impl::can_destuff(short_in.data(), short_in.size(), out.data(), 5), -1)
      << "the stuff bit after five equal bits is missing: the input ended";
}

// A frame derived by hand from the CAN 2.0A field layout: identifier 0x0F0,
// DLC 2, data 00 FF. Fields: SOF 0, ID 00011110000, RTR 0, IDE 0, r0 0,
// DLC 0010, data 00000000 11111111; CRC-15 by long division of those 35
// bits times x^15 by the generator (worked separately, not with this
// lab's code): 110011011001000. Stuff bits, in brackets, after every run of
// five equal bits, the SOF counting in the first run.
TEST(CanFrameBits, HandDerivedBaseFrame) {
  CanFrame f;
  f.id = 0x0F0;
  f.dlc = 2;
  f.data[0] = 0x00;
  f.data[1] = 0xFF;
  EXPECT_EQ(str(embedded_buses::can_unstuffed_fields(f)), "0" "00011110000" "000" "0010" "00000000" "11111111");
  const Bits raw = embedded_buses::can_unstuffed_fields(f);
  EXPECT_EQ(impl::can_crc15(raw.data(), raw.size()), 0b110011011001000);
  const std::string want =
      "0000111100000[1]0000100000[1]000011111[0]11111[0]0011011001000"  // SOF..CRC, stuffed
      "1" "1" "1" "1111111";                                              // CRC del., ACK, ACK del., EOF
  std::string w;
  for (char ch : want)
    if (ch == '0' || ch == '1') w += ch;
  const Bits got = embedded_buses::can_encode(f, kCodec);
  EXPECT_EQ(str(got), w) << "SOF..CRC stuffed, then CRC delimiter, ACK slot, ACK delimiter, EOF (all 1)";
}

// A frame captured on a car's OBD-II port and published with its fields and
// CRC (github.com/dominic-meads/CAN_2.0, README: "BITSTREAM FOR CAR"):
// SOF 0, arbitration 000110000010 (identifier 0x0C1, RTR 0), control 001000
// (IDE 0, r0 0, DLC 8), data 40 01 08 75 00 00 00 00, CRC 101101101000000.
// A transmitter that computed anything else would not be acknowledged.
TEST(CanFrameBits, PublishedFrameCapturedFromACar) {
  CanFrame f;
  f.id = 0x0C1;
  f.dlc = 8;
  const std::uint8_t data[8] = {0x40, 0x01, 0x08, 0x75, 0x00, 0x00, 0x00, 0x00};
  std::memcpy(f.data, data, 8);
  const Bits raw = embedded_buses::can_unstuffed_fields(f);
  EXPECT_EQ(str(raw), "0" "000110000010" "001000" "0100000000000001000010000111010100000000000000000000000000000000");
  EXPECT_EQ(impl::can_crc15(raw.data(), raw.size()), 0b101101101000000);
  // On the wire: the published fields and CRC, stuffed, then the fixed tail.
  Bits fields_and_crc = raw;
  for (int k = 14; k >= 0; --k) fields_and_crc.push_back(std::uint8_t(0b101101101000000 >> k & 1));
  Bits stuffed(fields_and_crc.size() * 2);
  stuffed.resize(impl::can_stuff(fields_and_crc.data(), fields_and_crc.size(), stuffed.data()));
  const Bits got = embedded_buses::can_encode(f, kCodec);
  ASSERT_EQ(got.size(), stuffed.size() + 10);
  EXPECT_EQ(str(Bits(got.begin(), got.begin() + long(stuffed.size()))), str(stuffed));
  EXPECT_EQ(str(Bits(got.end() - 10, got.end())), "1111111111");
  EXPECT_EQ(embedded_buses::can_decode(got, kCodec).frame, f);
}

CanFrame random_frame(std::mt19937& rng) {
  CanFrame f;
  f.extended = rng() % 2;
  f.id = f.extended ? rng() & 0x1FFFFFFF : rng() & 0x7FF;
  f.rtr = rng() % 5 == 0;
  f.dlc = std::uint8_t(rng() % 9);
  for (auto& b : f.data) b = std::uint8_t(rng() % 4 == 0 ? 0 : rng() % 4 == 0 ? 0xFF : rng());
  if (f.rtr) std::memset(f.data, 0, 8);
  return f;
}

TEST(CanFrameBits, RoundTripBaseAndExtended) {
  std::mt19937 rng(2024);
  for (int i = 0; i < 400; ++i) {
    const CanFrame f = random_frame(rng);
    Bits bits = embedded_buses::can_encode(f, kCodec);
    const auto d = embedded_buses::can_decode(bits, kCodec);
    ASSERT_EQ(d.error, "") << "frame " << i << " id " << f.id;
    ASSERT_TRUE(d.frame == f) << "frame " << i << ": decoded id " << d.frame.id << ", sent " << f.id;
    EXPECT_FALSE(d.acked) << "nobody overwrote the ACK slot";
  }
  // Corner identifiers and lengths, all 0s and all 1s (the most stuffing).
  for (bool ext : {false, true})
    for (std::uint32_t id : {0u, ext ? 0x1FFFFFFFu : 0x7FFu})
      for (std::uint8_t fill : {0x00, 0xFF}) {
        CanFrame f;
        f.extended = ext;
        f.id = id;
        f.dlc = 8;
        std::memset(f.data, fill, 8);
        const auto d = embedded_buses::can_decode(embedded_buses::can_encode(f, kCodec), kCodec);
        ASSERT_EQ(d.error, "") << "id " << id;
        EXPECT_TRUE(d.frame == f) << "id " << id;
      }
}

// Flip each bit of the stuffed part (SOF to the end of the CRC) of many
// frames: the receiver must see a stuff error, a CRC error or a form
// error, never a different valid frame. (CAN's CRC detects up to 5
// random bit errors; a single flip is always caught.)
TEST(CanFrameBits, EverySingleBitFlipIsRejected) {
  std::mt19937 rng(77);
  int checked = 0;
  for (int i = 0; i < 60; ++i) {
    const CanFrame f = random_frame(rng);
    const Bits bits = embedded_buses::can_encode(f, kCodec);
    for (std::size_t k = 0; k + 10 < bits.size(); ++k) {
      Bits bad = bits;
      bad[k] ^= 1;
      const auto d = embedded_buses::can_decode(bad, kCodec);
      ASSERT_NE(d.error, "") << "frame " << i << ": flipping bit " << k << " went unnoticed";
      ++checked;
    }
  }
  EXPECT_GT(checked, 4000);
}

TEST(CanFrameBits, AckSlotAndDelimiters) {
  CanFrame f;
  f.id = 0x123;
  f.dlc = 1;
  f.data[0] = 0x5A;
  Bits bits = embedded_buses::can_encode(f, kCodec);
  const std::size_t ack = bits.size() - 9;
  bits[ack] = 0;  // a receiver acknowledges
  auto d = embedded_buses::can_decode(bits, kCodec);
  EXPECT_EQ(d.error, "");
  EXPECT_TRUE(d.acked);
  bits[ack + 1] = 0;
  EXPECT_NE(embedded_buses::can_decode(bits, kCodec).error.find("ACK delimiter"), std::string::npos);
}

}  // namespace embedded_buses_test
