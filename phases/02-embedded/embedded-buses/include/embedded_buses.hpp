// embedded-buses: the interface of the lab.
//
// Host-side models of the buses a microcontroller talks on, bit by bit:
// SPI (four modes) and I2C (start, stop, ACK/NACK, clock stretching) as
// sampled waveforms; CAN 2.0A/B frames with bit stuffing and CRC-15; Modbus
// RTU frames with CRC-16. Every encoder has a decoder that rejects what a
// receiver would reject. The SPI, I2C and framing code is given (namespace
// embedded_buses, given/buses.cpp); what you write is the bit-level core of
// CAN and Modbus (student/buses.cpp):
//   1. can_crc15      CRC-15/CAN over a bit sequence
//   2. can_stuff / can_destuff   CAN's bit stuffing and its removal
//   3. modbus_crc16   CRC-16/MODBUS over bytes
// A bit is a uint8_t 0 or 1; on CAN, 0 is dominant and 1 recessive.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace embedded_buses {

using Bits = std::vector<std::uint8_t>;

#define EMBEDDED_BUSES_INTERFACE                                                               \
  /* CRC-15/CAN: generator x^15+x^14+x^10+x^8+x^7+x^4+x^3+1 (0x4599), register 0 at */    \
  /* the start, bits in order, no reflection, no final xor. Check: 0x059E over the    */    \
  /* ASCII bytes "123456789" taken most significant bit first.                       */    \
  std::uint16_t can_crc15(const std::uint8_t* bits, std::size_t n);                           \
  /* After five equal bits in a row, insert their complement (which starts the next  */    \
  /* run). Writes to out (room for n + n / 4 + 1 bits) and returns how many.          */    \
  std::size_t can_stuff(const std::uint8_t* bits, std::size_t n, std::uint8_t* out);          \
  /* The inverse: reads stuffed bits until n_out data bits are in out; returns how   */    \
  /* many stuffed bits it read, or -1 on a stuff error (a sixth equal bit where a    */    \
  /* stuff bit belongs) or when the input ends first.                                */    \
  long can_destuff(const std::uint8_t* bits, std::size_t n, std::uint8_t* out, std::size_t n_out); \
  /* CRC-16/MODBUS: reflected 0xA001 (x^16+x^15+x^2+1), register 0xFFFF at the start, */   \
  /* no final xor. Check: 0x4B37 over "123456789".                                   */    \
  std::uint16_t modbus_crc16(const std::uint8_t* bytes, std::size_t n);

namespace reference {
EMBEDDED_BUSES_INTERFACE
}  // namespace reference
namespace student {
EMBEDDED_BUSES_INTERFACE
}  // namespace student
#undef EMBEDDED_BUSES_INTERFACE

// The functions above, from one implementation; the given framing code runs on them.
struct Codec {
  std::uint16_t (*crc15)(const std::uint8_t*, std::size_t);
  std::size_t (*stuff)(const std::uint8_t*, std::size_t, std::uint8_t*);
  long (*destuff)(const std::uint8_t*, std::size_t, std::uint8_t*, std::size_t);
  std::uint16_t (*crc16)(const std::uint8_t*, std::size_t);
};
#define EMBEDDED_BUSES_CODEC(ns) \
  ::embedded_buses::Codec { ns::can_crc15, ns::can_stuff, ns::can_destuff, ns::modbus_crc16 }

// ---- CAN 2.0A (11-bit identifier) and 2.0B (29-bit) data and remote frames -----------------
struct CanFrame {
  std::uint32_t id = 0;
  bool extended = false;
  bool rtr = false;                 // remote frame: no data field, dlc still sent
  std::uint8_t dlc = 0;             // 0..8 (9..15 are sent as is and mean 8 bytes)
  std::uint8_t data[8] = {};
  friend bool operator==(const CanFrame& a, const CanFrame& b);
};
// The bits a transmitter sends, SOF to the end of EOF: stuffed from SOF to
// the last CRC bit; CRC delimiter 1, ACK slot 1 (a receiver overwrites it
// with 0), ACK delimiter 1, seven 1s of EOF.
Bits can_encode(const CanFrame& f, const Codec& c);
// The bits of the frame before stuffing, SOF to the end of the data field
// (what the CRC covers).
Bits can_unstuffed_fields(const CanFrame& f);
struct CanDecoded {
  CanFrame frame;
  bool acked = false;               // the ACK slot was 0
  std::string error;                // "" or: "stuff error at bit N", "CRC error: ...", "form error: ..."
};
CanDecoded can_decode(const Bits& bits, const Codec& c);

// ---- Modbus RTU ------------------------------------------------------------------------------
// address, function, payload, then the CRC-16 low byte first.
std::vector<std::uint8_t> modbus_frame(std::uint8_t address, std::uint8_t function,
                                       const std::vector<std::uint8_t>& payload, const Codec& c);
// "" when the frame is at least 4 bytes and its CRC matches; otherwise why not.
std::string modbus_check(const std::vector<std::uint8_t>& frame, const Codec& c);

// ---- SPI -------------------------------------------------------------------------------------
// One sample per half bit period. Mode = CPOL * 2 + CPHA: CPOL is the clock's
// idle level; CPHA 0 samples on the leading (first) clock edge and changes
// data on the trailing one, CPHA 1 the other way round. MSB first.
struct SpiSample {
  std::uint8_t cs_n, sclk, mosi, miso;
};
// A whole transfer: CS high (idle), low, every byte, high again. mosi and
// miso have the same length (full duplex).
std::vector<SpiSample> spi_transfer(int mode, const std::vector<std::uint8_t>& mosi,
                                    const std::vector<std::uint8_t>& miso);
struct SpiDecoded {
  std::vector<std::uint8_t> mosi, miso;
  std::string error;  // "" or: wrong idle level, data changing on a sampling edge, a partial byte
};
SpiDecoded spi_decode(int mode, const std::vector<SpiSample>& wave);

// ---- I2C -------------------------------------------------------------------------------------
// Both lines open drain (wired AND): one sample per quarter of a bit.
struct I2cSample {
  std::uint8_t scl, sda;
};
struct I2cTarget {
  std::uint8_t address = 0x50;      // 7 bits: the target ACKs only this address
  int nack_after = -1;              // NACK the data byte with this index (-1: ACK all)
  int stretch = 0;                  // samples the target holds SCL low after each ACK bit
};
// A controller writing `data` to `address`, the target answering: START,
// address and W, ACK, bytes each with its ACK, STOP. The controller stops
// at the first NACK.
std::vector<I2cSample> i2c_write(std::uint8_t address, const std::vector<std::uint8_t>& data,
                                 const I2cTarget& target);
struct I2cDecoded {
  std::uint8_t address = 0;
  bool read = false;
  std::vector<std::uint8_t> data;   // data bytes, address byte excluded
  std::vector<bool> acks;           // one per byte sent, address byte first: true = ACK
  std::string error;                // "" or why the waveform is not one transaction
};
I2cDecoded i2c_decode(const std::vector<I2cSample>& wave);

}  // namespace embedded_buses
