// `labctl wave LAB [TEST]`: see what the RTL did around the first failure,
// in the terminal (no GUI needed, works over ssh), and which VCD to open in
// GTKWave for the whole picture.
#include "wave.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "process.hpp"
#include "vcd.hpp"

namespace labctl {

namespace {

constexpr double kWaveTestTimeoutS = 600;

std::string shown(const fs::path& p) {
  std::error_code ec;
  const auto rel = fs::relative(p, fs::current_path(ec), ec);
  if (!ec && !rel.empty() && rel.native().rfind("..", 0) != 0) return rel.string();
  return p.string();
}

// "RtlOsArray.FourByFour-3" (a waveform of the test's third simulation) -> "RtlOsArray.FourByFour".
std::string test_of_waveform(const std::string& name) {
  static const std::regex ordinal(R"(-\d+$)");
  return std::regex_replace(name, ordinal, "");
}

}  // namespace

std::optional<FirstFailure> first_failure(const std::string& output) {
  auto all = failures(output);
  if (all.empty()) return std::nullopt;
  return all.front();
}

std::vector<FirstFailure> failures(const std::string& output) {
  std::vector<FirstFailure> found;
  static const std::regex run_line(R"(^\[ RUN      \] (\S+))");
  static const std::regex failed_line(R"(^\[  FAILED  \] (\S+) \()");
  static const std::regex cycle_line(R"(^cycle (\d+): .*)");
  static const std::regex waveform_line(R"(^\[ waveform \] (\S+))");
  std::istringstream lines(output);
  FirstFailure f;
  std::string current;
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, run_line)) {
      current = m[1].str();
      f = FirstFailure{};
    } else if (std::regex_search(line, m, failed_line) && m[1].str() == current) {
      f.test = current;
      found.push_back(f);
      current.clear();  // the summary's "[  FAILED  ]" lines repeat it
    } else if (!f.cycle && std::regex_match(line, m, cycle_line)) {
      f.cycle = std::stoull(m[1].str());
      f.message = line;
    } else if (f.waveform.empty() && std::regex_search(line, m, waveform_line)) {
      f.waveform = m[1].str();
    } else if (f.message.empty() && line.find(": Failure") != std::string::npos) {
      f.message = "(see the test's output)";
    }
  }
  return found;
}

int cmd_wave(const Context& c, const std::string& lab_id, const WaveOptions& o) {
  if (o.impl != "student" && o.impl != "reference")
    throw UsageError("--impl must be 'reference' or 'student', not '" + o.impl + "'");
  const Lab lab = c.find_lab(lab_id);
  fs::path vcd_path;
  std::optional<std::uint64_t> focus = o.cycle;

  // TEST is "Suite.Test", "Suite.Test-3" (the third simulation's waveform) or a path to a .vcd.
  const std::string name = o.test.ends_with(".vcd") ? fs::path(o.test).stem().string() : o.test;
  // A waveform named with a cycle needs no test run.
  if (!o.test.empty() && o.cycle) {
    const fs::path named = o.test.ends_with(".vcd") ? fs::path(o.test) : c.lab_out(lab) / (o.test + ".vcd");
    if (fs::exists(named)) vcd_path = named;
  }

  if (vcd_path.empty()) {
    const auto exe = c.executable(lab.id + "_test_" + o.impl);
    if (!fs::exists(exe))
      throw UsageError(fmt::format("{} is missing: {} has no HDL testbench here, or it did not compile "
                                   "(tools/labctl build shows why)",
                                   shown(exe), lab.id));
    // A filter always: a run of every test would rewrite the lab's simulation statistics.
    const std::string filter = o.test.empty() ? "*-" : test_of_waveform(name);
    RunOptions ro;
    ro.timeout_s = kWaveTestTimeoutS;
    ro.env = {{"LABKIT_OUT", c.out_dir.string()}};
    fmt::print("labctl: running {} ({}) to find the first failure...\n", o.test.empty() ? lab.id + "'s tests" : filter, o.impl);
    // A named test stops at its first failure. Without one, every test runs,
    // and the first failure with a waveform is shown: in a lab that mixes
    // C++ and RTL (systolic-array) the first failure can be a C++ TODO.
    std::vector<std::string> argv = {exe.string(), "--gtest_filter=" + filter, "--gtest_color=no"};
    if (!o.test.empty()) argv.push_back("--gtest_fail_fast");
    const RunResult run = run_process(argv, ro);
    if (run.output.find("0 tests, listed below") != std::string::npos || run.output.find("[==========] 0 tests") != std::string::npos)
      throw UsageError(fmt::format("no test named '{}' in {} (labctl test {} lists them as it runs)", filter, lab.id, lab.id));
    const auto all = failures(run.output);
    const auto with_waveform = std::find_if(all.begin(), all.end(), [](const FirstFailure& f) { return !f.waveform.empty(); });
    if (with_waveform != all.end() && with_waveform != all.begin())
      fmt::print("labctl: {} test(s) failed first without a waveform (not a signal mismatch; {} is the first), "
                 "so here is the first failure that has one\n",
                 with_waveform - all.begin(), all.front().test);
    const FirstFailure* failure = with_waveform != all.end() ? &*with_waveform : all.empty() ? nullptr : &all.front();
    if (failure) {
      if (failure->waveform.empty()) {
        fmt::print("labctl: {} ({}) failed, but without a waveform (its failure is not a signal mismatch):\n  {}\n"
                   "labctl: `labctl test {} --impl {}` shows the whole message\n",
                   failure->test, o.impl, failure->message, lab.id, o.impl);
        return 1;
      }
      vcd_path = failure->waveform;
      if (!focus) focus = failure->cycle;
      fmt::print("labctl: {} ({}) failed first at {}\n", failure->test, o.impl,
                 failure->message.empty() ? "a check without a cycle" : failure->message);
    } else if (!run.ok()) {
      fmt::print("{}\nlabctl: the tests of {} ({}) did not finish: {}\n", run.output, lab.id, o.impl, run.describe(ro.timeout_s));
      return 1;
    } else if (o.test.empty()) {
      fmt::print("labctl: every test of {} ({}) passes: no failure to show.\n"
                 "labctl: to see a passing test's waveform: labctl wave {} <Suite.Test> [--cycle N]\n",
                 lab.id, o.impl, lab.id);
      return 0;
    } else {
      // The test passes: trace it, and show the waveform from the start (or --cycle).
      ro.env["LABKIT_TRACE"] = "1";
      const RunResult traced = run_process({exe.string(), "--gtest_filter=" + filter, "--gtest_color=no"}, ro);
      vcd_path = c.lab_out(lab) / (name + ".vcd");
      if (!fs::exists(vcd_path))
        throw UsageError(fmt::format("{} passes, but tracing it wrote no {} ({})", filter, shown(vcd_path),
                                     traced.describe(ro.timeout_s)));
      fmt::print("labctl: {} ({}) passes; its waveform:\n", filter, o.impl);
    }
  }

  std::ifstream in(vcd_path);
  if (!in) throw UsageError(shown(vcd_path) + ": cannot read the waveform");
  Vcd vcd;
  try {
    vcd = parse_vcd(in);
  } catch (const VcdError& e) {
    throw UsageError(shown(vcd_path) + ": " + e.what() + " (delete it and run labctl wave again to write it anew)");
  }
  const auto [first_cycle, last_cycle] = cycle_span(vcd);
  const std::uint64_t centre = std::clamp(focus.value_or(first_cycle), first_cycle, last_cycle);
  const std::uint64_t w = static_cast<std::uint64_t>(std::max(o.window, 0));
  const std::uint64_t from = std::max(first_cycle, centre > w ? centre - w : 0);
  const std::uint64_t to = std::min(last_cycle, centre + w);
  const bool clocked = is_clocked(vcd);
  fmt::print("labctl: {} holds cycles {}-{}; {}\n\n", shown(vcd_path), first_cycle, last_cycle,
             clocked ? "each column is the state just after that cycle's rising edge of clk (VCD time 10*N - 5)"
                     : "each column is that cycle's inputs and outputs (VCD time 10*N)");
  const WaveTable table = wave_table(vcd, from, to, focus, o.signals);
  fmt::print("{}\n", table.text);
  if (focus) fmt::print("* cycle {}: the failing check{}\n", *focus, o.cycle ? " you asked for" : "");
  fmt::print("labctl: other cycles and signals: labctl wave {} {} --cycle N [--window W] [--signals a,b]\n", lab.id,
             vcd_path.stem().string());
  fmt::print("labctl: the whole waveform in GTKWave (apt-get install gtkwave, on a machine with a display): gtkwave {}{}\n",
             shown(vcd_path), focus ? fmt::format("  (cycle {} is at time {}, timescale {})", *focus, cycle_time(*focus, clocked), vcd.timescale) : "");
  return 0;
}

}  // namespace labctl
