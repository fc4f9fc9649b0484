// A lab's test and bench processes, started and read the same way by
// `labctl run` (directly) and `labctl grade` (in its sandbox): one command
// line for each (labkit::bench::to_args for benches), one reader of what
// they write (typed: labkit::TestResult, labkit::LabResults). What differs
// is only how a child starts, which the caller passes as a Launcher.
#pragma once
#include <labkit/bench_core.hpp>
#include <labkit/report.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "process.hpp"

namespace labctl {

namespace fs = std::filesystem;

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
