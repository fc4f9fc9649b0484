// Your decoder and ALU. Edit only files in student/.
//
// include/rv32.hpp says exactly what each function returns; the README's
// "Decoding RV32I" has the six formats and the opcode table. Run
// `tools/labctl test rv32`; each failing test names the TODO it stopped at.
// Then run a real program with your code:
//   build/default/bin/rv32-sim build/default/bin/rv32-programs/crc32.elf --impl student
#include <labkit/todo.hpp>

#include <stdexcept>

#include "rv32.hpp"

namespace rv32::student {
namespace {

// inst[hi:lo], as the specification writes it.
constexpr std::uint32_t bits(std::uint32_t w, int hi, int lo) { return (w >> lo) & ((1u << (hi - lo + 1)) - 1); }

}  // namespace

Decoded decode(std::uint32_t word) {
  // TODO(1): switch on the opcode, bits(word, 6, 0), then funct3 (14:12) and
  // funct7 (31:25); fill rd (11:7), rs1 (19:15), rs2 (24:20) where the format
  // has them and assemble the immediate (I, S, B, U, J: README, "Decoding
  // RV32I"), sign-extended. Anything that is not RV32I is Decoded{} (illegal).
  (void)bits(word, 6, 0);
  LABKIT_TODO(1, "decode the instruction word: decode() in student/isa.cpp");
}

std::uint32_t alu(Op op, std::uint32_t a, std::uint32_t b) {
  // TODO(2): add, sub, sll, slt, sltu, xor, srl, sra, or, and and their
  // immediate forms. Shift by b & 31; slt/sra treat the words as signed
  // (static_cast<std::int32_t>), sltu/srl as unsigned. Any other op: throw
  // std::invalid_argument.
  (void)op, (void)a, (void)b;
  LABKIT_TODO(2, "compute the ALU operations: alu() in student/isa.cpp");
}

bool branch_taken(Op op, std::uint32_t a, std::uint32_t b) {
  // TODO(3): beq, bne, blt, bge (signed), bltu, bgeu (unsigned). Any other
  // op: throw std::invalid_argument.
  (void)op, (void)a, (void)b;
  LABKIT_TODO(3, "decide whether the branch is taken: branch_taken() in student/isa.cpp");
}

}  // namespace rv32::student
