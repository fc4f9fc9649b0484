// rv32's bench: branch predictors on the branch traces of real programs.
//   <program>/mispredictions   conditional branches each predictor got wrong
//   <program>/mpki             mispredictions per 1000 retired instructions
// for every predictor (not-taken, btfn, bimodal, gshare: the reference's and
// yours, tournament, perceptron), each sized to the same storage budget
// (the size column, in bits). The traces come from the reference simulator
// running the cross-compiled programs (build/<preset>/bin/rv32-programs);
// `synthetic` is a generated trace that needs no cross compiler. Everything
// is a deterministic count, the same on every machine: lab.toml's count
// tasks grade your gshare's mispredictions.
#include <labkit/harness.hpp>
#include <labkit/paths.hpp>

#include <unistd.h>

#include <cstdio>
#include <memory>

#include "sim.hpp"

namespace {

using TraceFn = std::function<std::shared_ptr<const rv32::BranchTrace>()>;

// A trace that behaves like nested loops over data: an outer loop of 50,
// an inner loop whose trip count varies (3 to 10), an if on a pseudo-random
// bit, and an if that repeats the outcome three branches back.
rv32::BranchTrace synthetic_trace(int outer_iterations) {
  rv32::BranchTrace t;
  std::uint32_t lcg = 12345, last = 0;
  auto add = [&](std::uint32_t pc, std::uint32_t target, bool taken) {
    t.branches.push_back({pc, target, taken});
    last = last << 1 | taken;
  };
  for (int o = 0; o < outer_iterations; ++o) {
    const int trips = 3 + o % 8;
    for (int i = 0; i < trips; ++i) {
      lcg = lcg * 1664525u + 1013904223u;
      add(0x10040, 0x10060, (lcg >> 28) & 1);        // if (data bit)
      add(0x10064, 0x10080, (last >> 2) & 1);        // if (what happened two branches ago)
      add(0x10084, 0x10030, i + 1 < trips);          // inner loop back edge
    }
    add(0x100a0, 0x10010, o + 1 < outer_iterations);  // outer loop back edge
  }
  t.instructions = 6 * t.branches.size();
  return t;
}

// Computed on first use, once per run.
TraceFn cached(std::function<rv32::BranchTrace()> make) {
  auto cell = std::make_shared<std::shared_ptr<const rv32::BranchTrace>>();
  return [cell, make] {
    if (!*cell) *cell = std::make_shared<const rv32::BranchTrace>(make());
    return *cell;
  };
}

}  // namespace

int main(int argc, char** argv) {
  labkit::Harness h("rv32", argc, argv);
  const std::string programs = labkit::executable_dir() + "/rv32-programs";
  static const rv32::Isa reference{rv32::reference::decode, rv32::reference::alu, rv32::reference::branch_taken};

  std::vector<std::pair<std::string, TraceFn>> traces;
  traces.emplace_back("synthetic", cached([&h] { return synthetic_trace(h.smoke() ? 20 : 400); }));
  const char* const names[] = {"sort", "crc32", "matmul", "interp"};
  for (const char* name : names) {
    if (h.smoke() && std::string(name) != "crc32") continue;  // --smoke: one small program is enough
    const std::string elf = programs + "/" + name + ".elf";
    if (::access(elf.c_str(), R_OK) != 0) {
      std::fprintf(stderr, "%s: skipped (%s is not built: it needs riscv64-unknown-elf-gcc, tools/labctl deps, then a build)\n",
                   name, elf.c_str());
      continue;
    }
    traces.emplace_back(name, cached([elf] { return rv32::trace_program(reference, elf); }));
  }

  using Make = std::function<std::unique_ptr<rv32::Predictor>(std::uint64_t)>;
  const struct {
    const char* name;
    labkit::Role role;
    Make make;
  } predictors[] = {
      {"not-taken", labkit::Role::baseline, [](std::uint64_t) { return rv32::make_not_taken(); }},
      {"btfn", labkit::Role::baseline, [](std::uint64_t) { return rv32::make_btfn(); }},
      {"bimodal", labkit::Role::baseline, rv32::make_bimodal},
      {"reference", labkit::Role::reference, rv32::reference::make_gshare},  // gshare
      {"student", labkit::Role::student, rv32::student::make_gshare},        // your gshare
      {"tournament", labkit::Role::baseline, rv32::make_tournament},
      {"perceptron", labkit::Role::baseline, rv32::make_perceptron},
  };
  for (const auto& [program, trace] : traces)
    for (const std::int64_t budget : h.sizes({1024, 8192}, {8192}))
      for (const auto& p : predictors) {
        const Make make = p.make;
        const TraceFn t = trace;
        auto wrong = [=] {
          auto predictor = make(std::uint64_t(budget));
          return rv32::count_mispredictions(*predictor, *t());
        };
        h.add_count(program, budget, p.name, p.role, "mispredictions", [=] { return double(wrong()); });
        h.add_count(program, budget, p.name, p.role, "mpki", [=] { return rv32::mpki(wrong(), t()->instructions); });
      }
  return h.run();
}
