// CPI of the core on each of the rv32 lab's programs, for the reference hazard
// unit and yours (metric "cpi", case = the program, size 1), with the cycles
// each hazard cost as further counts. Simulated cycles, not wall time: the
// same on every machine. A run whose retire stream differs from the ISA
// simulator's is reported as wrong and gets no count.
#include <gtest/gtest-spi.h>

#include <labkit/harness.hpp>
#include <labkit/hdl.hpp>
#include <map>
#include <memory>
#include <stdexcept>
#include <unistd.h>

#include "core_tb.hpp"
#include "hdl_models.hpp"

namespace {

template <class Dut>
rv32_pipeline::CoreReport run_program(const std::string& name) {
  const std::string path = std::string(rv32_pipeline::kProgramsDir) + "/" + name + ".elf";
  ::testing::TestPartResultArray ignored;  // the testbench reports through GoogleTest; here the error string counts
  ::testing::ScopedFakeTestPartResultReporter quiet(::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ALL_THREADS,
                                                    &ignored);
  typename labkit::hdl::Sim<Dut>::Options options;
  options.name = "bench-" + name;
  labkit::hdl::Sim<Dut> sim(options);
  rv32_pipeline::CoreRun<Dut> core(sim);
  core.load_elf_file(path);
  return core.run();
}

// Each (implementation, program) simulated once, whichever count asks first;
// a wrong run throws the first line of its difference (labctl test shows the rest).
template <class Dut>
const rv32_pipeline::CoreReport& cached(const std::string& name) {
  static std::map<std::string, std::unique_ptr<rv32_pipeline::CoreReport>> runs;
  auto& slot = runs[name];
  if (!slot) slot = std::make_unique<rv32_pipeline::CoreReport>(run_program<Dut>(name));
  if (!slot->error.empty())
    throw std::runtime_error(name + ": " + slot->error.substr(0, slot->error.find('\n')) +
                             " (tools/labctl test rv32-pipeline shows both states)");
  return *slot;
}

}  // namespace

int main(int argc, char** argv) {
  labkit::Harness h("rv32-pipeline", argc, argv);
  const std::vector<std::string> all = {"sort", "sort-o0", "crc32", "crc32-os", "matmul",
                                        "matmul-o1", "interp", "interp-o0", "corners", "corners-o0"};
  const std::vector<std::string> programs =
      h.smoke() ? std::vector<std::string>{"corners"} : all;
  if (::access((std::string(rv32_pipeline::kProgramsDir) + "/corners.elf").c_str(), R_OK) != 0) {
    std::fprintf(stderr, "rv32-pipeline bench: the rv32 programs were not built (riscv64-unknown-elf-gcc not found); "
                         "install it with tools/labctl deps, then configure and build again\n");
    return h.run();
  }
  using Ref = rv32_pipeline::reference::Vrv32_core;
  using Stu = rv32_pipeline::student::Vrv32_core;
  for (const std::string& p : programs) {
    auto add = [&](const char* impl, labkit::Role role, auto get) {
      h.add_count(p, 1, impl, role, "cpi", [=] { return get(p).cpi(); });
      h.add_count(p, 1, impl, role, "load_use_cycles", [=] { return double(get(p).load_use); });
      h.add_count(p, 1, impl, role, "flush_cycles", [=] { return double(get(p).flush_cycles()); });
      h.add_count(p, 1, impl, role, "instructions", [=] { return double(get(p).retired); });
    };
    add("reference", labkit::Role::reference, [](const std::string& n) -> const rv32_pipeline::CoreReport& { return cached<Ref>(n); });
    add("student", labkit::Role::student, [](const std::string& n) -> const rv32_pipeline::CoreReport& { return cached<Stu>(n); });
  }
  return h.run();
}
