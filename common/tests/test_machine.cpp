#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "labkit/cpu.hpp"
#include "labkit/machine.hpp"
#include "../src/peak_kernels.hpp"
#ifdef LABKIT_HAVE_EIGEN
#include "labkit/eigen_baseline.hpp"
#endif

using namespace labkit;

TEST(Machine, DescribesTheCpuAndBuild) {
  const auto m = describe_machine();
  EXPECT_FALSE(m.cpu_model.empty());
  EXPECT_GE(m.logical_cpus, 1);
  EXPECT_FALSE(m.compiler.empty());
  EXPECT_FALSE(m.best_isa.empty());
  EXPECT_EQ(m.fingerprint.size(), 12u);
  EXPECT_EQ(describe_machine().fingerprint, m.fingerprint);  // stable
#if defined(__linux__)
  EXPECT_GT(data_cache_bytes(m, 1), 0u) << "no L1 data cache found in sysfs";
#endif
}

TEST(Machine, JsonRoundTrip) {
  MachineLimits m;
  m.info = describe_machine();
  m.clock_ghz = 3.0;
  m.peak_one_core = {100, 1, "avx2", 33};
  m.peak_all_cores = {190, 2, "avx2", 0};
  m.bandwidth = {{16384, 200}, {1 << 30, 20}};
  const auto back = limits_from_json(to_json(m));
  EXPECT_EQ(back.info.fingerprint, m.info.fingerprint);
  EXPECT_EQ(back.peak_one_core.gflops, 100);
  EXPECT_EQ(back.peak_all_cores.threads, 2);
  ASSERT_EQ(back.bandwidth.size(), 2u);
  EXPECT_EQ(back.bandwidth[1].gbs, 20);
  EXPECT_EQ(back.bandwidth_for(20000), 20);
  EXPECT_EQ(back.bandwidth_for(100), 200);
  const auto j = to_json(m);
  EXPECT_TRUE(j["peak_gflops_fp32"].contains("one_core"));
  EXPECT_TRUE(j["peak_gflops_fp32"].contains("all_cores"));
  EXPECT_TRUE(j["bandwidth_gbs"][0].contains("bytes"));
}

// The measured limits must be sane relative to each other and to a real
// library running on the same core in the same process: no absolute times.
TEST(Machine, PeakIsAboveARealGemmAndBelowTheory) {
  const double clock = estimate_clock_ghz();
  auto peak = measure_fma_peak(1, 0.05);
  EXPECT_GT(peak.gflops, 0);
  if (clock > 0) {
    // 2 pipes x 16 lanes x 2 flops is the most any core labkit knows does per cycle.
    EXPECT_LE(peak.gflops / clock, 64.0 * 1.05) << "measured more flops per cycle than any CPU has";
  }
#ifdef LABKIT_HAVE_EIGEN
  const double eigen = eigen_sgemm_gflops(384, 1);
  // Measured around Eigen, so both see the same conditions; best of the two.
  peak.gflops = std::max(peak.gflops, measure_fma_peak(1, 0.05).gflops);
  EXPECT_GE(peak.gflops, eigen) << "Eigen's sgemm beat the measured FMA 'peak': the peak kernel is too slow";
#endif
}

TEST(Machine, CacheBandwidthBeatsDram) {
  const double l1 = measure_read_bandwidth(16 << 10, 1, true);
  const double dram = measure_read_bandwidth(256ull << 20, 1, true);
  EXPECT_GT(l1, 0);
  EXPECT_GT(dram, 0);
  EXPECT_GT(l1, 1.5 * dram) << "L1-resident reads should be much faster than DRAM reads";
}

// The bandwidth probe's kernels must read every element exactly once, or the
// GB/s they report is wrong. Small integers keep every float sum exact.
TEST(Machine, ReadKernelsSumEveryElementOnce) {
  const std::size_t n = 1024;
  std::vector<float> data(n);
  for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<float>(i % 7 + 1);
  double expected = 0;
  for (float v : data) expected += v;
  EXPECT_EQ(detail::read_sum_generic(data.data(), n), expected);
  if (best_isa() >= Isa::avx2) {
    EXPECT_EQ(detail::read_sum_avx2(data.data(), n), expected);
  }
  if (best_isa() >= Isa::avx512) {
    EXPECT_EQ(detail::read_sum_avx512(data.data(), n), expected);
  }
}
