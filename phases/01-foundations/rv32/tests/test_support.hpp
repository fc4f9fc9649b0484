// What rv32's tests share: the implementation under test as an Isa, a
// machine that runs a few hand-encoded instructions, a writer of minimal
// ELF32 files (so the loader is tested without a cross compiler), and where
// the cross-compiled programs are.
#pragma once
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "encode.hpp"
#include "sim.hpp"

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
// holding `code` at `base` (entry = base), and `bss` zero bytes after it.
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
  const std::uint32_t size = std::uint32_t(4 * code.size());
  put32(52 + 0, 1);         // PT_LOAD
  put32(52 + 4, 52 + 32);   // p_offset
  put32(52 + 8, base);      // p_vaddr
  put32(52 + 12, base);
  put32(52 + 16, size);     // p_filesz
  put32(52 + 20, size + bss);
  put32(52 + 24, 7);        // RWX
  put32(52 + 28, 4);
  for (std::uint32_t w : code)
    for (int i = 0; i < 4; ++i) f.push_back(std::uint8_t(w >> 8 * i));
  return f;
}

// A scratch file of this process (the test program may run twice at once).
inline std::string scratch_file(const std::string& name, const std::vector<std::uint8_t>& bytes) {
  const std::string path = ::testing::TempDir() + "rv32-" + std::to_string(::getpid()) + "-" + name;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  return path;
}

// build/<preset>/bin, where this test program and rv32-sim are.
inline std::filesystem::path bin_dir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : exe.parent_path();
}
// The cross-compiled programs, or "" when they were not built.
inline std::filesystem::path programs_dir() {
  const auto dir = bin_dir() / "rv32-programs";
  return std::filesystem::exists(dir / "crc32.elf") ? dir : std::filesystem::path();
}
inline const char* kNoCrossCompiler =
    "the RV32I programs were not built: riscv64-unknown-elf-gcc was not found when the build was configured. "
    "Install it with `tools/labctl deps` (or apt-get install gcc-riscv64-unknown-elf), then configure and build again";

}  // namespace rv32_test
