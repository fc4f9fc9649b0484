// The testbench around rv32_core, shared by the tests and the bench: a memory
// image loaded from an ELF file (or from hand-encoded words) by the rv32 lab's
// loader, the Linux system calls serviced when an ecall retires, and every
// retired instruction compared with the rv32 lab's ISA simulator (its reference
// decoder and ALU), commit-log line by commit-log line, stopping at the first
// difference with both states printed. Counts the cycles and where they went.
#pragma once
#include <labkit/hdl.hpp>

#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "encode.hpp"
#include "sim.hpp"

namespace rv32_pipeline {

// Where rv32's cross-compiled programs are (a generated source: CMakeLists.txt).
extern const char* const kProgramsDir;

constexpr std::uint32_t kCodeBase = 0x1000;  // hand-encoded programs start here
constexpr std::uint32_t kDataBase = 0x20000; // and may load and store in this page
constexpr std::uint32_t kFill = 4;           // cycles before the first instruction retires

inline rv32::Isa golden_isa() { return {rv32::reference::decode, rv32::reference::alu, rv32::reference::branch_taken}; }

// One run of a program on the core: where its cycles went.
struct CoreReport {
  std::string error;                 // "" when every retired instruction matched the simulator, to the exit
  std::uint64_t cycles = 0;          // from reset to the cycle the exit ecall retired
  std::uint64_t retired = 0;         // instructions, the exit ecall included
  std::uint64_t load_use = 0;        // cycles stalled: a load's value used by the next instruction
  std::uint64_t ecall_wait = 0;      // cycles stalled behind an ecall (the exit's own two included)
  std::uint64_t flushes = 0;         // taken branches and jumps: two fetched instructions squashed each
  std::uint64_t branches = 0, taken = 0, jumps = 0;
  int exit_code = -1;
  std::string out;                   // what the program wrote to stdout and stderr

  double cpi() const { return retired ? double(cycles) / double(retired) : 0.0; }
  // Cycles lost to each kind of hazard; with the pipeline's fill they add up
  // to cycles - retired (the exit ecall's own wait comes after the end).
  std::uint64_t flush_cycles() const { return 2 * flushes; }
  std::uint64_t ecall_cycles() const { return ecall_wait >= 2 ? ecall_wait - 2 : 0; }
  std::uint64_t accounted() const { return retired + kFill + load_use + ecall_cycles() + flush_cycles(); }
  std::string summary(const std::string& name) const {
    char buf[400];
    std::snprintf(buf, sizeof buf,
                  "%-10s %9llu instructions %9llu cycles  CPI %.3f  load-use %llu  branch/jump flushes %llu x 2 = %llu  "
                  "ecall %llu  fill %u",
                  name.c_str(), (unsigned long long)retired, (unsigned long long)cycles, cpi(),
                  (unsigned long long)load_use, (unsigned long long)flushes, (unsigned long long)flush_cycles(),
                  (unsigned long long)ecall_cycles(), kFill);
    return buf;
  }
};

inline std::string hex8(std::uint32_t v) {
  char buf[12];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

template <class Dut>
class CoreRun {
 public:
  explicit CoreRun(labkit::hdl::Sim<Dut>& sim) : sim_(sim), golden_(golden_isa()), image_(golden_isa()) {
    golden_.set_commit_log(&log_);
  }

  // The same ELF file into the simulator and into the core's memory image.
  void load_elf_file(const std::string& path) {
    golden_.load_elf_file(path);
    image_.load_elf_file(path);
  }
  // Words at kCodeBase, then exit(a0); the page at kDataBase mapped.
  void load_code(std::vector<std::uint32_t> code) {
    code.push_back(rv32::enc::addi(17, 0, 93));
    code.push_back(rv32::enc::ecall());
    for (rv32::Machine* m : {&golden_, &image_}) {
      m->load_code(kCodeBase, code);
      m->memory().map(kDataBase, 4096);
    }
  }

  // Resets the core and runs it to the program's exit (or the first difference,
  // or max_cycles). Failures are reported through the Sim (GoogleTest), each
  // naming the TODO it most likely comes from; the report's error says the same.
  CoreReport run(std::uint64_t max_cycles = 20'000'000) {
    CoreReport r;
    for (int i = 0; i < 32; ++i) shadow_[i] = golden_.reg(i);
    sim_->boot_pc = golden_.pc();
    sim_->boot_sp = golden_.reg(2);
    sim_->imem_rdata = 0;
    sim_->dmem_rdata = 0;
    sim_->ecall_result = 0;
    sim_.reset();
    std::uint64_t idle = 0;
    bool exited = false;
    while (!exited) {
      ++r.cycles;
      if (r.cycles > max_cycles) return fail(r, "the core ran " + std::to_string(max_cycles) +
                                                    " cycles without reaching the program's exit", "load-use");
      // The memories answer this cycle's addresses (both are registers in the core).
      serve_memory(r);
      if (!r.error.empty()) return r;
      r.load_use += sim_->ev_load_use;
      r.ecall_wait += sim_->ev_ecall_wait;
      r.flushes += sim_->ev_flush;
      if (sim_->retire_valid) {
        idle = 0;
        if (!retire(r, exited)) return r;
      } else if (++idle > 64) {
        return fail(r, "nothing retired for 64 cycles (pipeline: " + pipeline() +
                           "): does a stall never end? Check stall_load_use", "load-use");
      }
      if (!exited) sim_.tick();
    }
    r.exit_code = golden_.exit_code();
    if (r.out != golden_.stdout_text() + golden_.stderr_text())
      return fail(r, "the program's output differs from the simulator's", "forward");
    return r;
  }

 private:
  CoreReport& fail(CoreReport& r, const std::string& what, std::string_view topic) {
    r.error = what;
    sim_.fail("retire", what, topic);
    return r;
  }

  std::string pipeline() {
    const unsigned v = sim_->pipe_valid;
    auto stage = [&](const char* name, unsigned bit, std::uint32_t pc) {
      return std::string(name) + " " + ((v >> bit) & 1 ? hex8(pc) : std::string("bubble"));
    };
    return stage("ID", 3, sim_->pipe_pc_id) + ", " + stage("EX", 2, sim_->pipe_pc_ex) + ", " +
           stage("MEM", 1, sim_->pipe_pc_mem) + ", " + stage("WB", 0, sim_->retire_pc);
  }

  void serve_memory(CoreReport& r) {
    try {
      sim_->imem_rdata = image_.memory().read(sim_->imem_addr, 4, "fetch");
    } catch (const rv32::SimError&) {
      sim_->imem_rdata = 0;  // a wrong-path fetch past the program: an illegal word, squashed before it retires
    }
    const int bytes = 1 << sim_->dmem_size;
    try {
      if (sim_->dmem_re) sim_->dmem_rdata = image_.memory().read(sim_->dmem_addr, bytes, "load");
      sim_.eval();  // one settle for both: neither address depends on what the other memory returns
      if (sim_->dmem_we) image_.memory().write(sim_->dmem_addr, bytes, sim_->dmem_wdata, "store");
    } catch (const rv32::SimError& e) {
      fail(r, std::string("the core's data access by the instruction at ") + hex8(sim_->pipe_pc_mem) +
                  " failed: " + e.what() + " (pipeline: " + pipeline() + ")", "forward");
    }
  }

  // The Linux system call of the ecall retiring now, from the registers of
  // everything older (shadow_): write (64) and exit (93, 94), as rv32-sim has them.
  bool syscall(CoreReport& r, bool& exited) {
    const std::uint32_t number = shadow_[17], a0 = shadow_[10], a1 = shadow_[11], a2 = shadow_[12];
    std::uint32_t result = 0;
    if (number == 64) {
      if (a0 == 1 || a0 == 2) {
        for (std::uint32_t i = 0; i < a2; ++i) r.out += char(image_.memory().read(a1 + i, 1, "write() of a buffer"));
        result = a2;
      } else {
        result = std::uint32_t(-9);  // -EBADF
      }
    } else if (number == 93 || number == 94) {
      exited = true;
    } else {
      fail(r, "unsupported system call " + std::to_string(number) + " (a7) at " + hex8(sim_->retire_pc) +
                  "; this testbench has write (64) and exit (93, 94)", "forward");
      return false;
    }
    sim_->ecall_result = result;
    sim_.eval();
    return true;
  }

  bool retire(CoreReport& r, bool& exited) {
    if (sim_->retire_ecall && !syscall(r, exited)) return false;
    const std::uint32_t pc = sim_->retire_pc, word = sim_->retire_insn;
    std::string core = hex8(pc) + " " + hex8(word);
    const bool writes = sim_->retire_rd_we && !exited;  // the simulator logs no a0 for exit
    if (writes) core += " x" + std::to_string(int(sim_->retire_rd)) + "=" + hex8(sim_->retire_rd_value);
    if (sim_->retire_store) {
      const int digits = 2 << sim_->retire_store_size;
      char buf[40];
      std::snprintf(buf, sizeof buf, " mem[%08x]=%0*x", sim_->retire_store_addr, digits, sim_->retire_store_value);
      core += buf;
    }
    std::uint32_t before[32];
    for (int i = 0; i < 32; ++i) before[i] = golden_.reg(i);
    const std::uint32_t golden_pc = golden_.pc();
    log_.str("");
    try {
      golden_.step();
    } catch (const rv32::SimError& e) {
      fail(r, "instruction #" + std::to_string(r.retired + 1) + ": the ISA simulator stopped: " + e.what() +
                  "\n  core retired: " + core, "forward");
      return false;
    }
    std::string want = log_.str();
    if (!want.empty() && want.back() == '\n') want.pop_back();
    if (core != want) {
      report_difference(r, core, want, golden_pc, before);
      return false;
    }
    ++r.retired;
    const rv32::Decoded d = rv32::reference::decode(word);
    if (d.op >= rv32::Op::beq && d.op <= rv32::Op::bgeu) {
      ++r.branches;
      r.taken += golden_.pc() != pc + 4;
    }
    r.jumps += d.op == rv32::Op::jal || d.op == rv32::Op::jalr;
    if (writes) shadow_[sim_->retire_rd] = sim_->retire_rd_value;
    prev_pc_ = pc;
    prev_next_pc_ = golden_.pc();
    prev_prev_load_rd_ = prev_load_rd_;
    prev_load_rd_ = d.op >= rv32::Op::lb && d.op <= rv32::Op::lhu ? d.rd : 0;
    prev_rs1_ = d.rs1, prev_rs2_ = d.rs2;
    return true;
  }

  void report_difference(CoreReport& r, const std::string& core, const std::string& want, std::uint32_t golden_pc,
                         const std::uint32_t* before) {
    const std::uint32_t pc = sim_->retire_pc;
    const rv32::Decoded got = rv32::reference::decode(sim_->retire_insn);
    const rv32::Decoded exp = rv32::reference::decode(golden_.memory().read(golden_pc, 4, "fetch"));
    std::string topic = "forward", why;
    if (pc != golden_pc) {
      if (r.retired > 0 && prev_next_pc_ != prev_pc_ + 4 && pc == prev_pc_ + 4) {
        topic = "flush";
        why = "the instruction after a taken branch or jump retired: it was fetched on the not-taken guess and "
              "should have been squashed";
      } else if (prev_prev_load_rd_ != 0 && (prev_rs1_ == prev_prev_load_rd_ || prev_rs2_ == prev_prev_load_rd_)) {
        topic = "load-use";
        why = "the core went elsewhere: the branch or jump before it reads x" + std::to_string(prev_prev_load_rd_) +
              ", loaded by the instruction just before that";
      } else {
        why = "the core went elsewhere: was the branch or jump before it decided on stale register values?";
      }
    } else if (prev_load_rd_ != 0 && (exp.rs1 == prev_load_rd_ || exp.rs2 == prev_load_rd_)) {
      topic = "load-use";
      why = "it reads x" + std::to_string(prev_load_rd_) + ", loaded by the instruction just before it";
    } else {
      why = "a value differs: was a source operand taken from the register file while a newer value was in MEM or WB?";
    }
    std::ostringstream m;
    m << "instruction #" << r.retired + 1 << " differs from the ISA simulator's commit log (" << why << ")\n"
      << "  core:      " << core << "   " << rv32::to_string(got) << "\n"
      << "  simulator: " << want << "   " << rv32::to_string(exp) << "\n"
      << "  registers after it, core | simulator (* differs; # differed already before it):\n";
    std::uint32_t core_regs[32];
    for (int i = 0; i < 32; ++i) core_regs[i] = shadow_[i];
    if (sim_->retire_rd_we) core_regs[sim_->retire_rd] = sim_->retire_rd_value;
    for (int row = 0; row < 8; ++row) {
      m << "   ";
      for (int col = 0; col < 4; ++col) {
        const int i = row + 8 * col;
        const char mark = shadow_[i] != before[i] ? '#' : core_regs[i] != golden_.reg(i) ? '*' : ' ';
        char buf[48];
        std::snprintf(buf, sizeof buf, " %cx%-2d %08x|%08x", mark, i, core_regs[i], golden_.reg(i));
        m << buf;
      }
      m << "\n";
    }
    m << "  core pipeline now: " << pipeline();
    fail(r, m.str(), topic);
  }

  labkit::hdl::Sim<Dut>& sim_;
  rv32::Machine golden_;  // the ISA simulator, one step per retired instruction
  rv32::Machine image_;   // the core's memory (the same loader, so the same image)
  std::ostringstream log_;
  std::uint32_t shadow_[32] = {};  // the core's registers, from its retire port
  std::uint32_t prev_pc_ = 0, prev_next_pc_ = 0;
  int prev_load_rd_ = 0, prev_prev_load_rd_ = 0, prev_rs1_ = 0, prev_rs2_ = 0;
};

}  // namespace rv32_pipeline
