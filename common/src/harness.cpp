#include "labkit/harness.hpp"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "labkit/machine.hpp"
#include "labkit/report.hpp"  // the machine and rows as JSON

namespace labkit {

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

}  // namespace

Harness::Harness(std::string lab, int argc, char** argv) : lab_(std::move(lab)) {
  flags_ = bench::parse_flags_or_exit(lab_, argc, argv,
                                      "[--smoke] [--quick] [--impl reference|student] [--out FILE]\n"
                                      "          [--repetitions N] [--verbose] [--benchmark_* ...]\n",
                                      [this](const std::string& flag) {
                                        if (flag != "--verbose") return false;
                                        verbose_ = true;  // Google Benchmark's own console output
                                        return true;
                                      });
  gbench_args_.push_back(argc > 0 ? argv[0] : lab_);
  gbench_args_.insert(gbench_args_.end(), flags_.benchmark_flags.begin(), flags_.benchmark_flags.end());
}

void Harness::set_baseline(const std::string& kase, const std::string& impl) {
  baselines_.emplace_back(kase, impl);
}

void Harness::add(const std::string& kase, std::int64_t size, const std::string& impl, Role role,
                  Work work, std::function<void()> run, std::function<std::string()> validate) {
  if (!bench::impl_selected(flags_, role)) return;
  Entry e;
  e.result = bench::make_result(kase, size, impl, role, work);
  // Google Benchmark matches its filter anywhere in the name (regex search);
  // names carry a "/real_time" suffix there.
  if (!bench::name_selected(flags_, e.result.name + "/real_time")) return;
  e.run = std::move(run);
  e.validate = std::move(validate);
  entries_.push_back(std::move(e));
}

void Harness::add(const std::string& kase, std::int64_t size, const std::string& impl, Role role, Work work,
                  std::function<void()> run, std::function<std::string()> validate, const std::string& same_as_kase) {
  const std::size_t before = entries_.size();
  add(kase, size, impl, role, work, std::move(run), std::move(validate));
  if (entries_.size() == before || same_as_kase == kase) return;  // not selected, or nothing to share
  entries_.back().same_as = bench::make_result(same_as_kase, size, impl, role, work).name;
}

void Harness::add_count(const std::string& kase, std::int64_t size, const std::string& impl, Role role,
                        const std::string& metric, std::function<double()> compute) {
  if (bench::impl_selected(flags_, role)) counts_.push_back(bench::make_count(kase, size, impl, role, metric, std::move(compute)));
}

int Harness::run() {
  // What would make every time below unrepresentative (a Debug build, a
  // powersave governor): said once, before anything runs, and kept in the JSON.
  nlohmann::json machine = to_json(describe_machine());
  const std::vector<std::string> warnings = bench::warn_about_machine(lab_, machine);
  // Deterministic counts first: no timing, so no noise.
  int exit_code = bench::compute_counts(counts_);
  // 1. Correctness before speed.
  exit_code = bench::validate_entries(lab_, bench::entry_pointers(entries_), exit_code);
  bench::skip_lone_baselines(bench::entry_pointers(entries_));

  // 2. Register the valid ones with Google Benchmark and run them interleaved.
  const int reps = flags_.reps();
  // A repetition should last about 0.05 s (0.01 quick, 0.001 smoke). Google
  // Benchmark sizes each row's loop for 1.4 times the minimum time it is
  // given (PredictNumItersNeeded), so it gets the target over 1.4: asked for
  // 0.05 s, a fast row's repetitions took 73 ms each (simd-dot, Zen 5 VM).
  constexpr double kGoogleBenchmarkOvershoot = 1.4;
  const double min_time = (flags_.smoke ? 0.001 : flags_.quick ? 0.01 : 0.05) / kGoogleBenchmarkOvershoot;
  std::vector<std::string> args = gbench_args_;
  args.insert(args.begin() + 1, "--benchmark_enable_random_interleaving=true");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  benchmark::Initialize(&argc, argv.data());
  std::vector<Entry*> valid;
  std::vector<const BenchResult*> rows;
  for (auto& e : entries_)
    if (e.result.status == BenchStatus::ok) valid.push_back(&e), rows.push_back(&e.result);
  // A row added as the same call as another (add(..., same_as_kase)) is
  // timed by that row, when it is measured too: measured_by[i] is the row
  // whose samples row i gets (itself, for every other row).
  std::vector<std::size_t> measured_by(valid.size());
  for (std::size_t i = 0; i < valid.size(); ++i) {
    measured_by[i] = i;
    for (std::size_t j = 0; j < valid.size() && !valid[i]->same_as.empty(); ++j)
      if (valid[j]->result.name == valid[i]->same_as && valid[j]->same_as.empty()) measured_by[i] = j;
  }
  std::map<std::string, std::vector<double>> samples;
  // Each row's repetitions per round (Flags::reps_for_row): in a full run,
  // one timed warm-up call per row says which rows are long.
  std::vector<int> row_reps(valid.size(), reps);
  if (flags_.trims_long_rows())
    for (std::size_t i = 0; i < valid.size(); ++i) {
      if (measured_by[i] != i) continue;
      const auto start = std::chrono::steady_clock::now();
      valid[i]->run();
      row_reps[i] = flags_.reps_for_row(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  // One round: the given entries, row_reps[i] repetitions each, in random
  // order; samples are added to what earlier rounds collected. A row timed
  // by another is registered once, as that row.
  auto measure = [&](const std::vector<std::size_t>& asked) {
    std::vector<std::size_t> which;
    for (std::size_t i : asked)
      if (std::find(which.begin(), which.end(), measured_by[i]) == which.end()) which.push_back(measured_by[i]);
    int total = 0;
    for (std::size_t i : which) {
      total += row_reps[i];
      auto* fn = &valid[i]->run;
      const double flops = valid[i]->result.flops, bytes = valid[i]->result.bytes;
      benchmark::RegisterBenchmark(valid[i]->result.name.c_str(), [fn, flops, bytes](benchmark::State& state) {
        for (auto _ : state) (*fn)();
        state.counters["FLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
        state.counters["B/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate);
      })->Unit(benchmark::kNanosecond)->UseRealTime()->Repetitions(row_reps[i])->MinTime(min_time);
    }
    CollectingReporter reporter(samples, total, verbose_);
    if (!which.empty()) benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::ClearRegisteredBenchmarks();  // the next round (or Harness) starts clean
    // Every row timed by one measured now, asked for or not, keeps its samples.
    for (std::size_t i = 0; i < valid.size(); ++i)
      if (std::find(which.begin(), which.end(), measured_by[i]) != which.end())
        valid[i]->result.samples_ns = samples[valid[measured_by[i]]->result.name];
  };
  bench::measure_in_rounds(flags_, baselines_, rows, measure);
  benchmark::Shutdown();

  // 3. Summaries, ratios, table, JSON.
  results_.clear();
  for (const auto& e : entries_) results_.push_back(e.result);
  bench::summarize_rows(results_, "no samples (filtered out, or the benchmark reported an error)");
  ratios_ = bench::compute_ratios(results_, baselines_);

  bool unstable = false;
  std::printf("\n%s", bench::results_table(results_, ratios_, flags_, &unstable).c_str());
  if (!ratios_.empty())
    std::printf("\nspeedup: the baseline's 10th-percentile time over this row's (docs/measurement.md); median: typical time.\n");
  if (unstable)
    std::printf("%sRows marked unstable vary by more than 5%% (median absolute deviation). Close other\n"
                "programs, or raise --repetitions; the speedup intervals already account for it.\n",
                ratios_.empty() ? "\n" : "");

  if (const int rc = bench::write_bench_json(lab_, flags_, std::move(machine), results_, ratios_, counts_, warnings))
    return rc;
  return exit_code;
}

}  // namespace labkit
