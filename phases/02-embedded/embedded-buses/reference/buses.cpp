// embedded-buses reference: CRC-15/CAN, bit stuffing, CRC-16/MODBUS.
#include "embedded_buses.hpp"

namespace embedded_buses::reference {

std::uint16_t can_crc15(const std::uint8_t* bits, std::size_t n) {
  // The shift register of the CAN specification (2.0, part A, 3.1.1 / part B, 3.2.1).
  std::uint16_t crc = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const bool next = (bits[i] & 1) ^ ((crc >> 14) & 1);
    crc = std::uint16_t((crc << 1) & 0x7FFF);
    if (next) crc ^= 0x4599;
  }
  return crc;
}

std::size_t can_stuff(const std::uint8_t* bits, std::size_t n, std::uint8_t* out) {
  std::size_t m = 0;
  int run = 0;
  std::uint8_t last = 2;
  for (std::size_t i = 0; i < n; ++i) {
    out[m++] = bits[i];
    run = bits[i] == last ? run + 1 : 1;
    last = bits[i];
    if (run == 5) {
      last = std::uint8_t(!last);
      out[m++] = last;  // the stuff bit starts the next run
      run = 1;
    }
  }
  return m;
}

long can_destuff(const std::uint8_t* bits, std::size_t n, std::uint8_t* out, std::size_t n_out) {
  std::size_t i = 0, m = 0;
  int run = 0;
  std::uint8_t last = 2;
  while (m < n_out) {
    if (i >= n) return -1;
    const std::uint8_t b = bits[i++];
    run = b == last ? run + 1 : 1;
    last = b;
    out[m++] = b;
    if (run == 5) {  // the next bit must be a stuff bit: the complement
      if (i >= n) return -1;
      const std::uint8_t s = bits[i++];
      if (s == last) return -1;
      last = s;
      run = 1;
    }
  }
  return long(i);
}

std::uint16_t modbus_crc16(const std::uint8_t* bytes, std::size_t n) {
  std::uint16_t crc = 0xFFFF;
  for (std::size_t i = 0; i < n; ++i) {
    crc ^= bytes[i];
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? std::uint16_t((crc >> 1) ^ 0xA001) : std::uint16_t(crc >> 1);
  }
  return crc;
}

}  // namespace embedded_buses::reference
