// Parsing resource usage: ptxas output captured on the project machine, and
// cuobjdump's format. No GPU involved.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "labkit/cuda.hpp"

using namespace labkit::cuda;

// The data folder: compiled in, or LABKIT_CUDA_TEST_DATA when the binary runs
// from another checkout (tools/device_check.sh sets it).
static std::string read_data(const std::string& name) {
  const char* env = std::getenv("LABKIT_CUDA_TEST_DATA");
  const std::string dir = env && *env ? env : LABKIT_CUDA_TEST_DATA;
  std::ifstream in(dir + "/" + name);
  EXPECT_TRUE(in) << "missing test data " << name;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ptxas_sm75_sm90.txt: `nvcc --resource-usage` of tests/data/ptxas_sample_source.cu
// for sm_75 and sm_90 (CUDA 13.0), with -maxrregcount=24 so one kernel spills.
TEST(ParsePtxas, EveryEntryFunctionOncePerArchitectureInOrder) {
  const auto k = parse_resource_usage(read_data("ptxas_sm75_sm90.txt"));
  ASSERT_EQ(k.size(), 6u) << "3 kernels x 2 architectures; the non-entry helper() is not a kernel";
  EXPECT_EQ(k[0].arch, 75);
  EXPECT_EQ(k[3].arch, 90);
  EXPECT_EQ(k[2].name, "demo::saxpy_kernel");
  EXPECT_EQ(k[5].name, "demo::saxpy_kernel");
  for (const auto& x : k) EXPECT_EQ(x.name.find("helper"), std::string::npos);
}

TEST(ParsePtxas, RegistersSharedMemoryBarriersAndConstants) {
  const auto k = parse_resource_usage(read_data("ptxas_sm75_sm90.txt"));
  ASSERT_EQ(k.size(), 6u);
  const auto& tile = k[1];  // "Used 12 registers, used 1 barriers, 4224 bytes smem, 372 bytes cmem[0]"
  EXPECT_EQ(tile.registers, 12);
  EXPECT_EQ(tile.barriers, 1);
  EXPECT_EQ(tile.static_shared_bytes, 4224);  // float[32][33]
  EXPECT_EQ(tile.constant_bytes, 372);
  EXPECT_EQ(tile.spill_bytes(), 0);
  const auto& saxpy90 = k[5];  // "Used 10 registers, used 0 barriers" (sm_90 prints no cmem)
  EXPECT_EQ(saxpy90.registers, 10);
  EXPECT_EQ(saxpy90.barriers, 0);
  EXPECT_EQ(saxpy90.constant_bytes, -1);
  EXPECT_EQ(saxpy90.static_shared_bytes, 0);
}

TEST(ParsePtxas, SpillsAndStackFrameBelongToTheirKernel) {
  const auto k = parse_resource_usage(read_data("ptxas_sm75_sm90.txt"));
  ASSERT_EQ(k.size(), 6u);
  // "224 bytes stack frame, 44 bytes spill stores, 44 bytes spill loads" / "Used 23 registers"
  EXPECT_EQ(k[0].registers, 23);
  EXPECT_EQ(k[0].stack_frame_bytes, 224);
  EXPECT_EQ(k[0].spill_store_bytes, 44);
  EXPECT_EQ(k[0].spill_load_bytes, 44);
  EXPECT_EQ(k[0].spill_bytes(), 88);
  EXPECT_EQ(k[3].spill_bytes(), 32);  // sm_90: 16 + 16
  EXPECT_EQ(k[3].registers, 24);
  EXPECT_EQ(k[1].stack_frame_bytes, 0);
}

TEST(ParsePtxas, NamesAreDemangledAndSplit) {
  const auto k = parse_resource_usage(read_data("ptxas_sm75_sm90.txt"));
  ASSERT_EQ(k.size(), 6u);
  EXPECT_EQ(k[1].mangled, "_ZN4demo11tile_kernelILb1EEEvPKfPfi");
  EXPECT_EQ(k[1].signature, "void demo::tile_kernel<true>(float const*, float*, int)");
  EXPECT_EQ(k[1].name, "demo::tile_kernel");
  EXPECT_EQ(k[1].template_args, "<true>");
  EXPECT_EQ(k[1].short_name(), "tile_kernel<true>");
  EXPECT_EQ(k[2].signature, "demo::saxpy_kernel(float, float const*, float*, int)");
  EXPECT_EQ(k[2].short_name(), "saxpy_kernel");
  // A kernel in an anonymous namespace keeps a readable name.
  EXPECT_EQ(k[0].name, "demo::{anonymous}::hungry_kernel");
}

TEST(ParseCuobjdump, FunctionsAndCountsPerArch) {
  // The layout `cuobjdump --dump-resource-usage` prints (written by hand:
  // the project machine's toolkit has no cuobjdump).
  const auto k = parse_resource_usage(read_data("cuobjdump_sm80.txt"));
  ASSERT_EQ(k.size(), 3u);
  EXPECT_EQ(k[0].arch, 80);
  EXPECT_EQ(k[0].name, "demo::tile_kernel");
  EXPECT_EQ(k[0].registers, 12);
  EXPECT_EQ(k[0].static_shared_bytes, 4224);
  EXPECT_EQ(k[0].constant_bytes, 372);
  EXPECT_EQ(k[0].spill_bytes(), 0);
  EXPECT_EQ(k[1].registers, 10);
  // cuobjdump reports local memory, not spills: spill_bytes() falls back to it.
  EXPECT_EQ(k[2].name, "spill_kernel");  // extern "C": nothing to demangle
  EXPECT_EQ(k[2].stack_frame_bytes, 208);
  EXPECT_EQ(k[2].local_bytes, 208);
  EXPECT_EQ(k[2].spill_store_bytes, -1);
  EXPECT_EQ(k[2].spill_bytes(), 208);
}

TEST(Parse, IgnoresUnrelatedTextAndEmptyInput) {
  EXPECT_TRUE(parse_resource_usage("").empty());
  EXPECT_TRUE(parse_resource_usage("warning: something\nerror: else\n").empty());
  // An "Used" line with no entry function before it is ignored.
  EXPECT_TRUE(parse_resource_usage("ptxas info    : Used 10 registers\n").empty());
}

TEST(ParseArch, AcceptsTheUsualSpellings) {
  EXPECT_EQ(parse_arch("sm_86"), 86);
  EXPECT_EQ(parse_arch("86"), 86);
  EXPECT_EQ(parse_arch("8.6"), 86);
  EXPECT_EQ(parse_arch("compute_90"), 90);
  EXPECT_EQ(parse_arch("sm_90'"), 90);
  EXPECT_EQ(parse_arch("gpu"), -1);
}

TEST(ResourceRows, JoinLaunchesAndPickTheSassATargetGpuRuns) {
  const auto k = parse_resource_usage(read_data("ptxas_sm75_sm90.txt"));
  const std::vector<KernelLaunch> launches = {{"demo::tile_kernel", "tile", "reference", 1024, 0},
                                              {"demo::saxpy_kernel", "saxpy", "reference", 256, 0}};
  const auto rows = resource_rows(k, launches);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0].launch, nullptr);  // hungry_kernel is not in the table: block size unknown
  EXPECT_FALSE(rows[0].occupancy.has_value());
  ASSERT_TRUE(rows[1].occupancy.has_value());
  EXPECT_EQ(rows[1].block_threads, 1024);
  // sm_75, 1024 threads (32 warps) = the SM's maximum: one block, 100%.
  EXPECT_EQ(rows[1].occupancy->blocks_per_sm, 1);
  EXPECT_DOUBLE_EQ(rows[1].occupancy->fraction, 1.0);

  // An sm_86 GPU runs the sm_75 SASS here (no sm_80/86 was compiled); an
  // sm_90 GPU runs the sm_90 SASS.
  const auto on86 = resource_rows(k, launches, 86);
  ASSERT_EQ(on86.size(), 0u) << "sm_75 SASS does not run on sm_86: only the same major version does";
  const auto on90 = resource_rows(k, launches, 90);
  ASSERT_EQ(on90.size(), 3u);
  for (const auto& r : on90) EXPECT_EQ(r.resources.arch, 90);

  const auto worst = worst_case(rows, "tile", "reference");
  EXPECT_EQ(worst.kernels, 2);
  EXPECT_EQ(worst.registers, 12);
  EXPECT_EQ(worst.spill_bytes, 0);
  // sm_90: 1024 threads = 32 of 64 warps per block, 12 registers, 4224 B
  // shared: two blocks fit, 64 warps, 100%. sm_75: one block of 32, 100%.
  EXPECT_DOUBLE_EQ(worst.occupancy, 1.0);
  EXPECT_EQ(worst_case(rows, "nothing", "reference").kernels, 0);
}
