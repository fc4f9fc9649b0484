// labkit/harness.hpp: the benchmark harness every lab's bench/ uses.
//
// A lab registers implementations of each case side by side (baselines, the
// reference and its steps, the student's), each with its work per call (flops
// and bytes) and a validation that runs it once against the plain reference.
// Then run():
//   1. validates every implementation before timing it (a wrong answer is
//      reported as "wrong" and never timed; a starter stub as "TODO");
//   2. times the valid ones with Google Benchmark, repetitions randomly
//      interleaved so drift and noise hit every implementation alike;
//   3. computes each implementation's speedup over the case's baseline with
//      a bootstrap interval, flags unstable rows, prints a table, and
//      writes labkit JSON (schema labkit.bench/1) to --out.
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

#include "labkit/clock.hpp"  // do_not_optimize, clobber_memory for bench loops
#include "labkit/report.hpp"

namespace labkit {

enum class Role { baseline, reference, student };
const char* role_name(Role r);

struct Work {
  double flops = 0;  // floating-point (or integer) operations per call
  double bytes = 0;  // bytes that must move between memory and the core per call
};

class Harness {
 public:
  Harness(std::string lab, int argc, char** argv);

  bool smoke() const { return smoke_; }
  bool quick() const { return quick_; }
  // Picks the size list for this run mode.
  std::vector<std::int64_t> sizes(std::vector<std::int64_t> full, std::vector<std::int64_t> smoke) const {
    return smoke_ ? smoke : full;
  }

  // The implementation whose time every other one in `kase` is compared to.
  void set_baseline(const std::string& kase, const std::string& impl);

  // `run` is what gets timed. `validate` runs the implementation once and
  // returns "" when its output matches the reference, else what is wrong;
  // throwing labkit::NotImplemented marks it TODO.
  void add(const std::string& kase, std::int64_t size, const std::string& impl, Role role,
           Work work, std::function<void()> run, std::function<std::string()> validate);

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
  std::vector<CountResult> counts() const {
    std::vector<CountResult> out;
    for (const auto& c : counts_) out.push_back(c.result);
    return out;
  }

 private:
  struct Entry {
    BenchResult result;
    std::function<void()> run;
    std::function<std::string()> validate;
  };
  std::string lab_;
  std::vector<std::string> gbench_args_;
  std::string out_path_;
  std::string impl_filter_;
  std::string filter_;  // --benchmark_filter, applied before validation too
  bool smoke_ = false, quick_ = false, verbose_ = false;
  int repetitions_ = 0;
  std::vector<std::pair<std::string, std::string>> baselines_;
  std::vector<Entry> entries_;
  struct CountEntry {
    CountResult result;
    std::function<double()> compute;
  };
  std::vector<CountEntry> counts_;
  std::vector<BenchResult> results_;
  std::vector<RatioResult> ratios_;
};

}  // namespace labkit
