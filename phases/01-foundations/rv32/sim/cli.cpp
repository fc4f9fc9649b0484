// rv32-sim's command line: run one ELF file, optionally writing the commit
// log and the branch trace, and scoring the branch predictors on it.
#include <charconv>
#include <cstdio>
#include <fstream>
#include <ostream>

#include "sim.hpp"

namespace rv32 {
namespace {

const char* kUsage =
    "usage: rv32-sim PROGRAM.elf [options]\n"
    "  runs a statically linked RV32I ELF file (riscv64-unknown-elf-gcc -march=rv32i -mabi=ilp32 -static)\n"
    "  with Linux's system calls write, exit, exit_group and brk; exits with the program's exit code\n"
    "  (125 when the simulation stops on an error, 2 on a usage error)\n"
    "options:\n"
    "  --commit-log FILE         one line per retired instruction: pc, instruction, register or memory written\n"
    "  --branch-trace FILE       one line per conditional branch: pc, target, taken (1 or 0)\n"
    "  --max-instructions N      stop with an error after N instructions (default 500000000)\n"
    "  --impl reference|student  whose decoder and ALU to run (default reference)\n"
    "  --predictors[=BITS]       print each branch predictor's mispredictions and MPKI on stderr,\n"
    "                            every table sized to BITS of storage (default 8192)\n"
    "  --stats                   print the instructions retired and the branches on stderr\n";

bool parse_u64(const std::string& s, std::uint64_t& v) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

}  // namespace

int cli_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const Implementations& impls) {
  std::string program, commit_path, branch_path, impl = "reference";
  std::uint64_t max_instructions = kDefaultMaxInstructions, budget = 8192;
  bool predictors = false, stats = false;
  auto usage_error = [&](const std::string& what) {
    err << "rv32-sim: " << what << "\n" << kUsage;
    return 2;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& into) {
      if (i + 1 >= args.size()) return false;
      into = args[++i];
      return true;
    };
    std::string v;
    if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    } else if (a == "--commit-log") {
      if (!value(commit_path)) return usage_error("--commit-log needs a file name");
    } else if (a == "--branch-trace") {
      if (!value(branch_path)) return usage_error("--branch-trace needs a file name");
    } else if (a == "--max-instructions") {
      if (!value(v) || !parse_u64(v, max_instructions) || max_instructions == 0)
        return usage_error("--max-instructions needs a positive whole number, e.g. --max-instructions 1000000");
    } else if (a == "--impl") {
      if (!value(impl) || (impl != "reference" && impl != "student"))
        return usage_error("--impl is reference or student");
    } else if (a == "--predictors" || a.rfind("--predictors=", 0) == 0) {
      predictors = true;
      if (a.size() > 12 && (!parse_u64(a.substr(13), budget) || budget < 256))
        return usage_error("--predictors=BITS needs a storage budget of at least 256 bits, e.g. --predictors=8192");
    } else if (a == "--stats") {
      stats = true;
    } else if (!a.empty() && a[0] == '-') {
      return usage_error("unknown option " + a);
    } else if (program.empty()) {
      program = a;
    } else {
      return usage_error("one program at a time (got " + program + " and " + a + ")");
    }
  }
  if (program.empty()) return usage_error("which program? (an ELF file)");
  if (impl == "reference" && !impls.reference)
    return usage_error("this handout has no reference build: use --impl student");
  const Isa& isa = impl == "reference" ? *impls.reference : impls.student;

  std::ofstream commit_log, branch_trace;
  auto open = [&](std::ofstream& f, const std::string& path) {
    if (path.empty()) return true;
    f.open(path);
    if (!f) err << "rv32-sim: cannot write " << path << " (does its folder exist?)\n";
    return bool(f);
  };
  if (!open(commit_log, commit_path) || !open(branch_trace, branch_path)) return 2;

  Machine m(isa);
  m.set_output(&out, &err);
  BranchTrace trace;
  if (commit_log.is_open()) {
    commit_log << "# pc instruction [xN=value written] [mem[address]=value stored], hexadecimal\n";
    m.set_commit_log(&commit_log);
  }
  if (branch_trace.is_open()) branch_trace << "# pc target taken: every conditional branch, in program order\n";
  if (branch_trace.is_open() || predictors || stats)
    m.set_branch_observer([&](const BranchRecord& b) {
      if (predictors || stats) trace.branches.push_back(b);
      if (branch_trace.is_open()) {
        char line[32];
        const int n = std::snprintf(line, sizeof line, "%08x %08x %d\n", b.pc, b.target, b.taken ? 1 : 0);
        branch_trace.write(line, n);
      }
    });
  try {
    m.load_elf_file(program);
    m.run(max_instructions);
  } catch (const SimError& e) {
    out.flush();
    err << "rv32-sim: " << e.what() << "\n";
    return 125;
  }
  out.flush();
  trace.instructions = m.instructions();
  if (branch_trace.is_open()) branch_trace << "# instructions " << m.instructions() << "\n";
  if (stats)
    err << "rv32-sim: " << m.instructions() << " instructions, " << trace.branches.size() << " conditional branches, exit code "
        << m.exit_code() << "\n";
  if (predictors) {
    std::vector<std::unique_ptr<Predictor>> ps;
    ps.push_back(make_not_taken());
    ps.push_back(make_btfn());
    ps.push_back(make_bimodal(budget));
    ps.push_back(impl == "reference" ? impls.reference_gshare(budget) : impls.student_gshare(budget));
    ps.push_back(make_tournament(budget));
    ps.push_back(make_perceptron(budget));
    char line[128];
    std::snprintf(line, sizeof line, "%-12s %12s %14s %10s\n", "predictor", "state bits", "mispredicted", "MPKI");
    err << line;
    for (auto& p : ps) {
      const std::uint64_t wrong = count_mispredictions(*p, trace);
      std::snprintf(line, sizeof line, "%-12s %12llu %14llu %10.3f\n", p->name().c_str(),
                    static_cast<unsigned long long>(p->storage_bits()), static_cast<unsigned long long>(wrong),
                    mpki(wrong, trace.instructions));
      err << line;
    }
  }
  return m.exit_code();
}

}  // namespace rv32
