// What rv32's tests share: the implementation under test as an Isa, a
// machine that runs a few hand-encoded instructions, a writer of minimal
// ELF32 files (so the loader is tested without a cross compiler), and where
// the cross-compiled programs are.
#pragma once
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>
#include <labkit/paths.hpp>

#include "encode.hpp"
#include "sim.hpp"

namespace labkit {
// From labkit/check.hpp (LABKIT_SEED, else the project's default), declared
// here so that this lab's one test unit does not parse <ranges> for it.
std::uint64_t seed();
}  // namespace labkit

namespace rv32_test {

namespace impl = rv32::LABKIT_IMPL;
namespace enc = rv32::enc;
using rv32::Op;

inline rv32::Isa isa() { return {impl::decode, impl::alu, impl::branch_taken}; }

constexpr std::uint32_t kCodeBase = 0x1000;
constexpr std::uint32_t kData = 0x20000;  // a mapped page for loads and stores

// Runs `code` from kCodeBase with the given registers set first (x0..x31,
// missing ones 0 except sp), then exit(0) appended: the machine after it.
// A page at kData is mapped for loads and stores.
inline std::unique_ptr<rv32::Machine> run_code(std::vector<std::uint32_t> code,
                                               const std::vector<std::pair<int, std::uint32_t>>& regs = {},
                                               std::ostream* commit_log = nullptr) {
  code.push_back(enc::addi(17, 0, 93));
  code.push_back(enc::ecall());
  auto m = std::make_unique<rv32::Machine>(isa());
  m->load_code(kCodeBase, code);
  m->memory().map(kData, 4096);
  for (const auto& [r, v] : regs) m->set_reg(r, v);
  m->set_commit_log(commit_log);
  m->run(10000);
  return m;
}

// A minimal statically linked ELF32 RISC-V executable: one PT_LOAD segment
// holding `code` at `base` (entry = base), and `bss` zero bytes after it;
// it runs under qemu-riscv32 too.
inline std::vector<std::uint8_t> make_elf(const std::vector<std::uint32_t>& code, std::uint32_t base = 0x10000,
                                          std::uint32_t bss = 0) {
  std::vector<std::uint8_t> f(52 + 32);
  auto put16 = [&](std::size_t at, std::uint32_t v) { f[at] = std::uint8_t(v), f[at + 1] = std::uint8_t(v >> 8); };
  auto put32 = [&](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) f[at + i] = std::uint8_t(v >> 8 * i);
  };
  const std::uint8_t ident[16] = {0x7f, 'E', 'L', 'F', 1 /* ELF32 */, 1 /* little-endian */, 1 /* version */};
  std::copy(ident, ident + 16, f.begin());
  put16(16, 2);    // ET_EXEC
  put16(18, 243);  // EM_RISCV
  put32(20, 1);
  put32(24, base);  // e_entry
  put32(28, 52);    // e_phoff
  put32(36, 0);     // e_flags: soft float, no RVC
  put16(40, 52);
  put16(42, 32);
  put16(44, 1);
  put16(46, 40);  // e_shentsize: no sections, but QEMU checks the size a section header would have
  const std::uint32_t size = std::uint32_t(4 * code.size());
  // The code starts at file offset base % 4096, as Linux and QEMU need to
  // map it (p_offset and p_vaddr equal modulo the page size).
  const std::uint32_t offset = 4096 + base % 4096;
  f.resize(offset, 0);
  put32(52 + 0, 1);         // PT_LOAD
  put32(52 + 4, offset);    // p_offset
  put32(52 + 8, base);      // p_vaddr
  put32(52 + 12, base);
  put32(52 + 16, size);     // p_filesz
  put32(52 + 20, size + bss);
  put32(52 + 24, 7);        // RWX
  put32(52 + 28, 4096);
  for (std::uint32_t w : code)
    for (int i = 0; i < 4; ++i) f.push_back(std::uint8_t(w >> 8 * i));
  return f;
}

// Scratch files of this process (the test program may run twice at once),
// removed when it exits, whether its tests passed or not (a starter's stop
// at a TODO before any cleanup line).
inline std::string scratch_path(const std::string& name) {
  static struct Registry {
    std::vector<std::string> paths;
    ~Registry() {
      for (const auto& p : paths) std::remove(p.c_str());
    }
  } registry;
  const std::string path = ::testing::TempDir() + "rv32-" + std::to_string(::getpid()) + "-" + name;
  registry.paths.push_back(path);
  return path;
}
inline std::string scratch_file(const std::string& name, const std::vector<std::uint8_t>& bytes) {
  const std::string path = scratch_path(name);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  ::chmod(path.c_str(), 0755);  // qemu-riscv32 runs only executable files (and exits 1 without a word otherwise)
  return path;
}

// build/<preset>/bin, where this test program and rv32-sim are ("" if unknown).
inline std::string bin_dir() { return labkit::executable_dir(); }
inline bool file_exists(const std::string& path) { return ::access(path.c_str(), R_OK) == 0; }
// The cross-compiled programs' folder, or "" when they were not built.
inline std::string programs_dir() {
  const std::string dir = bin_dir() + "/rv32-programs";
  return file_exists(dir + "/crc32.elf") ? dir : "";
}
inline const char* kNoCrossCompiler =
    "the RV32I programs were not built: riscv64-unknown-elf-gcc was not found when the build was configured. "
    "Install it with `tools/labctl deps` (or apt-get install gcc-riscv64-unknown-elf), then configure and build again";

// Assertions as plain functions: called a hundred times, they cost the
// compiler one expansion of GoogleTest's macros each, not a hundred.
inline std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}
// A failure naming `what` unless got == want (both printed in hex).
inline void expect_word(std::uint32_t got, std::uint32_t want, const std::string& what) {
  if (got != want) ADD_FAILURE() << what << ": got " << hex32(got) << ", expected " << hex32(want);
}
// A failure unless `text` contains `needle`; the text is printed.
inline void expect_contains(const std::string& text, const std::string& needle, const std::string& what = "") {
  if (text.find(needle) == std::string::npos)
    ADD_FAILURE() << (what.empty() ? "" : what + ": ") << "expected to find \"" << needle << "\" in:\n" << text;
}

}  // namespace rv32_test
