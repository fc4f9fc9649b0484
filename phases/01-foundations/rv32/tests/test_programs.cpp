// Real programs: the C programs in programs/, cross-compiled by GCC for
// RV32I, run with your decoder and ALU. Each must print what a plain C++
// version of the same computation prints here (suite Programs) and, where
// qemu-riscv32 is installed, exactly what it prints under QEMU, with the
// same exit code (suite Qemu). Then the rv32-sim command line (suite Cli).
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <tuple>

#include "test_support.hpp"

namespace rv32_programs_test {
using namespace rv32_test;

// ---- What each program must print, computed here in plain C++ --------------------------

std::uint32_t xorshift(std::uint32_t& s) {
  s ^= s << 13;
  s ^= s >> 17;
  s ^= s << 5;
  return s;
}

std::string hex(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string sort_output(int n) {
  std::uint32_t s = 2463534242u;
  std::vector<std::int32_t> a(n);
  for (auto& x : a) x = std::int32_t(xorshift(s) % 20001u) - 10000;
  std::sort(a.begin(), a.end());
  std::uint32_t sum = 0;
  for (auto x : a) sum = sum * 31 + std::uint32_t(x);
  return "sort: n=" + std::to_string(n) + " min=" + std::to_string(a[0]) + " median=" + std::to_string(a[n / 2]) +
         " max=" + std::to_string(a[n - 1]) + " hash=" + hex(sum) + " ok\n";
}

std::uint32_t crc32(const std::uint8_t* p, std::size_t n) {
  std::uint32_t c = 0xffffffffu;
  for (std::size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
  }
  return ~c;
}

std::string crc_output(int len) {
  std::uint32_t s = 12345;
  std::vector<std::uint8_t> buf(len);
  for (auto& b : buf) b = std::uint8_t(xorshift(s));
  return "crc32(\"123456789\") = 0xcbf43926\ncrc32(buffer of " + std::to_string(len) + " bytes) = " +
         hex(crc32(buf.data(), buf.size())) + "\ncrc32: ok\n";
}

std::string matmul_output(int n) {
  std::uint32_t s = 99;
  std::vector<std::int32_t> A(n * n), B(n * n), C(n * n);
  for (int i = 0; i < n * n; ++i) {
    A[i] = std::int32_t(xorshift(s) % 201) - 100;
    B[i] = std::int32_t(xorshift(s) % 201) - 100;
  }
  std::int32_t trace = 0;
  std::uint32_t hash = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      for (int k = 0; k < n; ++k) C[i * n + j] += A[i * n + k] * B[k * n + j];
    }
  for (int i = 0; i < n; ++i) {
    trace += C[i * n + i];
    for (int j = 0; j < n; ++j) hash = (hash ^ std::uint32_t(C[i * n + j])) * 16777619u;
  }
  return "matmul: n=" + std::to_string(n) + " trace=" + std::to_string(trace) + " C[0][N-1]=" + std::to_string(C[n - 1]) +
         " hash=" + hex(hash) + "\n";
}

int primes_below(int limit) {
  int count = 0;
  for (int n = 2; n < limit; ++n) {
    bool prime = true;
    for (int d = 2; d * d <= n; ++d) prime = prime && n % d != 0;
    count += prime;
  }
  return count;
}

std::string interp_output(int limit) {
  std::int64_t a = 0, b = 1;
  for (int i = 0; i < 40; ++i) std::tie(a, b) = std::make_pair(b, a + b);
  int steps = 0;
  for (int start = 1; start < 50; ++start)
    for (std::int64_t x = start; x != 1; ++steps) x = x % 2 ? 3 * x + 1 : x / 2;
  return "interp: primes below " + std::to_string(limit) + ": " + std::to_string(primes_below(limit)) +
         "\ninterp: fib(40) = " + std::to_string(a) + "\ninterp: collatz steps for 1..49: " + std::to_string(steps) + "\n";
}

// corners.c's lines that follow from the specification by hand (the hashed
// ones are checked against QEMU instead).
const char* const kCornerLines[] = {
    "corners: sra by 36 0xf8000001\n",        "corners: srl by 36 0x08000001\n",
    "corners: sll by 36 0x00000100\n",        "corners: sltiu/slti/seqz 0x00000005\n",
    "corners: lw +1 0x55443322\n",            "corners: lw +3 0x77665544\n",
    "corners: lh +7 0xffff9988\n",            "corners: lhu +13 0x0000ffee\n",
    "corners: x0 0x00000000\n",               "corners: jalr odd target landed 0x00000001\n",
    "corners: lui 0xfffff 0xfffff000\n",      "corners: auipc 0x80000 - pc 0x80000000\n",
};

// The programs CMakeLists.txt builds (name, the size it passes), and what each prints.
struct Program {
  const char* name;
  int size;
  std::string (*expected)(int);
  int exit_code;
};
const Program kPrograms[] = {
    {"sort", 400, sort_output, 0},          {"sort-o0", 120, sort_output, 0},
    {"crc32", 2048, crc_output, 0},         {"crc32-os", 700, crc_output, 0},
    {"matmul", 16, matmul_output, 0},       {"matmul-o1", 9, matmul_output, 0},
    {"interp", 200, interp_output, 46},     {"interp-o0", 90, interp_output, 24},
    {"corners", 0, nullptr, 7},             {"corners-o0", 0, nullptr, 7},
};

// GoogleTest names a failing parameter by this, not by its bytes.
void PrintTo(const Program& p, std::ostream* os) { *os << p.name << ".elf"; }

std::string program_name(const ::testing::TestParamInfo<Program>& info) {
  std::string n = info.param.name;
  for (char& c : n)
    if (c == '-') c = '_';
  return n;
}

class Programs : public ::testing::TestWithParam<Program> {};

TEST_P(Programs, PrintWhatPlainCppComputesAndExitWithTheirCode) {
  const Program& p = GetParam();
  const auto dir = programs_dir();
  if (dir.empty()) GTEST_SKIP() << kNoCrossCompiler;
  rv32::Machine m(isa());
  m.load_elf_file(dir + "/" + p.name + ".elf");
  m.run(20'000'000);
  EXPECT_EQ(m.exit_code(), p.exit_code) << p.name;
  if (p.expected) {
    EXPECT_EQ(m.stdout_text(), p.expected(p.size)) << p.name;
  } else {
    for (const char* line : kCornerLines)
      expect_contains(m.stdout_text(), line);
  }
  EXPECT_EQ(p.exit_code, p.expected == interp_output ? primes_below(p.size) : p.exit_code);
}

INSTANTIATE_TEST_SUITE_P(Compiled, Programs, ::testing::ValuesIn(kPrograms), program_name);

// ---- Against QEMU ---------------------------------------------------------------------------

bool have_qemu() { return std::system("qemu-riscv32 --version > /dev/null 2>&1") == 0; }

class Qemu : public ::testing::TestWithParam<Program> {};

TEST_P(Qemu, SameOutputAndExitCodeAsQemuRiscv32) {
  const auto dir = programs_dir();
  if (dir.empty()) GTEST_SKIP() << kNoCrossCompiler;
  if (!have_qemu())
    GTEST_SKIP() << "qemu-riscv32 is not installed: tools/labctl deps (or apt-get install qemu-user), then run this test again";
  const std::string elf = dir + "/" + GetParam().name + ".elf";
  // -R: reserve 512 MiB of guest address space, not the whole 4 GiB that
  // qemu-user takes for a 32-bit guest by default, which a grader's memory
  // limit (RLIMIT_AS) refuses. The programs fit in far less.
  const std::string qemu_err = ::testing::TempDir() + "rv32-qemu-" + std::to_string(::getpid()) + ".err";
  const std::string command = "qemu-riscv32 -R 0x20000000 " + elf + " 2> " + qemu_err;
  std::string qemu_out;
  FILE* q = ::popen(command.c_str(), "r");
  ASSERT_NE(q, nullptr) << command;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, q)) > 0;) qemu_out.append(buf, n);
  const int status = ::pclose(q);
  std::ifstream err_file(qemu_err);
  const std::string err{std::istreambuf_iterator<char>(err_file), std::istreambuf_iterator<char>()};
  std::remove(qemu_err.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << command << " did not exit normally (status " << status << "): " << err;
  ASSERT_EQ(err.find("qemu-riscv32:"), std::string::npos) << "QEMU itself failed: " << err;
  rv32::Machine m(isa());
  m.load_elf_file(elf);
  m.run(20'000'000);
  EXPECT_EQ(m.stdout_text(), qemu_out) << elf;
  EXPECT_EQ(m.exit_code(), WEXITSTATUS(status)) << elf;
}

INSTANTIATE_TEST_SUITE_P(Compiled, Qemu, ::testing::ValuesIn(kPrograms), program_name);

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
  const std::string log = elf + ".commit", trace = elf + ".branches";
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

}  // namespace rv32_programs_test
