// rv32's machinery around a decoder and an ALU: memory, the ELF loader, the
// Linux system calls, the commit log and branch trace, the other branch
// predictors, and the rv32-sim command line. Not a student file: it runs
// whichever decode()/alu()/branch_taken() it is handed.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "rv32.hpp"

namespace rv32 {

// The three functions a learner writes, as the simulator calls them.
struct Isa {
  Decoded (*decode)(std::uint32_t word);
  std::uint32_t (*alu)(Op op, std::uint32_t a, std::uint32_t b);
  bool (*branch_taken)(Op op, std::uint32_t a, std::uint32_t b);
};

// Anything that stops a simulation other than the program's own exit: a bad
// ELF file, an illegal instruction, an access outside the program's memory,
// a jump to a misaligned address, an unsupported system call, the
// instruction limit. what() names the file or the pc, and the fix.
class SimError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One retired conditional branch (beq ... bgeu): its address, where it goes
// when taken, and whether it was.
struct BranchRecord {
  std::uint32_t pc = 0, target = 0;
  bool taken = false;
};

// Where the loader puts things (the program's own segments go where its ELF
// file says, usually from 0x10000 up).
constexpr std::uint32_t kStackTop = 0x80000000u;          // the stack grows down from here (unless the
                                                          // program's segments are there: then higher up)
constexpr std::uint32_t kStackBytes = 8u << 20;           // 8 MiB, like Linux's default limit
constexpr std::uint64_t kDefaultMaxInstructions = 500'000'000;

// A sparse 32-bit address space of 4 KiB pages. Only mapped pages can be
// read or written: the program's segments, its stack and its heap (brk).
class Memory {
 public:
  Memory();
  ~Memory();
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;

  // Makes [address, address + bytes) readable and writable, zero-filled
  // (pages are allocated on first touch).
  void map(std::uint32_t address, std::uint32_t bytes);
  bool mapped(std::uint32_t address) const;
  // Little-endian, any alignment (an access may straddle two pages). An
  // unmapped byte throws SimError naming `what` ("load", "store", "fetch").
  std::uint32_t read(std::uint32_t address, int bytes, const char* what = "load");
  void write(std::uint32_t address, int bytes, std::uint32_t value, const char* what = "store");
  void write_bytes(std::uint32_t address, const std::uint8_t* data, std::size_t n);

 private:
  static constexpr int kPageBits = 12;
  using Page = std::array<std::uint8_t, 1u << kPageBits>;
  using Leaf = std::array<std::unique_ptr<Page>, 1024>;
  std::uint8_t* page(std::uint32_t address, const char* what);
  std::array<std::unique_ptr<Leaf>, 1024> root_;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> ranges_;  // mapped [begin, end)
};

// The simulated RV32I hart and the Linux process around it (system calls:
// write 64, exit 93, exit_group 94, brk 214; the number in a7, arguments in
// a0..a2, the result in a0, errors as -errno, as qemu-riscv32 runs it).
//
// Misaligned accesses: loads and stores may use any address (as under
// qemu-riscv32 and Linux, which emulate them); a jump or taken branch to an
// address that is not a multiple of 4 stops the simulation (RV32I without
// the C extension raises instruction-address-misaligned there).
class Machine {
 public:
  explicit Machine(Isa isa);
  ~Machine();

  // Loads a statically linked ELF32 RISC-V executable and sets up the
  // process: its segments, the stack (argc = 1, argv = {name}, no
  // environment; below kStackTop, or below the first of 0xc0000000,
  // 0x40000000, 0xf0000000 that no segment overlaps), brk just past the
  // highest segment, pc = the entry point.
  // Throws SimError naming `name` and what is wrong with it.
  void load_elf_file(const std::string& path);
  void load_elf(const std::vector<std::uint8_t>& bytes, const std::string& name);
  // For tests: code at `base` (one page more is mapped after it), the same
  // stack, pc = base.
  void load_code(std::uint32_t base, const std::vector<std::uint32_t>& words);

  std::uint32_t reg(int i) const { return x_[i]; }
  void set_reg(int i, std::uint32_t v) { if (i != 0) x_[i] = v; }
  std::uint32_t pc() const { return pc_; }
  void set_pc(std::uint32_t pc) { pc_ = pc; }
  Memory& memory() { return mem_; }

  // Where write(1, ...) and write(2, ...) go; nullptr (the default) keeps
  // them in stdout_text() and stderr_text().
  void set_output(std::ostream* out, std::ostream* err) { out_ = out, err_ = err; }
  const std::string& stdout_text() const { return captured_[0]; }
  const std::string& stderr_text() const { return captured_[1]; }
  // One line per retired instruction (format: README, "The commit log").
  void set_commit_log(std::ostream* log) { commit_log_ = log; }
  // Called for every retired conditional branch.
  void set_branch_observer(std::function<void(const BranchRecord&)> f) { on_branch_ = std::move(f); }

  // Executes one instruction. Returns false once the program has exited.
  bool step();
  // Runs until the program exits; throws SimError at max_instructions
  // ("instruction limit of N reached at pc 0x...").
  void run(std::uint64_t max_instructions = kDefaultMaxInstructions);

  bool exited() const { return exited_; }
  int exit_code() const { return exit_code_; }
  std::uint64_t instructions() const { return retired_; }

 private:
  [[noreturn]] void fail(const std::string& what) const;
  void jump(std::uint32_t target, const Decoded& d);
  void syscall();
  void setup_stack(const std::string& name, std::uint32_t top);

  Isa isa_;
  Memory mem_;
  std::array<std::uint32_t, 32> x_{};
  std::uint32_t pc_ = 0, next_pc_ = 0, word_ = 0;
  std::uint32_t brk_start_ = 0, brk_ = 0, brk_limit_ = 0;
  bool exited_ = false;
  int exit_code_ = 0;
  std::uint64_t retired_ = 0;
  std::ostream* out_ = nullptr;
  std::ostream* err_ = nullptr;
  std::string captured_[2];
  std::ostream* commit_log_ = nullptr;
  std::function<void(const BranchRecord&)> on_branch_;
};

// ---- Branch predictors given with the lab (sim/predictors.cpp) ----------------
//
// Each sizes its tables to `budget_bits` of counters or weights (the
// largest power-of-two tables that fit); history registers come on top,
// and storage_bits() counts them too. README, "Branch prediction", says how
// each one works.
std::unique_ptr<Predictor> make_not_taken();
std::unique_ptr<Predictor> make_btfn();           // backward taken, forward not taken
std::unique_ptr<Predictor> make_bimodal(std::uint64_t budget_bits);
std::unique_ptr<Predictor> make_tournament(std::uint64_t budget_bits);
std::unique_ptr<Predictor> make_perceptron(std::uint64_t budget_bits);

// The conditional branches of one run, in order, and how many instructions it retired.
struct BranchTrace {
  std::vector<BranchRecord> branches;
  std::uint64_t instructions = 0;
};
// Runs the ELF file to its exit with `isa` and records its branches.
BranchTrace trace_program(const Isa& isa, const std::string& elf_path,
                          std::uint64_t max_instructions = kDefaultMaxInstructions);
// Mispredictions of `p` over the trace (predict, then update, per branch).
std::uint64_t count_mispredictions(Predictor& p, const BranchTrace& t);
// Mispredictions per 1000 retired instructions.
inline double mpki(std::uint64_t mispredictions, std::uint64_t instructions) {
  return instructions ? 1000.0 * double(mispredictions) / double(instructions) : 0.0;
}

// ---- The command line (sim/cli.cpp) ------------------------------------------------

struct Implementations {
  const Isa* reference = nullptr;  // nullptr in a handout without the reference
  Isa student{};
  std::unique_ptr<Predictor> (*reference_gshare)(std::uint64_t) = nullptr;
  std::unique_ptr<Predictor> (*student_gshare)(std::uint64_t) = nullptr;
};
// rv32-sim's main: returns the program's exit code, or 125 when the
// simulation stopped on an error (printed to `err`), 2 for a usage error.
int cli_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const Implementations& impls);

}  // namespace rv32
