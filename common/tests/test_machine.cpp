#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "labkit/bench_core.hpp"
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
  // Caches come from some source, or are listed as unknown with a reason: a
  // VM that hides /sys/.../cache must not fail here (it did, on Zen 5 VMs).
  if (m.caches.empty()) {
    EXPECT_TRUE(std::any_of(m.unknown.begin(), m.unknown.end(), [](const UnknownFact& f) { return f.fact == "cache sizes"; }));
    EXPECT_EQ(m.sources.at("caches").rfind("unknown: ", 0), 0u);
  } else {
    EXPECT_GT(data_cache_bytes(m, 1), 0u);
    EXPECT_EQ(m.sources.at("caches"), m.caches.front().source);
  }
#if defined(__x86_64__)
  // On x86, CPUID always answers: an L1 data cache is found even without sysfs.
  EXPECT_GT(data_cache_bytes(m, 1), 0u) << "no L1 data cache from sysfs, CPUID or sysconf";
#endif
}

// ---- describe_machine() on fake roots: every file a VM may hide, hidden ----

namespace {

struct FakeRoot {
  std::filesystem::path dir;
  FakeRoot() {
    dir = std::filesystem::temp_directory_path() / ("labkit-fake-root-" + std::to_string(getpid()) + "-" +
                                                    std::to_string(counter++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~FakeRoot() { std::filesystem::remove_all(dir); }
  void write(const std::string& path, const std::string& text) const {
    const auto p = dir / path.substr(1);
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text << "\n";
  }
  void sysfs_cache(int index, int level, const std::string& type, const std::string& size, const std::string& shared) const {
    const std::string d = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
    write(d + "level", std::to_string(level));
    write(d + "type", type);
    write(d + "size", size);
    write(d + "coherency_line_size", "64");
    write(d + "shared_cpu_list", shared);
  }
  static inline int counter = 0;
};

MachineSources no_cpu_sources(const std::filesystem::path& root) {
  MachineSources s;
  s.root = root;
  s.sysconf = false;
  s.perf_counters = false;
  return s;
}

using CpuidTable = std::map<std::pair<std::uint32_t, std::uint32_t>, std::array<std::uint32_t, 4>>;
CpuidFn table_cpuid(CpuidTable table) {
  return [table = std::move(table)](std::uint32_t leaf, std::uint32_t sub) {
    auto it = table.find({leaf, sub});
    return it == table.end() ? std::array<std::uint32_t, 4>{} : it->second;
  };
}

// Recorded on a 2-core AMD EPYC Zen 5 VM (family 26) that has no
// /sys/devices/system/cpu/cpu0/cache and clears TopologyExtensions, so only
// AMD's legacy leaves describe its caches (getconf agrees: 48 KiB L1d, 1 MiB
// L2, 508 MiB L3).
CpuidTable zen5_vm() {
  return {{{0x0, 0}, {0x0000000d, 0x68747541, 0x444d4163, 0x69746e65}},
          {{0x1, 0}, {0x00b00f21, 0x09fe0800, 0xfed83203, 0x178bfbff}},
          {{0x80000000, 0}, {0x80000021, 0x68747541, 0x444d4163, 0x69746e65}},
          {{0x80000001, 0}, {0x00b00f21, 0x40000000, 0x440001f1, 0x25d3fbff}},
          {{0x80000002, 0}, {0x6469784f, 0x69562065, 0x61757472, 0x7554206c}},
          {{0x80000003, 0}, {0x2d6e6972, 0x656b696c, 0x6f725020, 0x73736563}},
          {{0x80000004, 0}, {0x2020726f, 0x20202020, 0x20202020, 0x00202020}},
          {{0x80000005, 0}, {0xff60ff40, 0xff60ff40, 0x300c0140, 0x20080140}},
          {{0x80000006, 0}, {0x40802040, 0x60804040, 0x04006140, 0x0fe09140}}};
}

// One sub-leaf of Intel's leaf 4 / AMD's 0x8000001D, encoded as the SDM and
// the AMD APM lay it out.
std::array<std::uint32_t, 4> cache_leaf(int type, int level, int sharing, int line, int ways, int sets) {
  return {static_cast<std::uint32_t>(type | (level << 5) | ((sharing - 1) << 14)),
          static_cast<std::uint32_t>((line - 1) | ((ways - 1) << 22)), static_cast<std::uint32_t>(sets - 1), 0};
}

const CacheLevel* find_cache(const std::vector<CacheLevel>& caches, int level, const std::string& type) {
  for (const auto& c : caches)
    if (c.level == level && c.type == type) return &c;
  return nullptr;
}

}  // namespace

TEST(MachineSources, AnEmptyRootListsEveryMissingFactWithItsCost) {
  FakeRoot root;
  const auto m = describe_machine(no_cpu_sources(root.dir));
  EXPECT_TRUE(m.caches.empty());
  EXPECT_EQ(m.cpu_model, "unknown CPU");
  EXPECT_EQ(m.cpu_governor, "unknown");
  std::map<std::string, UnknownFact> unknown;
  for (const auto& f : m.unknown) unknown[f.fact] = f;
  ASSERT_EQ(unknown.count("cache sizes"), 1u);
  EXPECT_NE(unknown["cache sizes"].reason.find("no /sys/devices/system/cpu/cpu0/cache"), std::string::npos);
  EXPECT_NE(describe_unknown(unknown["cache sizes"]).find("roofline drawn without cache ceilings"), std::string::npos);
  EXPECT_EQ(unknown.count("CPU model"), 1u);
  EXPECT_EQ(unknown.count("CPU frequency governor"), 1u);
  EXPECT_EQ(m.sources.at("caches").rfind("unknown: ", 0), 0u);
  // The fingerprint still works, and the unknowns survive a JSON round trip.
  EXPECT_EQ(m.fingerprint.size(), 12u);
  MachineLimits limits;
  limits.info = m;
  const auto back = limits_from_json(to_json(limits));
  ASSERT_EQ(back.info.unknown.size(), m.unknown.size());
  EXPECT_EQ(back.info.unknown.front().cost, m.unknown.front().cost);
  EXPECT_EQ(back.info.sources, m.sources);
}

TEST(MachineSources, SysfsCachesAreReadWithLineSizeAndSharing) {
  FakeRoot root;
  root.write("/proc/cpuinfo", "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel name\t: Fake Xeon");
  root.sysfs_cache(0, 1, "Data", "32K", "0-1");
  root.sysfs_cache(1, 1, "Instruction", "32K", "0-1");
  root.sysfs_cache(2, 2, "Unified", "1024K", "0-1");
  root.sysfs_cache(3, 3, "Unified", "32M", "0-7,16-23");
  root.write("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance");
  // A CPUID that would say otherwise: sysfs comes first.
  auto sources = no_cpu_sources(root.dir);
  sources.cpuid = table_cpuid(zen5_vm());
  const auto m = describe_machine(sources);
  EXPECT_EQ(m.cpu_model, "Fake Xeon");
  EXPECT_EQ(m.vendor, "GenuineIntel");
  EXPECT_EQ(m.cpu_family, 6);
  EXPECT_EQ(m.sources.at("cpu_model"), "/proc/cpuinfo");
  EXPECT_EQ(m.cpu_governor, "performance");
  ASSERT_EQ(m.caches.size(), 4u);
  EXPECT_EQ(data_cache_bytes(m, 1), 32u << 10);
  EXPECT_EQ(data_cache_bytes(m, 2), 1u << 20);
  EXPECT_EQ(data_cache_bytes(m, 3), 32u << 20);
  EXPECT_EQ(m.caches[3].shared_by_cpus, 16);
  EXPECT_EQ(m.caches[0].line_bytes, 64);
  EXPECT_EQ(m.sources.at("caches"), "sysfs");
  EXPECT_TRUE(m.unknown.empty());
}

TEST(MachineSources, WithoutSysfsCachesComeFromCpuidOnAZen5Vm) {
  FakeRoot root;  // no /proc/cpuinfo either: identity from CPUID too
  auto sources = no_cpu_sources(root.dir);
  sources.cpuid = table_cpuid(zen5_vm());
  const auto m = describe_machine(sources);
  EXPECT_EQ(m.vendor, "AuthenticAMD");
  EXPECT_EQ(m.cpu_family, 26);
  EXPECT_EQ(m.cpu_model, "Oxide Virtual Turin-like Processor");
  EXPECT_EQ(m.sources.at("cpu_family"), "cpuid");
  EXPECT_EQ(data_cache_bytes(m, 1), 48u << 10);
  EXPECT_EQ(data_cache_bytes(m, 2), 1u << 20);
  EXPECT_EQ(data_cache_bytes(m, 3), 1016ull * (512u << 10));  // 508 MiB, as getconf says
  const auto* l1d = find_cache(m.caches, 1, "Data");
  ASSERT_NE(l1d, nullptr);
  EXPECT_EQ(l1d->line_bytes, 64);
  EXPECT_EQ(l1d->shared_by_cpus, 0) << "the legacy leaves say nothing of sharing";
  EXPECT_EQ(m.sources.at("caches"), "cpuid leaf 0x80000005");
  for (const auto& f : m.unknown) EXPECT_NE(f.fact, "cache sizes");
}

TEST(MachineSources, IntelLeaf4GivesEveryLevel) {
  CpuidTable t;
  t[{0, 0}] = {0x16, 0x756e6547 /*Genu*/, 0x6c65746e /*ntel*/, 0x49656e69 /*ineI*/};
  t[{4, 0}] = cache_leaf(1, 1, 2, 64, 8, 64);       // 32 KiB L1d, two threads
  t[{4, 1}] = cache_leaf(2, 1, 2, 64, 8, 64);       // 32 KiB L1i
  t[{4, 2}] = cache_leaf(3, 2, 2, 64, 16, 1024);    // 1 MiB L2
  t[{4, 3}] = cache_leaf(3, 3, 32, 64, 11, 45056);  // 30.25 MiB L3, 32 threads
  const auto caches = caches_from_cpuid(table_cpuid(t));
  ASSERT_EQ(caches.size(), 4u);
  EXPECT_EQ(find_cache(caches, 1, "Data")->bytes, 32u << 10);
  EXPECT_EQ(find_cache(caches, 1, "Data")->shared_by_cpus, 2);
  EXPECT_EQ(find_cache(caches, 2, "Unified")->bytes, 1u << 20);
  EXPECT_EQ(find_cache(caches, 3, "Unified")->bytes, 64ull * 11 * 45056);
  EXPECT_EQ(find_cache(caches, 3, "Unified")->shared_by_cpus, 32);
  EXPECT_EQ(caches[0].source, "cpuid leaf 4");
}

TEST(MachineSources, AmdTopologyLeafWinsOverTheLegacyLeavesWhenEnabled) {
  CpuidTable t = zen5_vm();
  t[{0x80000001, 0}][2] |= 1u << 22;                              // TopologyExtensions
  t[{0x8000001D, 0}] = cache_leaf(1, 1, 2, 64, 12, 64);           // 48 KiB L1d
  t[{0x8000001D, 1}] = cache_leaf(3, 2, 2, 64, 16, 1024);         // 1 MiB L2
  t[{0x8000001D, 2}] = cache_leaf(3, 3, 16, 64, 16, 32768);       // 32 MiB L3, 16 threads
  const auto caches = caches_from_cpuid(table_cpuid(t));
  ASSERT_EQ(caches.size(), 3u);
  EXPECT_EQ(find_cache(caches, 3, "Unified")->bytes, 32u << 20);
  EXPECT_EQ(find_cache(caches, 3, "Unified")->shared_by_cpus, 16);
  EXPECT_EQ(caches[0].source, "cpuid leaf 0x8000001D");
  // The same table without the flag falls back to the legacy leaves (508 MiB L3).
  t[{0x80000001, 0}][2] &= ~(1u << 22);
  EXPECT_EQ(find_cache(caches_from_cpuid(table_cpuid(t)), 3, "Unified")->bytes, 1016ull * (512u << 10));
  // No CPUID at all (Arm, or a test): nothing, not a crash.
  EXPECT_TRUE(caches_from_cpuid({}).empty());
}

TEST(MachineSources, SysconfIsTheLastFallback) {
  FakeRoot root;
  auto sources = no_cpu_sources(root.dir);
  sources.sysconf = true;
  const auto m = describe_machine(sources);
  const long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE);
  if (l1 > 0) {
    EXPECT_EQ(data_cache_bytes(m, 1), static_cast<std::uint64_t>(l1));
    EXPECT_EQ(m.sources.at("caches"), "sysconf");
  } else {
    EXPECT_EQ(m.sources.at("caches").rfind("unknown: ", 0), 0u);
    EXPECT_NE(m.sources.at("caches").find("sysconf"), std::string::npos);
  }
}

// ---- The bench's warnings, from what describe_machine() read ----
// google/benchmark and nanobench warn when a debug build or frequency scaling
// would skew the numbers; labkit's benches say it once per run (stderr) and
// keep it in labkit.bench/1's "warnings".

namespace {
MachineInfo machine_with_governor(const FakeRoot& root, const std::string& governor, const std::string& build_type) {
  if (!governor.empty()) root.write("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", governor);
  MachineInfo m = describe_machine(no_cpu_sources(root.dir));
  m.build_type = build_type;  // LABKIT_BUILD_TYPE is compiled in: stand in for another build
  return m;
}
}  // namespace

TEST(MeasurementWarnings, ADebugBuildAndAPowersaveGovernorAreEachSaidOnce) {
  FakeRoot root;
  const MachineInfo m = machine_with_governor(root, "powersave", "Debug");
  ASSERT_EQ(m.cpu_governor, "powersave");
  const auto w = bench::measurement_warnings(m.build_type, m.cpu_governor);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("built as Debug, not Release"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("tools/labctl build"), std::string::npos) << w[0];  // the remedy
  EXPECT_NE(w[1].find("governor is 'powersave', not 'performance'"), std::string::npos) << w[1];
  EXPECT_NE(w[1].find("cpupower frequency-set -g performance"), std::string::npos) << w[1];

  // The runners' call: from the machine JSON, one stderr line each, and the same strings in the bench JSON.
  testing::internal::CaptureStderr();
  const auto said = bench::warn_about_machine("demo", to_json(m));
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(said, w);
  EXPECT_NE(err.find("demo: warning: built as Debug, not Release"), std::string::npos) << err;
  EXPECT_NE(err.find("demo: warning: the CPU frequency governor is 'powersave'"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 2) << err;
  const auto j = bench::bench_json("demo", bench::Flags{}, to_json(m), {}, {}, {}, said);
  EXPECT_EQ(j.at("warnings"), nlohmann::json(w));
}

TEST(MeasurementWarnings, NoneForReleaseAndPerformanceNorForAnUnreadableGovernor) {
  FakeRoot root;
  const MachineInfo tuned = machine_with_governor(root, "performance", "Release");
  EXPECT_TRUE(bench::measurement_warnings(tuned.build_type, tuned.cpu_governor).empty());
  // A VM without cpufreq: the governor is "unknown", which machine.unknown
  // already reports; the bench adds nothing.
  FakeRoot vm;
  const MachineInfo hidden = machine_with_governor(vm, "", "Release");
  ASSERT_EQ(hidden.cpu_governor, "unknown");
  EXPECT_TRUE(bench::measurement_warnings(hidden.build_type, hidden.cpu_governor).empty());
  testing::internal::CaptureStderr();
  EXPECT_TRUE(bench::warn_about_machine("demo", to_json(hidden)).empty());
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  // Only the build type: RelWithDebInfo (the asan preset) is not Release either.
  EXPECT_EQ(bench::measurement_warnings("RelWithDebInfo", "unknown").size(), 1u);
  EXPECT_TRUE(bench::measurement_warnings("release", "performance").empty());
  // A runner that passes no warnings writes an empty list: the field is always there.
  EXPECT_EQ(bench::bench_json("demo", bench::Flags{}, to_json(tuned), {}, {}, {}).at("warnings"), nlohmann::json::array());
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
  // The clock before and after the peak, the higher of the two: a VM's core
  // changes speed between probes a few milliseconds apart (67.4 flops per
  // cycle was read once against the clock of the probe before, in a
  // selftest whose other tests held the second core).
  const double clock_before = estimate_clock_ghz();
  auto peak = measure_fma_peak(1, 0.05);
  const double clock = std::max(clock_before, estimate_clock_ghz());
  EXPECT_GT(peak.gflops, 0);
  if (clock > 0) {
    // 2 pipes x 16 lanes x 2 flops is the most any core labkit knows does
    // per cycle; a peak kernel that counted its flops twice would read 128.
    EXPECT_LE(peak.gflops / clock, 64.0 * 1.10) << "measured more flops per cycle than any CPU has";
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

// cores_free() counts other programs' runnable threads from /proc/stat;
// where that file is missing or has no procs_running line it uses the
// throughput ratio alone.
TEST(Machine, RunnableThreadsAreReadFromProcStat) {
  const auto dir = std::filesystem::temp_directory_path() / ("labkit-proc-stat-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "stat") << "cpu  10 0 10 100 0 0 0 0 0 0\ncpu0 5 0 5 50 0 0 0 0 0 0\nintr 12 0 1\n"
                                   "ctxt 345\nprocesses 678\nprocs_running 3\nprocs_blocked 0\n";
    std::ofstream(dir / "no-line") << "cpu  10 0 10 100 0 0 0 0 0 0\nprocs_blocked 0\n";
  }
  EXPECT_EQ(runnable_threads(dir / "stat"), 3);
  EXPECT_EQ(runnable_threads(dir / "no-line"), -1);
  EXPECT_EQ(runnable_threads(dir / "missing"), -1);
  std::filesystem::remove_all(dir);
}
