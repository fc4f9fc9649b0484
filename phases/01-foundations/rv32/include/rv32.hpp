// rv32: the interface of the RISC-V lab.
//
// Three things are yours to write (student/):
//   1. decode(): one 32-bit RV32I instruction word into its operation, its
//      registers and its sign-extended immediate;
//   2. alu() and branch_taken(): what the integer operations compute and
//      when a conditional branch is taken;
//   3. make_gshare(): a gshare branch predictor, to the exact recipe below.
// Everything else (the ELF loader, memory, system calls, the commit log, the
// rv32-sim command line, the other predictors) is in sim/ and runs whichever
// decoder and ALU you hand it.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace rv32 {

// The 40 instructions of RV32I (The RISC-V Instruction Set Manual, Volume I,
// chapter 2 and the listing in chapter 24 of version 20191213), plus
// `illegal` for any word that is not one of them.
enum class Op : std::uint8_t {
  illegal,
  lui, auipc,                                  // U-type
  jal,                                         // J-type
  jalr,                                        // I-type
  beq, bne, blt, bge, bltu, bgeu,              // B-type
  lb, lh, lw, lbu, lhu,                        // I-type loads
  sb, sh, sw,                                  // S-type
  addi, slti, sltiu, xori, ori, andi,          // I-type arithmetic
  slli, srli, srai,                            // I-type shifts (imm = shamt)
  add, sub, sll, slt, sltu, xor_, srl, sra, or_, and_,   // R-type
  fence, ecall, ebreak,
};
constexpr int kOpCount = static_cast<int>(Op::ebreak) + 1;
// "addi", "xor", ...; "illegal".
const char* op_name(Op op);

// A decoded instruction. Every field the instruction's format does not have
// is 0, so two decodes of one word compare equal field by field:
//   R-type   rd rs1 rs2          imm = 0
//   I-type   rd rs1      imm = inst[31:20] sign-extended
//            (slli/srli/srai: imm = shamt, inst[24:20], 0..31)
//   S-type      rs1 rs2  imm = {inst[31:25], inst[11:7]} sign-extended
//   B-type      rs1 rs2  imm = {inst[31], inst[7], inst[30:25], inst[11:8], 0} sign-extended
//   U-type   rd          imm = inst[31:12] << 12
//   J-type   rd          imm = {inst[31], inst[19:12], inst[20], inst[30:21], 0} sign-extended
//   fence, ecall, ebreak, illegal: every field 0.
struct Decoded {
  Op op = Op::illegal;
  std::uint8_t rd = 0, rs1 = 0, rs2 = 0;
  std::int32_t imm = 0;
  friend bool operator==(const Decoded&, const Decoded&) = default;
};
// "addi x10, x0, -1", "sw x5, 8(x2)", "beq x1, x2, +16": for messages.
std::string to_string(const Decoded& d);

// ---- Branch predictors -----------------------------------------------------------
//
// Trace-driven: for every conditional branch (beq ... bgeu) the simulator
// retires, in program order, predict() is asked first and update() is then
// told the outcome. There is no speculation and no wrong path.
class Predictor {
 public:
  virtual ~Predictor() = default;
  virtual bool predict(std::uint32_t pc, std::uint32_t target) = 0;
  virtual void update(std::uint32_t pc, std::uint32_t target, bool taken) = 0;
  // Every bit of state the predictor keeps: tables and history registers.
  virtual std::uint64_t storage_bits() const = 0;
  virtual std::string name() const = 0;
};

// ---- What you write ----------------------------------------------------------------
//
// decode(word): as above; any word that is not an RV32I instruction is
//   Op::illegal (compressed or 64-bit encodings, unknown opcodes, funct3 or
//   funct7 values RV32I does not define, CSR instructions, fence.i, and
//   shift immediates with inst[25] set, which are RV64 encodings).
// alu(op, a, b): the result of add..and_ and addi..srai, with b the second
//   source (rs2's value, or the immediate as a 32-bit word). Shifts use the
//   low 5 bits of b. Other ops: throw std::invalid_argument.
// branch_taken(op, a, b): whether beq..bgeu with rs1 = a and rs2 = b is
//   taken. Other ops: throw std::invalid_argument.
// make_gshare(budget_bits): McFarling's gshare (1993) with
//   E = the largest power of two with 2E <= budget_bits (budget_bits >= 2,
//       else std::invalid_argument) two-bit counters, each starting at 1
//       (weakly not taken); taken is predicted when the counter is >= 2;
//   a global history register of log2(E) bits, the newest outcome in bit 0;
//   index = ((pc >> 2) ^ history) & (E - 1);
//   update: the counter at that index (the history has not moved yet) counts
//   up when taken (saturating at 3) and down when not (saturating at 0), then
//   history = ((history << 1) | taken) & (E - 1);
//   storage_bits() = 2E + log2(E); name() = "gshare".
namespace reference {
Decoded decode(std::uint32_t word);
std::uint32_t alu(Op op, std::uint32_t a, std::uint32_t b);
bool branch_taken(Op op, std::uint32_t a, std::uint32_t b);
std::unique_ptr<Predictor> make_gshare(std::uint64_t budget_bits);
}  // namespace reference

namespace student {
Decoded decode(std::uint32_t word);
std::uint32_t alu(Op op, std::uint32_t a, std::uint32_t b);
bool branch_taken(Op op, std::uint32_t a, std::uint32_t b);
std::unique_ptr<Predictor> make_gshare(std::uint64_t budget_bits);
}  // namespace student

}  // namespace rv32
