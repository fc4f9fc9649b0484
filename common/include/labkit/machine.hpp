// labkit/machine.hpp: what machine a number was measured on, and its limits.
//
// Every result labkit writes carries a MachineInfo (the fingerprint), and the
// roofline is drawn from the measured limits here: fp32 FMA peak for one core
// and for all cores, and read bandwidth against working-set size.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace labkit {

struct CacheLevel {
  int level = 0;
  std::string type;          // Data, Instruction, Unified
  std::uint64_t bytes = 0;
  int line_bytes = 0;        // 0 when unknown
  int shared_by_cpus = 0;    // logical CPUs sharing it; 0 when unknown
  std::string source;        // "sysfs", "cpuid leaf 4", "cpuid leaf 0x8000001D", ..., "sysconf"
};

// A fact about the machine that no source could give, and what its absence
// costs ("cache sizes", "no /sys/.../cache, ...", "roofline drawn without
// cache ceilings"). labctl prints one line for each.
struct UnknownFact {
  std::string fact;
  std::string reason;
  std::string cost;
};
// "cache sizes unknown: roofline drawn without cache ceilings [no /sys/..., ...]"
std::string describe_unknown(const UnknownFact& f);

struct MachineInfo {
  std::string cpu_model;
  std::string vendor;
  int cpu_family = -1;
  int logical_cpus = 0;
  std::string isa_flags;     // labkit::isa_flags_string()
  std::string best_isa;      // what dispatch picks on this machine
  std::vector<CacheLevel> caches;
  std::string compiler;      // id and version of the compiler that built labkit
  std::string cxx_flags;     // its flags for this build type
  std::string build_type;
  std::string git_revision;  // LABKIT_GIT_REVISION, else the one seen at configure time
  std::string os;
  std::string cpu_governor;  // "performance", "powersave", or "unknown" (VMs have none)
  std::string fingerprint;   // short hash of the fields above that change results
  // Where each fact came from: "caches" -> "sysfs" | "cpuid leaf ..." | "sysconf"
  // | "unknown: <reason>"; likewise cpu_model, vendor, cpu_family, cpu_governor,
  // perf_counters, logical_cpus.
  std::map<std::string, std::string> sources;
  std::vector<UnknownFact> unknown;  // facts no source gave, with their cost
};

// CPUID: (leaf, subleaf) -> {eax, ebx, ecx, edx}. Tests pass a recorded table.
using CpuidFn = std::function<std::array<std::uint32_t, 4>(std::uint32_t leaf, std::uint32_t subleaf)>;
// This CPU's CPUID (zeros above the maximum leaf); empty where there is none (Arm).
CpuidFn native_cpuid();
// Vendor ("AuthenticAMD"), brand string and family (base + extended) from
// CPUID leaves 0, 1 and 0x80000002-4; empty fields and family -1 where it
// has none.
struct CpuidIdentity {
  std::string vendor, brand;
  int family = -1;
};
CpuidIdentity cpuid_identity(const CpuidFn& cpuid);
// Cache geometry from CPUID: Intel leaf 4, AMD leaf 0x8000001D where
// TopologyExtensions is set, else AMD's 0x80000005/0x80000006. Empty if none.
std::vector<CacheLevel> caches_from_cpuid(const CpuidFn& cpuid);

// Where describe_machine() reads. Files are read under `root` (/proc/cpuinfo,
// /sys/devices/system/cpu/..., /proc/sys/kernel/perf_event_paranoid), so a test
// can hand it a fake root that lacks them.
struct MachineSources {
  std::filesystem::path root = "/";
  CpuidFn cpuid;               // empty: no CPUID fallback
  bool sysconf = true;         // glibc's sysconf(_SC_LEVEL*_CACHE_*) as the last fallback
  bool perf_counters = false;  // probe perf_event_open
  // The real machine: root "/", this CPU's CPUID, sysconf and perf_event_open.
  static MachineSources live();
};

MachineInfo describe_machine();  // describe_machine(MachineSources::live())
MachineInfo describe_machine(const MachineSources& sources);
// Size in bytes of the data cache at a level (1, 2, 3), 0 when unknown.
std::uint64_t data_cache_bytes(const MachineInfo& m, int level);

struct PeakResult {
  double gflops = 0;           // best measured, fp32 FMA
  int threads = 1;
  std::string isa;             // which kernel ran
  double flops_per_cycle = 0;  // measured gflops / estimated clock
};

struct BandwidthPoint {
  std::uint64_t bytes = 0;     // working-set size
  double gbs = 0;              // best read bandwidth, 1e9 bytes per second
};

struct MachineLimits {
  MachineInfo info;
  double clock_ghz = 0;                 // estimated from a dependent-add chain, 0 if unknown
  PeakResult peak_one_core;
  PeakResult peak_all_cores;
  double theoretical_gflops_one_core = 0;  // clock x FMA pipes x lanes x 2
  std::string theoretical_basis;           // how the number above was derived
  std::vector<BandwidthPoint> bandwidth;   // one thread, L1 to DRAM
  double dram_gbs_all_cores = 0;
  bool quick = false;                    // measured with MeasureOptions::quick (noisier)
  // Bandwidth at the first point whose working set is at least `bytes`.
  double bandwidth_for(std::uint64_t bytes) const;
};

struct MeasureOptions {
  bool quick = false;               // fewer repeats and a smaller DRAM working set
  std::uint64_t max_bytes = 256ull << 20;
  // Called with a short description of each step, for progress output.
  void (*progress)(const char* step, int done, int total) = nullptr;
};

// Measures the limits. Takes a few seconds (about one with quick).
MachineLimits measure_machine(const MeasureOptions& options = {});

// fp32 FMA throughput of `threads` threads running the widest kernel.
PeakResult measure_fma_peak(int threads, double seconds = 0.2);
// Best read bandwidth for one working-set size, split over `threads` threads.
double measure_read_bandwidth(std::uint64_t bytes, int threads = 1, bool quick = false);
// Core clock estimate in GHz from a chain of dependent integer adds.
double estimate_clock_ghz();
// How many cores' worth of FMA throughput `threads` threads get right now:
// about `threads` on an idle machine, less while another program holds a
// core: the lower of the throughput ratio (all threads over one) and the
// cores left by the threads other programs keep runnable meanwhile (from
// /proc/stat where it exists). Takes about 0.3 s. Threaded measurements are
// judged only when it is close to `threads` (labctl run's targets, labctl
// grade's tasks).
double cores_free(int threads);
// procs_running in a /proc/stat file: the threads runnable right now,
// system-wide; -1 when the file or the line is missing.
int runnable_threads(const std::filesystem::path& proc_stat);
// The share of its threads' cores a threaded measurement needs free to be judged.
constexpr double kFreeCoresToJudge = 0.9;

nlohmann::json to_json(const MachineInfo& m);
nlohmann::json to_json(const MachineLimits& m);
MachineLimits limits_from_json(const nlohmann::json& j);

}  // namespace labkit
