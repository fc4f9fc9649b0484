// embedded-buses: your CAN and Modbus bit-level code (README, "What you write").
#include <labkit/todo.hpp>

#include "embedded_buses.hpp"

namespace embedded_buses::student {

// TODO(1): CRC-15/CAN, bit by bit (README, "CRC-15").
std::uint16_t can_crc15(const std::uint8_t* bits, std::size_t n) {
  (void)bits;
  (void)n;
  LABKIT_TODO(1, "student/buses.cpp: can_crc15(): the 15-bit shift register with generator 0x4599");
}

// TODO(2): bit stuffing and destuffing (README, "Bit stuffing").
std::size_t can_stuff(const std::uint8_t* bits, std::size_t n, std::uint8_t* out) {
  (void)bits;
  (void)n;
  (void)out;
  LABKIT_TODO(2, "student/buses.cpp: can_stuff(): after five equal bits insert the complement");
}

long can_destuff(const std::uint8_t* bits, std::size_t n, std::uint8_t* out, std::size_t n_out) {
  (void)bits;
  (void)n;
  (void)out;
  (void)n_out;
  LABKIT_TODO(2, "student/buses.cpp: can_destuff(): drop each stuff bit, -1 on a sixth equal bit");
}

// TODO(3): CRC-16/MODBUS (README, "Modbus RTU").
std::uint16_t modbus_crc16(const std::uint8_t* bytes, std::size_t n) {
  (void)bytes;
  (void)n;
  LABKIT_TODO(3, "student/buses.cpp: modbus_crc16(): reflected 0xA001, start at 0xFFFF");
}

}  // namespace embedded_buses::student
