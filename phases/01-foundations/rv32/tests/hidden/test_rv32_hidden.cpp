// Hidden tests (the grader's only): random straight-line programs of every
// register-register, immediate, upper-immediate, load and store
// instruction, run by the simulator with your decoder and ALU and by a plain
// C++ model written here, register file and memory compared at the end.
#include <random>

#include <labkit/check.hpp>

#include "../test_support.hpp"

namespace rv32_hidden_test {
using namespace rv32_test;

struct Model {
  std::uint32_t x[32] = {};
  std::vector<std::uint8_t> mem = std::vector<std::uint8_t>(4096, 0);
  void set(int rd, std::uint32_t v) {
    if (rd) x[rd] = v;
  }
  std::uint32_t load(std::uint32_t at, int n) const {
    std::uint32_t v = 0;
    for (int i = 0; i < n; ++i) v |= std::uint32_t(mem[at - kData + i]) << 8 * i;
    return v;
  }
  void store(std::uint32_t at, int n, std::uint32_t v) {
    for (int i = 0; i < n; ++i) mem[at - kData + i] = std::uint8_t(v >> 8 * i);
  }
};

TEST(HiddenRandom, StraightLineProgramsMatchAPlainModel) {
  std::mt19937 rng(static_cast<std::uint32_t>(labkit::seed() + 19));
  for (int program = 0; program < 40; ++program) {
    Model model;
    std::vector<std::uint32_t> code;
    // x1 points at the data page (kept), x2 is the stack pointer (left alone).
    enc::li(code, 1, kData + 2048);
    model.x[1] = kData + 2048;
    for (int r = 3; r < 32; ++r) {
      const std::uint32_t v = rng() % 4 ? rng() : std::uint32_t(std::int32_t(rng() % 9) - 4);
      enc::li(code, r, v);
      model.x[r] = v;
    }
    for (int i = 0; i < 300; ++i) {
      const int rd = 3 + int(rng() % 29), rs1 = 3 + int(rng() % 29), rs2 = [&] {
        const int r = int(rng() % 32);
        return r == 2 ? 0 : r;  // not sp, which the model does not know
      }();
      const std::uint32_t a = model.x[rs1], b = model.x[rs2];
      const std::int32_t imm = std::int32_t(rng() % 4096) - 2048;
      const int shamt = int(rng() % 32);
      const std::uint32_t ui = std::uint32_t(imm), sh = b & 31;
      const std::int32_t off = std::int32_t(rng() % 2040) - 1020;  // inside the data page around x1
      const std::uint32_t at = model.x[1] + std::uint32_t(off);
      switch (rng() % 28) {
        case 0: code.push_back(enc::add(rd, rs1, rs2)), model.set(rd, a + b); break;
        case 1: code.push_back(enc::sub(rd, rs1, rs2)), model.set(rd, a - b); break;
        case 2: code.push_back(enc::sll(rd, rs1, rs2)), model.set(rd, a << sh); break;
        case 3: code.push_back(enc::slt(rd, rs1, rs2)), model.set(rd, std::int32_t(a) < std::int32_t(b)); break;
        case 4: code.push_back(enc::sltu(rd, rs1, rs2)), model.set(rd, a < b); break;
        case 5: code.push_back(enc::xor_(rd, rs1, rs2)), model.set(rd, a ^ b); break;
        case 6: code.push_back(enc::srl(rd, rs1, rs2)), model.set(rd, a >> sh); break;
        case 7: code.push_back(enc::sra(rd, rs1, rs2)), model.set(rd, std::uint32_t(std::int32_t(a) >> sh)); break;
        case 8: code.push_back(enc::or_(rd, rs1, rs2)), model.set(rd, a | b); break;
        case 9: code.push_back(enc::and_(rd, rs1, rs2)), model.set(rd, a & b); break;
        case 10: code.push_back(enc::addi(rd, rs1, imm)), model.set(rd, a + ui); break;
        case 11: code.push_back(enc::slti(rd, rs1, imm)), model.set(rd, std::int32_t(a) < imm); break;
        case 12: code.push_back(enc::sltiu(rd, rs1, imm)), model.set(rd, a < ui); break;
        case 13: code.push_back(enc::xori(rd, rs1, imm)), model.set(rd, a ^ ui); break;
        case 14: code.push_back(enc::ori(rd, rs1, imm)), model.set(rd, a | ui); break;
        case 15: code.push_back(enc::andi(rd, rs1, imm)), model.set(rd, a & ui); break;
        case 16: code.push_back(enc::slli(rd, rs1, shamt)), model.set(rd, a << shamt); break;
        case 17: code.push_back(enc::srli(rd, rs1, shamt)), model.set(rd, a >> shamt); break;
        case 18: code.push_back(enc::srai(rd, rs1, shamt)), model.set(rd, std::uint32_t(std::int32_t(a) >> shamt)); break;
        case 19: code.push_back(enc::lui(rd, ui & 0xfffff)), model.set(rd, (ui & 0xfffff) << 12); break;
        case 20: code.push_back(enc::lb(rd, 1, off)), model.set(rd, std::uint32_t(std::int32_t(std::int8_t(model.load(at, 1))))); break;
        case 21: code.push_back(enc::lh(rd, 1, off)), model.set(rd, std::uint32_t(std::int32_t(std::int16_t(model.load(at, 2))))); break;
        case 22: code.push_back(enc::lw(rd, 1, off)), model.set(rd, model.load(at, 4)); break;
        case 23: code.push_back(enc::lbu(rd, 1, off)), model.set(rd, model.load(at, 1)); break;
        case 24: code.push_back(enc::lhu(rd, 1, off)), model.set(rd, model.load(at, 2)); break;
        case 25: code.push_back(enc::sb(rs2, 1, off)), model.store(at, 1, b); break;
        case 26: code.push_back(enc::sh(rs2, 1, off)), model.store(at, 2, b); break;
        default: code.push_back(enc::sw(rs2, 1, off)), model.store(at, 4, b); break;
      }
    }
    auto m = run_code(code);
    for (int r = 3; r < 32; ++r) {
      if (r == 17) continue;  // a7: the exit call
      ASSERT_EQ(m->reg(r), model.x[r]) << "program " << program << ": x" << r;
    }
    for (std::uint32_t at = kData; at < kData + 4096; at += 4)
      ASSERT_EQ(m->memory().read(at, 4), model.load(at, 4)) << "program " << program << ": memory at 0x" << std::hex << at;
  }
}

}  // namespace rv32_hidden_test
