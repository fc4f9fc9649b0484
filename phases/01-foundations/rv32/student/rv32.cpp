// Your decoder, ALU and gshare predictor. Edit only files in student/.
//
// include/rv32.hpp says exactly what each function returns; the README's
// "Decoding RV32I" has the six formats and the opcode table. Run
// `tools/labctl test rv32`; each failing test names the TODO it stopped at.
// Then run a real program with your code:
//   build/default/bin/rv32-sim build/default/bin/rv32-programs/crc32.elf --impl student
#include <labkit/todo.hpp>

#include <stdexcept>
#include <vector>

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
  LABKIT_TODO(1, "decode the instruction word: decode() in student/rv32.cpp");
}

std::uint32_t alu(Op op, std::uint32_t a, std::uint32_t b) {
  // TODO(2): add, sub, sll, slt, sltu, xor, srl, sra, or, and and their
  // immediate forms. Shift by b & 31; slt/sra treat the words as signed
  // (static_cast<std::int32_t>), sltu/srl as unsigned. Any other op: throw
  // std::invalid_argument.
  (void)op, (void)a, (void)b;
  LABKIT_TODO(2, "compute the ALU operations: alu() in student/rv32.cpp");
}

bool branch_taken(Op op, std::uint32_t a, std::uint32_t b) {
  // TODO(3): beq, bne, blt, bge (signed), bltu, bgeu (unsigned). Any other
  // op: throw std::invalid_argument.
  (void)op, (void)a, (void)b;
  LABKIT_TODO(3, "decide whether the branch is taken: branch_taken() in student/rv32.cpp");
}

}  // namespace rv32::student

// ---- gshare -------------------------------------------------------------------------
//
// The recipe is in include/rv32.hpp (make_gshare) and the README ("gshare"):
// follow it exactly, since the tests compare every prediction with it and
// the grade counts your mispredictions on real programs.

namespace rv32::student {
namespace {

class Gshare final : public Predictor {
 public:
  explicit Gshare(std::uint64_t budget_bits) {
    // TODO(4): size the table: E two-bit counters, the largest power of two
    // with 2E <= budget_bits (throw std::invalid_argument below 2 bits), all
    // starting at 1; the history keeps log2(E) bits.
    (void)budget_bits;
    LABKIT_TODO(4, "size the counter table and the history: Gshare() in student/rv32.cpp");
  }
  bool predict(std::uint32_t pc, std::uint32_t target) override {
    // TODO(4): the counter at ((pc >> 2) ^ history) & (E - 1): taken when >= 2.
    (void)pc, (void)target;
    LABKIT_TODO(4, "predict from the counter at (pc >> 2) ^ history: predict() in student/rv32.cpp");
  }
  void update(std::uint32_t pc, std::uint32_t target, bool taken) override {
    // TODO(4): train that same counter (saturating at 0 and 3), then shift
    // the outcome into the history.
    (void)pc, (void)target, (void)taken;
    LABKIT_TODO(4, "train the counter, then shift the outcome into the history: update() in student/rv32.cpp");
  }
  std::uint64_t storage_bits() const override { return 2 * counters_.size() + history_bits_; }
  std::string name() const override { return "gshare"; }

 private:
  std::vector<std::uint8_t> counters_;
  std::uint32_t history_ = 0;
  int history_bits_ = 0;
};

}  // namespace

std::unique_ptr<Predictor> make_gshare(std::uint64_t budget_bits) { return std::make_unique<Gshare>(budget_bits); }

}  // namespace rv32::student
