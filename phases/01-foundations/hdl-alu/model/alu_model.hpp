// The golden model of the ALU: what every operation must produce, in plain
// C++ arithmetic. The testbench compares the RTL with it on every input.
#pragma once
#include <cstdint>

namespace hdl_alu {

enum Op : unsigned { ADD = 0, SUB, AND, OR, XOR, SLL, SRL, SRA, SLT, SLTU, kOps };

inline const char* op_name(unsigned op) {
  static const char* names[] = {"ADD", "SUB", "AND", "OR", "XOR", "SLL", "SRL", "SRA", "SLT", "SLTU"};
  return op < kOps ? names[op] : "undefined";
}

struct AluOut {
  std::uint8_t y = 0;
  bool n = false, z = false, c = false, v = false;
};

inline AluOut alu_model(unsigned op, std::uint8_t a, std::uint8_t b) {
  AluOut r;
  const int sa = static_cast<std::int8_t>(a), sb = static_cast<std::int8_t>(b);
  const unsigned s = b & 7u;
  switch (op) {
    case ADD:
      r.y = static_cast<std::uint8_t>(a + b);
      r.c = a + b > 0xff;
      r.v = sa + sb > 127 || sa + sb < -128;
      break;
    case SUB:
      r.y = static_cast<std::uint8_t>(a - b);
      r.c = a >= b;  // no borrow
      r.v = sa - sb > 127 || sa - sb < -128;
      break;
    case AND: r.y = a & b; break;
    case OR: r.y = a | b; break;
    case XOR: r.y = a ^ b; break;
    case SLL:
      r.y = static_cast<std::uint8_t>(a << s);
      r.c = s > 0 && ((a >> (8 - s)) & 1);
      break;
    case SRL:
      r.y = static_cast<std::uint8_t>(a >> s);
      r.c = s > 0 && ((a >> (s - 1)) & 1);
      break;
    case SRA:
      r.y = static_cast<std::uint8_t>(sa >> s);  // arithmetic: the sign bit fills in
      r.c = s > 0 && ((a >> (s - 1)) & 1);
      break;
    case SLT: r.y = sa < sb; break;
    case SLTU: r.y = a < b; break;
    default: r.y = 0; break;
  }
  r.n = r.y & 0x80;
  r.z = r.y == 0;
  return r;
}

}  // namespace hdl_alu
