// embedded-buses: the given framing code (CAN, Modbus) on top of an
// implementation's bit-level functions, and the SPI and I2C models.
#include <cstdio>

#include "embedded_buses.hpp"

namespace embedded_buses {

bool operator==(const CanFrame& a, const CanFrame& b) {
  if (a.id != b.id || a.extended != b.extended || a.rtr != b.rtr || a.dlc != b.dlc) return false;
  const int n = a.rtr ? 0 : (a.dlc > 8 ? 8 : a.dlc);
  for (int i = 0; i < n; ++i)
    if (a.data[i] != b.data[i]) return false;
  return true;
}

// ---- CAN ---------------------------------------------------------------------------------------

static void put_bits(Bits& b, std::uint32_t v, int width) {
  for (int i = width - 1; i >= 0; --i) b.push_back(std::uint8_t((v >> i) & 1));
}
static std::uint32_t get_bits(const Bits& b, std::size_t at, int width) {
  std::uint32_t v = 0;
  for (int i = 0; i < width; ++i) v = v << 1 | b[at + std::size_t(i)];
  return v;
}
static int data_bytes(const CanFrame& f) { return f.rtr ? 0 : (f.dlc > 8 ? 8 : f.dlc); }

Bits can_unstuffed_fields(const CanFrame& f) {
  Bits b;
  b.push_back(0);                                   // SOF, dominant
  if (!f.extended) {
    put_bits(b, f.id & 0x7FF, 11);
    b.push_back(f.rtr);                             // RTR: recessive for a remote frame
    b.push_back(0);                                 // IDE: dominant, base format
    b.push_back(0);                                 // r0
  } else {
    put_bits(b, (f.id >> 18) & 0x7FF, 11);          // the base identifier: ID28..ID18
    b.push_back(1);                                 // SRR, recessive
    b.push_back(1);                                 // IDE: recessive, extended format
    put_bits(b, f.id & 0x3FFFF, 18);                // ID17..ID0
    b.push_back(f.rtr);
    b.push_back(0);                                 // r1
    b.push_back(0);                                 // r0
  }
  put_bits(b, f.dlc & 15, 4);
  for (int i = 0; i < data_bytes(f); ++i) put_bits(b, f.data[i], 8);
  return b;
}

Bits can_encode(const CanFrame& f, const Codec& c) {
  Bits raw = can_unstuffed_fields(f);
  put_bits(raw, c.crc15(raw.data(), raw.size()), 15);
  Bits out(raw.size() + raw.size() / 4 + 1);
  out.resize(c.stuff(raw.data(), raw.size(), out.data()));
  for (int i = 0; i < 3 + 7; ++i) out.push_back(1);  // CRC delimiter, ACK slot, ACK delimiter, EOF
  return out;
}

CanDecoded can_decode(const Bits& bits, const Codec& c) {
  CanDecoded d;
  Bits raw(200);
  // Destuff as much as the fields read so far say the frame has.
  auto destuff = [&](std::size_t n) -> long {
    if (n > raw.size()) raw.resize(n);
    return c.destuff(bits.data(), bits.size(), raw.data(), n);
  };
  if (destuff(19) < 0) return d.error = "stuff error (or frame too short) in the arbitration field", d;
  if (raw[0] != 0) return d.error = "form error: SOF is not dominant", d;
  CanFrame& f = d.frame;
  std::size_t at;
  if (raw[13] == 0) {                               // IDE dominant: base format
    f.id = get_bits(raw, 1, 11);
    f.rtr = raw[12];
    at = 15;
  } else {
    if (destuff(39) < 0) return d.error = "stuff error (or frame too short) in the extended arbitration field", d;
    if (raw[12] != 1) return d.error = "form error: SRR is not recessive", d;
    f.extended = true;
    f.id = get_bits(raw, 1, 11) << 18 | get_bits(raw, 14, 18);
    f.rtr = raw[32];
    at = 35;
  }
  f.dlc = std::uint8_t(get_bits(raw, at, 4));
  at += 4;
  const std::size_t data_end = at + 8 * std::size_t(data_bytes(f));
  const long used = destuff(data_end + 15);
  if (used < 0) return d.error = "stuff error (or frame too short) before the end of the CRC", d;
  for (int i = 0; i < data_bytes(f); ++i) f.data[i] = std::uint8_t(get_bits(raw, at + 8 * std::size_t(i), 8));
  const std::uint16_t sent = std::uint16_t(get_bits(raw, data_end, 15));
  const std::uint16_t computed = c.crc15(raw.data(), data_end);
  if (sent != computed) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "CRC error: the frame says 0x%04x, its bits give 0x%04x", sent, computed);
    return d.error = buf, d;
  }
  std::size_t i = std::size_t(used);
  if (i + 10 > bits.size()) return d.error = "form error: the frame ends before EOF", d;
  if (bits[i] != 1) return d.error = "form error: CRC delimiter is not recessive", d;
  d.acked = bits[i + 1] == 0;
  if (bits[i + 2] != 1) return d.error = "form error: ACK delimiter is not recessive", d;
  for (int k = 0; k < 7; ++k)
    if (bits[i + 3 + std::size_t(k)] != 1) return d.error = "form error: EOF is not seven recessive bits", d;
  return d;
}

// ---- Modbus RTU ---------------------------------------------------------------------------------

std::vector<std::uint8_t> modbus_frame(std::uint8_t address, std::uint8_t function,
                                       const std::vector<std::uint8_t>& payload, const Codec& c) {
  std::vector<std::uint8_t> f = {address, function};
  f.insert(f.end(), payload.begin(), payload.end());
  const std::uint16_t crc = c.crc16(f.data(), f.size());
  f.push_back(std::uint8_t(crc & 0xFF));            // low byte first
  f.push_back(std::uint8_t(crc >> 8));
  return f;
}

std::string modbus_check(const std::vector<std::uint8_t>& frame, const Codec& c) {
  if (frame.size() < 4) return "too short: an RTU frame has at least address, function and 2 CRC bytes";
  const std::size_t n = frame.size() - 2;
  const std::uint16_t sent = std::uint16_t(frame[n] | frame[n + 1] << 8);
  const std::uint16_t computed = c.crc16(frame.data(), n);
  if (sent != computed) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "CRC error: the frame says 0x%04x, its bytes give 0x%04x", sent, computed);
    return buf;
  }
  return "";
}

// ---- SPI ------------------------------------------------------------------------------------------

std::vector<SpiSample> spi_transfer(int mode, const std::vector<std::uint8_t>& mosi,
                                    const std::vector<std::uint8_t>& miso) {
  const std::uint8_t cpol = std::uint8_t(mode >> 1 & 1), cpha = std::uint8_t(mode & 1);
  std::vector<SpiSample> w;
  w.push_back({1, cpol, 1, 1});                     // idle
  w.push_back({0, cpol, 1, 1});                     // CS falls
  for (std::size_t byte = 0; byte < mosi.size(); ++byte)
    for (int bit = 7; bit >= 0; --bit) {
      const std::uint8_t o = mosi[byte] >> bit & 1, i = byte < miso.size() ? miso[byte] >> bit & 1 : 1;
      if (cpha == 0) {                              // set up while idle, sampled on the leading edge
        w.push_back({0, cpol, o, i});
        w.push_back({0, std::uint8_t(!cpol), o, i});
      } else {                                      // changed on the leading edge, sampled on the trailing
        w.push_back({0, std::uint8_t(!cpol), o, i});
        w.push_back({0, cpol, o, i});
      }
    }
  w.push_back({0, cpol, w.back().mosi, w.back().miso});
  w.push_back({1, cpol, 1, 1});                     // CS rises
  return w;
}

SpiDecoded spi_decode(int mode, const std::vector<SpiSample>& w) {
  const std::uint8_t cpol = std::uint8_t(mode >> 1 & 1), cpha = std::uint8_t(mode & 1);
  SpiDecoded d;
  std::uint32_t o = 0, i = 0;
  int nbits = 0;
  char buf[120];
  for (std::size_t k = 1; k < w.size(); ++k) {
    const SpiSample &p = w[k - 1], &s = w[k];
    if (p.cs_n && !s.cs_n && s.sclk != cpol) {
      std::snprintf(buf, sizeof buf, "clock idles at %d when CS falls (sample %zu): not mode %d", s.sclk, k, mode);
      return d.error = buf, d;
    }
    if (s.cs_n) {
      if (!p.cs_n && nbits % 8) {
        std::snprintf(buf, sizeof buf, "CS rose after %d bits: a partial byte", nbits);
        return d.error = buf, d;
      }
      nbits = 0;
      continue;
    }
    if (p.sclk == s.sclk) continue;
    const bool leading = p.sclk == cpol;            // leaving the idle level
    if (leading != (cpha == 0)) continue;           // not this mode's sampling edge
    if (p.mosi != s.mosi || p.miso != s.miso) {
      std::snprintf(buf, sizeof buf, "data changed on the sampling edge (sample %zu)", k);
      return d.error = buf, d;
    }
    o = o << 1 | s.mosi;
    i = i << 1 | s.miso;
    if (++nbits % 8 == 0) {
      d.mosi.push_back(std::uint8_t(o));
      d.miso.push_back(std::uint8_t(i));
    }
  }
  return d;
}

// ---- I2C ------------------------------------------------------------------------------------------

std::vector<I2cSample> i2c_write(std::uint8_t address, const std::vector<std::uint8_t>& data,
                                 const I2cTarget& target) {
  std::vector<I2cSample> w = {{1, 1}, {1, 0}, {0, 0}};  // idle, START (SDA falls, SCL high), SCL low
  auto bit = [&](std::uint8_t b) {                      // set SDA while SCL is low, then clock it
    w.push_back({0, b});
    w.push_back({1, b});
    w.push_back({1, b});
    w.push_back({0, b});
  };
  auto byte = [&](std::uint8_t v, bool ack) {
    for (int k = 7; k >= 0; --k) bit(v >> k & 1);
    bit(ack ? 0 : 1);                                   // the controller releases SDA; the target pulls it or not
    for (int k = 0; k < target.stretch; ++k) w.push_back({0, w.back().sda});  // the target holds SCL low
    return ack;
  };
  bool ok = byte(std::uint8_t(address << 1), (address & 0x7F) == target.address);
  for (std::size_t i = 0; ok && i < data.size(); ++i) ok = byte(data[i], int(i) != target.nack_after);
  w.push_back({0, 0});                                  // STOP: SDA low, SCL up, SDA up
  w.push_back({1, 0});
  w.push_back({1, 1});
  return w;
}

I2cDecoded i2c_decode(const std::vector<I2cSample>& w) {
  // A bit is read when SCL rises and kept when SCL falls again: a START or
  // STOP (SDA moving while SCL is high) in between means that pulse was
  // not a bit.
  I2cDecoded d;
  bool started = false, stopped = false;
  int pending = -1;
  std::uint32_t shift = 0;
  int nbits = 0, nbytes = 0;
  char buf[120];
  for (std::size_t k = 1; k < w.size(); ++k) {
    const I2cSample &p = w[k - 1], &s = w[k];
    if (p.scl && s.scl && p.sda != s.sda) {             // SDA moved while SCL was high: START or STOP
      pending = -1;
      if (!s.sda) {
        if (started) {
          std::snprintf(buf, sizeof buf, "a START inside the transaction (sample %zu)", k);
          return d.error = buf, d;
        }
        started = true;
      } else {
        if (!started) return d.error = "a STOP without a START", d;
        if (nbits % 9) {
          std::snprintf(buf, sizeof buf, "a STOP after %d bits of a byte (sample %zu)", nbits % 9, k);
          return d.error = buf, d;
        }
        stopped = true;
        started = false;
      }
      continue;
    }
    if (!p.scl && s.scl) {                              // rising SCL: read the bit
      if (!started) {
        std::snprintf(buf, sizeof buf, "a clock pulse outside a transaction (sample %zu)", k);
        return d.error = buf, d;
      }
      pending = s.sda;
    } else if (p.scl && !s.scl && pending >= 0) {       // falling SCL: it was a bit
      if (nbits % 9 == 8) {                             // the ninth bit: ACK (0) or NACK (1)
        d.acks.push_back(pending == 0);
        if (nbytes == 0) {
          d.address = std::uint8_t(shift >> 1);
          d.read = shift & 1;
        } else {
          d.data.push_back(std::uint8_t(shift));
        }
        ++nbytes;
        shift = 0;
      } else {
        shift = shift << 1 | std::uint32_t(pending);
      }
      ++nbits;
      pending = -1;
    }
  }
  if (!stopped || started) d.error = "no STOP at the end";
  return d;
}

}  // namespace embedded_buses
