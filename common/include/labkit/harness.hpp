// labkit/harness.hpp: the benchmark harness every lab's bench/ uses.
//
// A lab registers implementations of each case side by side (baselines, the
// reference and its steps, the student's), each with its work per call (flops
// and bytes) and a validation that runs it once against the plain reference.
// Then run():
//   0. warns once on stderr when the numbers will not be representative: a
//      build that is not Release, a CPU governor that is not "performance"
//      (where cpufreq is readable); the warnings go into the JSON too;
//   1. validates every implementation before timing it (a wrong answer is
//      reported as "wrong" and never timed; a starter stub as "TODO");
//   2. times the valid ones with Google Benchmark, repetitions randomly
//      interleaved so drift and noise hit every implementation alike; in a
//      full run, speedups whose interval is still wide are measured again
//      (up to 3 more rounds, "progress: re-measuring N noisy rows");
//   3. computes each implementation's speedup over the case's baseline with
//      a bootstrap interval, flags unstable rows, prints a table, and
//      writes labkit JSON (schema labkit.bench/1) to --out.
// Everything but the timing and the table is shared with the GPU bench
// (labkit::cuda::Bench) through labkit/bench_core.hpp.
//
// Flags: --smoke (tiny sizes, 1 repetition: a correctness run), --quick,
// --impl reference|student (baselines always run), --out FILE,
// --repetitions N, --verbose (Google Benchmark's own console output); any
// --benchmark_* flag is passed to Google Benchmark (--benchmark_filter also
// decides which entries are validated at all).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "labkit/bench_core.hpp"  // Role, role_name, Work, and what Harness shares with cuda::Bench
#include "labkit/clock.hpp"       // do_not_optimize, clobber_memory for bench loops
#include "labkit/result_types.hpp"

namespace labkit {

class Harness {
 public:
  Harness(std::string lab, int argc, char** argv);

  bool smoke() const { return flags_.smoke; }
  bool quick() const { return flags_.quick; }
  // Picks the size list for this run mode.
  std::vector<std::int64_t> sizes(std::vector<std::int64_t> full, std::vector<std::int64_t> smoke) const {
    return flags_.smoke ? smoke : full;
  }

  // The implementation whose time every other one in `kase` is compared to.
  void set_baseline(const std::string& kase, const std::string& impl);

  // `run` is what gets timed. `validate` runs the implementation once and
  // returns "" when its output matches the reference, else what is wrong;
  // throwing labkit::NotImplemented marks it TODO.
  void add(const std::string& kase, std::int64_t size, const std::string& impl, Role role,
           Work work, std::function<void()> run, std::function<std::string()> validate);

  // add(), for a row that is the same call as `same_as_kase`'s row of the
  // same implementation and size (a baseline several cases compare with):
  // when that row was added and is measured, this one gets its samples
  // instead of being timed again; otherwise (not added, filtered out, or
  // skipped) it is measured on its own. sgemm's naive product at n = 512 is
  // the baseline of five cases, 12 repetitions of 0.18 s each.
  void add(const std::string& kase, std::int64_t size, const std::string& impl, Role role,
           Work work, std::function<void()> run, std::function<std::string()> validate,
           const std::string& same_as_kase);

  // A deterministic metric (simulated cycles, cache misses, MACs): computed
  // once, never timed, graded like a ratio but without noise. Throwing
  // labkit::NotImplemented marks it TODO.
  void add_count(const std::string& kase, std::int64_t size, const std::string& impl, Role role,
                 const std::string& metric, std::function<double()> compute);

  // Validates, measures, reports. Returns the process exit code: 0, or 1 when
  // a baseline or reference implementation is wrong (a harness bug).
  int run();

  const std::vector<BenchResult>& results() const { return results_; }
  const std::vector<RatioResult>& ratios() const { return ratios_; }
  std::vector<CountResult> counts() const { return bench::count_results(counts_); }

 private:
  struct Entry : bench::Entry {
    std::function<void()> run;
    std::string same_as;  // the name of the row whose samples it shares, or ""
  };
  std::string lab_;
  bench::Flags flags_;
  bool verbose_ = false;
  std::vector<std::string> gbench_args_;  // argv[0] and the --benchmark_* flags
  bench::Baselines baselines_;
  std::vector<Entry> entries_;
  std::vector<bench::Count> counts_;
  std::vector<BenchResult> results_;
  std::vector<RatioResult> ratios_;
};

}  // namespace labkit
