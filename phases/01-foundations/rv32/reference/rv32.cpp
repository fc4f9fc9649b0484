// The reference decoder, ALU and gshare of the rv32 lab (include/rv32.hpp
// says what each returns). The decoder is a switch on the 7-bit opcode, then funct3, then
// funct7, and every immediate is assembled from its scattered bits exactly as
// the specification's figures draw them (Volume I, section 2.3).
#include <stdexcept>
#include <vector>

#include "rv32.hpp"

namespace rv32::reference {
namespace {

constexpr std::uint32_t bits(std::uint32_t w, int hi, int lo) { return (w >> lo) & ((1u << (hi - lo + 1)) - 1); }
// Sign-extends the low `width` bits of v.
constexpr std::int32_t sext(std::uint32_t v, int width) {
  const std::uint32_t sign = 1u << (width - 1);
  return static_cast<std::int32_t>((v ^ sign) - sign);
}

Decoded r_type(Op op, std::uint32_t w) {
  return {op, std::uint8_t(bits(w, 11, 7)), std::uint8_t(bits(w, 19, 15)), std::uint8_t(bits(w, 24, 20)), 0};
}
Decoded i_type(Op op, std::uint32_t w) {
  return {op, std::uint8_t(bits(w, 11, 7)), std::uint8_t(bits(w, 19, 15)), 0, sext(bits(w, 31, 20), 12)};
}
Decoded s_type(Op op, std::uint32_t w) {
  return {op, 0, std::uint8_t(bits(w, 19, 15)), std::uint8_t(bits(w, 24, 20)),
          sext(bits(w, 31, 25) << 5 | bits(w, 11, 7), 12)};
}
Decoded b_type(Op op, std::uint32_t w) {
  const std::uint32_t imm = bits(w, 31, 31) << 12 | bits(w, 7, 7) << 11 | bits(w, 30, 25) << 5 | bits(w, 11, 8) << 1;
  return {op, 0, std::uint8_t(bits(w, 19, 15)), std::uint8_t(bits(w, 24, 20)), sext(imm, 13)};
}
Decoded u_type(Op op, std::uint32_t w) {
  return {op, std::uint8_t(bits(w, 11, 7)), 0, 0, static_cast<std::int32_t>(w & 0xfffff000u)};
}
Decoded j_type(Op op, std::uint32_t w) {
  const std::uint32_t imm =
      bits(w, 31, 31) << 20 | bits(w, 19, 12) << 12 | bits(w, 20, 20) << 11 | bits(w, 30, 21) << 1;
  return {op, std::uint8_t(bits(w, 11, 7)), 0, 0, sext(imm, 21)};
}

}  // namespace

Decoded decode(std::uint32_t w) {
  const std::uint32_t funct3 = bits(w, 14, 12), funct7 = bits(w, 31, 25);
  switch (bits(w, 6, 0)) {  // the low two bits are 11 for every 32-bit instruction
    case 0x37: return u_type(Op::lui, w);
    case 0x17: return u_type(Op::auipc, w);
    case 0x6f: return j_type(Op::jal, w);
    case 0x67: return funct3 == 0 ? i_type(Op::jalr, w) : Decoded{};
    case 0x63: {
      constexpr Op ops[8] = {Op::beq, Op::bne, Op::illegal, Op::illegal, Op::blt, Op::bge, Op::bltu, Op::bgeu};
      return ops[funct3] == Op::illegal ? Decoded{} : b_type(ops[funct3], w);
    }
    case 0x03: {
      constexpr Op ops[8] = {Op::lb, Op::lh, Op::lw, Op::illegal, Op::lbu, Op::lhu, Op::illegal, Op::illegal};
      return ops[funct3] == Op::illegal ? Decoded{} : i_type(ops[funct3], w);
    }
    case 0x23: {
      constexpr Op ops[8] = {Op::sb, Op::sh, Op::sw, Op::illegal, Op::illegal, Op::illegal, Op::illegal, Op::illegal};
      return ops[funct3] == Op::illegal ? Decoded{} : s_type(ops[funct3], w);
    }
    case 0x13: {
      constexpr Op ops[8] = {Op::addi, Op::slli, Op::slti, Op::sltiu, Op::xori, Op::srli, Op::ori, Op::andi};
      if (funct3 == 1 || funct3 == 5) {  // shifts: imm[11:5] is funct7, shamt is 5 bits in RV32
        Op op = Op::illegal;
        if (funct3 == 1 && funct7 == 0x00) op = Op::slli;
        if (funct3 == 5 && funct7 == 0x00) op = Op::srli;
        if (funct3 == 5 && funct7 == 0x20) op = Op::srai;
        if (op == Op::illegal) return {};
        return {op, std::uint8_t(bits(w, 11, 7)), std::uint8_t(bits(w, 19, 15)), 0,
                static_cast<std::int32_t>(bits(w, 24, 20))};
      }
      return i_type(ops[funct3], w);
    }
    case 0x33: {
      constexpr Op base[8] = {Op::add, Op::sll, Op::slt, Op::sltu, Op::xor_, Op::srl, Op::or_, Op::and_};
      if (funct7 == 0x00) return r_type(base[funct3], w);
      if (funct7 == 0x20 && funct3 == 0) return r_type(Op::sub, w);
      if (funct7 == 0x20 && funct3 == 5) return r_type(Op::sra, w);
      return {};  // funct7 = 1 is the M extension: not RV32I
    }
    case 0x0f:
      return funct3 == 0 ? Decoded{Op::fence, 0, 0, 0, 0} : Decoded{};  // funct3 = 1 is fence.i (Zifencei)
    case 0x73:
      if (w == 0x00000073) return {Op::ecall, 0, 0, 0, 0};
      if (w == 0x00100073) return {Op::ebreak, 0, 0, 0, 0};
      return {};  // CSR instructions (Zicsr), mret, wfi...
    default:
      return {};
  }
}

std::uint32_t alu(Op op, std::uint32_t a, std::uint32_t b) {
  const auto sa = static_cast<std::int32_t>(a), sb = static_cast<std::int32_t>(b);
  switch (op) {
    case Op::add: case Op::addi: return a + b;  // unsigned: wraps without undefined behaviour
    case Op::sub: return a - b;
    case Op::sll: case Op::slli: return a << (b & 31);
    case Op::slt: case Op::slti: return sa < sb ? 1 : 0;
    case Op::sltu: case Op::sltiu: return a < b ? 1 : 0;
    case Op::xor_: case Op::xori: return a ^ b;
    case Op::srl: case Op::srli: return a >> (b & 31);
    // >> of a negative int is arithmetic in C++20 (P1236), which is what sra is.
    case Op::sra: case Op::srai: return static_cast<std::uint32_t>(sa >> (b & 31));
    case Op::or_: case Op::ori: return a | b;
    case Op::and_: case Op::andi: return a & b;
    default: throw std::invalid_argument(std::string("alu: ") + op_name(op) + " is not an ALU operation");
  }
}

bool branch_taken(Op op, std::uint32_t a, std::uint32_t b) {
  const auto sa = static_cast<std::int32_t>(a), sb = static_cast<std::int32_t>(b);
  switch (op) {
    case Op::beq: return a == b;
    case Op::bne: return a != b;
    case Op::blt: return sa < sb;
    case Op::bge: return sa >= sb;
    case Op::bltu: return a < b;
    case Op::bgeu: return a >= b;
    default: throw std::invalid_argument(std::string("branch_taken: ") + op_name(op) + " is not a branch");
  }
}

}  // namespace rv32::reference

// ---- gshare -----------------------------------------------------------------------
//
// McFarling, "Combining Branch Predictors", DEC WRL TN-36, 1993: one table of
// two-bit counters indexed by the branch address xor the global history.

namespace rv32::reference {
namespace {

class Gshare final : public Predictor {
 public:
  explicit Gshare(std::uint64_t budget_bits) {
    if (budget_bits < 2) throw std::invalid_argument("gshare: a budget of " + std::to_string(budget_bits) + " bits holds no two-bit counter");
    std::uint64_t entries = 1;
    while (entries * 4 <= budget_bits) entries *= 2, ++history_bits_;
    mask_ = static_cast<std::uint32_t>(entries - 1);
    counters_.assign(entries, 1);
  }
  bool predict(std::uint32_t pc, std::uint32_t) override { return counters_[index(pc)] >= 2; }
  void update(std::uint32_t pc, std::uint32_t, bool taken) override {
    std::uint8_t& c = counters_[index(pc)];
    if (taken && c < 3) ++c;
    if (!taken && c > 0) --c;
    history_ = ((history_ << 1) | (taken ? 1u : 0u)) & mask_;
  }
  std::uint64_t storage_bits() const override { return 2 * counters_.size() + history_bits_; }
  std::string name() const override { return "gshare"; }

 private:
  std::uint32_t index(std::uint32_t pc) const { return ((pc >> 2) ^ history_) & mask_; }
  std::vector<std::uint8_t> counters_;
  std::uint32_t history_ = 0, mask_ = 0;
  int history_bits_ = 0;
};

}  // namespace

std::unique_ptr<Predictor> make_gshare(std::uint64_t budget_bits) { return std::make_unique<Gshare>(budget_bits); }

}  // namespace rv32::reference
