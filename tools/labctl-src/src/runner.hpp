// A lab's test and bench processes, started and read the same way by
// `labctl run` (directly) and `labctl grade` (in its sandbox): one command
// line for each (labkit::bench::to_args for benches), one reader of what
// they write (typed: labkit::TestResult, labkit::LabResults). What differs
// is only how a child starts, which the caller passes as a Launcher.
#pragma once
#include <labkit/bench_core.hpp>
#include <labkit/report.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "process.hpp"

namespace labctl {

namespace fs = std::filesystem;

// How OpenMP's idle threads wait at a barrier, in every measured child:
// docs/measurement.md, "One environment for every measurement", says why.
inline constexpr const char* kOmpWaitPolicy = "passive";

// The one measurement environment: what `labctl bench`, `labctl run` and
// `labctl grade` give every test and bench process, so that the same code
// reads the same numbers from all three. It sets OMP_WAIT_POLICY, LANG=C and
// the git revision (and LABKIT_SEED when `seed` is given: the grader's fresh
// one; a learner's own LABKIT_SEED is inherited), and drops any inherited
// OMP_*, GOMP_*, KMP_* and LC_* variable, which would change how threads
// wait, how many there are, where they run, or how numbers print. The
// grader adds its clean environment and private HOME on top.
void set_measurement_env(RunOptions& options, const std::string& git_revision,
                         std::optional<std::uint64_t> seed = std::nullopt);

struct Launcher {
  // The folder the child writes its reports in, as the child sees it: a real
  // folder for `run`, "@PRIVATE@" (its private folder) for `grade`.
  std::string report_folder;
  // Starts argv; afterwards each (name, destination) report the child wrote
  // in report_folder is at its destination.
  std::function<RunResult(std::vector<std::string> argv, const RunOptions& options,
                          const std::vector<std::pair<std::string, fs::path>>& reports)>
      start;
};

// Children write straight into `folder`, with labctl's own permissions.
Launcher direct_launcher(const fs::path& folder);

struct TestRun {
  std::vector<labkit::TestResult> tests;  // a crash or hang is one failed test named after it
  RunResult process;
};
// A GoogleTest binary with --gtest_output=json; its report lands at `report`.
TestRun run_gtest(const Launcher& launcher, const std::string& exe, const fs::path& report, const RunOptions& options,
                  const std::vector<std::string>& extra_args = {});

struct BenchRun {
  labkit::LabResults results;  // benchmarks, ratios, counts
  RunResult process;
  std::string error;  // "" or why there are no results
};
// A lab's bench; `flags.out_path` is set here (report_folder/bench.json, at
// `report` afterwards); `extra` follows the flags unchanged (--bench-arg).
BenchRun run_bench_process(const Launcher& launcher, const std::string& exe, labkit::bench::Flags flags,
                           const std::vector<std::string>& extra, const fs::path& report, const RunOptions& options);

}  // namespace labctl
