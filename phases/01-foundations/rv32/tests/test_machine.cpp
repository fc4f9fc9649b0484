// The simulator running hand-encoded instructions with your decoder and
// ALU: what each instruction does to registers, memory and the pc; x0;
// misaligned accesses; the errors that stop a program; the system calls
// (suites Execute, Machine, Syscalls). The loader's own tests are in
// test_given.cpp.
#include <sstream>

#include "test_support.hpp"

namespace rv32_machine_test {
using namespace rv32_test;

TEST(Execute, LuiAndAuipc) {
  auto m = run_code({enc::lui(5, 0x12345), enc::auipc(6, 0x1), enc::auipc(7, 0xfffff), enc::lui(8, 0x80000)});
  expect_word(m->reg(5), 0x12345000u, "x5");
  expect_word(m->reg(6), kCodeBase + 4 + 0x1000, "x6: " "auipc adds to its own pc");
  expect_word(m->reg(7), kCodeBase + 8 - 0x1000, "x7: " "auipc 0xfffff is pc - 4096");
  expect_word(m->reg(8), 0x80000000u, "x8");
}

TEST(Execute, JalLinksAndSkips) {
  // 0: jal x1, +8   4: addi x5, x0, 1 (skipped)   8: addi x6, x0, 2
  auto m = run_code({enc::jal(1, 8), enc::addi(5, 0, 1), enc::addi(6, 0, 2)});
  expect_word(m->reg(1), kCodeBase + 4, "x1");
  expect_word(m->reg(5), 0u, "x5: " "the instruction jumped over ran");
  expect_word(m->reg(6), 2u, "x6");
}

TEST(Execute, JalrClearsBitZeroAndReadsRs1BeforeWritingRd) {
  // x5 = the address of instruction 4, plus 1: jalr must clear bit 0.
  // jalr x5, 0(x5) also checks that rs1 is read before rd is written.
  auto m = run_code({enc::auipc(5, 0), enc::addi(5, 5, 16 + 1), enc::jalr(5, 5, 0), enc::addi(6, 0, 1), enc::addi(7, 0, 7)});
  expect_word(m->reg(6), 0u, "x6: " "jalr did not jump");
  expect_word(m->reg(7), 7u, "x7");
  expect_word(m->reg(5), kCodeBase + 12, "x5: " "the link is pc + 4");
  auto n = run_code({enc::jalr(1, 10, -4), enc::addi(6, 0, 1), enc::addi(7, 0, 7)}, {{10, kCodeBase + 12}});
  expect_word(n->reg(6), 0u, "x6: " "jalr with a negative offset");
  expect_word(n->reg(1), kCodeBase + 4, "x1");
}

TEST(Execute, EveryBranchTakenAndNotTaken) {
  struct Case {
    const char* name;
    std::uint32_t (*branch)(int, int, std::int32_t);
    std::uint32_t a, b;
    bool taken;
  };
  const Case cases[] = {
      {"beq", enc::beq, 4, 4, true},    {"beq", enc::beq, 4, 5, false},
      {"bne", enc::bne, 4, 5, true},    {"bne", enc::bne, 4, 4, false},
      {"blt", enc::blt, 0xfffffffc, 3, true}, {"blt", enc::blt, 3, 0xfffffffc, false},
      {"bge", enc::bge, 3, 0xfffffffc, true}, {"bge", enc::bge, 0xfffffffc, 3, false},
      {"bltu", enc::bltu, 3, 0xfffffffc, true}, {"bltu", enc::bltu, 0xfffffffc, 3, false},
      {"bgeu", enc::bgeu, 0xfffffffc, 3, true}, {"bgeu", enc::bgeu, 3, 0xfffffffc, false},
  };
  for (const Case& c : cases) {
    std::vector<rv32::BranchRecord> seen;
    // 0: branch +8   4: addi x6, x0, 1 (the not-taken path)   8: addi x7, x0, 1
    auto m = std::make_unique<rv32::Machine>(isa());
    m->load_code(kCodeBase, {c.branch(10, 11, 8), enc::addi(6, 0, 1), enc::addi(7, 0, 1), enc::addi(17, 0, 93), enc::ecall()});
    m->set_reg(10, c.a), m->set_reg(11, c.b);
    m->set_branch_observer([&](const rv32::BranchRecord& r) { seen.push_back(r); });
    m->run(100);
    const std::string what = std::string(c.name) + " " + hex32(c.a) + ", " + hex32(c.b);
    expect_word(m->reg(6), c.taken ? 0u : 1u, what + ": x6, set on the not-taken path");
    ASSERT_EQ(seen.size(), 1u) << what;
    expect_word(seen[0].pc, kCodeBase, what + ": the branch trace's pc");
    expect_word(seen[0].target, kCodeBase + 8, what + ": the branch trace's target");
    expect_word(seen[0].taken, c.taken, what + ": the branch trace's taken");
  }
  // A backward branch: a loop of five.
  auto loop = run_code({enc::addi(5, 0, 5), enc::addi(6, 6, 1), enc::addi(5, 5, -1), enc::bne(5, 0, -8)});
  expect_word(loop->reg(6), 5u, "x6");
}

TEST(Execute, LoadsSignAndZeroExtend) {
  std::vector<std::uint32_t> code;
  enc::li(code, 20, 0x7f8281f0);  // bytes f0 81 82 7f, little-endian
  enc::li(code, 21, 0x00007ffe);  // bytes fe 7f 00 00
  code.push_back(enc::sw(20, 10, 0));
  code.push_back(enc::sw(21, 10, 4));
  for (std::uint32_t w : {enc::lb(5, 10, 0), enc::lbu(6, 10, 0), enc::lh(7, 10, 0), enc::lhu(8, 10, 0), enc::lw(9, 10, 0),
                          enc::lb(11, 10, 3), enc::lh(12, 10, 2), enc::lb(13, 10, 4), enc::lh(14, 10, 4)})
    code.push_back(w);
  auto r = run_code(code, {{10, kData + 64}});
  expect_word(r->reg(5), 0xfffffff0u, "x5: " "lb of 0xf0 sign-extends");
  expect_word(r->reg(6), 0x000000f0u, "x6: " "lbu of 0xf0 zero-extends");
  expect_word(r->reg(7), 0xffff81f0u, "x7: " "lh of 0x81f0 sign-extends");
  expect_word(r->reg(8), 0x000081f0u, "x8: " "lhu of 0x81f0 zero-extends");
  expect_word(r->reg(9), 0x7f8281f0u, "x9");
  expect_word(r->reg(11), 0x0000007fu, "x11: " "lb of 0x7f stays positive");
  expect_word(r->reg(12), 0x00007f82u, "x12: " "lh of 0x7f82 stays positive");
  expect_word(r->reg(13), 0xfffffffeu, "x13: " "lb of 0xfe");
  expect_word(r->reg(14), 0x00007ffeu, "x14");
}

TEST(Execute, StoresWriteOnlyTheirBytes) {
  std::vector<std::uint32_t> code;
  enc::li(code, 20, 0xffffffff);
  enc::li(code, 21, 0x12345678);
  code.insert(code.end(), {enc::sw(20, 10, 0), enc::sw(20, 10, 4), enc::sw(20, 10, 8), enc::sb(21, 10, 1),
                           enc::sh(21, 10, 6), enc::sw(21, 10, 8), enc::sb(21, 10, -1)});
  auto m = run_code(code, {{10, kData + 16}});
  expect_word(m->memory().read(kData + 16, 4), 0xffff78ffu, "sb writes one byte");
  expect_word(m->memory().read(kData + 20, 4), 0x5678ffffu, "sh writes two");
  expect_word(m->memory().read(kData + 24, 4), 0x12345678u, "memory");
  expect_word(m->memory().read(kData + 15, 1), 0x78u, "a negative offset");
}

TEST(Execute, AluOperationsTakeRs2OrTheImmediate) {
  auto m = run_code({enc::add(5, 10, 11), enc::sub(6, 10, 11), enc::sll(7, 11, 12), enc::slt(8, 11, 10),
                     enc::sltu(9, 11, 10), enc::xor_(13, 10, 11), enc::srl(14, 11, 12), enc::sra(15, 11, 12),
                     enc::or_(16, 10, 11), enc::and_(18, 10, 11), enc::addi(19, 10, -100), enc::slti(20, 11, 0),
                     enc::sltiu(21, 10, -1), enc::xori(22, 10, -1), enc::ori(23, 10, 0x700), enc::andi(24, 11, 0xf0),
                     enc::slli(25, 10, 4), enc::srli(26, 11, 28), enc::srai(27, 11, 28)},
                    {{10, 100}, {11, 0xf0000000}, {12, 4}});
  expect_word(m->reg(5), 0xf0000064u, "x5");
  expect_word(m->reg(6), 0x10000064u, "x6");
  expect_word(m->reg(7), 0x00000000u, "x7");
  expect_word(m->reg(8), 1u, "x8: " "slt: 0xf0000000 is negative");
  expect_word(m->reg(9), 0u, "x9: " "sltu: 0xf0000000 is large");
  expect_word(m->reg(13), 0xf0000064u, "x13");
  expect_word(m->reg(14), 0x0f000000u, "x14");
  expect_word(m->reg(15), 0xff000000u, "x15");
  expect_word(m->reg(16), 0xf0000064u, "x16");
  expect_word(m->reg(18), 0u, "x18");
  expect_word(m->reg(19), 0u, "x19");
  expect_word(m->reg(20), 1u, "x20");
  expect_word(m->reg(21), 1u, "x21");
  expect_word(m->reg(22), ~100u, "x22");
  expect_word(m->reg(23), 0x764u, "x23");
  expect_word(m->reg(24), 0u, "x24");
  expect_word(m->reg(25), 1600u, "x25");
  expect_word(m->reg(26), 0xfu, "x26");
  expect_word(m->reg(27), 0xffffffffu, "x27");
}

TEST(Execute, X0StaysZero) {
  std::ostringstream log;
  auto m = run_code({enc::addi(0, 0, 5), enc::lui(0, 0x12345), enc::jal(0, 4), enc::lw(0, 10, 0), enc::add(5, 0, 0)},
                    {{10, kData}}, &log);
  expect_word(m->reg(0), 0u, "x0");
  expect_word(m->reg(5), 0u, "x5: " "x0 read back non-zero");
  EXPECT_EQ(log.str().find(" x0="), std::string::npos) << "the commit log shows a write to x0:\n" << log.str();
}

TEST(Execute, FenceChangesNothing) {
  auto m = run_code({enc::addi(5, 0, 3), enc::fence(), 0x0310000f /* fence rw, w */, enc::addi(5, 5, 1)});
  expect_word(m->reg(5), 4u, "x5");
  EXPECT_EQ(m->instructions(), 6u);
}

TEST(Machine, MisalignedLoadsAndStoresAreAllowed) {
  std::vector<std::uint32_t> code;
  enc::li(code, 20, 0x11223344);
  code.insert(code.end(), {enc::sw(20, 10, 1), enc::lw(5, 10, 1), enc::lh(6, 10, 3), enc::lhu(7, 10, 1), enc::sh(20, 10, 7),
                           enc::lw(8, 10, 6)});
  auto m = run_code(code, {{10, kData}});
  expect_word(m->reg(5), 0x11223344u, "x5");
  expect_word(m->reg(6), 0x00001122u, "x6");
  expect_word(m->reg(7), 0x00003344u, "x7");
  expect_word(m->reg(8), 0x00334400u, "x8");
  // Straddling a page boundary works too.
  auto p = run_code({enc::sw(20, 10, 0), enc::lw(5, 10, 0)}, {{10, kCodeBase + 4094}, {20, 0xa1b2c3d4}});
  expect_word(p->reg(5), 0xa1b2c3d4u, "x5");
}

// Runs `code` expecting a SimError; returns its message.
std::string error_of(const std::vector<std::uint32_t>& code, const std::vector<std::pair<int, std::uint32_t>>& regs = {},
                     std::uint64_t limit = 10000) {
  rv32::Machine m(isa());
  m.load_code(kCodeBase, code);
  for (const auto& [r, v] : regs) m.set_reg(r, v);
  try {
    m.run(limit);
  } catch (const rv32::SimError& e) {
    return e.what();
  }
  ADD_FAILURE() << "the program ran to its exit, expected an error";
  return "";
}

TEST(Machine, MisalignedJumpTargetsStop) {
  const std::string jal = error_of({enc::addi(5, 0, 1), enc::jal(1, 6)});
  expect_contains(jal, "jal to 0x0000100a");
  expect_contains(jal, "misaligned");
  expect_contains(jal, "pc 0x00001004");
  const std::string jalr = error_of({enc::jalr(1, 10, 2)}, {{10, kCodeBase}});
  expect_contains(jalr, "jalr to 0x00001002");
  const std::string branch = error_of({enc::beq(0, 0, 6)});
  expect_contains(branch, "beq to 0x00001006");
  // Not taken, a misaligned target is no error.
  auto m = run_code({enc::bne(0, 0, 6), enc::addi(5, 0, 1)});
  expect_word(m->reg(5), 1u, "x5");
}

TEST(Machine, IllegalInstructionNamesTheAddressAndTheEncoding) {
  const std::string mul = error_of({enc::addi(5, 0, 1), 0x02b50533});
  expect_contains(mul, "illegal instruction 0x02b50533 at 0x00001004");
  expect_contains(mul, "M extension");
  const std::string rvc = error_of({0x00004501});
  expect_contains(rvc, "compressed");
  const std::string ebreak = error_of({enc::ebreak()});
  expect_contains(ebreak, "ebreak at 0x00001000");
}

TEST(Machine, InstructionLimitStopsARunawayProgramAndNamesThePc) {
  const std::string e = error_of({enc::addi(5, 5, 1), enc::jal(0, -4)}, {}, 1001);
  expect_contains(e, "instruction limit of 1001 reached at pc 0x00001004");
  expect_contains(e, "--max-instructions");
}

TEST(Machine, AccessOutsideTheProgramsMemoryNamesTheAddress) {
  const std::string load = error_of({enc::lw(5, 10, 0)}, {{10, 0x40000000}});
  expect_contains(load, "load at 0x40000000");
  expect_contains(load, "pc 0x00001000");
  const std::string fetch = error_of({enc::jalr(0, 10, 0)}, {{10, 0x30000000}});
  expect_contains(fetch, "instruction fetch at 0x30000000");
}

TEST(Machine, CommitLogLines) {
  std::ostringstream log;
  run_code({enc::addi(5, 0, -1), enc::sw(5, 10, 4), enc::sb(5, 10, 0), enc::beq(0, 0, 4)}, {{10, kData}}, &log);
  const std::string want =
      "00001000 fff00293 x5=ffffffff\n"
      "00001004 00552223 mem[00020004]=ffffffff\n"
      "00001008 00550023 mem[00020000]=ff\n"
      "0000100c 00000263\n"
      "00001010 05d00893 x17=0000005d\n"
      "00001014 00000073\n";
  EXPECT_EQ(log.str(), want);
}

TEST(Syscalls, WriteGoesToStdoutAndStderr) {
  std::vector<std::uint32_t> code;
  enc::li(code, 20, 0x0a216968);  // "hi!\n", little-endian
  code.insert(code.end(), {enc::sw(20, 21, 0),
                           enc::addi(10, 0, 1), enc::addi(11, 21, 0), enc::addi(12, 0, 4), enc::addi(17, 0, 64), enc::ecall(),
                           enc::addi(22, 10, 0), enc::addi(10, 0, 2), enc::addi(12, 0, 2), enc::ecall(),
                           enc::addi(10, 0, 7), enc::addi(12, 0, 1), enc::ecall(), enc::addi(23, 10, 0)});
  auto m = run_code(code, {{21, kData}});
  EXPECT_EQ(m->stdout_text(), "hi!\n");
  EXPECT_EQ(m->stderr_text(), "hi");
  expect_word(m->reg(22), 4u, "x22: " "write returns the bytes written");
  expect_word(m->reg(23), std::uint32_t(-9), "x23: " "write to a file that is not open: -EBADF");
}

TEST(Syscalls, ExitAndExitGroupKeepTheLow8Bits) {
  for (std::uint32_t number : {93u, 94u}) {
    rv32::Machine m(isa());
    m.load_code(kCodeBase, {enc::addi(10, 0, 0x12b), enc::addi(17, 0, std::int32_t(number)), enc::ecall(), enc::addi(5, 0, 1)});
    m.run(100);
    EXPECT_TRUE(m.exited());
    EXPECT_EQ(m.exit_code(), 0x2b) << "syscall " << number;
    expect_word(m.reg(5), 0u, "x5: " "ran on after exit");
    EXPECT_EQ(m.instructions(), 3u);
    EXPECT_FALSE(m.step());
  }
}

TEST(Syscalls, BrkGrowsTheHeap) {
  // brk(0) -> the break; brk(break + 8192) -> it; then the new memory is usable.
  auto m = run_code({enc::addi(10, 0, 0), enc::addi(17, 0, 214), enc::ecall(), enc::addi(20, 10, 0), enc::lui(21, 2),
                     enc::add(10, 20, 21), enc::ecall(), enc::addi(22, 10, 0), enc::sw(21, 20, 100), enc::lw(23, 20, 100)});
  EXPECT_NE(m->reg(20), 0u);
  expect_word(m->reg(22), m->reg(20) + 8192, "x22");
  expect_word(m->reg(23), 8192u, "x23");
}

TEST(Syscalls, AnUnsupportedCallStopsWithItsNumber) {
  const std::string e = error_of({enc::addi(17, 0, 63), enc::ecall()});
  expect_contains(e, "unsupported system call 63");
  expect_contains(e, "pc 0x00001004");
}

}  // namespace rv32_machine_test
