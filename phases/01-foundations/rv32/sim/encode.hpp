// A tiny RV32I assembler in C++: one function per instruction that returns
// its 32-bit word, so tests and hand-written programs need no cross
// compiler. Registers are plain numbers (x0..x31); immediates are checked
// against their field's range (an out-of-range one throws, naming it).
//   std::vector<std::uint32_t> code = {enc::addi(10, 0, 42), enc::addi(17, 0, 93), enc::ecall()};
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace rv32::enc {

inline void check_range(const char* what, std::int64_t v, std::int64_t lo, std::int64_t hi) {
  if (v < lo || v > hi)
    throw std::out_of_range(std::string(what) + " " + std::to_string(v) + " is outside [" + std::to_string(lo) + ", " +
                            std::to_string(hi) + "]");
}
inline std::uint32_t reg(int r) {
  check_range("register", r, 0, 31);
  return std::uint32_t(r);
}

inline std::uint32_t r_type(std::uint32_t f7, int rs2, int rs1, std::uint32_t f3, int rd, std::uint32_t opcode) {
  return f7 << 25 | reg(rs2) << 20 | reg(rs1) << 15 | f3 << 12 | reg(rd) << 7 | opcode;
}
inline std::uint32_t i_type(std::int32_t imm, int rs1, std::uint32_t f3, int rd, std::uint32_t opcode) {
  check_range("I-immediate", imm, -2048, 2047);
  return (std::uint32_t(imm) & 0xfff) << 20 | reg(rs1) << 15 | f3 << 12 | reg(rd) << 7 | opcode;
}
inline std::uint32_t s_type(std::int32_t imm, int rs2, int rs1, std::uint32_t f3, std::uint32_t opcode) {
  check_range("S-immediate", imm, -2048, 2047);
  const std::uint32_t u = std::uint32_t(imm);
  return (u >> 5 & 0x7f) << 25 | reg(rs2) << 20 | reg(rs1) << 15 | f3 << 12 | (u & 0x1f) << 7 | opcode;
}
inline std::uint32_t b_type(std::int32_t offset, int rs2, int rs1, std::uint32_t f3) {
  check_range("branch offset", offset, -4096, 4094);
  if (offset & 1) throw std::out_of_range("branch offset " + std::to_string(offset) + " is odd");
  const std::uint32_t u = std::uint32_t(offset);
  return (u >> 12 & 1) << 31 | (u >> 5 & 0x3f) << 25 | reg(rs2) << 20 | reg(rs1) << 15 | f3 << 12 | (u >> 1 & 0xf) << 8 |
         (u >> 11 & 1) << 7 | 0x63;
}
inline std::uint32_t u_type(std::uint32_t imm20, int rd, std::uint32_t opcode) {
  check_range("U-immediate", imm20, 0, 0xfffff);
  return imm20 << 12 | reg(rd) << 7 | opcode;
}
inline std::uint32_t j_type(std::int32_t offset, int rd) {
  check_range("jump offset", offset, -(1 << 20), (1 << 20) - 2);
  if (offset & 1) throw std::out_of_range("jump offset " + std::to_string(offset) + " is odd");
  const std::uint32_t u = std::uint32_t(offset);
  return (u >> 20 & 1) << 31 | (u >> 1 & 0x3ff) << 21 | (u >> 11 & 1) << 20 | (u >> 12 & 0xff) << 12 | reg(rd) << 7 | 0x6f;
}
inline std::uint32_t shift_i(std::uint32_t f7, int shamt, int rs1, std::uint32_t f3, int rd) {
  check_range("shift amount", shamt, 0, 31);
  return f7 << 25 | std::uint32_t(shamt) << 20 | reg(rs1) << 15 | f3 << 12 | reg(rd) << 7 | 0x13;
}

// U and J: lui/auipc take the upper 20 bits as a number 0..0xfffff.
inline std::uint32_t lui(int rd, std::uint32_t imm20) { return u_type(imm20, rd, 0x37); }
inline std::uint32_t auipc(int rd, std::uint32_t imm20) { return u_type(imm20, rd, 0x17); }
inline std::uint32_t jal(int rd, std::int32_t offset) { return j_type(offset, rd); }
inline std::uint32_t jalr(int rd, int rs1, std::int32_t imm) { return i_type(imm, rs1, 0, rd, 0x67); }
// Branches: offset in bytes from the branch itself.
inline std::uint32_t beq(int rs1, int rs2, std::int32_t off) { return b_type(off, rs2, rs1, 0); }
inline std::uint32_t bne(int rs1, int rs2, std::int32_t off) { return b_type(off, rs2, rs1, 1); }
inline std::uint32_t blt(int rs1, int rs2, std::int32_t off) { return b_type(off, rs2, rs1, 4); }
inline std::uint32_t bge(int rs1, int rs2, std::int32_t off) { return b_type(off, rs2, rs1, 5); }
inline std::uint32_t bltu(int rs1, int rs2, std::int32_t off) { return b_type(off, rs2, rs1, 6); }
inline std::uint32_t bgeu(int rs1, int rs2, std::int32_t off) { return b_type(off, rs2, rs1, 7); }
// Loads: rd = mem[rs1 + imm]; stores: mem[rs1 + imm] = rs2.
inline std::uint32_t lb(int rd, int rs1, std::int32_t imm) { return i_type(imm, rs1, 0, rd, 0x03); }
inline std::uint32_t lh(int rd, int rs1, std::int32_t imm) { return i_type(imm, rs1, 1, rd, 0x03); }
inline std::uint32_t lw(int rd, int rs1, std::int32_t imm) { return i_type(imm, rs1, 2, rd, 0x03); }
inline std::uint32_t lbu(int rd, int rs1, std::int32_t imm) { return i_type(imm, rs1, 4, rd, 0x03); }
inline std::uint32_t lhu(int rd, int rs1, std::int32_t imm) { return i_type(imm, rs1, 5, rd, 0x03); }
inline std::uint32_t sb(int rs2, int rs1, std::int32_t imm) { return s_type(imm, rs2, rs1, 0, 0x23); }
inline std::uint32_t sh(int rs2, int rs1, std::int32_t imm) { return s_type(imm, rs2, rs1, 1, 0x23); }
inline std::uint32_t sw(int rs2, int rs1, std::int32_t imm) { return s_type(imm, rs2, rs1, 2, 0x23); }
inline std::uint32_t addi(int rd, int rs1, std::int32_t imm) { return i_type(imm, rs1, 0, rd, 0x13); }
inline std::uint32_t slti(int rd, int rs1, std::int32_t imm) { return i_type(imm, rs1, 2, rd, 0x13); }
inline std::uint32_t sltiu(int rd, int rs1, std::int32_t imm) { return i_type(imm, rs1, 3, rd, 0x13); }
inline std::uint32_t xori(int rd, int rs1, std::int32_t imm) { return i_type(imm, rs1, 4, rd, 0x13); }
inline std::uint32_t ori(int rd, int rs1, std::int32_t imm) { return i_type(imm, rs1, 6, rd, 0x13); }
inline std::uint32_t andi(int rd, int rs1, std::int32_t imm) { return i_type(imm, rs1, 7, rd, 0x13); }
inline std::uint32_t slli(int rd, int rs1, int shamt) { return shift_i(0x00, shamt, rs1, 1, rd); }
inline std::uint32_t srli(int rd, int rs1, int shamt) { return shift_i(0x00, shamt, rs1, 5, rd); }
inline std::uint32_t srai(int rd, int rs1, int shamt) { return shift_i(0x20, shamt, rs1, 5, rd); }
inline std::uint32_t add(int rd, int rs1, int rs2) { return r_type(0x00, rs2, rs1, 0, rd, 0x33); }
inline std::uint32_t sub(int rd, int rs1, int rs2) { return r_type(0x20, rs2, rs1, 0, rd, 0x33); }
inline std::uint32_t sll(int rd, int rs1, int rs2) { return r_type(0x00, rs2, rs1, 1, rd, 0x33); }
inline std::uint32_t slt(int rd, int rs1, int rs2) { return r_type(0x00, rs2, rs1, 2, rd, 0x33); }
inline std::uint32_t sltu(int rd, int rs1, int rs2) { return r_type(0x00, rs2, rs1, 3, rd, 0x33); }
inline std::uint32_t xor_(int rd, int rs1, int rs2) { return r_type(0x00, rs2, rs1, 4, rd, 0x33); }
inline std::uint32_t srl(int rd, int rs1, int rs2) { return r_type(0x00, rs2, rs1, 5, rd, 0x33); }
inline std::uint32_t sra(int rd, int rs1, int rs2) { return r_type(0x20, rs2, rs1, 5, rd, 0x33); }
inline std::uint32_t or_(int rd, int rs1, int rs2) { return r_type(0x00, rs2, rs1, 6, rd, 0x33); }
inline std::uint32_t and_(int rd, int rs1, int rs2) { return r_type(0x00, rs2, rs1, 7, rd, 0x33); }
inline std::uint32_t fence() { return 0x0ff0000f; }  // fence iorw, iorw
inline std::uint32_t ecall() { return 0x00000073; }
inline std::uint32_t ebreak() { return 0x00100073; }

// li rd, value: lui + addi (addi sign-extends, so the upper part rounds up).
inline void li(std::vector<std::uint32_t>& code, int rd, std::uint32_t value) {
  const std::uint32_t upper = (value + 0x800) >> 12 & 0xfffff;
  const std::int32_t lower = static_cast<std::int32_t>(value << 20) >> 20;
  code.push_back(lui(rd, upper));
  code.push_back(addi(rd, rd, lower));
}

}  // namespace rv32::enc
