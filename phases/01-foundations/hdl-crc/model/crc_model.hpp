// Golden models of the CRC lab: the LFSR step, CRC-32 bit by bit (the
// algorithm the RTL implements) and CRC-32 by table (how software computes
// it; an independent check of the first).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace hdl_crc {

inline std::uint16_t lfsr_next(std::uint16_t s) {
  return static_cast<std::uint16_t>((s >> 1) ^ ((s & 1) ? 0xB400u : 0u));
}

constexpr std::uint32_t kPoly = 0xEDB88320u;  // 0x04C11DB7 bit-reversed

// One byte into a running (not yet inverted) CRC state, eight shifts.
inline std::uint32_t crc_byte_bitwise(std::uint32_t c, std::uint8_t d) {
  c ^= d;
  for (int i = 0; i < 8; ++i) c = (c >> 1) ^ ((c & 1) ? kPoly : 0u);
  return c;
}

// zlib's crc32(): a 256-entry table, one lookup per byte.
inline std::uint32_t crc32_table(const std::uint8_t* p, std::size_t n) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) ? kPoly : 0u);
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return ~c;
}

// The CRC engine cycle by cycle, with the RTL's init/valid rules.
struct CrcModel {
  std::uint32_t state = 0xFFFFFFFFu;
  void clock(bool init, bool valid, std::uint8_t data) {
    const std::uint32_t start = init ? 0xFFFFFFFFu : state;
    state = valid ? crc_byte_bitwise(start, data) : start;
  }
  std::uint32_t value() const { return ~state; }
};

}  // namespace hdl_crc
