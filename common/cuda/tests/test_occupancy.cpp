// Theoretical occupancy against answers worked out by hand from the rules in
// labkit/cuda.hpp (the CUDA Occupancy Calculator's). Each comment shows the
// arithmetic, so a failing case can be checked on paper.
#include <gtest/gtest.h>

#include "labkit/cuda.hpp"

using namespace labkit::cuda;

static Occupancy occ(int arch, int regs, int smem, int block) {
  const ArchLimits* l = arch_limits(arch);
  EXPECT_NE(l, nullptr) << "sm_" << arch;
  return l ? occupancy(*l, regs, smem, block) : Occupancy{};
}

TEST(Occupancy, TableCoversTheIssuesArchitectures) {
  for (int a : {75, 80, 86, 89, 90}) EXPECT_NE(arch_limits(a), nullptr) << "sm_" << a;
  EXPECT_EQ(arch_limits(70), nullptr);
  EXPECT_EQ(arch_limits(80)->max_warps_per_sm, 64);  // 2048 threads
  EXPECT_EQ(arch_limits(86)->max_warps_per_sm, 48);  // 1536 threads
  EXPECT_EQ(arch_limits(75)->max_warps_per_sm, 32);  // 1024 threads
}

TEST(Occupancy, Sm80FullWith32Registers) {
  // 256 threads = 8 warps. Registers: 32 x 32 = 1024 per warp; a sub-partition
  // holds 65536 / 4 = 16384, so 16 warps each, 64 per SM = 8 blocks. Warps:
  // 64 / 8 = 8 blocks. Shared: only the 1 KiB reserved, 164 KiB / 1 KiB = 164.
  const auto o = occ(80, 32, 0, 256);
  EXPECT_EQ(o.warps_per_block, 8);
  EXPECT_EQ(o.limit_registers, 8);
  EXPECT_EQ(o.limit_warps, 8);
  EXPECT_EQ(o.limit_shared, 164);
  EXPECT_EQ(o.blocks_per_sm, 8);
  EXPECT_EQ(o.active_warps, 64);
  EXPECT_DOUBLE_EQ(o.fraction, 1.0);
  EXPECT_EQ(o.limiter, "warps");
}

TEST(Occupancy, Sm80OneRegisterTooManyCostsAQuarter) {
  // 33 x 32 = 1056, rounded up to the 256-register unit: 1280 per warp.
  // 16384 / 1280 = 12 warps per sub-partition, 48 per SM: 6 blocks of 8 warps.
  const auto o = occ(80, 33, 0, 256);
  EXPECT_EQ(o.limit_registers, 6);
  EXPECT_EQ(o.blocks_per_sm, 6);
  EXPECT_DOUBLE_EQ(o.fraction, 48.0 / 64);
  EXPECT_EQ(o.limiter, "registers");
}

TEST(Occupancy, Sm80RegisterBlockedGemm) {
  // 128 registers: 4096 per warp, 16384 / 4096 = 4 warps per sub-partition,
  // 16 per SM: 2 blocks of 256 threads, 16 of 64 warps = 25%.
  const auto o = occ(80, 128, 8192, 256);
  EXPECT_EQ(o.blocks_per_sm, 2);
  EXPECT_DOUBLE_EQ(o.fraction, 0.25);
  EXPECT_EQ(o.limiter, "registers");
}

TEST(Occupancy, Sm75ABlockOf1024ThreadsFillsTheSm) {
  // 64 registers: 2048 per warp; the block's 32 warps need 65536, exactly the
  // register file. 16384 / 2048 = 8 warps per sub-partition, 32 per SM: 1 block.
  const auto o = occ(75, 64, 0, 1024);
  EXPECT_EQ(o.blocks_per_sm, 1);
  EXPECT_EQ(o.active_warps, 32);
  EXPECT_DOUBLE_EQ(o.fraction, 1.0);
}

TEST(Occupancy, Sm75Block1024With65RegistersCannotLaunch) {
  // 65 x 32 = 2080, rounded to 2304 per warp; 32 warps need 73728 > 65536.
  const auto o = occ(75, 65, 0, 1024);
  EXPECT_EQ(o.blocks_per_sm, 0);
  EXPECT_DOUBLE_EQ(o.fraction, 0.0);
  EXPECT_EQ(o.limiter, "cannot launch: too many registers per block");
}

TEST(Occupancy, Sm86LimitedBySharedMemory) {
  // 128 threads = 4 warps, 40 registers: 1280 per warp, 12 per sub-partition,
  // 48 per SM = 12 blocks; warps: 48 / 4 = 12; blocks: 16. Shared: 20000 +
  // 1024 reserved = 21024, rounded to 128: 21120; 102400 / 21120 = 4 blocks.
  // 4 x 4 = 16 of 48 warps.
  const auto o = occ(86, 40, 20000, 128);
  EXPECT_EQ(o.limit_registers, 12);
  EXPECT_EQ(o.limit_warps, 12);
  EXPECT_EQ(o.limit_shared, 4);
  EXPECT_EQ(o.blocks_per_sm, 4);
  EXPECT_DOUBLE_EQ(o.fraction, 16.0 / 48);
  EXPECT_EQ(o.limiter, "shared memory");
}

TEST(Occupancy, Sm75SharedMemoryUnitIs256AndNothingReserved) {
  // 20000 rounds to 20224 (79 x 256); 65536 / 20224 = 3 blocks of 8 warps = 24 of 32.
  const auto o = occ(75, 16, 20000, 256);
  EXPECT_EQ(o.limit_shared, 3);
  EXPECT_EQ(o.blocks_per_sm, 3);
  EXPECT_DOUBLE_EQ(o.fraction, 0.75);
  EXPECT_EQ(o.limiter, "shared memory");
}

TEST(Occupancy, Sm90ThreeWarpBlocksLeaveOneWarpIdle) {
  // 96 threads = 3 warps; 64 / 3 = 21 blocks = 63 warps (registers allow 42).
  const auto o = occ(90, 16, 0, 96);
  EXPECT_EQ(o.limit_warps, 21);
  EXPECT_EQ(o.limit_registers, 42);
  EXPECT_EQ(o.blocks_per_sm, 21);
  EXPECT_DOUBLE_EQ(o.fraction, 63.0 / 64);
  EXPECT_EQ(o.limiter, "warps");
}

TEST(Occupancy, Sm89OneWarpBlocksHitTheBlockLimit) {
  // 32 threads = 1 warp; at most 24 blocks per SM on sm_89: 24 of 48 warps.
  const auto o = occ(89, 16, 0, 32);
  EXPECT_EQ(o.blocks_per_sm, 24);
  EXPECT_DOUBLE_EQ(o.fraction, 0.5);
  EXPECT_EQ(o.limiter, "blocks");
}

TEST(Occupancy, ImpossibleLaunchesSayWhy) {
  EXPECT_EQ(occ(80, 32, 0, 2048).blocks_per_sm, 0);  // more than 1024 threads
  EXPECT_NE(occ(80, 32, 0, 2048).limiter.find("1024"), std::string::npos);
  const auto big = occ(86, 32, 100 * 1024, 256);  // 100 KiB > 99 KiB per block on sm_86
  EXPECT_EQ(big.blocks_per_sm, 0);
  EXPECT_EQ(big.limiter, "cannot launch: too much shared memory per block");
}

TEST(Occupancy, ZeroRegistersDoNotLimit) {
  EXPECT_EQ(occ(80, 0, 0, 256).blocks_per_sm, 8);
}
