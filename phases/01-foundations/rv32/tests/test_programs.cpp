// Real programs: the C programs in programs/, cross-compiled by GCC for
// RV32I, run with your decoder and ALU. Each must print what a plain C++
// version of the same computation prints here (suite Programs) and, where
// qemu-riscv32 is installed, exactly what it prints under QEMU, with the
// same exit code (suite Qemu), as must random instruction mixes. The
// rv32-sim command line is tested in test_given.cpp.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
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

std::string sort_output(int n) {
  std::uint32_t s = 2463534242u;
  std::vector<std::int32_t> a(n);
  for (auto& x : a) x = std::int32_t(xorshift(s) % 20001u) - 10000;
  std::sort(a.begin(), a.end());
  std::uint32_t sum = 0;
  for (auto x : a) sum = sum * 31 + std::uint32_t(x);
  return "sort: n=" + std::to_string(n) + " min=" + std::to_string(a[0]) + " median=" + std::to_string(a[n / 2]) +
         " max=" + std::to_string(a[n - 1]) + " hash=" + hex32(sum) + " ok\n";
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
         hex32(crc32(buf.data(), buf.size())) + "\ncrc32: ok\n";
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
         " hash=" + hex32(hash) + "\n";
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

struct QemuRun {
  std::string out;
  int exit_code = -1;
  std::string error;  // "" when QEMU ran the program to its exit
};

// -R: reserve 512 MiB of guest address space, not the whole 4 GiB that
// qemu-user takes for a 32-bit guest by default, which a grader's memory
// limit (RLIMIT_AS) refuses. The programs fit in far less.
QemuRun run_qemu(const std::string& elf) {
  const std::string err_path = scratch_path(elf.substr(elf.find_last_of('/') + 1) + ".qemu-err");
  const std::string command = "qemu-riscv32 -R 0x20000000 " + elf + " 2> " + err_path;
  QemuRun r;
  FILE* q = ::popen(command.c_str(), "r");
  if (!q) return {"", -1, "cannot start: " + command};
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, q)) > 0;) r.out.append(buf, n);
  const int status = ::pclose(q);
  std::ifstream err_file(err_path);
  const std::string err{std::istreambuf_iterator<char>(err_file), std::istreambuf_iterator<char>()};
  std::remove(err_path.c_str());
  if (!WIFEXITED(status)) r.error = command + " did not exit normally (status " + std::to_string(status) + "): " + err;
  else if (err.find("qemu-riscv32:") != std::string::npos) r.error = "QEMU itself failed: " + err;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class Qemu : public ::testing::TestWithParam<Program> {};

TEST_P(Qemu, SameOutputAndExitCodeAsQemuRiscv32) {
  const auto dir = programs_dir();
  if (dir.empty()) GTEST_SKIP() << kNoCrossCompiler;
  if (!have_qemu())
    GTEST_SKIP() << "qemu-riscv32 is not installed: tools/labctl deps (or apt-get install qemu-user), then run this test again";
  const std::string elf = dir + "/" + GetParam().name + ".elf";
  rv32::Machine m(isa());  // first: a starter stops here, before QEMU is started for nothing
  m.load_elf_file(elf);
  m.run(20'000'000);
  const QemuRun q = run_qemu(elf);
  ASSERT_TRUE(q.error.empty()) << q.error;
  EXPECT_EQ(m.stdout_text(), q.out) << elf;
  EXPECT_EQ(m.exit_code(), q.exit_code) << elf;
}

INSTANTIATE_TEST_SUITE_P(Compiled, Qemu, ::testing::ValuesIn(kPrograms), program_name);

// Random instruction mixes, run by QEMU and by the simulator: straight-line
// arithmetic, loads and stores at any alignment, forward branches and
// jumps, jalr with an odd target, auipc; then every register and the data
// they wrote are printed with write() and compared byte for byte.
using R = std::uint32_t (*)(int, int, int);
using I = std::uint32_t (*)(int, int, std::int32_t);
using B = std::uint32_t (*)(int, int, std::int32_t);
const R rr[] = {enc::add, enc::sub, enc::sll, enc::slt, enc::sltu, enc::xor_, enc::srl, enc::sra, enc::or_, enc::and_};
const I ii[] = {enc::addi, enc::slti, enc::sltiu, enc::xori, enc::ori, enc::andi};
const I loads[] = {enc::lb, enc::lh, enc::lw, enc::lbu, enc::lhu};
const I stores[] = {enc::sb, enc::sh, enc::sw};
const B branches[] = {enc::beq, enc::bne, enc::blt, enc::bge, enc::bltu, enc::bgeu};

std::vector<std::uint32_t> random_mix(std::mt19937_64& rng, int body_words) {
  constexpr std::uint32_t kBase = 0x10000;
  constexpr int kPrologue = 2 + 2 * 27, kEpilogue = 31 + 5 + 3;
  const std::uint32_t data = kBase + 4 * std::uint32_t(kPrologue + body_words + kEpilogue);  // the .bss after the code
  std::vector<std::uint32_t> code;
  enc::li(code, 1, data);  // x1: the data, never written again; x2..x4 are left alone
  for (int r = 5; r < 32; ++r) {
    const std::uint32_t edge[] = {0, 1, 0xffffffff, 0x80000000, 0x7fffffff, 31, 32};
    enc::li(code, r, rng() % 3 ? std::uint32_t(rng()) : edge[rng() % 7]);
  }
  // The body is a list of units; a branch skips whole units, so that it
  // never lands between an auipc and the jalr that uses it.
  struct Unit {
    std::vector<std::uint32_t> words;
    B branch = nullptr;  // a forward branch over `skip` units
    int rs1 = 0, rs2 = 0, skip = 0;
  };
  std::vector<Unit> units;
  int words = 0;
  while (words < body_words - 3) {
    const int rd = 5 + int(rng() % 27), rs1 = 5 + int(rng() % 27), rs2 = 5 + int(rng() % 27);
    const std::int32_t imm = std::int32_t(rng() % 4096) - 2048, off = std::int32_t(rng() % 252);
    Unit u;
    switch (rng() % 10) {
      case 0: case 1: u.words = {rr[rng() % 10](rd, rs1, rs2)}; break;
      case 2: u.words = {ii[rng() % 6](rd, rs1, imm)}; break;
      case 3: {
        const R shift = rng() % 3 == 0 ? enc::slli : rng() % 2 ? enc::srli : enc::srai;
        u.words = {shift(rd, rs1, int(rng() % 32))};
        break;
      }
      case 4: u.words = {loads[rng() % 5](rd, 1, off)}; break;
      case 5: u.words = {stores[rng() % 3](rs2, 1, off)}; break;
      case 6: u.words = {rng() % 2 ? enc::lui(rd, std::uint32_t(rng()) & 0xfffff) : enc::auipc(rd, std::uint32_t(rng()) & 0xfffff)}; break;
      case 7: case 8:  // a forward branch over 0..3 units
        u.words = {0}, u.branch = branches[rng() % 6], u.rs1 = rs1, u.rs2 = rs2, u.skip = int(rng() % 4);
        break;
      default:
        if (rng() % 2) {
          u.words = {enc::jal(rd, 8), enc::addi(rd, rd, 1)};  // the addi is jumped over
        } else {  // to the auipc + 12 (bit 0 cleared), linking in rs1 (maybe rd itself); the addi is jumped over
          u.words = {enc::auipc(rd, 0), enc::jalr(rs1, rd, 13), enc::addi(rd, rd, 7)};
        }
    }
    words += int(u.words.size());
    units.push_back(u);
  }
  std::vector<int> start(units.size() + 1, 0);
  for (std::size_t i = 0; i < units.size(); ++i) start[i + 1] = start[i] + int(units[i].words.size());
  std::vector<std::uint32_t> body;
  for (std::size_t i = 0; i < units.size(); ++i) {
    Unit& u = units[i];
    if (u.branch) {
      const std::size_t to = std::min(units.size(), i + 1 + std::size_t(u.skip));
      u.words[0] = u.branch(u.rs1, u.rs2, 4 * (start[to] - start[i]));
    }
    body.insert(body.end(), u.words.begin(), u.words.end());
  }
  body.resize(std::size_t(body_words), enc::addi(0, 0, 0));
  code.insert(code.end(), body.begin(), body.end());
  for (int r = 1; r < 32; ++r) code.push_back(enc::sw(r == 2 ? 0 : r, 1, 256 + 4 * r));  // not sp: the loaders differ
  code.insert(code.end(), {enc::addi(10, 0, 1), enc::addi(11, 1, 0), enc::addi(12, 0, 384), enc::addi(17, 0, 64), enc::ecall(),
                           enc::lw(10, 1, 256 + 4 * 5), enc::addi(17, 0, 93), enc::ecall()});
  return code;
}

TEST(Qemu, RandomInstructionMixesPrintWhatTheyPrintUnderQemu) {
  if (!have_qemu())
    GTEST_SKIP() << "qemu-riscv32 is not installed: tools/labctl deps (or apt-get install qemu-user), then run this test again";
  std::mt19937_64 rng(labkit::seed() + 32);
  for (int program = 0; program < 4; ++program) {
    const auto code = random_mix(rng, 800);
    ASSERT_EQ(code.size(), 2u + 54 + 800 + 39) << "the generator's layout";
    const std::string elf = scratch_file("mix" + std::to_string(program) + ".elf", make_elf(code, 0x10000, 512));
    rv32::Machine m(isa());  // first: a starter stops here, before QEMU is started for nothing
    m.load_elf_file(elf);
    m.run(100000);
    const QemuRun q = run_qemu(elf);
    ASSERT_TRUE(q.error.empty()) << q.error;
    const std::string& qemu_out = q.out;
    ASSERT_EQ(qemu_out.size(), 384u) << "QEMU wrote something else than the 384 bytes of " << elf;
    for (std::size_t i = 0; i < 384; i += 4) {
      const auto word = [](const std::string& s, std::size_t at) {
        return std::uint32_t(std::uint8_t(s[at])) | std::uint32_t(std::uint8_t(s[at + 1])) << 8 |
               std::uint32_t(std::uint8_t(s[at + 2])) << 16 | std::uint32_t(std::uint8_t(s[at + 3])) << 24;
      };
      ASSERT_EQ(m.stdout_text().size(), 384u);
      expect_word(word(m.stdout_text(), i), word(qemu_out, i),
                  "program " + std::to_string(program) + " (LABKIT_SEED " + std::to_string(labkit::seed()) + "): " +
                      (i < 256 ? "data byte " + std::to_string(i) : "x" + std::to_string((i - 256) / 4)));
    }
    EXPECT_EQ(m.exit_code(), q.exit_code) << elf;
    if (!HasFailure()) std::remove(elf.c_str());
  }
}

}  // namespace rv32_programs_test
