// labkit/machine.hpp: what machine a number was measured on, and its limits.
//
// Every result labkit writes carries a MachineInfo (the fingerprint), and the
// roofline is drawn from the measured limits here: fp32 FMA peak for one core
// and for all cores, and read bandwidth against working-set size.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace labkit {

struct CacheLevel {
  int level = 0;
  std::string type;          // Data, Instruction, Unified
  std::uint64_t bytes = 0;
  int shared_by_cpus = 1;
};

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
};

MachineInfo describe_machine();
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

nlohmann::json to_json(const MachineInfo& m);
nlohmann::json to_json(const MachineLimits& m);
MachineLimits limits_from_json(const nlohmann::json& j);

}  // namespace labkit
