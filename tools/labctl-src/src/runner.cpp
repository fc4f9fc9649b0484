#include "runner.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "results.hpp"

namespace labctl {

void set_measurement_env(RunOptions& options, const std::string& git_revision, std::optional<std::uint64_t> seed) {
  options.env["OMP_WAIT_POLICY"] = kOmpWaitPolicy;
  options.env["LANG"] = "C";
  options.env["LABKIT_GIT_REVISION"] = git_revision;
  if (seed) options.env["LABKIT_SEED"] = std::to_string(*seed);
  for (const char* prefix : {"OMP_", "GOMP_", "KMP_", "LC_"})
    if (std::find(options.drop_inherited.begin(), options.drop_inherited.end(), prefix) == options.drop_inherited.end())
      options.drop_inherited.push_back(prefix);
}

Launcher direct_launcher(const fs::path& folder) {
  Launcher l;
  l.report_folder = folder.string();
  l.start = [folder](std::vector<std::string> argv, const RunOptions& options,
                     const std::vector<std::pair<std::string, fs::path>>& reports) {
    fs::create_directories(folder);
    for (const auto& [name, to] : reports) fs::remove(folder / name);
    RunResult r = run_process(argv, options);
    for (const auto& [name, to] : reports) {
      std::error_code ec;
      if (fs::weakly_canonical(folder / name, ec) != fs::weakly_canonical(to, ec) && fs::exists(folder / name))
        fs::rename(folder / name, to);
    }
    return r;
  };
  return l;
}

TestRun run_gtest(const Launcher& launcher, const std::string& exe, const fs::path& report, const RunOptions& options,
                  const std::vector<std::string>& extra_args) {
  const std::string name = report.filename().string();
  std::vector<std::string> argv = {exe};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  argv.push_back("--gtest_output=json:" + launcher.report_folder + "/" + name);
  fs::remove(report);
  TestRun t;
  t.process = launcher.start(argv, options, {{name, report}});
  t.tests = read_gtest_json(report, t.process, options.timeout_s);
  return t;
}

BenchRun run_bench_process(const Launcher& launcher, const std::string& exe, labkit::bench::Flags flags,
                           const std::vector<std::string>& extra, const fs::path& report, const RunOptions& options) {
  const std::string name = report.filename().string();
  flags.out_path = launcher.report_folder + "/" + name;
  std::vector<std::string> argv = labkit::bench::to_args(flags);
  argv.insert(argv.begin(), exe);
  argv.insert(argv.end(), extra.begin(), extra.end());
  fs::remove(report);
  BenchRun b;
  b.process = launcher.start(argv, options, {{name, report}});
  if (!b.process.ok() && !fs::exists(report)) {
    b.error = fmt::format("{} {}\n{}", fs::path(exe).filename().string(), b.process.describe(options.timeout_s),
                          tail_lines(b.process.output, 15));
    return b;
  }
  try {
    read_bench_json(report, b.results);
  } catch (const std::exception& e) {
    b.error = std::string("the benchmark's results are unreadable: ") + e.what();
  }
  return b;
}

}  // namespace labctl
