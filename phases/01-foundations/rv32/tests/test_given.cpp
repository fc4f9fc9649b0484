// What the lab gives, tested once (reference build only, so that the
// student's test program does not compile it again): the ELF loader and
// its errors, the rv32-sim command line, the five given branch predictors.
// Not graded: nothing here runs the learner's code.
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "test_support.hpp"

namespace rv32_given_test {
using namespace rv32_test;

// ---- The loader -------------------------------------------------------------------------

std::vector<std::uint32_t> exit_with(int code) {
  return {enc::addi(10, 0, code), enc::addi(17, 0, 93), enc::ecall()};
}

std::string load_error(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  const std::string path = scratch_file(name, bytes);
  rv32::Machine m(isa());
  std::string what;
  try {
    m.load_elf_file(path);
  } catch (const rv32::SimError& e) {
    what = e.what();
  }
  std::remove(path.c_str());
  if (what.empty()) {
    ADD_FAILURE() << name << ": loaded, expected an error";
  } else {
    EXPECT_EQ(what.rfind(path + ": ", 0), 0u) << "the message does not start with the file's name: " << what;
  }
  return what;
}

TEST(Loader, RunsAStaticElf32WithBss) {
  // x6 = the .bss word at 0x10040 (0) + 42, stored back; exit(x6).
  const std::vector<std::uint32_t> code = {enc::auipc(5, 0),    enc::lw(6, 5, 64),      enc::addi(6, 6, 42), enc::sw(6, 5, 64),
                                           enc::addi(10, 6, 0), enc::addi(17, 0, 93), enc::ecall()};
  const std::string path = scratch_file("ok.elf", make_elf(code, 0x10000, 256));
  rv32::Machine m(isa());
  m.load_elf_file(path);
  std::remove(path.c_str());
  EXPECT_EQ(m.pc(), 0x10000u);
  EXPECT_EQ(m.reg(2) % 16, 0u) << "sp is 16-byte aligned at entry";
  EXPECT_EQ(m.memory().read(m.reg(2), 4), 1u) << "argc at 0(sp)";
  m.run(100);
  EXPECT_EQ(m.exit_code(), 42) << "the .bss word read as 0, plus 42";
}

TEST(Loader, TheStackMovesOutOfTheWayOfTheSegments) {
  // Code where the stack would be (0x7fff0000): the stack goes higher, and
  // a store to it works.
  const std::vector<std::uint32_t> code = {enc::addi(5, 0, 9), enc::sw(5, 2, -4), enc::lw(10, 2, -4), enc::addi(17, 0, 93),
                                           enc::ecall()};
  const std::string path = scratch_file("high.elf", make_elf(code, 0x7fff0000));
  rv32::Machine m(isa());
  m.load_elf_file(path);
  const std::uint32_t sp = m.reg(2);
  EXPECT_TRUE(sp > 0x80000000u || sp < 0x7fff0000u - 4096) << "sp " << hex32(sp) << " is inside the code";
  std::string argv0;
  for (std::uint32_t at = m.memory().read(sp + 4, 4); char c = char(m.memory().read(at, 1)); ++at) argv0 += c;
  EXPECT_EQ(argv0, path) << "argv[0] is the path as given, as under qemu-riscv32";
  m.run(100);
  std::remove(path.c_str());
  EXPECT_EQ(m.exit_code(), 9);
}

TEST(Loader, ErrorsNameTheFileAndTheFix) {
  const auto good = make_elf(exit_with(0));
  auto with = [&](std::size_t at, std::uint8_t v) {
    auto b = good;
    b[at] = v;
    return b;
  };
  const std::string text = load_error({'h', 'e', 'l', 'l', 'o', '\n'}, "hello.txt");
  expect_contains(text, "not an ELF file");
  const std::string elf64 = load_error(with(4, 2), "rv64.elf");
  expect_contains(elf64, "ELF64");
  expect_contains(elf64, "-march=rv32i");
  const std::string x86 = load_error(with(18, 62), "x86.elf");
  expect_contains(x86, "e_machine is 62 (x86-64), not 243 (RISC-V)");
  const std::string big = load_error(with(5, 2), "big.elf");
  expect_contains(big, "big-endian");
  const std::string pie = load_error(with(16, 3), "pie.elf");
  expect_contains(pie, "ET_DYN");
  const std::string obj = load_error(with(16, 1), "prog.o");
  expect_contains(obj, "object file");
  const std::string rvc = load_error(with(36, 1), "rvc.elf");
  expect_contains(rvc, "compressed (RVC)");
  const std::string hard_float = load_error(with(36, 4), "float.elf");
  expect_contains(hard_float, "floating-point ABI");
  const std::string cut = load_error(std::vector<std::uint8_t>(good.begin(), good.begin() + 90), "cut.elf");
  expect_contains(cut, "truncated");
  const std::string header = load_error(std::vector<std::uint8_t>(good.begin(), good.begin() + 40), "short.elf");
  expect_contains(header, "truncated: 40 bytes");
  const std::string interp = load_error(with(52, 3), "dynamic.elf");
  expect_contains(interp, "dynamically linked");
  const std::string unaligned = load_error(with(56, 4), "offset.elf");  // p_offset 0x1004 for p_vaddr 0x10000
  expect_contains(unaligned, "differ modulo the page size");
  auto far_entry = good;
  far_entry[27] = 0x20;  // e_entry = 0x20010000
  const std::string entry = load_error(far_entry, "entry.elf");
  expect_contains(entry, "entry point 0x20010000");

  rv32::Machine m(isa());
  try {
    m.load_elf_file("/nonexistent/prog.elf");
    ADD_FAILURE() << "a missing file loaded";
  } catch (const rv32::SimError& e) {
    expect_contains(e.what(), "/nonexistent/prog.elf: cannot open");
  }
}


// ---- The command line -------------------------------------------------------------------------

struct CliRun {
  int code;
  std::string out, err;
};

CliRun cli(const std::vector<std::string>& args) {
  static const rv32::Isa under_test = isa();
  rv32::Implementations impls;
  impls.reference = &under_test;  // both names run the implementation under test here
  impls.student = under_test;
  impls.reference_gshare = impls.student_gshare = impl::make_gshare;
  std::ostringstream out, err;
  const int code = rv32::cli_main(args, out, err, impls);
  return {code, out.str(), err.str()};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Counts down from 3 with a bne loop, writes "ok\n", exits with 5.
std::vector<std::uint32_t> loop_program() {
  std::vector<std::uint32_t> code = {enc::addi(5, 0, 3), enc::addi(5, 5, -1), enc::bne(5, 0, -4)};
  enc::li(code, 6, 0x000a6b6f);  // "ok\n"
  code.insert(code.end(), {enc::lui(11, 0x7ffff), enc::sw(6, 11, 0), enc::addi(10, 0, 1), enc::addi(12, 0, 3),
                           enc::addi(17, 0, 64), enc::ecall(), enc::addi(10, 0, 5), enc::addi(17, 0, 93), enc::ecall()});
  return code;
}

TEST(Cli, ExitsWithTheProgramsCodeAndWritesItsOutput) {
  const std::string elf = scratch_file("loop.elf", make_elf(loop_program()));
  const CliRun r = cli({elf, "--stats"});
  EXPECT_EQ(r.code, 5) << r.err;
  EXPECT_EQ(r.out, "ok\n");
  expect_contains(r.err, "18 instructions, 3 conditional branches, exit code 5");
  std::remove(elf.c_str());
}

TEST(Cli, WritesTheCommitLogAndTheBranchTrace) {
  const std::string elf = scratch_file("trace.elf", make_elf(loop_program()));
  const std::string log = scratch_path("trace.commit"), trace = scratch_path("trace.branches");
  const CliRun r = cli({elf, "--commit-log", log, "--branch-trace", trace});
  ASSERT_EQ(r.code, 5) << r.err;
  const std::string c = read_file(log);
  EXPECT_EQ(c.rfind("# pc instruction", 0), 0u) << c;
  EXPECT_NE(c.find("\n00010000 00300293 x5=00000003\n00010004 fff28293 x5=00000002\n00010008 fe029ee3\n"), std::string::npos)
      << c;
  expect_contains(c, " mem[7ffff000]=000a6b6f\n");
  expect_contains(c, " x10=00000003\n");
  EXPECT_EQ(read_file(trace),
            "# pc target taken: every conditional branch, in program order\n"
            "00010008 00010004 1\n00010008 00010004 1\n00010008 00010004 0\n# instructions 18\n");
  for (const auto& f : {elf, log, trace}) std::remove(f.c_str());
}

TEST(Cli, StopsARunawayProgramAtTheLimitWithThePc) {
  const std::string elf = scratch_file("spin.elf", make_elf({enc::addi(5, 5, 1), enc::jal(0, -4)}));
  const CliRun r = cli({elf, "--max-instructions", "1000"});
  EXPECT_EQ(r.code, 125);
  expect_contains(r.err, "instruction limit of 1000 reached at pc 0x00010000");
  std::remove(elf.c_str());
}

TEST(Cli, BadInputExits125OrTwoWithTheReason) {
  const std::string elf = scratch_file("x86.elf", [] {
    auto b = make_elf({enc::ecall()});
    b[18] = 62;
    return b;
  }());
  const CliRun bad = cli({elf});
  EXPECT_EQ(bad.code, 125);
  expect_contains(bad.err, elf + ": e_machine is 62 (x86-64)");
  std::remove(elf.c_str());
  EXPECT_EQ(cli({}).code, 2);
  EXPECT_EQ(cli({"a.elf", "--max-instructions", "lots"}).code, 2);
  const CliRun unknown = cli({"a.elf", "--frobnicate"});
  EXPECT_EQ(unknown.code, 2);
  expect_contains(unknown.err, "unknown option --frobnicate");
}

TEST(Cli, PrintsEachPredictorsMispredictions) {
  const std::string elf = scratch_file("predict.elf", make_elf(loop_program()));
  const CliRun r = cli({elf, "--predictors=1024"});
  EXPECT_EQ(r.code, 5);
  for (const char* name : {"not-taken", "btfn", "bimodal", "gshare", "tournament", "perceptron"})
    expect_contains(r.err, name);
  // not-taken misses the two taken branches of three: 2 per 18 instructions.
  expect_contains(r.err, "not-taken               0              2    111.111");
  std::remove(elf.c_str());
}

TEST(Cli, TheProgramItselfExitsWithTheProgramsCode) {
  const std::string sim = bin_dir() + "/rv32-sim";
  if (!file_exists(sim)) GTEST_SKIP() << sim << " is not built (cmake --build ... --target rv32-sim)";
  const std::string elf = scratch_file("proc.elf", make_elf(loop_program()));
  const int status = std::system((sim + " " + elf + " > /dev/null").c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 5);
  std::remove(elf.c_str());
}


// ---- The given predictors -----------------------------------------------------------------

TEST(Predictors, StaticOnes) {
  auto nt = rv32::make_not_taken();
  auto btfn = rv32::make_btfn();
  EXPECT_FALSE(nt->predict(0x1000, 0x0f00));
  EXPECT_TRUE(btfn->predict(0x1000, 0x0f00)) << "backward: a loop";
  EXPECT_FALSE(btfn->predict(0x1000, 0x1100)) << "forward: an if";
  EXPECT_EQ(nt->storage_bits() + btfn->storage_bits(), 0u);
}

TEST(Predictors, TablesFitTheBudget) {
  for (const std::uint64_t budget : {1024u, 8192u, 65536u}) {
    std::unique_ptr<rv32::Predictor> ps[] = {rv32::make_bimodal(budget), rv32::make_tournament(budget),
                                             rv32::make_perceptron(budget), impl::make_gshare(budget)};
    for (auto& p : ps) {
      EXPECT_LE(p->storage_bits(), budget + 32) << p->name() << " at " << budget << " bits (32 bits of history allowed)";
      EXPECT_GE(p->storage_bits(), budget * 3 / 4) << p->name() << " leaves a quarter of " << budget << " bits unused";
    }
  }
}

TEST(Predictors, BimodalLearnsABiasPerBranch) {
  auto b = rv32::make_bimodal(64);  // 32 counters
  rv32::BranchTrace t;
  for (int i = 0; i < 100; ++i) {
    t.branches.push_back({0x1000, 0x0f00, true});
    t.branches.push_back({0x1004, 0x1100, false});
  }
  // One miss: the first taken branch finds its counter at 1 (then 2); the other never misses.
  EXPECT_EQ(rv32::count_mispredictions(*b, t), 1u);
}

TEST(Predictors, PerceptronLearnsALoopLongerThanGsharesHistory) {
  // A loop of 20 iterations: 19 taken, then one not taken. gshare at 8192
  // bits keeps 12 outcomes of history and cannot see the exit coming; the
  // perceptron's 24 can.
  rv32::BranchTrace t;
  for (int rep = 0; rep < 300; ++rep)
    for (int i = 0; i < 20; ++i) t.branches.push_back({0x2000, 0x1f00, i != 19});
  t.instructions = 100000;
  auto g = impl::make_gshare(8192);
  auto p = rv32::make_perceptron(8192);
  const std::uint64_t gw = rv32::count_mispredictions(*g, t), pw = rv32::count_mispredictions(*p, t);
  EXPECT_GE(gw, 290u) << "gshare should miss nearly every loop exit";
  EXPECT_LE(pw, 60u) << "the perceptron should learn the exits";
}

TEST(Predictors, TournamentFollowsTheBetterComponent) {
  rv32::BranchTrace t;
  for (int i = 0; i < 2000; ++i) t.branches.push_back({0x3000, 0x2f00, i % 2 == 0});
  auto tour = rv32::make_tournament(8192);
  auto bimodal = rv32::make_bimodal(8192);
  EXPECT_LE(rv32::count_mispredictions(*tour, t), 30u);
  EXPECT_GE(rv32::count_mispredictions(*bimodal, t), 1000u);
}

}  // namespace rv32_given_test
