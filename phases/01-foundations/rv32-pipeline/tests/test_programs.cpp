// The programs the rv32 lab cross-compiles (sorting, CRC-32, a matrix
// multiply, a bytecode interpreter, the ISA's corners), each run once on the
// core from its ELF file: every retired instruction equal to the ISA
// simulator's commit log, the same output and exit code, and the cycles
// accounted for (instructions + fill + the cycles each hazard cost). Prints
// the CPI of each. Skipped where the cross compiler was not found.
#include <gtest/gtest.h>

#include <labkit/hdl.hpp>
#include <unistd.h>

#include "core_tb.hpp"
#include "hdl_models.hpp"

namespace rv32_pipeline::programs {

using Dut = rv32_pipeline::LABKIT_IMPL::Vrv32_core;

class Programs : public ::testing::TestWithParam<const char*> {};

TEST_P(Programs, RetireLikeTheSimulator) {
  const std::string path = std::string(kProgramsDir) + "/" + GetParam() + ".elf";
  if (::access(path.c_str(), R_OK) != 0)
    GTEST_SKIP() << path << " was not built: riscv64-unknown-elf-gcc was not found when the build was configured. "
                 << "Install it with `tools/labctl deps` (or apt-get install gcc-riscv64-unknown-elf), then configure "
                 << "and build again";
  labkit::hdl::run_testbench([&] {
    labkit::hdl::Sim<Dut> sim;
    CoreRun<Dut> core(sim);
    core.load_elf_file(path);
    const CoreReport r = core.run();
    ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
    EXPECT_EQ(r.cycles, r.accounted()) << "the cycles do not add up: " << r.summary(GetParam());
    EXPECT_FALSE(r.out.empty()) << "the program printed nothing";
    std::printf("[ cpi ] %s\n", r.summary(GetParam()).c_str());
  });
}

// Small builds of each (the -O0 and -Os variants and matmul at N=9 are the
// smaller ones); the bench runs all ten.
INSTANTIATE_TEST_SUITE_P(Compiled, Programs,
                         ::testing::Values("sort-o0", "crc32-os", "matmul-o1", "interp-o0", "corners"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

}  // namespace rv32_pipeline::programs
