// Scoring rules (src/scoring.hpp) and the metrics they score (src/measure.hpp),
// on hand-made measurements: no process, no build.
#include <gtest/gtest.h>

#include "measure.hpp"
#include "scoring.hpp"

using namespace labctl;

namespace {

Task perf_task(double full, double zero, std::string curve = "linear") {
  Task t;
  t.id = "speed";
  t.kind = TaskKind::perf;
  t.metric = "speedup";
  t.kase = "dot";
  t.size = 4096;
  t.baseline = "scalar";
  t.full = full;
  t.zero = zero;
  t.curve = std::move(curve);
  t.points = 10;
  return t;
}

labkit::BenchResult row(const std::string& impl, std::vector<double> samples, labkit::BenchStatus status = labkit::BenchStatus::ok) {
  labkit::BenchResult b;
  b.kase = "dot";
  b.impl = impl;
  b.size = 4096;
  b.name = "dot/" + impl + "/4096";
  b.flops = 8192;
  b.bytes = 32768;
  b.status = std::move(status);
  b.samples_ns = std::move(samples);
  return b;
}

// A perf attempt whose value is `value` with a tight interval around it.
PerfAttempt attempt(double value, double cores_free = 2.0, double half_width = 0.01) {
  Measured m;
  m.status = Measured::Status::ok;
  m.value = value;
  m.interval = {value, value - half_width, value + half_width};
  return perf_attempt(m, cores_free);
}

PerfAttempt not_ok(Measured::Status status, std::string note) {
  Measured m;
  m.status = status;
  m.note = std::move(note);
  return perf_attempt(m, 2.0);
}

}  // namespace

TEST(Scoring, LinearCreditBetweenZeroAndFull) {
  const Task t = perf_task(4.0, 1.0);
  EXPECT_DOUBLE_EQ(curve_score(t, 1.0, 10), 0);
  EXPECT_DOUBLE_EQ(curve_score(t, 0.5, 10), 0);    // below zero: nothing, never negative
  EXPECT_DOUBLE_EQ(curve_score(t, 2.5, 10), 5);    // halfway
  EXPECT_DOUBLE_EQ(curve_score(t, 4.0, 10), 10);
  EXPECT_DOUBLE_EQ(curve_score(t, 9.0, 10), 10);   // beyond full: capped
  const Task lower_is_better = perf_task(/*full=*/100, /*zero=*/300);  // e.g. cycles
  EXPECT_DOUBLE_EQ(curve_score(lower_is_better, 200, 10), 5);
  EXPECT_DOUBLE_EQ(curve_score(lower_is_better, 50, 10), 10);
  EXPECT_DOUBLE_EQ(curve_score(lower_is_better, 400, 10), 0);
}

TEST(Scoring, ProportionalCreditIsValueOverFullAboveZero) {
  const Task t = perf_task(4.0, 1.0, "proportional");
  EXPECT_DOUBLE_EQ(curve_score(t, 2.0, 10), 5);
  EXPECT_DOUBLE_EQ(curve_score(t, 0.9, 10), 0);
  EXPECT_DOUBLE_EQ(curve_score(t, 8.0, 10), 10);
}

TEST(Scoring, PerfTaskIsMeasuredAgainWhileShortOrUndecided) {
  const Task t = perf_task(4.0, 1.0);
  EXPECT_TRUE(measure_again(t, 10, {}));
  EXPECT_FALSE(measure_again(t, 10, {attempt(5.0)}));      // full credit, clear of both thresholds
  EXPECT_TRUE(measure_again(t, 10, {attempt(3.0)}));       // short of full credit
  EXPECT_TRUE(measure_again(t, 10, {attempt(4.1, 2.0, 0.3)}));  // full, but the interval straddles `full`
  EXPECT_FALSE(measure_again(t, 10, {attempt(3.0), attempt(3.0), attempt(3.0)}));  // at most three
  EXPECT_FALSE(measure_again(t, 10, {not_ok(Measured::Status::failed, "wrong: x")}));
}

TEST(Scoring, BestAttemptDecidesAndTheOutputSaysHowManyThereWere) {
  const Task t = perf_task(4.0, 1.0);
  const TaskGrade g = score_perf_task(t, 10, {attempt(2.5), attempt(3.25), attempt(2.0)});
  EXPECT_DOUBLE_EQ(g.score, 7.5);
  EXPECT_EQ(g.status, TaskStatus::partial);
  EXPECT_EQ(g.output.substr(0, g.output.find('\n')),
            "speedup = 3.25x [95% CI 3.24x, 3.26x] (full credit at 4.00x, none at 1.00x; 3 measurements)");
  EXPECT_EQ(g.measurement["attempts"], 3);
  EXPECT_DOUBLE_EQ(g.measurement["value"].get<double>(), 3.25);
  EXPECT_EQ(score_perf_task(t, 10, {attempt(4.5)}).status, TaskStatus::passed);
  EXPECT_EQ(score_perf_task(t, 10, {attempt(0.5)}).status, TaskStatus::failed);
}

TEST(Scoring, TodoWrongAndMissingMeasurementsScoreNothing) {
  const Task t = perf_task(4.0, 1.0);
  const TaskGrade todo = score_perf_task(t, 10, {not_ok(Measured::Status::todo, "todo: student/dot.cpp:12: TODO(1)")});
  EXPECT_EQ(todo.status, TaskStatus::failed);
  EXPECT_EQ(todo.score, 0);
  EXPECT_NE(todo.output.find("TODO(1)"), std::string::npos);
  // A later wrong run decides even after a good one: wrong code is wrong.
  EXPECT_EQ(score_perf_task(t, 10, {attempt(4.5), not_ok(Measured::Status::failed, "wrong: index 3")}).status,
            TaskStatus::failed);
  const TaskGrade missing = score_perf_task(t, 10, {not_ok(Measured::Status::missing, "no benchmark dot/student/4096")});
  EXPECT_EQ(missing.status, TaskStatus::error);
  EXPECT_EQ(score_perf_task(t, 10, {}).status, TaskStatus::error);
}

TEST(Scoring, ThreadedTaskShortOfFullCreditOnBusyCoresIsNotJudged) {
  Task t = perf_task(1.8, 1.0);
  t.threads = 2;
  const TaskGrade busy = score_perf_task(t, 10, {attempt(1.4, /*cores_free=*/1.1)});
  EXPECT_EQ(busy.status, TaskStatus::busy);
  EXPECT_DOUBLE_EQ(busy.score, 5);  // a lower bound, kept
  EXPECT_NE(busy.output.find("regrade on an idle machine"), std::string::npos);
  // One measurement on free cores is enough to judge it.
  EXPECT_EQ(score_perf_task(t, 10, {attempt(1.4, 1.1), attempt(1.3, 1.95)}).status, TaskStatus::partial);
  // Full credit needs no judging.
  EXPECT_EQ(score_perf_task(t, 10, {attempt(1.9, 1.0)}).status, TaskStatus::passed);
}

TEST(Scoring, ErrorsAndTimeoutsOfTheTestProgramFailEveryTestTask) {
  Task t;
  t.kind = TaskKind::test;
  t.filter = "Dot.*";
  LabEvidence e;
  e.failure["test"] = "the test program timed out after 3 s";
  const TaskGrade g = score_test_task(t, 10, e);
  EXPECT_EQ(g.status, TaskStatus::error);
  EXPECT_EQ(g.score, 0);
  EXPECT_EQ(g.output, "the test program timed out after 3 s");
}

TEST(Scoring, AHungTestProgramSkipsTheBenchmarkWithItsError) {
  LabEvidence e;
  // Tests ran (some failed, or the program crashed): the benchmark still runs.
  EXPECT_EQ(bench_skip_reason(e), std::nullopt);
  e.failure["test"] = "the test program killed by SIGSEGV (segmentation fault)";
  EXPECT_EQ(bench_skip_reason(e), std::nullopt);
  // It hung (listing or running the tests): the bench tasks fail at once, with its error.
  e.failure["test"] = "listing the tests of simd-dot_test_student failed: timed out after 120 s";
  e.tests_hung = true;
  EXPECT_EQ(bench_skip_reason(e), "not benchmarked: listing the tests of simd-dot_test_student failed: timed out after 120 s");
  Task count;
  count.kind = TaskKind::count;
  e.failure["bench"] = *bench_skip_reason(e);
  EXPECT_EQ(score_count_task(count, 10, e, "student").output, e.failure["bench"]);
  EXPECT_EQ(score_count_task(count, 10, e, "student").status, TaskStatus::error);
  // A bench that already failed (compile error, rejected code) keeps its own reason.
  LabEvidence rejected;
  rejected.failure["test"] = rejected.failure["bench"] = "compile error:\nstudent/dot.cpp:3: error";
  EXPECT_EQ(bench_skip_reason(rejected), "compile error:\nstudent/dot.cpp:3: error");
}

TEST(Scoring, TestTaskCreditPerPassingTestOrAllOrNothing) {
  Task t;
  t.kind = TaskKind::test;
  t.filter = "Dot.*";
  LabEvidence e;
  e.expected_tests = e.listed_tests = {"Dot.Small", "Dot.Large", "Other.X"};
  e.tests["Dot.Small"] = {"Dot", "Small", true, false, 0, ""};
  e.tests["Dot.Large"] = {"Dot", "Large", false, false, 0, "student/dot.cpp:9: TODO(2): sum the products"};
  e.tests["Other.X"] = {"Other", "X", true, false, 0, ""};
  const TaskGrade partial = score_test_task(t, 10, e);
  EXPECT_EQ(partial.status, TaskStatus::partial);
  EXPECT_DOUBLE_EQ(partial.score, 5);
  EXPECT_NE(partial.output.find("1/2 tests passed"), std::string::npos);
  t.partial = false;
  EXPECT_EQ(score_test_task(t, 10, e).score, 0);
  // A binary whose test list differs from the reference build's earns nothing.
  e.listed_tests = {"Dot.Small", "Other.X"};
  t.partial = true;
  EXPECT_EQ(score_test_task(t, 10, e).status, TaskStatus::failed);
  // A filter that matches nothing is the track's mistake, not the student's.
  t.filter = "Nothing.*";
  EXPECT_EQ(score_test_task(t, 10, e).status, TaskStatus::error);
}

TEST(Scoring, CountTaskIsDeterministicAndATodoCountFails) {
  Task t;
  t.kind = TaskKind::count;
  t.metric = "cycles";
  t.kase = "gemm";
  t.size = 8;
  t.full = 100;
  t.zero = 300;
  LabEvidence e;
  e.bench.counts.push_back({"gemm", "student", "student", "cycles", 8, 200, labkit::BenchStatus::ok, ""});
  const TaskGrade g = score_count_task(t, 10, e, "student");
  EXPECT_DOUBLE_EQ(g.score, 5);
  EXPECT_EQ(g.measurement["deterministic"], true);
  e.bench.counts[0].status = labkit::BenchStatus::todo;
  e.bench.counts[0].note = "TODO(4)";
  EXPECT_EQ(score_count_task(t, 10, e, "student").status, TaskStatus::failed);
  EXPECT_EQ(score_count_task(t, 10, e, "reference").status, TaskStatus::error);  // never reported
  e.failure["bench"] = "the benchmark crashed";
  EXPECT_EQ(score_count_task(t, 10, e, "student").output, "the benchmark crashed");
}

TEST(Scoring, HiddenTasksCountOnlyAfterTheDueDate) {
  std::vector<TaskGrade> grades(3);
  grades[0].visibility = "visible";
  grades[1].visibility = "hidden";
  grades[2].visibility = "after_due";
  for (auto& g : grades) g.score = 2, g.max_score = 4, g.status = TaskStatus::partial;
  grades[2].status = TaskStatus::busy;
  grades[2].lab = "sgemm";
  grades[2].task_id = "scaling";
  const GradeTotals before = grade_totals(grades, /*past_due=*/false);
  EXPECT_DOUBLE_EQ(before.visible_score, 2);
  EXPECT_DOUBLE_EQ(before.visible_max, 4);
  EXPECT_EQ(before.hidden_pending, 2);
  EXPECT_DOUBLE_EQ(before.score, 6);
  EXPECT_EQ(before.regrade, std::vector<std::string>{"sgemm/scaling"});
  const GradeTotals after = grade_totals(grades, /*past_due=*/true);
  EXPECT_DOUBLE_EQ(after.visible_score, 4);
  EXPECT_EQ(after.hidden_pending, 1);  // hidden stays hidden
}

TEST(Measure, SpeedupRatesAndRooflineFromOneBenchRun) {
  labkit::LabResults r;
  r.benchmarks = {row("scalar", {4000, 4100, 4200, 4000, 4050}), row("student", {1000, 1010, 1020, 1000, 990}),
                  row("broken", {}, labkit::BenchStatus::wrong)};
  r.benchmarks.back().note = "index 3: 1 != 2";
  const Measured s = measure({Metric::speedup, "dot", "student", "scalar", 4096}, r, nullptr);
  ASSERT_EQ(s.status, Measured::Status::ok);
  EXPECT_NEAR(s.value, 4.0, 0.1);
  EXPECT_LE(s.interval.lo, s.value);
  EXPECT_GE(s.interval.hi, s.value);
  const Measured rate = measure({Metric::gflops, "dot", "student", "", 4096}, r, nullptr);
  EXPECT_NEAR(rate.value, 8192.0 / 1000, 0.01);  // flops / median ns = GFLOP/s
  labkit::MachineLimits limits;
  limits.peak_one_core.gflops = 100;
  limits.bandwidth = {{1 << 20, 32.0}};
  const Measured roof = measure({Metric::roofline_fraction, "dot", "student", "", 4096}, r, &limits);
  ASSERT_EQ(roof.status, Measured::Status::ok);
  EXPECT_NEAR(roof.value, rate.value / (0.25 * 32.0), 1e-6);  // intensity 0.25 flop/byte x 32 GB/s
  EXPECT_EQ(measure({Metric::roofline_fraction, "dot", "student", "", 4096}, r, nullptr).status,
            Measured::Status::missing);
  EXPECT_EQ(measure({Metric::speedup, "dot", "student", "avx2", 4096}, r, nullptr).status, Measured::Status::missing);
  EXPECT_EQ(measure({Metric::speedup, "dot", "broken", "scalar", 4096}, r, nullptr).note, "wrong: index 3: 1 != 2");
  EXPECT_EQ(format_metric(Metric::speedup, 2.0), "2.00x");
  EXPECT_EQ(format_metric(Metric::roofline_fraction, 0.854), "85%");
  EXPECT_EQ(format_metric(Metric::gbs, 12.345), "12.35");
}

// A synth task: gated by its tests, then the metric of labctl synth's entry
// for its design on the curve; a design that failed to synthesize fails, and
// a machine without the tools cannot judge it (an error, not a 0 for the code).
TEST(Scoring, SynthTaskScoresFmaxOnlyOnceItsTestsPass) {
  Task t;
  t.kind = TaskKind::synth;
  t.design = "adder_tree";
  t.metric = "fmax_mhz";
  t.filter = "AdderTree.*";
  t.full = 140;
  t.zero = 110;
  LabEvidence e;
  e.expected_tests = e.listed_tests = {"AdderTree.Extremes", "AdderTree.Random", "Fifo.X"};
  e.tests["AdderTree.Extremes"] = {"AdderTree", "Extremes", true, false, 0, ""};
  e.tests["AdderTree.Random"] = {"AdderTree", "Random", false, false, 0, "student/adder_tree.sv:24: TODO(10)"};
  e.tests["Fifo.X"] = {"Fifo", "X", false, false, 0, ""};
  // A test of the filter fails: not synthesized, no credit, the failures listed.
  EXPECT_NE(synth_gate(t, e), "");
  TaskGrade g = score_synth_task(t, 10, e);
  EXPECT_EQ(g.status, TaskStatus::failed);
  EXPECT_EQ(g.score, 0);
  EXPECT_NE(g.output.find("not synthesized: fmax_mhz of adder_tree counts only once its tests pass (1/2 of 'AdderTree.*' passed)"),
            std::string::npos)
      << g.output;
  EXPECT_NE(g.output.find("TODO(10)"), std::string::npos) << g.output;

  // They pass (a failure elsewhere does not matter): Fmax on the curve, 125 MHz is half way.
  e.tests["AdderTree.Random"].passed = true;
  EXPECT_EQ(synth_gate(t, e), "");
  e.synth["adder_tree"] = {{"top", "adder_tree"}, {"status", "ok"}, {"luts", 116}, {"flip_flops", 255},
                           {"fmax_mhz", {{"clk", 125.0}}}, {"fmax_min_mhz", 125.0}};
  g = score_synth_task(t, 10, e);
  EXPECT_EQ(g.status, TaskStatus::partial);
  EXPECT_DOUBLE_EQ(g.score, 5);
  EXPECT_EQ(g.measurement["value"], 125.0);
  EXPECT_EQ(g.measurement["deterministic"], true);
  EXPECT_EQ(g.measurement["luts"], 116);
  EXPECT_NE(g.output.find("fmax_mhz of adder_tree = 125 (full credit at 140, none at 110"), std::string::npos) << g.output;
  e.synth["adder_tree"]["fmax_min_mhz"] = 160.3;
  EXPECT_EQ(score_synth_task(t, 10, e).status, TaskStatus::passed);
  EXPECT_DOUBLE_EQ(score_synth_task(t, 10, e).score, 10);
  // A cell count, lower is better.
  Task luts = t;
  luts.metric = "luts";
  luts.full = 100;
  luts.zero = 200;
  EXPECT_DOUBLE_EQ(score_synth_task(luts, 10, e).score, 8.4);

  // No clock at all (the RTL has no register): no Fmax to give credit for.
  e.synth["adder_tree"].erase("fmax_min_mhz");
  g = score_synth_task(t, 10, e);
  EXPECT_EQ(g.status, TaskStatus::failed);
  EXPECT_NE(g.output.find("no clocked path"), std::string::npos) << g.output;
  // Yosys's error, with its file and line.
  e.synth["adder_tree"] = {{"status", "synthesis failed"}, {"message", "student/adder_tree.sv:12: ERROR: syntax error"}};
  g = score_synth_task(t, 10, e);
  EXPECT_EQ(g.status, TaskStatus::failed);
  EXPECT_EQ(g.output, "synthesis failed (adder_tree): student/adder_tree.sv:12: ERROR: syntax error");

  // The tools are missing here: the grader could not judge it, and says why.
  e.synth.clear();
  e.synth_unavailable = "yosys and nextpnr-ice40 are not installed: apt-get install yosys nextpnr-ice40 fpga-icestorm";
  g = score_synth_task(t, 10, e);
  EXPECT_EQ(g.status, TaskStatus::error);
  EXPECT_NE(g.output.find("not judged on this machine: yosys and nextpnr-ice40 are not installed"), std::string::npos) << g.output;
  // Yosys alone: counts, but no Fmax.
  e.synth["adder_tree"] = {{"status", "ok"}, {"luts", 116}};
  e.synth_unavailable = "nextpnr-ice40 is not installed: apt-get install ...";
  EXPECT_EQ(score_synth_task(t, 10, e).status, TaskStatus::error);
  EXPECT_DOUBLE_EQ(score_synth_task(luts, 10, e).score, 8.4);

  // The test program's own failure (a compile error, rejected RTL) comes first.
  e.failure["test"] = "rejected before running: ...";
  EXPECT_EQ(score_synth_task(t, 10, e).output, "rejected before running: ...");
  EXPECT_EQ(score_synth_task(t, 10, e).status, TaskStatus::error);
}
