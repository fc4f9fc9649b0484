// labkit/bench_core.hpp: the pieces the CPU harness and the GPU bench share,
// tested without timing anything (and without a GPU).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "labkit/bench_core.hpp"
#include "labkit/todo.hpp"

using namespace labkit;
using labkit::bench::Flags;

namespace {

Flags parse_ok(const std::vector<std::string>& args, const bench::ExtraFlag& extra = {}) {
  Flags f;
  bool help = false;
  EXPECT_EQ(bench::parse_flags(args, f, help, extra), "");
  EXPECT_FALSE(help);
  return f;
}

std::string parse_error(const std::vector<std::string>& args) {
  Flags f;
  bool help = false;
  return bench::parse_flags(args, f, help);
}

BenchResult row(const std::string& kase, const std::string& impl, std::int64_t size, std::vector<double> samples,
                BenchStatus status = BenchStatus::ok) {
  BenchResult r = bench::make_result(kase, size, impl, Role::reference, {});
  r.status = status;
  r.samples_ns = std::move(samples);
  return r;
}

std::vector<const BenchResult*> pointers(const std::vector<BenchResult>& rows) {
  std::vector<const BenchResult*> out;
  for (const auto& r : rows) out.push_back(&r);
  return out;
}

// Spread of +-0.1%: a ratio interval far inside +-3%.
const std::vector<double> kTight100{100.0, 100.1, 99.9, 100.05, 99.95, 100.0};
const std::vector<double> kTight25{25.0, 25.02, 24.98, 25.01, 24.99, 25.0};
// Spread of +-40%: a ratio interval far wider than +-3%.
const std::vector<double> kWide10{10.0, 14.0, 6.0, 12.0, 8.0, 13.0};

}  // namespace

TEST(BenchCoreFlags, SharedFlagsAndDefaults) {
  const Flags f = parse_ok({"--quick", "--out", "x.json", "--impl", "student", "--repetitions", "7",
                            "--benchmark_filter=^dot/", "--benchmark_min_time=0.1"});
  EXPECT_TRUE(f.quick);
  EXPECT_FALSE(f.smoke);
  EXPECT_EQ(f.out_path, "x.json");
  EXPECT_EQ(f.impl, "student");
  EXPECT_EQ(f.repetitions, 7);
  EXPECT_EQ(f.reps(), 7);
  EXPECT_EQ(f.filter, "^dot/");
  EXPECT_EQ(f.benchmark_flags, (std::vector<std::string>{"--benchmark_filter=^dot/", "--benchmark_min_time=0.1"}));
  EXPECT_STREQ(f.mode(), "quick");

  EXPECT_EQ(parse_ok({}).reps(), 12);
  EXPECT_STREQ(parse_ok({}).mode(), "full");
  EXPECT_EQ(parse_ok({"--quick"}).reps(), 5);
  EXPECT_EQ(parse_ok({"--smoke"}).reps(), 1);
  EXPECT_STREQ(parse_ok({"--smoke"}).mode(), "smoke");
}

// Long rows get fewer repetitions only in a full run with the default count:
// about kLongRowBudgetS (3 s) of samples per round, never fewer than 5.
TEST(BenchCoreFlags, LongRowsGetFewerRepetitionsOnlyInFullRunsWithoutACount) {
  Flags full;
  EXPECT_TRUE(full.trims_long_rows());
  EXPECT_EQ(full.reps_for_row(1e-6), 12);
  EXPECT_EQ(full.reps_for_row(0.25), 12);  // 12 x 0.25 s = 3 s: not over the budget
  EXPECT_EQ(full.reps_for_row(0.3), 10);   // ceil(3 / 0.3)
  EXPECT_EQ(full.reps_for_row(0.7), 5);    // ceil(3 / 0.7) = 5
  EXPECT_EQ(full.reps_for_row(10.0), 5);   // the floor: quick's count
  Flags quick;
  quick.quick = true;
  EXPECT_EQ(quick.reps_for_row(10.0), 5);
  Flags smoke;
  smoke.smoke = true;
  EXPECT_EQ(smoke.reps_for_row(10.0), 1);
  Flags asked;  // --repetitions N is always honoured (labctl grade passes it)
  asked.repetitions = 15;
  EXPECT_FALSE(asked.trims_long_rows());
  EXPECT_EQ(asked.reps_for_row(10.0), 15);
}

TEST(BenchCoreFlags, RejectsBadImplUnknownFlagsAndMissingValues) {
  EXPECT_EQ(parse_error({"--impl", "fast"}), "--impl must be reference or student, not 'fast'");
  EXPECT_EQ(parse_error({"--verbose"}), "unknown flag '--verbose' (try --help)");
  EXPECT_EQ(parse_error({"--out"}), "--out needs a value");
  EXPECT_EQ(parse_error({"--smoke", "--repetitions"}), "--repetitions needs a value");
  EXPECT_EQ(parse_ok({"--impl", "reference"}).impl, "reference");
  EXPECT_EQ(parse_error({"--repetitions", "3x"}), "--repetitions needs a whole number of at least 1, not '3x'");
  EXPECT_EQ(parse_error({"--repetitions", "0"}), "--repetitions needs a whole number of at least 1, not '0'");
}

// labctl writes a bench's command line with to_args(): whatever it writes
// must parse back to the same flags.
TEST(BenchCoreFlags, ToArgsParsesBackToTheSameFlags) {
  Flags f;
  f.quick = true;
  f.out_path = "out dir/bench.json";
  f.impl = "student";
  f.repetitions = 24;
  f.filter = "^(dot/(student|scalar)/4096)(/.*)?$";
  f.benchmark_flags = {"--benchmark_min_time=0.1"};
  const auto args = bench::to_args(f);
  const Flags g = parse_ok(args);
  EXPECT_EQ(g.quick, f.quick);
  EXPECT_EQ(g.smoke, f.smoke);
  EXPECT_EQ(g.out_path, f.out_path);
  EXPECT_EQ(g.impl, f.impl);
  EXPECT_EQ(g.repetitions, f.repetitions);
  EXPECT_EQ(g.filter, f.filter);
  EXPECT_EQ(bench::to_args(g), args);
  EXPECT_TRUE(bench::to_args(Flags{}).empty());
}

TEST(BenchCoreFlags, RunnerExtraFlagsAndHelp) {
  bool verbose = false;
  const Flags f = parse_ok({"--verbose", "--smoke"}, [&](const std::string& a) { return a == "--verbose" && (verbose = true); });
  EXPECT_TRUE(verbose);
  EXPECT_TRUE(f.smoke);

  // --help wins over anything after it, as it did when it exited on the spot.
  Flags g;
  bool help = false;
  EXPECT_EQ(bench::parse_flags({"--quick", "--help", "--bogus"}, g, help), "");
  EXPECT_TRUE(help);
  EXPECT_TRUE(g.quick);
}

TEST(BenchCoreFlags, ImplAndNameSelection) {
  const Flags student = parse_ok({"--impl", "student"});
  EXPECT_TRUE(bench::impl_selected(student, Role::baseline));
  EXPECT_TRUE(bench::impl_selected(student, Role::student));
  EXPECT_FALSE(bench::impl_selected(student, Role::reference));
  EXPECT_TRUE(bench::impl_selected(parse_ok({}), Role::reference));

  const Flags filtered = parse_ok({"--benchmark_filter=^dot/(scalar|avx2)/"});
  EXPECT_TRUE(bench::name_selected(filtered, "dot/avx2/2048"));
  EXPECT_FALSE(bench::name_selected(filtered, "dot/student/2048"));
  EXPECT_FALSE(bench::name_selected(filtered, "saxpy/avx2/2048"));
  EXPECT_TRUE(bench::name_selected(parse_ok({"--benchmark_filter=all"}), "saxpy/avx2/2048"));
  EXPECT_TRUE(bench::name_selected(parse_ok({}), "saxpy/avx2/2048"));
}

TEST(BenchCoreRatios, PairsEachRowWithItsBaselineAtTheSameSize) {
  const std::vector<BenchResult> rows{
      row("dot", "scalar", 1024, {40, 40, 40}),
      row("dot", "avx2", 1024, {10, 10, 10}),
      row("dot", "scalar", 4096, {160, 160, 160}),
      row("dot", "avx2", 4096, {80, 80, 80}),
      row("dot", "student", 4096, {}, BenchStatus::todo),     // not ok: no ratio
      row("dot", "avx512", 8192, {20, 20, 20}),    // no baseline at this size
      row("saxpy", "avx2", 1024, {5, 5, 5}),       // a case without a baseline
  };
  const auto ratios = bench::compute_ratios(rows, {{"dot", "scalar"}});
  ASSERT_EQ(ratios.size(), 2u);
  EXPECT_EQ(ratios[0].kase, "dot");
  EXPECT_EQ(ratios[0].impl, "avx2");
  EXPECT_EQ(ratios[0].baseline, "scalar");
  EXPECT_EQ(ratios[0].size, 1024);
  EXPECT_DOUBLE_EQ(ratios[0].speedup.estimate, 4.0);
  EXPECT_DOUBLE_EQ(ratios[0].speedup.lo, 4.0);  // identical samples: no spread
  EXPECT_DOUBLE_EQ(ratios[0].speedup.hi, 4.0);
  EXPECT_EQ(ratios[1].size, 4096);
  EXPECT_DOUBLE_EQ(ratios[1].speedup.estimate, 2.0);

  EXPECT_EQ(bench::ratio_for(ratios, rows[3]), &ratios[1]);
  EXPECT_EQ(bench::ratio_for(ratios, rows[0]), nullptr);  // the baseline itself has none
}

TEST(BenchCoreRatios, SummarizeRowsMarksMissingSamples) {
  std::vector<BenchResult> rows{row("dot", "scalar", 1, {3, 1, 2}), row("dot", "avx2", 1, {}),
                                row("dot", "student", 1, {}, BenchStatus::wrong)};
  bench::summarize_rows(rows, "no samples");
  EXPECT_EQ(rows[0].status, BenchStatus::ok);
  EXPECT_EQ(rows[0].summary.n, 3u);
  EXPECT_DOUBLE_EQ(rows[0].summary.median, 2.0);
  EXPECT_EQ(rows[1].status, BenchStatus::error);
  EXPECT_EQ(rows[1].note, "no samples");
  EXPECT_EQ(rows[2].status, BenchStatus::wrong);  // left as it was
}

TEST(BenchCoreRatios, UnstableAboveFivePercentExceptInSmoke) {
  BenchResult r;
  r.summary.median = 100;
  r.summary.mad = 6;
  EXPECT_TRUE(bench::unstable(r, parse_ok({})));
  EXPECT_FALSE(bench::unstable(r, parse_ok({"--smoke"})));
  r.summary.mad = 4;
  EXPECT_FALSE(bench::unstable(r, parse_ok({})));
}

TEST(BenchCoreRounds, NoisyRowsPicksWideIntervalsAndTheirBaselines) {
  const std::vector<BenchResult> rows{
      row("dot", "scalar", 1, kTight100),
      row("dot", "avx2", 1, kTight25),         // 4.00x, interval within +-0.2%: left alone
      row("dot", "scalar", 2, kTight100),
      row("dot", "student", 2, kWide10),       // ~10x, interval +-30%: measured again
      row("dot", "avx512", 2, {10, 14}),       // too few samples to judge
      row("dot", "student", 1, kWide10, BenchStatus::wrong),
  };
  const auto tight = speedup_interval(rows[0].samples_ns, rows[1].samples_ns);
  EXPECT_LT((tight.hi - tight.lo) / 2, 0.03 * tight.estimate);
  const auto wide = speedup_interval(rows[2].samples_ns, rows[3].samples_ns);
  EXPECT_GT((wide.hi - wide.lo) / 2, 0.03 * wide.estimate);

  const auto again = bench::noisy_rows(pointers(rows), {{"dot", "scalar"}});
  EXPECT_EQ(again, (std::vector<std::size_t>{3, 2}));  // the row, then its baseline
  // Wide enough a tolerance, and nothing is noisy.
  EXPECT_TRUE(bench::noisy_rows(pointers(rows), {{"dot", "scalar"}}, 1.0).empty());
  // Without a baseline there is no ratio to be noisy.
  EXPECT_TRUE(bench::noisy_rows(pointers(rows), {}).empty());
}

// b over base (both +-40%) is wider than a over base (only base's +-40%):
// b's pair comes first, and base, in both pairs, once.
TEST(BenchCoreRounds, BaselineSharedByTwoNoisyRowsIsMeasuredOnceWidestFirst) {
  const std::vector<BenchResult> rows{row("c", "base", 1, kWide10), row("c", "a", 1, kTight25),
                                      row("c", "b", 1, kWide10)};
  EXPECT_EQ(bench::noisy_rows(pointers(rows), {{"c", "base"}}), (std::vector<std::size_t>{2, 0, 1}));
}

// The time budget: the first round takes 160 ms for 8 rows (20 ms a row),
// so the extra rounds get 80 ms: four rows. Seven noisy speedups over one
// baseline would need all 8; the round measures the three widest and their
// baseline, and is the last, however little time it took.
TEST(BenchCoreRounds, ExtraRoundsFitHalfTheFirstRoundsTimeWidestFirst) {
  // Spreads from +-10% to +-70%: the larger k, the wider the speedup's interval.
  auto spread = [](double k) { return std::vector<double>{10.0, 10 + k, 10 - k, 10 + k / 2, 10 - k / 2, 10.0}; };
  std::vector<BenchResult> rows{row("c", "base", 1, {})};
  for (int k = 1; k <= 7; ++k) rows.push_back(row("c", "impl" + std::to_string(k), 1, {}));
  std::vector<std::vector<std::size_t>> calls;
  auto measure = [&](const std::vector<std::size_t>& which) {
    if (calls.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(160));
    calls.push_back(which);
    for (std::size_t i : which) {
      const auto add = i == 0 ? kTight100 : spread(static_cast<double>(i));
      rows[i].samples_ns.insert(rows[i].samples_ns.end(), add.begin(), add.end());
    }
  };
  EXPECT_EQ(bench::measure_in_rounds(parse_ok({}), {{"c", "base"}}, pointers(rows), measure), 1);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1], (std::vector<std::size_t>{7, 0, 6, 5}));
}

// The round policy, with a fake measurement: the first round takes 150 ms,
// later ones no time, so the time budget (half the first round) allows all three.
TEST(BenchCoreRounds, RemeasuresNoisyRowsOnlyInFullRuns) {
  std::vector<BenchResult> rows{row("c", "base", 1, {}), row("c", "noisy", 1, {}), row("c", "base", 2, {}),
                                row("c", "calm", 2, {})};
  std::vector<std::vector<std::size_t>> calls;
  auto measure = [&](const std::vector<std::size_t>& which) {
    if (calls.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(150));
    calls.push_back(which);
    for (std::size_t i : which) {
      const auto& add = rows[i].impl == "noisy" ? kWide10 : rows[i].size == 1 ? kTight100 : kTight25;
      rows[i].samples_ns.insert(rows[i].samples_ns.end(), add.begin(), add.end());
    }
  };
  const bench::Baselines baselines{{"c", "base"}};

  EXPECT_EQ(bench::measure_in_rounds(parse_ok({}), baselines, pointers(rows), measure), 3);
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0], (std::vector<std::size_t>{0, 1, 2, 3}));
  for (std::size_t k = 1; k < 4; ++k) EXPECT_EQ(calls[k], (std::vector<std::size_t>{1, 0})) << "round " << k;
  EXPECT_EQ(rows[1].samples_ns.size(), 4 * kWide10.size());
  EXPECT_EQ(rows[3].samples_ns.size(), kTight25.size());

  for (const char* mode : {"--quick", "--smoke"}) {
    for (auto& r : rows) r.samples_ns.clear();
    calls.clear();
    EXPECT_EQ(bench::measure_in_rounds(parse_ok({mode}), baselines, pointers(rows), measure), 0) << mode;
    EXPECT_EQ(calls.size(), 1u) << mode;
  }

  // `stop` (a lost CUDA context) ends the rounds.
  for (auto& r : rows) r.samples_ns.clear();
  calls.clear();
  EXPECT_EQ(bench::measure_in_rounds(parse_ok({}), baselines, pointers(rows), measure, [] { return true; }), 0);
  EXPECT_EQ(calls.size(), 1u);
}

TEST(BenchCoreRounds, CalmRowsAreNotMeasuredAgain) {
  std::vector<BenchResult> rows{row("c", "base", 1, {}), row("c", "calm", 1, {})};
  int calls = 0;
  auto measure = [&](const std::vector<std::size_t>& which) {
    ++calls;
    for (std::size_t i : which) rows[i].samples_ns = i == 0 ? kTight100 : kTight25;
  };
  EXPECT_EQ(bench::measure_in_rounds(parse_ok({}), {{"c", "base"}}, pointers(rows), measure), 0);
  EXPECT_EQ(calls, 1);
}

TEST(BenchCoreValidation, StatusesExitCodeAndLostContext) {
  std::vector<bench::Entry> entries(5);
  const char* impls[] = {"base", "stu", "stub", "ref", "after"};
  const Role roles[] = {Role::baseline, Role::student, Role::student, Role::reference, Role::student};
  for (int i = 0; i < 5; ++i) entries[i].result = bench::make_result("c", 8, impls[i], roles[i], {1, 2});
  int after_calls = 0;
  entries[0].validate = [] { return std::string(); };
  entries[1].validate = [] { return std::string("y[3] = 1, expected 2"); };
  entries[2].validate = []() -> std::string { LABKIT_TODO(4, "write it"); };
  entries[3].validate = []() -> std::string { throw std::runtime_error("illegal address"); };
  entries[4].validate = [&] { ++after_calls; return std::string(); };

  // Without the hook: a student's wrong answer or TODO is not a harness
  // failure, a reference's error is.
  auto pointers_to = bench::entry_pointers(entries);
  EXPECT_EQ(bench::validate_entries("demo", pointers_to, 0), 1);
  EXPECT_EQ(entries[0].result.status, BenchStatus::ok);
  EXPECT_EQ(entries[1].result.status, BenchStatus::wrong);
  EXPECT_EQ(entries[1].result.note, "y[3] = 1, expected 2");
  EXPECT_EQ(entries[2].result.status, BenchStatus::todo);
  EXPECT_NE(entries[2].result.note.find("TODO(4): write it"), std::string::npos);
  EXPECT_EQ(entries[3].result.status, BenchStatus::error);
  EXPECT_EQ(entries[3].result.note, "illegal address");
  EXPECT_EQ(entries[4].result.status, BenchStatus::ok);
  EXPECT_EQ(after_calls, 1);

  // With it: once the context is lost, later entries are not run.
  after_calls = 0;
  bench::CheckStyle style;
  style.against = "the CPU reference";
  style.name_width = 32;
  style.context_lost = [] { return std::string("an illegal memory access (cudaErrorIllegalAddress)"); };
  std::string lost;
  EXPECT_EQ(bench::validate_entries("demo", pointers_to, 0, style, &lost), 1);
  EXPECT_EQ(lost, "c/ref/8: an illegal memory access (cudaErrorIllegalAddress)");
  EXPECT_EQ(after_calls, 0);
  EXPECT_EQ(entries[4].result.status, BenchStatus::error);
  EXPECT_EQ(entries[4].result.note, "not run: the CUDA context was lost earlier (" + lost + ")");

  // Only students wrong: passes; an exit code from the counts carries through.
  std::vector<bench::Entry> fine(1);
  fine[0].result = bench::make_result("c", 8, "stu", Role::student, {});
  fine[0].validate = [] { return std::string("wrong"); };
  EXPECT_EQ(bench::validate_entries("demo", bench::entry_pointers(fine), 0), 0);
  EXPECT_EQ(bench::validate_entries("demo", bench::entry_pointers(fine), 1), 1);
}

TEST(BenchCoreValidation, BaselinesWithNothingToCompareAreSkipped) {
  // Case "a": the student is TODO, so its baseline has nothing to be compared
  // with. Case "b": the reference passed, so the baseline is timed. Case "a"
  // at another size: the reference passed there.
  std::vector<bench::Entry> entries(6);
  entries[0].result = bench::make_result("a", 8, "scalar", Role::baseline, {});
  entries[1].result = bench::make_result("a", 8, "student", Role::student, {});
  entries[2].result = bench::make_result("b", 8, "scalar", Role::baseline, {});
  entries[3].result = bench::make_result("b", 8, "reference", Role::reference, {});
  entries[4].result = bench::make_result("a", 16, "scalar", Role::baseline, {});
  entries[5].result = bench::make_result("a", 16, "reference", Role::reference, {});
  for (auto& e : entries) e.validate = [] { return std::string(); };
  entries[1].validate = []() -> std::string { LABKIT_TODO(1, "write it"); };
  ASSERT_EQ(bench::validate_entries("demo", bench::entry_pointers(entries), 0), 0);

  EXPECT_EQ(bench::skip_lone_baselines(bench::entry_pointers(entries)), 1);
  EXPECT_EQ(entries[0].result.status, BenchStatus::skipped);
  EXPECT_NE(entries[0].result.note.find("not timed"), std::string::npos);
  EXPECT_EQ(entries[1].result.status, BenchStatus::todo);
  EXPECT_EQ(entries[2].result.status, BenchStatus::ok);
  EXPECT_EQ(entries[4].result.status, BenchStatus::ok);
  // Ratios need both sides: none for the skipped baseline's case and size.
  std::vector<BenchResult> rows;
  for (const auto& e : entries) rows.push_back(e.result);
  for (auto& r : rows)
    if (r.status == BenchStatus::ok) r.samples_ns = kTight100;
  EXPECT_EQ(bench::compute_ratios(rows, {{"a", "scalar"}, {"b", "scalar"}}).size(), 2u);
}

TEST(BenchCoreCounts, ComputedOnceWithStatuses) {
  std::vector<bench::Count> counts;
  counts.push_back(bench::make_count("mac", 8, "reference", Role::reference, "cycles", [] { return 42.0; }));
  counts.push_back(bench::make_count("mac", 8, "student", Role::student, "cycles", []() -> double { LABKIT_TODO(1, "x"); }));
  counts.push_back(bench::make_count("mac", 8, "student", Role::student, "latency", []() -> double { throw std::runtime_error("boom"); }));
  EXPECT_EQ(bench::compute_counts(counts), 0);  // student problems are not harness failures
  const auto results = bench::count_results(counts);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].status, BenchStatus::ok);
  EXPECT_DOUBLE_EQ(results[0].value, 42.0);
  EXPECT_EQ(results[0].role, "reference");
  EXPECT_EQ(results[1].status, BenchStatus::todo);
  EXPECT_EQ(results[2].status, BenchStatus::error);
  EXPECT_EQ(results[2].note, "boom");

  counts.push_back(bench::make_count("mac", 8, "ref2", Role::reference, "cycles", []() -> double { throw std::runtime_error("bad"); }));
  EXPECT_EQ(bench::compute_counts(counts), 1);
}

TEST(BenchCoreJson, SchemaModeRepetitionsAndRunnerMachineFields) {
  const Flags quick = parse_ok({"--quick"});
  std::vector<BenchResult> rows{row("dot", "scalar", 1, {40, 40, 40}), row("dot", "avx2", 1, {10, 10, 10})};
  bench::summarize_rows(rows, "no samples");
  const auto ratios = bench::compute_ratios(rows, {{"dot", "scalar"}});
  std::vector<bench::Count> counts{bench::make_count("dot", 1, "avx2", Role::reference, "ops", [] { return 3.0; })};
  bench::compute_counts(counts);
  nlohmann::json machine = {{"fingerprint", "abc"}, {"gpu", {{"available", false}, {"reason", "none here"}}}};
  const auto j = bench::bench_json("demo", quick, machine, rows, ratios, counts);
  EXPECT_EQ(j["schema"], "labkit.bench/1");
  EXPECT_EQ(j["lab"], "demo");
  EXPECT_EQ(j["mode"], "quick");
  EXPECT_EQ(j["repetitions"], 5);
  EXPECT_EQ(j["machine"]["gpu"]["reason"], "none here");
  ASSERT_EQ(j["benchmarks"].size(), 2u);
  EXPECT_EQ(j["benchmarks"][1]["name"], "dot/avx2/1");
  ASSERT_EQ(j["ratios"].size(), 1u);
  EXPECT_DOUBLE_EQ(j["ratios"][0]["speedup"]["estimate"].get<double>(), 4.0);
  ASSERT_EQ(j["counts"].size(), 1u);
  EXPECT_EQ(j["counts"][0]["value"], 3.0);

  // Nothing is written without --out.
  EXPECT_EQ(bench::write_bench_json("demo", quick, machine, rows, ratios, counts), 0);
}

// The harness's table, compared as text: every column as wide as its widest
// cell, so sgemm's long case and implementation names keep the rows in line.
TEST(BenchCoreTable, ColumnsFitTheLongestNames) {
  auto timed = [](const std::string& kase, const std::string& impl, std::int64_t size, double median_ns, double mad_ns) {
    BenchResult r = bench::make_result(kase, size, impl, Role::reference, {2e9, 4e9});
    r.status = BenchStatus::ok;
    r.summary.median = median_ns;
    r.summary.mad = mad_ns;
    return r;
  };
  std::vector<BenchResult> rows{timed("sgemm_vs_eigen", "eigen", 1024, 50e6, 0.5e6),
                                timed("sgemm_vs_eigen", "reference", 1024, 40e6, 4e6),
                                bench::make_result("blocked", 512, "student", Role::student, {})};
  rows[2].status = BenchStatus::todo;
  const std::vector<RatioResult> ratios{{"sgemm_vs_eigen", 1024, "reference", "eigen", {1.25, 1.2, 1.31}}};
  bool unstable = false;
  EXPECT_EQ(bench::results_table(rows, ratios, Flags{}, &unstable),
            "case            size  impl            median  GFLOP/s    GB/s    speedup [95% CI]  noise\n"
            "sgemm_vs_eigen  1024  eigen      50000.00 us    40.00   80.00                      ±1.0%\n"
            "sgemm_vs_eigen  1024  reference  40000.00 us    50.00  100.00  1.25x [1.20, 1.31]  ±10.0% unstable\n"
            "blocked          512  student           TODO\n");
  EXPECT_TRUE(unstable);
}

// Widths count characters, not bytes: a "±" or "µ" in one row does not push
// that row's later columns out of line (the CUDA table prints through this too).
TEST(BenchCoreTable, MultiByteCharactersTakeOneColumn) {
  EXPECT_EQ(bench::aligned_columns({{"noise", "n"}, {"±1.0%", "12"}, {"±10.0%", "3"}, {"x"}}, {false, true}),
            "noise    n\n"
            "±1.0%   12\n"
            "±10.0%   3\n"
            "x\n");
}

// The verdict on correctness says what it means for the learner.
TEST(BenchCoreValidation, CorrectnessLineSaysWhatItMeans) {
  std::vector<bench::Entry> entries(2);
  entries[0].result = bench::make_result("c", 8, "ref", Role::reference, {});
  entries[0].validate = [] { return std::string(); };
  entries[1].result = bench::make_result("c", 8, "student", Role::student, {});
  entries[1].validate = []() -> std::string { LABKIT_TODO(1, "write it"); };
  testing::internal::CaptureStdout();
  bench::validate_entries("demo", bench::entry_pointers(entries), 0);
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("Correctness check: passed for the baselines and the reference; 1 row of yours (above) is not timed"),
            std::string::npos) << out;
  entries[0].validate = [] { return std::string("y[0] = 3, expected 2"); };
  testing::internal::CaptureStdout();
  bench::validate_entries("demo", bench::entry_pointers(entries), 0);
  out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("Correctness check: FAILED: a baseline or reference result above is wrong; that is a bug in the lab"),
            std::string::npos) << out;
  EXPECT_EQ(out.find("Disposition"), std::string::npos) << out;
}
