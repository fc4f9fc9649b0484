// The decoder, the ALU and the branch comparisons (your TODO 1 to 3), one
// instruction at a time. The instruction words in the first table come
// from GNU as (riscv64-unknown-elf-as -march=rv32i, Debian 12's binutils),
// not from this lab's encoder, so an encoder and a decoder that share a
// mistake still fail here.
#include <cstdint>
#include <random>

#include <labkit/check.hpp>

#include "test_support.hpp"

namespace rv32_isa_test {
using namespace rv32_test;
using rv32::Decoded;

struct Known {
  const char* text;   // what GNU as was given
  std::uint32_t word; // what it produced
  Decoded want;
  std::uint32_t (*encoded)();  // the same instruction from enc::
};

// Every RV32I instruction, with negative, extreme and odd-looking operands.
const Known kKnown[] = {
    {"lui x5, 0xfffff", 0xfffff2b7, {Op::lui, 5, 0, 0, std::int32_t(0xfffff000)}, [] { return enc::lui(5, 0xfffff); }},
    {"auipc x31, 0x12345", 0x12345f97, {Op::auipc, 31, 0, 0, 0x12345000}, [] { return enc::auipc(31, 0x12345); }},
    {"jal x1, .-2048", 0x801ff0ef, {Op::jal, 1, 0, 0, -2048}, [] { return enc::jal(1, -2048); }},
    {"jal x0, .+1048574", 0x7ffff06f, {Op::jal, 0, 0, 0, 1048574}, [] { return enc::jal(0, 1048574); }},
    {"jalr x3, -1(x4)", 0xfff201e7, {Op::jalr, 3, 4, 0, -1}, [] { return enc::jalr(3, 4, -1); }},
    {"beq x1, x2, .-4096", 0x80208063, {Op::beq, 0, 1, 2, -4096}, [] { return enc::beq(1, 2, -4096); }},
    {"bne x31, x0, .+4094", 0x7e0f9fe3, {Op::bne, 0, 31, 0, 4094}, [] { return enc::bne(31, 0, 4094); }},
    {"blt x5, x6, .-2", 0xfe62cfe3, {Op::blt, 0, 5, 6, -2}, [] { return enc::blt(5, 6, -2); }},
    {"bge x7, x8, .+16", 0x0083d863, {Op::bge, 0, 7, 8, 16}, [] { return enc::bge(7, 8, 16); }},
    {"bltu x9, x10, .+2048", 0x00a4e0e3, {Op::bltu, 0, 9, 10, 2048}, [] { return enc::bltu(9, 10, 2048); }},
    {"bgeu x11, x12, .-32", 0xfec5f0e3, {Op::bgeu, 0, 11, 12, -32}, [] { return enc::bgeu(11, 12, -32); }},
    {"lb x13, -2048(x14)", 0x80070683, {Op::lb, 13, 14, 0, -2048}, [] { return enc::lb(13, 14, -2048); }},
    {"lh x15, 2047(x16)", 0x7ff81783, {Op::lh, 15, 16, 0, 2047}, [] { return enc::lh(15, 16, 2047); }},
    {"lw x17, -4(x2)", 0xffc12883, {Op::lw, 17, 2, 0, -4}, [] { return enc::lw(17, 2, -4); }},
    {"lbu x18, 1(x19)", 0x0019c903, {Op::lbu, 18, 19, 0, 1}, [] { return enc::lbu(18, 19, 1); }},
    {"lhu x20, -1(x21)", 0xfffada03, {Op::lhu, 20, 21, 0, -1}, [] { return enc::lhu(20, 21, -1); }},
    {"sb x22, -2048(x23)", 0x816b8023, {Op::sb, 0, 23, 22, -2048}, [] { return enc::sb(22, 23, -2048); }},
    {"sh x24, 2047(x25)", 0x7f8c9fa3, {Op::sh, 0, 25, 24, 2047}, [] { return enc::sh(24, 25, 2047); }},
    {"sw x26, -1(x27)", 0xffadafa3, {Op::sw, 0, 27, 26, -1}, [] { return enc::sw(26, 27, -1); }},
    {"addi x28, x29, -1", 0xfffe8e13, {Op::addi, 28, 29, 0, -1}, [] { return enc::addi(28, 29, -1); }},
    {"slti x30, x31, -2048", 0x800faf13, {Op::slti, 30, 31, 0, -2048}, [] { return enc::slti(30, 31, -2048); }},
    {"sltiu x1, x2, -1", 0xfff13093, {Op::sltiu, 1, 2, 0, -1}, [] { return enc::sltiu(1, 2, -1); }},
    {"xori x3, x4, 2047", 0x7ff24193, {Op::xori, 3, 4, 0, 2047}, [] { return enc::xori(3, 4, 2047); }},
    {"ori x5, x6, -256", 0xf0036293, {Op::ori, 5, 6, 0, -256}, [] { return enc::ori(5, 6, -256); }},
    {"andi x7, x8, 255", 0x0ff47393, {Op::andi, 7, 8, 0, 255}, [] { return enc::andi(7, 8, 255); }},
    {"slli x9, x10, 31", 0x01f51493, {Op::slli, 9, 10, 0, 31}, [] { return enc::slli(9, 10, 31); }},
    {"srli x11, x12, 1", 0x00165593, {Op::srli, 11, 12, 0, 1}, [] { return enc::srli(11, 12, 1); }},
    {"srai x13, x14, 31", 0x41f75693, {Op::srai, 13, 14, 0, 31}, [] { return enc::srai(13, 14, 31); }},
    {"add x15, x16, x17", 0x011807b3, {Op::add, 15, 16, 17, 0}, [] { return enc::add(15, 16, 17); }},
    {"sub x18, x19, x20", 0x41498933, {Op::sub, 18, 19, 20, 0}, [] { return enc::sub(18, 19, 20); }},
    {"sll x21, x22, x23", 0x017b1ab3, {Op::sll, 21, 22, 23, 0}, [] { return enc::sll(21, 22, 23); }},
    {"slt x24, x25, x26", 0x01acac33, {Op::slt, 24, 25, 26, 0}, [] { return enc::slt(24, 25, 26); }},
    {"sltu x27, x28, x29", 0x01de3db3, {Op::sltu, 27, 28, 29, 0}, [] { return enc::sltu(27, 28, 29); }},
    {"xor x30, x31, x1", 0x001fcf33, {Op::xor_, 30, 31, 1, 0}, [] { return enc::xor_(30, 31, 1); }},
    {"srl x2, x3, x4", 0x0041d133, {Op::srl, 2, 3, 4, 0}, [] { return enc::srl(2, 3, 4); }},
    {"sra x5, x6, x7", 0x407352b3, {Op::sra, 5, 6, 7, 0}, [] { return enc::sra(5, 6, 7); }},
    {"or x8, x9, x10", 0x00a4e433, {Op::or_, 8, 9, 10, 0}, [] { return enc::or_(8, 9, 10); }},
    {"and x11, x12, x13", 0x00d675b3, {Op::and_, 11, 12, 13, 0}, [] { return enc::and_(11, 12, 13); }},
    {"fence rw, w", 0x0310000f, {Op::fence, 0, 0, 0, 0}, nullptr},
    {"ecall", 0x00000073, {Op::ecall, 0, 0, 0, 0}, [] { return enc::ecall(); }},
    {"ebreak", 0x00100073, {Op::ebreak, 0, 0, 0, 0}, [] { return enc::ebreak(); }},
};

void PrintTo(const Known& k, std::ostream* os) { *os << k.text; }

std::string describe(const Decoded& d) {
  return std::string(rv32::op_name(d.op)) + " rd=" + std::to_string(d.rd) + " rs1=" + std::to_string(d.rs1) +
         " rs2=" + std::to_string(d.rs2) + " imm=" + std::to_string(d.imm);
}

class Decode : public ::testing::TestWithParam<Known> {};

TEST_P(Decode, EveryInstructionAsGnuAsEncodesIt) {
  const Known& k = GetParam();
  const Decoded got = impl::decode(k.word);
  EXPECT_EQ(got, k.want) << k.text << " (0x" << std::hex << k.word << std::dec << "): decoded as " << describe(got)
                         << ", expected " << describe(k.want);
  if (k.encoded) {
    EXPECT_EQ(k.encoded(), k.word) << "enc:: disagrees with GNU as on " << k.text;
  }
}

INSTANTIATE_TEST_SUITE_P(Rv32i, Decode, ::testing::ValuesIn(kKnown), [](const auto& info) {
  std::string name = rv32::op_name(info.param.want.op);
  return name + "_" + std::to_string(info.index);
});

TEST(DecodeCorners, ImmediatesAtTheEndsOfTheirRanges) {
  const struct {
    std::uint32_t word;
    std::int32_t imm;
  } cases[] = {
      {enc::addi(1, 1, 2047), 2047},        {enc::addi(1, 1, -2048), -2048},   {enc::sw(1, 1, 2047), 2047},
      {enc::sw(1, 1, -2048), -2048},        {enc::sw(1, 1, -32), -32},         {enc::beq(1, 1, 4094), 4094},
      {enc::beq(1, 1, -4096), -4096},       {enc::bne(1, 1, 2048), 2048},      {enc::blt(1, 1, -2), -2},
      {enc::jal(1, 1048574), 1048574},      {enc::jal(1, -1048576), -1048576}, {enc::jal(1, 2048), 2048},
      {enc::jal(1, -2), -2},                {enc::lui(1, 0x80000), std::int32_t(0x80000000)},
      {enc::lui(1, 0x00001), 0x1000},       {enc::jalr(1, 1, -2048), -2048},
  };
  for (const auto& c : cases) {
    const Decoded d = impl::decode(c.word);
    EXPECT_EQ(d.imm, c.imm) << "word 0x" << std::hex << c.word << std::dec << " (" << rv32::op_name(d.op) << ")";
  }
}

TEST(DecodeCorners, WordsThatAreNotRv32iAreIllegal) {
  const struct {
    std::uint32_t word;
    const char* what;
  } cases[] = {
      {0x00000000, "all zeros (the low bits 00: a compressed encoding)"},
      {0xffffffff, "all ones"},
      {0x00004501, "c.li a0, 0 (compressed)"},
      {0x02b50533, "mul a0, a0, a1 (M extension)"},
      {0x02b54533, "div a0, a0, a1 (M extension)"},
      {0xc0002573, "rdcycle a0 (Zicsr)"},
      {0x0000100f, "fence.i (Zifencei)"},
      {0x02051513, "slli a0, a0, 32 (an RV64 shift: inst[25] set)"},
      {0x42055513, "srai a0, a0, 32 (RV64)"},
      {0x40051513, "slli with funct7 0x20"},
      {0x80b50533, "add with funct7 0x40"},
      {0x40b51533, "sll with funct7 0x20 (no such instruction)"},
      {0x40b56533, "or with funct7 0x20"},
      {0x00051567, "jalr with funct3 1"},
      {0x00053503, "ld a0, 0(a0) (RV64)"},
      {0x00056503, "lwu a0, 0(a0) (RV64)"},
      {0x00a53023, "sd a0, 0(a0) (RV64)"},
      {0x00a52063 | (2u << 12), "branch with funct3 2"},
      {0x00a53063, "branch with funct3 3"},
      {0x00052507, "flw fa0, 0(a0) (F extension)"},
      {0x0005051b, "addiw (RV64, opcode 0x1b)"},
      {0x00b5053b, "addw (RV64, opcode 0x3b)"},
      {0x10500073, "wfi (privileged)"},
      {0x30200073, "mret (privileged)"},
      {0x000000f3, "ecall with rd = 1"},
      {0x0000a00f, "fence with funct3 2"},
  };
  for (const auto& c : cases) {
    const Decoded d = impl::decode(c.word);
    EXPECT_EQ(d, Decoded{}) << c.what << ": 0x" << std::hex << c.word << std::dec << " decoded as " << describe(d)
                            << ", expected illegal (every field 0)";
  }
}

// ---- ALU -----------------------------------------------------------------------------

struct AluCase {
  Op op;
  std::uint32_t a, b, want;
  const char* why;
};

TEST(Alu, SignOverflowAndShiftCorners) {
  const AluCase cases[] = {
      {Op::add, 0x7fffffff, 1, 0x80000000, "signed overflow wraps"},
      {Op::add, 0xffffffff, 1, 0, "unsigned overflow wraps"},
      {Op::addi, 5, 0xfffffffe, 3, "addi with a negative immediate"},
      {Op::sub, 0, 1, 0xffffffff, "0 - 1"},
      {Op::sub, 0x80000000, 1, 0x7fffffff, "INT_MIN - 1 wraps"},
      {Op::sll, 1, 31, 0x80000000, "1 << 31"},
      {Op::sll, 1, 32, 1, "shift amounts use the low 5 bits: 32 is 0"},
      {Op::sll, 3, 0xffffffe1, 6, "rs2 = -31: the low 5 bits are 1"},
      {Op::slli, 0x12345678, 4, 0x23456780, "slli"},
      {Op::srl, 0x80000000, 31, 1, "srl shifts in zeros"},
      {Op::srli, 0xfffffff0, 4, 0x0fffffff, "srli of a negative"},
      {Op::sra, 0x80000000, 31, 0xffffffff, "sra shifts in the sign"},
      {Op::sra, 0xfffffff8, 1, 0xfffffffc, "-8 >> 1 = -4"},
      {Op::sra, 0xfffffff8, 33, 0xfffffffc, "sra by 33 is by 1"},
      {Op::srai, 0x7ffffff0, 4, 0x07ffffff, "srai of a positive"},
      {Op::srai, 0xffffffff, 31, 0xffffffff, "-1 >> 31 = -1"},
      {Op::slt, 0xffffffff, 1, 1, "-1 < 1 signed"},
      {Op::sltu, 0xffffffff, 1, 0, "0xffffffff > 1 unsigned"},
      {Op::slt, 0x80000000, 0x7fffffff, 1, "INT_MIN < INT_MAX"},
      {Op::sltu, 0x80000000, 0x7fffffff, 0, "0x80000000 > 0x7fffffff unsigned"},
      {Op::slt, 5, 5, 0, "equal is not less"},
      {Op::slti, 0xfffffffe, 0xffffffff, 1, "-2 < -1"},
      {Op::sltiu, 0, 1, 1, "sltiu x, 1 is seqz"},
      {Op::sltiu, 5, 0xffffffff, 1, "sltiu with imm -1 compares with 0xffffffff"},
      {Op::sltiu, 0xffffffff, 0xffffffff, 0, "equal"},
      {Op::xor_, 0xff00ff00, 0x0ff00ff0, 0xf0f0f0f0, "xor"},
      {Op::xori, 0x12345678, 0xffffffff, 0xedcba987, "xori -1 is not"},
      {Op::or_, 0xff00ff00, 0x0ff00ff0, 0xfff0fff0, "or"},
      {Op::ori, 0, 0xffffff00, 0xffffff00, "ori sign-extended"},
      {Op::and_, 0xff00ff00, 0x0ff00ff0, 0x0f000f00, "and"},
      {Op::andi, 0xdeadbeef, 0xff, 0xef, "andi 255"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(impl::alu(c.op, c.a, c.b), c.want)
        << rv32::op_name(c.op) << "(0x" << std::hex << c.a << ", 0x" << c.b << "): " << c.why;
}

// Each operation against a plain C++ expression, on random operands and on
// the edge values mixed in.
TEST(Alu, RandomOperandsMatchPlainCpp) {
  std::mt19937_64 rng(labkit::seed() + 1);
  const std::uint32_t edges[] = {0, 1, 2, 31, 32, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe};
  for (int i = 0; i < 4000; ++i) {
    const std::uint32_t a = i % 3 ? std::uint32_t(rng()) : edges[rng() % 9], b = i % 5 ? std::uint32_t(rng()) : edges[rng() % 9];
    const std::int64_t sa = std::int32_t(a), sb = std::int32_t(b);
    const unsigned s = b % 32;
    const std::pair<Op, std::uint32_t> want[] = {
        {Op::add, std::uint32_t(std::uint64_t(a) + b)},
        {Op::sub, std::uint32_t(std::uint64_t(a) - b)},
        {Op::sll, std::uint32_t(std::uint64_t(a) << s)},
        {Op::slt, sa < sb},
        {Op::sltu, a < b},
        {Op::xor_, a ^ b},
        {Op::srl, std::uint32_t(std::uint64_t(a) >> s)},
        {Op::sra, std::uint32_t(std::int64_t(sa) >> s)},
        {Op::or_, a | b},
        {Op::and_, a & b},
    };
    for (const auto& [op, w] : want) {
      ASSERT_EQ(impl::alu(op, a, b), w) << rv32::op_name(op) << "(0x" << std::hex << a << ", 0x" << b << ")";
      // The immediate form computes the same (the simulator hands it the sign-extended immediate).
      const Op imm_op = op == Op::add ? Op::addi : op == Op::slt ? Op::slti : op == Op::sltu ? Op::sltiu
                      : op == Op::xor_ ? Op::xori : op == Op::or_ ? Op::ori : op == Op::and_ ? Op::andi
                      : op == Op::sll ? Op::slli : op == Op::srl ? Op::srli : op == Op::sra ? Op::srai : Op::illegal;
      if (imm_op != Op::illegal) {
        ASSERT_EQ(impl::alu(imm_op, a, b), w) << rv32::op_name(imm_op) << "(0x" << std::hex << a << ", 0x" << b << ")";
      }
    }
  }
}

TEST(Alu, RejectsWhatIsNotAnAluOperation) {
  for (Op op : {Op::lw, Op::beq, Op::jal, Op::illegal, Op::ecall})
    EXPECT_THROW(impl::alu(op, 1, 2), std::invalid_argument) << rv32::op_name(op);
}

TEST(Branch, SignedAndUnsignedComparisons) {
  const struct {
    Op op;
    std::uint32_t a, b;
    bool taken;
  } cases[] = {
      {Op::beq, 7, 7, true},           {Op::beq, 7, 8, false},         {Op::bne, 7, 8, true},
      {Op::bne, 0, 0, false},          {Op::blt, 0xffffffff, 0, true}, {Op::blt, 0, 0xffffffff, false},
      {Op::blt, 3, 3, false},          {Op::bge, 3, 3, true},          {Op::bge, 0x80000000, 0x7fffffff, false},
      {Op::bge, 0x7fffffff, 0x80000000, true}, {Op::bltu, 0, 0xffffffff, true}, {Op::bltu, 0xffffffff, 0, false},
      {Op::bltu, 5, 5, false},         {Op::bgeu, 0xffffffff, 0, true}, {Op::bgeu, 5, 5, true},
      {Op::bgeu, 0x7fffffff, 0x80000000, false},
  };
  for (const auto& c : cases)
    EXPECT_EQ(impl::branch_taken(c.op, c.a, c.b), c.taken)
        << rv32::op_name(c.op) << " 0x" << std::hex << c.a << ", 0x" << c.b;
  EXPECT_THROW(impl::branch_taken(Op::add, 1, 1), std::invalid_argument);
  EXPECT_THROW(impl::branch_taken(Op::jal, 1, 1), std::invalid_argument);
}

}  // namespace rv32_isa_test
