#include "labkit/harness.hpp"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "labkit/machine.hpp"
#include "labkit/todo.hpp"

namespace labkit {

const char* role_name(Role r) {
  switch (r) {
    case Role::baseline: return "baseline";
    case Role::reference: return "reference";
    case Role::student: return "student";
  }
  return "?";
}

namespace {

// Collects every repetition's time per benchmark, and shows progress.
class CollectingReporter : public benchmark::ConsoleReporter {
 public:
  CollectingReporter(std::map<std::string, std::vector<double>>& samples, int total, bool verbose)
      : samples_(samples), total_(total), verbose_(verbose), tty_(isatty(STDERR_FILENO)) {}

  bool ReportContext(const Context& context) override {
    return verbose_ ? ConsoleReporter::ReportContext(context) : true;
  }

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      // GetAdjustedRealTime is in the benchmark's time unit, which we set to ns.
      samples_[run.run_name.function_name].push_back(run.GetAdjustedRealTime());
      ++done_;
    }
    if (verbose_) {
      ConsoleReporter::ReportRuns(runs);
    } else if (tty_) {
      std::fprintf(stderr, "\r  measuring: %d/%d repetitions", done_, total_);
      std::fflush(stderr);
    } else if (done_ != printed_ && (done_ == total_ || done_ % 50 == 0)) {
      printed_ = done_;
      std::fprintf(stderr, "  measuring: %d/%d repetitions\n", done_, total_);
    }
  }

  void Finalize() override {
    if (!verbose_ && tty_) std::fprintf(stderr, "\n");
  }

 private:
  std::map<std::string, std::vector<double>>& samples_;
  int total_;
  int done_ = 0;
  int printed_ = -1;
  bool verbose_;
  bool tty_;
};

// Runs student-facing code: a starter's NotImplemented becomes "todo", any
// other exception "error", each with its message as the note.
template <class F>
void guarded(F&& fn, std::string& status, std::string& note) {
  try {
    fn();
  } catch (const NotImplemented& todo) {
    status = "todo";
    note = todo.what();
  } catch (const std::exception& ex) {
    status = "error";
    note = ex.what();
  }
}

}  // namespace

Harness::Harness(std::string lab, int argc, char** argv) : lab_(std::move(lab)) {
  gbench_args_.push_back(argc > 0 ? argv[0] : lab_);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s: %s needs a value\n", lab_.c_str(), flag);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--smoke") smoke_ = true;
    else if (a == "--quick") quick_ = true;
    else if (a == "--verbose") verbose_ = true;
    else if (a == "--out") out_path_ = value("--out");
    else if (a == "--impl") impl_filter_ = value("--impl");
    else if (a == "--repetitions") repetitions_ = std::atoi(value("--repetitions").c_str());
    else if (a.rfind("--benchmark_filter=", 0) == 0) {
      // Applied here too, so entries that will not be timed are not validated
      // either (a grader timing three entries should not run fifty).
      filter_ = a.substr(std::string("--benchmark_filter=").size());
      gbench_args_.push_back(a);
    } else if (a.rfind("--benchmark_", 0) == 0) gbench_args_.push_back(a);
    else if (a == "--help" || a == "-h") {
      std::printf(
          "usage: %s [--smoke] [--quick] [--impl reference|student] [--out FILE]\n"
          "          [--repetitions N] [--verbose] [--benchmark_* ...]\n",
          argv[0]);
      std::exit(0);
    } else {
      std::fprintf(stderr, "%s: unknown flag '%s' (try --help)\n", lab_.c_str(), a.c_str());
      std::exit(2);
    }
  }
  if (!impl_filter_.empty() && impl_filter_ != "reference" && impl_filter_ != "student") {
    std::fprintf(stderr, "%s: --impl must be reference or student, not '%s'\n", lab_.c_str(),
                 impl_filter_.c_str());
    std::exit(2);
  }
}

void Harness::set_baseline(const std::string& kase, const std::string& impl) {
  baselines_.emplace_back(kase, impl);
}

void Harness::add(const std::string& kase, std::int64_t size, const std::string& impl, Role role,
                  Work work, std::function<void()> run, std::function<std::string()> validate) {
  if (!impl_filter_.empty() && role != Role::baseline && impl_filter_ != role_name(role)) return;
  const std::string name = kase + "/" + impl + "/" + std::to_string(size);
  // Google Benchmark matches its filter anywhere in the name (regex search);
  // names carry a "/real_time" suffix there.
  if (!filter_.empty() && filter_ != "all" && !std::regex_search(name + "/real_time", std::regex(filter_))) return;
  Entry e;
  e.result.kase = kase;
  e.result.impl = impl;
  e.result.role = role_name(role);
  e.result.size = size;
  e.result.name = name;
  e.result.flops = work.flops;
  e.result.bytes = work.bytes;
  e.run = std::move(run);
  e.validate = std::move(validate);
  entries_.push_back(std::move(e));
}

void Harness::add_count(const std::string& kase, std::int64_t size, const std::string& impl, Role role,
                        const std::string& metric, std::function<double()> compute) {
  if (!impl_filter_.empty() && role != Role::baseline && impl_filter_ != role_name(role)) return;
  CountEntry c;
  c.result.kase = kase;
  c.result.size = size;
  c.result.impl = impl;
  c.result.role = role_name(role);
  c.result.metric = metric;
  c.compute = std::move(compute);
  counts_.push_back(std::move(c));
}

int Harness::run() {
  int exit_code = 0;
  // Deterministic counts first: no timing, so no noise.
  for (auto& c : counts_) {
    auto& r = c.result;
    guarded([&] {
      r.value = c.compute();
      r.status = "ok";
    }, r.status, r.note);
    std::printf("  count %s/%s/%lld %s = %s%.6g%s\n", r.kase.c_str(), r.impl.c_str(), static_cast<long long>(r.size),
                r.metric.c_str(), r.status == "ok" ? "" : "(", r.value, r.status == "ok" ? "" : (") " + r.status + ": " + r.note).c_str());
    if (r.status == "error" && r.role != "student") exit_code = 1;
  }
  // 1. Correctness before speed.
  std::printf("%s: checking %zu (case, size, implementation) entries against the reference\n", lab_.c_str(), entries_.size());
  for (auto& e : entries_) {
    auto& r = e.result;
    guarded([&] {
      const std::string problem = e.validate ? e.validate() : "";
      r.status = problem.empty() ? "ok" : "wrong";
      r.note = problem;
    }, r.status, r.note);
    if (r.status != "ok") {
      std::printf("  %-28s %s: %s\n", r.name.c_str(), r.status.c_str(), r.note.c_str());
      if (r.role != "student") exit_code = 1;
    }
  }
  std::printf("Disposition: %s\n", exit_code == 0 ? "Passed" : "Failed (a baseline or reference is wrong)");

  // 2. Register the valid ones with Google Benchmark and run them interleaved.
  const int reps = repetitions_ > 0 ? repetitions_ : smoke_ ? 1 : quick_ ? 5 : 12;
  const double min_time = smoke_ ? 0.001 : quick_ ? 0.01 : 0.05;
  std::vector<std::string> args = gbench_args_;
  args.insert(args.begin() + 1, "--benchmark_enable_random_interleaving=true");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  benchmark::Initialize(&argc, argv.data());
  std::map<std::string, std::vector<double>> samples;
  // One round: the given entries, `reps` repetitions each, in random order;
  // samples are added to what earlier rounds collected.
  auto measure = [&](const std::vector<Entry*>& which) {
    for (Entry* e : which) {
      auto* fn = &e->run;
      const double flops = e->result.flops, bytes = e->result.bytes;
      benchmark::RegisterBenchmark(e->result.name.c_str(), [fn, flops, bytes](benchmark::State& state) {
        for (auto _ : state) (*fn)();
        state.counters["FLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
        state.counters["B/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate);
      })->Unit(benchmark::kNanosecond)->UseRealTime()->Repetitions(reps)->MinTime(min_time);
    }
    CollectingReporter reporter(samples, static_cast<int>(which.size()) * reps, verbose_);
    if (!which.empty()) benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::ClearRegisteredBenchmarks();  // the next round (or Harness) starts clean
  };
  std::vector<Entry*> valid;
  for (auto& e : entries_)
    if (e.result.status == "ok") valid.push_back(&e);
  auto seconds_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  const auto first_start = std::chrono::steady_clock::now();
  measure(valid);
  const double first_round_s = seconds_since(first_start);

  // A speedup whose interval is still wide after one round was measured in a
  // noisy stretch (another program, the VM's neighbours): measure both sides
  // again, up to three more rounds, so one bad stretch does not decide it.
  // Ratios are judged between runs; this is what keeps them repeatable. The
  // extra rounds start only within half the first round's time after it, so
  // a bench takes at most about 1.5 times as long (graders set time limits).
  constexpr double kWantedHalfWidth = 0.03;  // of the estimate
  const auto extra_start = std::chrono::steady_clock::now();
  for (int round = 1; round <= 3 && !smoke_ && !quick_ && seconds_since(extra_start) < 0.5 * first_round_s; ++round) {
    std::vector<Entry*> again;
    auto mark = [&](Entry* e) {
      if (std::find(again.begin(), again.end(), e) == again.end()) again.push_back(e);
    };
    for (Entry* e : valid) {
      for (const auto& [kase, base] : baselines_) {
        if (kase != e->result.kase || e->result.impl == base) continue;
        for (Entry* b : valid) {
          if (b->result.kase != kase || b->result.impl != base || b->result.size != e->result.size) continue;
          const auto& num = samples[b->result.name];
          const auto& den = samples[e->result.name];
          if (num.size() < 3 || den.size() < 3) continue;
          const auto x = ratio_interval(num, den);
          if ((x.hi - x.lo) / 2 > kWantedHalfWidth * x.estimate) mark(e), mark(b);
        }
      }
    }
    if (again.empty()) break;
    std::fprintf(stderr, "progress: re-measuring %zu noisy rows (round %d of at most 3)\n", again.size(), round);
    measure(again);
  }
  benchmark::Shutdown();

  // 3. Summaries, ratios, table, JSON.
  results_.clear();
  ratios_.clear();
  for (auto& e : entries_) {
    auto r = e.result;
    if (r.status == "ok") {
      r.samples_ns = samples[r.name];
      if (r.samples_ns.empty()) {
        r.status = "error";
        r.note = "no samples (filtered out, or the benchmark reported an error)";
      } else {
        r.summary = summarize(r.samples_ns);
      }
    }
    results_.push_back(std::move(r));
  }
  auto find = [this](const std::string& kase, const std::string& impl, std::int64_t size) -> const BenchResult* {
    for (const auto& r : results_)
      if (r.kase == kase && r.impl == impl && r.size == size && r.status == "ok") return &r;
    return nullptr;
  };
  for (const auto& r : results_) {
    for (const auto& [kase, base] : baselines_) {
      if (kase != r.kase || r.impl == base || r.status != "ok") continue;
      if (const auto* b = find(kase, base, r.size))
        ratios_.push_back({r.kase, r.size, r.impl, base, ratio_interval(b->samples_ns, r.samples_ns)});
    }
  }

  std::printf("\n%-8s %10s %-14s %12s %10s %10s %22s  %s\n", "case", "size", "impl", "median", "GFLOP/s",
              "GB/s", "speedup [95% CI]", "noise");
  bool unstable = false;
  for (const auto& r : results_) {
    if (r.status != "ok") {
      std::printf("%-8s %10lld %-14s %12s\n", r.kase.c_str(), static_cast<long long>(r.size), r.impl.c_str(),
                  r.status == "todo" ? "TODO" : r.status.c_str());
      continue;
    }
    char speed[64] = "";
    for (const auto& x : ratios_)
      if (x.kase == r.kase && x.size == r.size && x.impl == r.impl)
        std::snprintf(speed, sizeof speed, "%.2fx [%.2f, %.2f]", x.speedup.estimate, x.speedup.lo, x.speedup.hi);
    const double rel = r.summary.relative_mad();
    unstable |= rel > 0.05 && !smoke_;
    std::printf("%-8s %10lld %-14s %9.2f us %10.2f %10.2f %22s  ±%.1f%%%s\n", r.kase.c_str(),
                static_cast<long long>(r.size), r.impl.c_str(), r.summary.median / 1e3, r.gflops(), r.gbs(),
                speed, 100 * rel, rel > 0.05 && !smoke_ ? " unstable" : "");
  }
  if (unstable)
    std::printf("\nRows marked unstable vary by more than 5%% (median absolute deviation). Close other\n"
                "programs, or raise --repetitions; the speedup intervals already account for it.\n");

  if (!out_path_.empty()) {
    nlohmann::json j = {{"schema", kBenchSchema}, {"lab", lab_}, {"machine", to_json(describe_machine())},
                        {"mode", smoke_ ? "smoke" : quick_ ? "quick" : "full"}, {"repetitions", reps}};  // per round
    j["benchmarks"] = nlohmann::json::array();
    for (const auto& r : results_) j["benchmarks"].push_back(to_json(r));
    j["ratios"] = nlohmann::json::array();
    for (const auto& x : ratios_) j["ratios"].push_back(to_json(x));
    j["counts"] = nlohmann::json::array();
    for (const auto& c : counts_) j["counts"].push_back(to_json(c.result));
    const std::filesystem::path out(out_path_);
    if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
    std::ofstream f(out);
    f << j.dump(1) << "\n";
    if (!f) {
      std::fprintf(stderr, "%s: cannot write %s\n", lab_.c_str(), out_path_.c_str());
      return 2;
    }
    std::printf("\nwrote %s\n", out_path_.c_str());
  }
  return exit_code;
}

}  // namespace labkit
