#include "commands.hpp"

#include <fmt/color.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <optional>
#include <labkit/bench_core.hpp>
#include <labkit/machine.hpp>
#include <labkit/report.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#ifdef LABKIT_HAVE_EIGEN
#include <labkit/eigen_baseline.hpp>
#endif

#include "load.hpp"
#include "build_errors.hpp"
#include "measure.hpp"
#include "progress.hpp"
#include "progress_log.hpp"
#include "results.hpp"
#include "runner.hpp"
#include "test_summary.hpp"
#include "table.hpp"
#include "thresholds.hpp"

namespace labctl {

using nlohmann::json;

void set_learner_env(const Context& c, RunOptions& options) {
  set_measurement_env(options, c.git_revision());
  // HDL testbenches write waveforms and coverage under the out/ root.
  options.env["LABKIT_OUT"] = c.out_dir.string();
}

namespace {

constexpr double kTestTimeoutS = 600;
constexpr double kBenchTimeoutS = 1800;

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string styled(const Context& c, const std::string& text, fmt::color color) {
  return c.color ? fmt::format(fmt::fg(color), "{}", text) : text;
}

const Lab& require_available(const Context& c, const Lab& lab) {
  auto [ok, why] = c.availability(lab);
  if (!ok) throw UsageError(fmt::format("lab {} is unavailable here: {}", lab.id, why));
  return lab;
}

void check_impl(const std::string& impl) {
  if (impl != "reference" && impl != "student")
    throw UsageError("--impl must be 'reference' or 'student', not '" + impl + "'");
}

// HDL labs: what the reference testbench wrote at exit (out/<lab>/sim-reference.json,
// schema labkit.hdl/1): simulated cycles per second and coverage. Null when absent.
json hdl_simulation(const Context& c, const Lab& lab, const std::string& impl) {
  std::ifstream in(c.lab_out(lab) / ("sim-" + impl + ".json"));
  if (!in) return nullptr;
  try {
    const json j = json::parse(in);
    return j.value("schema", "") == "labkit.hdl/1" ? j : json(nullptr);
  } catch (const json::exception&) {
    return nullptr;
  }
}

std::string coverage_text(const json& sim) {
  if (!sim.is_object() || !sim.contains("coverage")) return "";
  const auto& cov = sim["coverage"];
  return fmt::format("line {:.1f}% ({}/{} points), toggle {:.1f}% ({}/{} bits)", cov.value("line_percent", 0.0),
                     cov.value("line_hit", 0), cov.value("line_total", 0), cov.value("toggle_percent", 0.0),
                     cov.value("toggle_hit", 0), cov.value("toggle_total", 0));
}

// Rows measured again replace their first measurement; every other row stays.
void merge_remeasured(labkit::LabResults& r, const labkit::LabResults& again) {
  for (const auto& b : again.benchmarks) {
    auto same = [&](const labkit::BenchResult& x) { return x.kase == b.kase && x.impl == b.impl && x.size == b.size; };
    auto it = std::find_if(r.benchmarks.begin(), r.benchmarks.end(), same);
    if (it != r.benchmarks.end()) *it = b;
    else r.benchmarks.push_back(b);
  }
  for (const auto& x : again.ratios) {
    auto same = [&](const labkit::RatioResult& y) {
      return y.kase == x.kase && y.impl == x.impl && y.size == x.size && y.baseline == x.baseline;
    };
    auto it = std::find_if(r.ratios.begin(), r.ratios.end(), same);
    if (it != r.ratios.end()) *it = x;
    else r.ratios.push_back(x);
  }
}

// A target missed while other programs held the cores it runs on was not
// measured on the machine it is about: it reads busy, not missed (load.hpp
// decides). `before` is the load seen as the lab's benchmark started; the
// busier of it and the load now counts, and threaded targets take the fewer
// free cores of the FMA probe and of what others used during the bench.
void mark_busy_misses(const Lab& lab, labkit::LabResults& r, const MachineLoad& before,
                      std::optional<double> free_during_bench) {
  std::optional<MachineLoad> now;
  for (auto& t : r.targets) {
    if (t.status != labkit::TargetStatus::missed) continue;
    for (const auto& lt : lab.targets) {
      if (lt.name != t.name) continue;
      if (!now) now = busier(before, observe_load());
      std::optional<double> probe;
      if (lt.threads > 1) {
        probe = labkit::cores_free(lt.threads);
        if (free_during_bench) probe = std::min(*probe, *free_during_bench);
      }
      auto [status, detail] = judge_miss(t, lt.threads, probe, *now);
      t.status = status;
      t.detail = std::move(detail);
    }
  }
}

// The most threads any of the lab's targets runs on (1 when none says).
int most_target_threads(const Lab& lab) {
  int threads = 1;
  for (const auto& t : lab.targets) threads = std::max(threads, t.threads);
  return threads;
}

// One line for each fact about the machine that could not be read, and what it costs.
void print_unknown_facts(const labkit::MachineInfo& info) {
  for (const auto& f : info.unknown) fmt::print("note         {}\n", labkit::describe_unknown(f));
}


// Counts GoogleTest's per-test result lines ("[       OK ] Suite.Name (3 ms)",
// "[  FAILED  ] ... (3 ms)") as the output streams in, for a progress line.
struct GtestTally {
  std::string pending;  // a partial last line
  int passed = 0, failed = 0;
  // True when a count changed.
  bool feed(std::string_view chunk) {
    pending.append(chunk);
    bool changed = false;
    for (std::size_t eol; (eol = pending.find('\n')) != std::string::npos; pending.erase(0, eol + 1)) {
      const std::string_view line(pending.data(), eol);
      if (!line.ends_with(" ms)")) continue;  // the closing list of failures has no time
      if (line.starts_with("[       OK ]")) ++passed, changed = true;
      else if (line.starts_with("[  FAILED  ]")) ++failed, changed = true;
    }
    return changed;
  }
  std::string text() const { return fmt::format("{} passed, {} failed", passed, failed); }
};

// After a failed student test: when the lab's student RTL did not compile
// (add_hdl_lab() kept Verilator's messages in student_rtl_error.log), where
// the first error is. The next-step summary above covers every other case.
void print_student_rtl_error(const Context& c, const Lab& lab) {
  const std::string text = read_text(c.build_dir / fs::relative(lab.dir, c.root) / "student_rtl_error.log");
  if (!text.empty()) fmt::print("{}\n", describe_build_failure(text, c.root));
}

// Runs one implementation's tests, capturing GoogleTest's JSON (runner.hpp).
std::vector<labkit::TestResult> run_tests(const Context& c, const Lab& lab, const std::string& impl) {
  RunOptions o;
  o.timeout_s = kTestTimeoutS;
  set_learner_env(c, o);
  const auto exe = c.executable(lab.id + "_test_" + impl);
  if (!fs::exists(exe)) {
    return {{"binary", "build", false, false, 0, exe.string() + " is missing: it did not compile (tools/labctl build shows why)"}};
  }
  const TestRun run = run_gtest(direct_launcher(c.lab_out(lab)), exe.string(), c.lab_out(lab) / ("tests-" + impl + ".json"), o);
  write_file(c.lab_out(lab) / ("tests-" + impl + ".log"), run.process.output);
  return run.tests;
}

std::string first_todo(const std::vector<labkit::TestResult>& tests) {
  static const std::regex todo(R"(([^\s:]+:\d+): TODO\((\d+)\))");
  for (const auto& t : tests) {
    std::smatch m;
    if (std::regex_search(t.message, m, todo)) {
      std::string where = m[1].str();
      if (auto pos = where.find("/phases/"); pos != std::string::npos) where = where.substr(pos + 1);
      return "TODO(" + m[2].str() + ") at " + where;
    }
  }
  return "";
}

std::string test_summary(const Context& c, const std::vector<labkit::TestResult>& tests) {
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& t : tests) (t.skipped ? skipped : t.passed ? passed : failed)++;
  std::string s = fmt::format("{}/{} passed", passed, passed + failed);
  if (skipped) s += fmt::format(", {} skipped", skipped);
  if (failed) {
    const auto todo = first_todo(tests);
    s = styled(c, s, fmt::color::orange_red) + (todo.empty() ? "" : "  (" + todo + ")");
  } else {
    s = styled(c, s, fmt::color::green);
  }
  return s;
}

// Runs the lab's bench (runner.hpp) and returns its typed results; throws
// when there are none. Its JSON stays in out/<lab>/bench.json, its output in bench.log.
// `cores_free` (optional): the cores the rest of the machine left the bench
// while it ran (load.hpp, CpuWindow), as grade measures them.
labkit::LabResults run_bench(const Context& c, const Lab& lab, const BenchOptions& o, bool echo,
                             Progress* progress = nullptr, std::optional<double>* cores_free = nullptr) {
  const auto exe = c.executable(lab.id + "_bench");
  if (!fs::exists(exe)) throw std::runtime_error(exe.string() + " is missing: the lab has no bench or it did not compile");
  labkit::bench::Flags flags;
  flags.quick = o.quick;
  flags.impl = o.impl;
  flags.repetitions = o.repetitions;
  RunOptions ro;
  std::string pending;
  if (progress)
    ro.on_output = [&](const char* data, std::size_t n) {
      if (auto detail = progress_detail(pending, std::string_view(data, n))) progress->update(*detail);
    };
  ro.timeout_s = kBenchTimeoutS;
  ro.echo = echo;
  set_learner_env(c, ro);
  // --bench-arg: the lab's own flags, as given, after the harness's.
  const CpuWindow window;
  BenchRun run = run_bench_process(direct_launcher(c.lab_out(lab)), exe.string(), flags, o.extra,
                                   c.lab_out(lab) / "bench.json", ro);
  if (cores_free) *cores_free = window.cores_free(run.process.cpu_seconds);
  write_file(c.lab_out(lab) / "bench.log", run.process.output);
  if (!run.error.empty()) throw std::runtime_error(run.error);
  return std::move(run.results);
}

}  // namespace

// Measured machine limits, cached in out/machine.json for this fingerprint.
labkit::MachineLimits machine_limits(const Context& c, bool quick, bool force) {
  const fs::path cache = c.out_dir / "machine.json";
  const auto here = labkit::describe_machine();
  if (!force && fs::exists(cache)) {
    try {
      std::ifstream in(cache);
      auto m = labkit::limits_from_json(json::parse(in));
      // Reuse only limits of this machine and build, and never quick ones for a full run.
      // The facts (sources, unknowns) are re-read: cheap, and the cache may predate them.
      if (m.info.fingerprint == here.fingerprint && (quick || !m.quick)) {
        m.info = here;
        return m;
      }
    } catch (const std::exception& e) {
      spdlog::warn("ignoring {}: {}", cache.string(), e.what());
    }
  }
  Progress p(quick ? "measuring machine limits (quick)" : "measuring machine limits");
  static Progress* current = nullptr;
  current = &p;
  labkit::MeasureOptions o;
  o.quick = quick;
  o.progress = [](const char* step, int done, int total) {
    if (current) current->update(fmt::format("[{}/{}] {}", done, total, step));
  };
  auto m = labkit::measure_machine(o);
  m.info.git_revision = c.git_revision();
  current = nullptr;
  p.finish(fmt::format("{:.1f} GFLOP/s one core, {:.1f} GB/s DRAM", m.peak_one_core.gflops,
                       m.bandwidth.empty() ? 0.0 : m.bandwidth.back().gbs));
  write_file(cache, labkit::to_json(m).dump(1) + "\n");
  return m;
}

int cmd_list(const Context& c, bool as_json) {
  const auto labs = c.labs();
  if (as_json) {
    json arr = json::array();
    for (const auto& l : labs) {
      auto [ok, why] = c.availability(l);
      arr.push_back({{"id", l.id}, {"title", l.title}, {"phase", l.phase}, {"module", l.module},
                     {"layers", l.layers}, {"requires", l.requires_features}, {"available", ok},
                     {"reason", why}, {"path", fs::relative(l.dir, c.root).string()}});
    }
    fmt::print("{}\n", arr.dump(2));
    return 0;
  }
  // One table for every lab, so the columns line up across phases; a phase's
  // heading goes before its first row.
  std::vector<TableRow> rows;
  for (const auto& l : labs) {
    auto [ok, why] = c.availability(l);
    std::string layers;
    for (const auto& x : l.layers) layers += (layers.empty() ? "" : ",") + x;
    rows.push_back({l.id, l.title, layers,
                    ok ? styled(c, "available", fmt::color::green) : styled(c, "unavailable: " + why, fmt::color::orange_red)});
  }
  std::istringstream lines(render_table({{}, {}, {}, {}}, rows, "  "));
  int phase = 0;
  for (const auto& l : labs) {
    if (l.phase != phase) {
      phase = l.phase;
      fmt::print("\nPhase {}: {}\n", phase, phases()[static_cast<std::size_t>(phase - 1)].name);
    }
    std::string line;
    std::getline(lines, line);
    fmt::print("{}\n", line);
  }
  if (labs.empty()) fmt::print("no labs under {}/phases\n", c.root.string());
  return 0;
}

namespace {

// `labctl info`: the targets with their grading thresholds, then every graded
// task a learner may see (tests and counts have no target to stand beside).
void print_targets_and_tasks(const Lab& lab) {
  if (!lab.targets.empty())
    fmt::print("  targets   (tools/labctl run {} reports each met or missed)\n{}", lab.id, targets_table(lab, nullptr, false, "    "));
  std::vector<TableRow> rows;
  int hidden = 0;
  double points = 0;
  for (const auto& t : lab.tasks) {
    if (t.visibility != "visible") {
      ++hidden;
      continue;
    }
    points += t.points;
    rows.push_back({t.id, fmt::format("{:g}", t.points), std::string(kind_name(t.kind)),
                    t.kind == TaskKind::test ? t.name : t.name + ": " + task_thresholds(t)});
  }
  if (rows.empty() && !hidden) return;
  fmt::print("  graded    (by tools/labctl grade, docs/instructors.md; {:g} points shown{})\n", points,
             hidden ? fmt::format(", {} hidden task{} the grader reveals", hidden, hidden == 1 ? "" : "s") : "");
  fmt::print("{}", render_table({{"task"}, {"points", true}, {"kind"}, {"what earns the points", false, 70}}, rows, "    "));
}

}  // namespace

int cmd_info(const Context& c, const std::string& id) {
  const auto lab = c.find_lab(id);
  auto [ok, why] = c.availability(lab);
  fmt::print("{}: {}\n", lab.id, lab.title);
  if (!lab.summary.empty()) fmt::print("  {}\n", lab.summary);
  fmt::print("  phase     {} ({})\n  module    {}\n", lab.phase, phases()[static_cast<std::size_t>(lab.phase - 1)].name, lab.module);
  std::string layers;
  for (const auto& x : lab.layers) layers += (layers.empty() ? "" : ", ") + x;
  fmt::print("  layers    {} (docs/stack.md)\n", layers);
  fmt::print("  folder    {}\n", fs::relative(lab.dir, c.root).string());
  fmt::print("  status    {}\n", ok ? "available" : "unavailable: " + why);
  fmt::print("  edit      {}\n", fs::relative(lab.dir / "student", c.root).string());
  fmt::print("  readme    {}\n", fs::relative(lab.dir / "README.md", c.root).string());
  print_targets_and_tasks(lab);
  // CUDA labs: the per-kernel resource report (registers, spills, shared
  // memory, occupancy), read from the compiler's output, so no GPU is needed.
  if (const auto tool = c.executable(lab.id + "_resources"); fs::exists(tool)) {
    RunOptions o;
    o.timeout_s = 30;
    const auto r = run_process({tool.string(), "--brief"}, o);
    fmt::print("  resources (from the compiler, no GPU needed; {} --help for more)\n", tool.filename().string());
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);) fmt::print("    {}\n", line);
  }
  fmt::print("  commands  tools/labctl test {0} | tools/labctl bench {0} | tools/labctl run {0}{1}\n", lab.id,
             lab.synth.empty() ? "" : " | tools/labctl synth " + lab.id);
  return 0;
}

int cmd_test(const Context& c, const std::string& id, const std::string& impl, bool trace) {
  check_impl(impl);
  const auto lab = c.find_lab(id);
  require_available(c, lab);
  const auto exe = c.executable(lab.id + "_test_" + impl);
  if (!fs::exists(exe)) throw UsageError(exe.string() + " is missing: run tools/labctl build and fix the compile errors it shows");
  RunOptions o;
  o.timeout_s = kTestTimeoutS;
  set_learner_env(c, o);
  // HDL testbenches (labkit/hdl.hpp) write a VCD of every simulation to out/<lab>/.
  if (trace) o.env["LABKIT_TRACE"] = "1";
  // GoogleTest's own output (hundreds of lines on a starter) goes to a log;
  // the terminal gets a progress line and, on failure, next_steps().
  const fs::path log = c.lab_out(lab) / ("tests-" + impl + ".log");
  TestRun run;
  {
    Progress progress(fmt::format("labctl: testing {} ({})", lab.id, impl));
    GtestTally tally;
    // On a terminal the spinner shows the running count; a log gets the start and end lines only.
    if (is_tty(2))
      o.on_output = [&](const char* data, std::size_t n) {
        if (tally.feed({data, n})) progress.update(tally.text());
      };
    run = run_gtest(direct_launcher(c.lab_out(lab)), exe.string(), c.lab_out(lab) / ("tests-" + impl + ".json"), o,
                    {"--gtest_color=no"});
    write_file(log, run.process.output);
    std::size_t passed = 0, failed = 0;
    for (const auto& t : run.tests) (t.passed ? passed : failed) += t.skipped ? 0 : 1;
    const bool crashed = !run.process.exited || run.process.timed_out;
    progress.finish(crashed ? run.process.describe(o.timeout_s) : fmt::format("{} passed, {} failed", passed, failed));
  }
  record_test(c, lab, impl, run.process.ok());
  // Relative to the repository root, or absolute where outside it (LABS_OUT elsewhere).
  const auto from_root = [&](const fs::path& p) { return path_from_root(p.string(), c.root, c.root); };
  if (trace) fmt::print("labctl: waveforms (VCD, open with gtkwave) are in {}\n", from_root(c.lab_out(lab)));

  TestSummaryInput in;
  in.lab = lab.id;
  in.impl = impl;
  in.tests = run.tests;
  in.root = c.root;
  in.build_dir = c.build_dir;
  for (const auto& f : fs::directory_iterator(lab.dir / impl)) {
    if (!f.is_regular_file()) continue;
    in.code_files.push_back(f.path());
    const auto numbers = todo_numbers(read_text(f.path()));
    in.todos_in_code.insert(in.todos_in_code.end(), numbers.begin(), numbers.end());
  }
  in.log_file = from_root(log);
  in.test_binary = from_root(exe);
  const auto steps = next_steps(in);
  if (run.process.ok() && steps.empty()) {
    std::size_t skipped = 0;
    std::string why_skipped;
    for (const auto& t : run.tests)
      if (t.skipped && skipped++ == 0) why_skipped = first_message_line(t.message, c.root, c.build_dir);
    fmt::print("labctl: {} ({}) passed: {}{}\n", lab.id, impl,
               run.tests.size() == 1 ? "1 test" : fmt::format("{} tests", run.tests.size()),
               skipped ? fmt::format(" ({} skipped{})", skipped, why_skipped.empty() || why_skipped == "skipped"
                                                                      ? ""
                                                                      : "; the first: " + why_skipped)
                       : "");
    return 0;
  }
  for (const auto& line : steps) fmt::print("{}\n", line);
  if (steps.empty())  // the binary failed, yet no test did (a failure outside every test)
    fmt::print("labctl: {} ({}) failed: {}, with no failing test; see {}\n", lab.id, impl,
               run.process.describe(o.timeout_s), in.log_file);
  if (impl == "student") print_student_rtl_error(c, lab);
  return 1;
}

namespace {

// `labctl bench` says in one line when other programs hold the cores the
// lab's threads need (on stderr with --json: stdout carries only JSON).
void announce_busy(const MachineLoad& load, int threads, bool to_stderr, const std::string& when = "") {
  std::string busy = describe_busy(load, threads);  // "machine busy: ..."
  if (busy.empty()) return;
  const std::string line = "labctl: " + busy.insert(busy.find(':'), when) + "\n";
  if (to_stderr) fmt::print(stderr, "{}", line);
  else fmt::print("{}", line);
  std::fflush(stdout);  // before the bench's own output
}

}  // namespace

int cmd_bench(const Context& c, const std::string& id, const BenchOptions& o) {
  if (!o.impl.empty()) check_impl(o.impl);
  const auto lab = c.find_lab(id);
  require_available(c, lab);
  // With --json the table goes to stderr-like progress and stdout carries only JSON.
  const MachineLoad before = observe_load();
  announce_busy(before, most_target_threads(lab), o.json);
  run_bench(c, lab, o, !o.json);
  if (!is_busy(before, most_target_threads(lab))) announce_busy(observe_load(), most_target_threads(lab), o.json, " by its end");
  record_bench(c, lab, o.impl);
  const fs::path out = c.lab_out(lab) / "bench.json";
  if (o.json) {
    std::ifstream in(out);
    fmt::print("{}\n", json::parse(in).dump(1));
  } else {
    fmt::print("labctl: results in {}\n", fs::relative(out, fs::current_path()).string());
  }
  return 0;
}

int cmd_machine(const Context& c, bool as_json, bool quick) {
  auto m = machine_limits(c, quick, true);
  json j = labkit::to_json(m);
#ifdef LABKIT_HAVE_EIGEN
  {
    Progress p("measuring Eigen sgemm on one core (512^3)");
    const double eigen = labkit::eigen_sgemm_gflops(512, 1);
    p.finish(fmt::format("{:.1f} GFLOP/s", eigen));
    j["eigen_sgemm_gflops_one_core"] = eigen;
  }
#endif
  write_file(c.out_dir / "machine.json", j.dump(1) + "\n");
  if (as_json) {
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  const auto& info = m.info;
  fmt::print("CPU          {} ({} logical CPUs, {} family {})\n", info.cpu_model, info.logical_cpus, info.vendor, info.cpu_family);
  fmt::print("ISA          {} (kernels use {})\n", info.isa_flags, info.best_isa);
  for (const auto& cache : info.caches)
    if (cache.type != "Instruction")
      fmt::print("L{} {:<9} {} KiB, {}-byte lines, shared by {} (from {})\n", cache.level, cache.type, cache.bytes >> 10,
                 cache.line_bytes ? std::to_string(cache.line_bytes) : "?",
                 cache.shared_by_cpus ? fmt::format("{} CPU(s)", cache.shared_by_cpus) : "? CPUs", cache.source);
  fmt::print("compiler     {} [{}] {}\n", info.compiler, info.build_type, info.cxx_flags);
  fmt::print("revision     {}   fingerprint {}   governor {}\n", info.git_revision, info.fingerprint, info.cpu_governor);
  fmt::print("clock        {:.2f} GHz (estimated)\n", m.clock_ghz);
  fmt::print("fp32 peak    {:.1f} GFLOP/s one core ({:.1f} flop/cycle, {} kernel), {:.1f} GFLOP/s on {} threads\n",
             m.peak_one_core.gflops, m.peak_one_core.flops_per_cycle, m.peak_one_core.isa, m.peak_all_cores.gflops,
             m.peak_all_cores.threads);
  fmt::print("theoretical  {:.1f} GFLOP/s one core: {}\n", m.theoretical_gflops_one_core, m.theoretical_basis);
  if (j.contains("eigen_sgemm_gflops_one_core"))
    fmt::print("Eigen sgemm  {:.1f} GFLOP/s one core ({:.0f}% of the measured peak)\n", j["eigen_sgemm_gflops_one_core"].get<double>(),
               100 * j["eigen_sgemm_gflops_one_core"].get<double>() / m.peak_one_core.gflops);
  fmt::print("read bandwidth, one thread:\n");
  double max_gbs = 0;
  for (const auto& p : m.bandwidth) max_gbs = std::max(max_gbs, p.gbs);
  for (const auto& p : m.bandwidth) {
    const std::string size = p.bytes >= (1u << 20) ? fmt::format("{} MiB", p.bytes >> 20) : fmt::format("{} KiB", p.bytes >> 10);
    fmt::print("  {:>8}  {:7.1f} GB/s  {}\n", size, p.gbs, std::string(static_cast<std::size_t>(40 * p.gbs / max_gbs), '#'));
  }
  fmt::print("DRAM, all {} threads: {:.1f} GB/s\n", info.logical_cpus, m.dram_gbs_all_cores);
  print_unknown_facts(info);
  fmt::print("saved {}\n", fs::relative(c.out_dir / "machine.json", fs::current_path()).string());
  return 0;
}

namespace {

// One lab through `labctl run`: what its run measured and how it went.
struct LabRun {
  labkit::LabResults results;
  std::map<std::string, std::vector<labkit::TestResult>> tests;  // by implementation
  std::string bench_error;
  json hdl_reference;  // HDL labs: the reference testbench's statistics
};

void run_both_tests(const Context& c, const Lab& lab, const std::string& step, LabRun& run) {
  for (const std::string impl : {"reference", "student"}) {
    Progress p(step + ": tests (" + impl + ")");
    run.tests[impl] = run_tests(c, lab, impl);
    int failed = 0;
    for (auto t : run.tests[impl]) {
      failed += !t.passed && !t.skipped;
      t.suite = impl + "." + t.suite;
      run.results.tests.push_back(t);
    }
    p.finish(failed ? fmt::format("{} failed", failed) : "passed");
  }
}

void judge_targets(const Lab& lab, const labkit::MachineLimits& machine, labkit::LabResults& r) {
  r.targets.clear();
  for (const std::string impl : {"reference", "student"})
    for (auto& t : evaluate_targets(lab, r, machine, impl)) r.targets.push_back(t);
}

// Two kinds of miss are not a verdict yet: one whose interval straddles the
// threshold, and one on several threads (on a VM, how well two threads scale
// swings from run to run with what the host runs beside it: 1.06x to 1.57x in
// four runs of tiny-nn's MLP step on an idle 2-core Zen 5 VM). Their rows are
// measured again (only those: a whole bench again took a minute per lab) with
// twice, then four times the repetitions; the last measurement is the verdict.
void remeasure_undecided(const Context& c, const Lab& lab, const labkit::MachineLimits& machine, bool quick,
                         const std::vector<std::string>& bench_args, const std::string& step, labkit::LabResults& r) {
  for (int attempt = 1; attempt <= 2; ++attempt) {
    std::string rows;  // --benchmark_filter alternatives: case/(impl|baseline)/size
    for (const auto& t : r.targets) {
      if (t.status != labkit::TargetStatus::missed) continue;
      for (const auto& lt : lab.targets)
        if (lt.name == t.name && (t.interval.straddles(t.threshold) || lt.threads > 1))
          rows += fmt::format("{}{}/({}{})/{}", rows.empty() ? "" : "|", lt.kase, t.impl,
                              lt.baseline.empty() ? "" : "|" + lt.baseline, lt.size);
    }
    if (rows.empty()) return;
    Progress p(step + ": re-measuring (a target straddles its threshold or runs on several threads)");
    try {
      auto args = bench_args;
      args.push_back("--benchmark_filter=^(" + rows + ")(/.*)?$");
      merge_remeasured(r, run_bench(c, lab, {"", quick, false, (quick ? 5 : 12) * 2 * attempt, args}, false, &p));
      judge_targets(lab, machine, r);
      p.finish("done");
    } catch (const std::exception& e) {
      p.finish(std::string("failed: ") + e.what());
      return;
    }
  }
}

LabRun run_lab(const Context& c, const Lab& lab, const labkit::MachineLimits& machine, bool quick,
               const std::vector<std::string>& bench_args, const std::string& step) {
  LabRun run;
  labkit::LabResults& r = run.results;
  r.lab = lab.id;
  r.title = lab.title;
  r.machine = labkit::to_json(machine.info);
  run_both_tests(c, lab, step, run);
  MachineLoad load_before;  // unknown: nothing measured, nothing to excuse
  std::optional<double> free_during_bench;
  if (fs::exists(c.executable(lab.id + "_bench"))) {
    load_before = observe_load();
    if (auto busy = describe_busy(load_before, most_target_threads(lab), /*judging=*/true); !busy.empty()) {
      fmt::print("{}: {}\n", step, busy);
      std::fflush(stdout);  // before the progress lines on stderr
    }
    Progress p(step + ": benchmark" + (quick ? " (quick)" : ""));
    try {
      labkit::LabResults bench = run_bench(c, lab, {"", quick, false, 0, bench_args}, false, &p, &free_during_bench);
      r.benchmarks = std::move(bench.benchmarks);
      r.ratios = std::move(bench.ratios);
      r.counts = std::move(bench.counts);
      p.finish(fmt::format("{} measurements", r.benchmarks.size()));
    } catch (const std::exception& e) {
      run.bench_error = e.what();
      p.finish("failed");
    }
  }
  judge_targets(lab, machine, r);
  if (run.bench_error.empty()) remeasure_undecided(c, lab, machine, quick, bench_args, step, r);
  mark_busy_misses(lab, r, load_before, free_during_bench);

  // The lab's own report and plot; HDL labs add their simulation statistics and coverage.
  json results = labkit::to_json(r);
  run.hdl_reference = hdl_simulation(c, lab, "reference");
  if (!run.hdl_reference.is_null())
    results["hdl"] = {{"reference", run.hdl_reference}, {"student", hdl_simulation(c, lab, "student")}};
  write_file(c.lab_out(lab) / "results.json", results.dump(1) + "\n");
  auto roof = machine_roofline(machine, lab.id + " on " + machine.info.cpu_model);
  add_points(roof, r, false);
  std::ostringstream svg;
  roof.write_svg(svg);
  write_file(c.lab_out(lab) / "roofline.svg", svg.str());
  return run;
}

// The lab's block of the terminal report. Returns the problems it shows in
// the reference implementation or the bench (failed tests, missed targets).
int print_lab_run(const Context& c, const Lab& lab, const LabRun& run) {
  int problems = 0;
  const labkit::LabResults& r = run.results;
  auto tests = [&](const char* impl) { return run.tests.count(impl) ? run.tests.at(impl) : std::vector<labkit::TestResult>{}; };
  fmt::print("\n{} {}\n", styled(c, lab.id, fmt::color::steel_blue), lab.title);
  fmt::print("  tests     reference {}\n            student   {}\n", test_summary(c, tests("reference")),
             test_summary(c, tests("student")));
  for (const auto& t : tests("reference")) problems += !t.passed && !t.skipped;
  if (const json& hdl = run.hdl_reference; !hdl.is_null()) {
    if (const auto cov = coverage_text(hdl); !cov.empty()) fmt::print("  coverage  reference {}\n", cov);
    if (const auto cov = coverage_text(hdl_simulation(c, lab, "student")); !cov.empty())
      fmt::print("            student   {}\n", cov);
    fmt::print("  simulated reference {:.2f} M cycles/s ({} cycles)\n", hdl.value("cycles_per_second", 0.0) / 1e6,
               hdl.value("cycles", 0));
  }
  for (const auto& k : r.counts) {
    // Notes name files by absolute path: from phases/ on is enough here.
    const std::string note = std::regex_replace(k.note, std::regex(R"(\S*/(phases/\S+))"), "$1").substr(0, 160);
    fmt::print("  count     {}/{} {} {}: {}\n", k.kase, k.size, k.metric, k.impl,
               k.status == labkit::BenchStatus::ok ? fmt::format("{:g}", k.value) : labkit::status_name(k.status) + (note.empty() ? "" : " (" + note + ")"));
  }
  if (!run.bench_error.empty()) {
    fmt::print("  benchmark failed: {}\n", run.bench_error);
    ++problems;
  }
  if (!lab.targets.empty()) {
    fmt::print("{}", targets_table(lab, &r.targets, c.color));
    for (const auto& x : r.targets)
      if (x.impl == "reference" && x.status == labkit::TargetStatus::missed) ++problems;
    for (const auto& x : r.targets)
      if (x.status == labkit::TargetStatus::busy || (x.status == labkit::TargetStatus::missed && !x.detail.empty()))
        fmt::print("  {} ({}): {}\n", x.name, x.impl, x.detail);
  }
  fmt::print("  results   {}\n\n", fs::relative(c.lab_out(lab) / "results.json", fs::current_path()).string());
  return problems;
}

// One lab's section of out/report.md: its results, and for HDL labs the
// reference testbench's statistics.
struct ReportLab {
  labkit::LabResults results;
  json hdl_reference;  // null for other labs
  bool earlier = false;  // read from an earlier run's out/<lab>/results.json
};

// The labs out/report.md covers: the ones just run, and every other lab whose
// results.json an earlier run left, measured on this machine, so that
// `run sgemm` after `run simd-dot` keeps simd-dot's section. In lab order.
// `elsewhere` gets the labs whose results came from another machine or build.
std::vector<ReportLab> report_labs(const Context& c, const std::string& fingerprint, std::vector<ReportLab> just_run,
                                   std::vector<std::string>& elsewhere) {
  std::vector<ReportLab> out;
  for (const auto& lab : c.labs()) {
    auto ran = std::find_if(just_run.begin(), just_run.end(), [&](const ReportLab& r) { return r.results.lab == lab.id; });
    if (ran != just_run.end()) {
      out.push_back(std::move(*ran));
      continue;
    }
    const fs::path file = c.lab_out(lab) / "results.json";
    std::ifstream in(file);
    if (!in) continue;
    try {
      const json j = json::parse(in);
      ReportLab r{labkit::results_from_json(j), j.contains("hdl") ? j["hdl"].value("reference", json(nullptr)) : json(nullptr),
                  true};
      if (r.results.machine.value("fingerprint", "") != fingerprint) {
        elsewhere.push_back(lab.id);
        continue;
      }
      out.push_back(std::move(r));
    } catch (const std::exception& e) {
      spdlog::warn("leaving {} out of the report: {}", file.string(), e.what());
    }
  }
  return out;
}

// out/report.md, out/junit.xml and out/roofline.svg for every lab in `labs`.
void write_run_reports(const Context& c, const labkit::MachineLimits& machine, const std::vector<ReportLab>& labs,
                       const std::vector<std::string>& elsewhere) {
  std::vector<labkit::LabResults> all;
  std::vector<std::string> earlier;
  for (const auto& l : labs) {
    all.push_back(l.results);
    if (l.earlier) earlier.push_back(l.results.lab);
  }
  std::ostringstream md, junit, svg;
  labkit::write_markdown(md, all);
  bool hdl_header = false;
  for (const auto& l : labs) {
    const json& sim = l.hdl_reference;
    if (sim.is_null()) continue;
    if (!hdl_header)
      md << "\n## HDL labs: reference testbenches\n\n| lab | line coverage | toggle coverage | simulated cycles | M cycles/s |\n|---|---|---|---|---|\n";
    hdl_header = true;
    const json cov = sim.value("coverage", json::object());
    md << fmt::format("| {} | {:.1f}% ({}/{}) | {:.1f}% ({}/{}) | {} | {:.2f} |\n", l.results.lab, cov.value("line_percent", 0.0),
                      cov.value("line_hit", 0), cov.value("line_total", 0), cov.value("toggle_percent", 0.0),
                      cov.value("toggle_hit", 0), cov.value("toggle_total", 0), sim.value("cycles", 0),
                      sim.value("cycles_per_second", 0.0) / 1e6);
  }
  if (hdl_header) md << "\n";
  auto join = [](const std::vector<std::string>& ids) {
    std::string s;
    for (const auto& id : ids) s += (s.empty() ? "" : ", ") + id;
    return s;
  };
  if (!earlier.empty())
    md << "Carried over from earlier runs on this machine (their out/<lab>/results.json): " << join(earlier) << ".\n\n";
  if (!elsewhere.empty())
    md << "Left out, measured on another machine or build: " << join(elsewhere) << " (run them again here).\n\n";
  md << "![roofline](roofline.svg)\n";
  labkit::write_junit(junit, all);
  auto roof = machine_roofline(machine, "All labs on " + machine.info.cpu_model + " (one core)");
  for (const auto& r : all) add_points(roof, r, all.size() > 1);
  roof.write_svg(svg);
  write_file(c.out_dir / "report.md", md.str());
  write_file(c.out_dir / "junit.xml", junit.str());
  write_file(c.out_dir / "roofline.svg", svg.str());
}

}  // namespace

int cmd_run(const Context& c, std::vector<std::string> ids, bool quick, const std::vector<std::string>& bench_args) {
  std::vector<Lab> labs;
  if (ids.empty()) {
    labs = c.labs();
  } else {
    for (const auto& id : ids) labs.push_back(c.find_lab(id));
  }
  auto machine = machine_limits(c, quick, false);
  machine.info.git_revision = c.git_revision();  // the cache may predate the last commit
  print_unknown_facts(machine.info);
  std::vector<ReportLab> ran;
  int problems = 0;
  int index = 0;
  for (const auto& lab : labs) {
    const std::string step = fmt::format("[{}/{}] {}", ++index, labs.size(), lab.id);
    if (auto [ok, why] = c.availability(lab); !ok) {
      fmt::print("{}: unavailable: {}\n", step, why);
      continue;
    }
    LabRun run = run_lab(c, lab, machine, quick, bench_args, step);
    problems += print_lab_run(c, lab, run);
    record_run(c, lab, run.results);
    ran.push_back({std::move(run.results), run.hdl_reference, false});
  }
  std::vector<std::string> elsewhere;
  const auto reported = report_labs(c, machine.info.fingerprint, std::move(ran), elsewhere);
  write_run_reports(c, machine, reported, elsewhere);
  fmt::print("Machine: {}, fp32 peak {:.1f} GFLOP/s (one core), DRAM {:.1f} GB/s (one thread)\n", machine.info.cpu_model,
             machine.peak_one_core.gflops, machine.bandwidth.empty() ? 0.0 : machine.bandwidth.back().gbs);
  const auto rel = [&](const fs::path& p) { return fs::relative(p, fs::current_path()).string(); };
  fmt::print("Wrote {}, {} and {} ({} lab{}: this run's and earlier runs' on this machine)\n", rel(c.out_dir / "report.md"),
             rel(c.out_dir / "roofline.svg"), rel(c.out_dir / "junit.xml"), reported.size(), reported.size() == 1 ? "" : "s");
  if (problems) fmt::print("{} problem(s) in reference implementations or benchmarks (see above)\n", problems);
  return problems ? 1 : 0;
}

int cmd_reset(const Context& c, const std::string& id) {
  const auto lab = c.find_lab(id);
  const auto rel = fs::relative(lab.dir / "student", c.root).string();
  // The learner's work goes into a git stash, not a folder: out/ is ignored by
  // git, so `git clean -fdx` would delete a backup there, and a stash also
  // keeps the files the learner added. Restoring it is one git command.
  std::vector<std::string> git{"git", "-C", c.root.string()};
  if (!run_process({"git", "-C", c.root.string(), "config", "user.email"}).ok())
    git.insert(git.end(), {"-c", "user.name=labctl", "-c", "user.email=labctl@localhost"});  // a stash is a commit
  auto command = [&](std::vector<std::string> args) {
    args.insert(args.begin(), git.begin(), git.end());
    return run_process(args);
  };
  const auto status = command({"status", "--porcelain", "--", rel});
  if (!status.ok())
    throw UsageError("cannot read " + rel + " from git: " + status.output +
                     "(labctl reset needs the repository's git history: run it inside your clone)");
  if (status.output.empty()) {
    fmt::print("{} is already the starter: nothing to reset\n", rel);
    return 0;
  }
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  const std::string message = fmt::format("labctl reset {} ({})", lab.id, stamp);
  const auto stash = command({"stash", "push", "--include-untracked", "--quiet", "-m", message, "--", rel});
  // The full hash: `git stash apply 9852070` reads an all-digit short hash
  // (one in 27) as stash@{9852070} and fails.
  const auto sha = command({"rev-parse", "stash@{0}"});
  const auto check = command({"status", "--porcelain", "--", rel});
  if (!stash.ok() || !sha.ok() || !check.ok() || !check.output.empty())
    throw UsageError("could not put " + rel + " aside in a git stash: " + stash.output + check.output +
                     "(your files are untouched; commit them, then git checkout HEAD -- " + rel + ")");
  const std::string commit = sha.output.substr(0, sha.output.find('\n'));
  fmt::print("restored {} to the starter.\n"
             "Your files are in the git stash \"{}\" (commit {}; git stash list shows it).\n"
             "Get them back with:  git stash apply {}\n",
             rel, message, commit, commit);
  return 0;
}

}  // namespace labctl
