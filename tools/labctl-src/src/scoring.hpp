// Scoring a graded lab: pure functions of (tasks, measurements). Nothing here
// starts a process or reads a file, so every rule has a unit test
// (tests/test_scoring.cpp): linear and proportional credit, measuring a perf
// task again, hidden tasks, a TODO, an error, a timeout.
#pragma once
#include <labkit/report.hpp>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifest.hpp"
#include "measure.hpp"

namespace labctl {

enum class TaskStatus {
  passed,   // full credit
  partial,  // some credit
  failed,   // no credit: the code is wrong, slow or unfinished
  error,    // no credit: it could not be judged (compile error, crash, timeout, nothing measured)
  busy,     // a threaded task short of full credit while its cores were taken: a lower bound, regrade
};
std::string_view status_name(TaskStatus s);

struct TaskGrade {
  std::string lab, task_id, name, kind, visibility;
  double score = 0, max_score = 0;
  std::string output;  // first line: the verdict; then the details
  TaskStatus status = TaskStatus::error;
  nlohmann::json measurement = nlohmann::json::object();
};

// Points for `value` on the task's curve: linear from `zero` (no credit) to
// `full` (all `points`), either direction; proportional is value / full,
// and nothing below `zero`.
double curve_score(const Task& t, double value, double points);

// What the grader learned about one lab before scoring it.
struct LabEvidence {
  // "test" or "bench" -> why every task of that kind scores 0 (compile
  // error, rejected code, a crashed or hung process).
  std::map<std::string, std::string> failure;
  std::vector<std::string> expected_tests;  // the reference build's test list
  std::vector<std::string> listed_tests;    // the graded binary's
  std::map<std::string, labkit::TestResult> tests;           // by full name, as reported
  std::map<std::string, std::string> reference_skips;        // tests the reference skips here, and why
  labkit::LabResults bench;                                  // the first bench run (counts, first perf attempt)
  std::optional<double> bench_cores_free;  // cores' worth nothing else used during it (load.hpp's CpuWindow)
  bool tests_hung = false;  // the test program ran into its time limit, listing or running its tests
  // Synth tasks: what labctl synth's flow reported of each design synthesized
  // (its labctl.synth/1 designs[] entry), by top; and why a design could not
  // be, or could not be placed and routed, on this machine (a tool is not installed).
  std::map<std::string, nlohmann::json> synth;
  std::string synth_unavailable;
};

// Why a lab's benchmark must not run, or nothing: its bench already failed
// (compile error, rejected code), or its test program hung. The benchmark
// runs the same student code under a limit three times as long, so a hang
// there (a loop, a static initializer) would cost it again: the bench and
// count tasks of a hung lab get the test program's error at once instead.
std::optional<std::string> bench_skip_reason(const LabEvidence& e);

// A test task: credit per passing test of the filter (or all or nothing).
TaskGrade score_test_task(const Task& t, double max_score, const LabEvidence& e);
// A count task: a deterministic number from the bench, on the curve.
TaskGrade score_count_task(const Task& t, double max_score, const LabEvidence& e, const std::string& impl);

// Whether the tests a synth task names (its filter) all passed: only then is
// its design synthesized, and scored; "" when they did, else why not.
std::string synth_gate(const Task& t, const LabEvidence& e);
// A synth task: Fmax or a cell count of one design's synthesis, on the
// curve, once the design passes the tests of the task's filter (RTL that
// fails them, such as a design reduced to nothing, scores 0 however fast it
// is). Deterministic: labctl synth's fixed device, target and placer seed.
TaskGrade score_synth_task(const Task& t, double max_score, const LabEvidence& e);

// One measurement of a perf task, copied out of its bench run.
struct PerfAttempt {
  Measured measured;  // row/baseline pointers cleared: the run may be gone
  std::vector<double> samples_ns, baseline_samples_ns;
  double cores_free = 0;  // the fewer of the grader's probe after the run and the run's CPU window (threaded tasks)
};
PerfAttempt perf_attempt(Measured m, double cores_free);

// Up to three measurements: measure again, longer, while the latest one is
// short of full credit or its interval straddles a threshold.
inline constexpr int kMaxPerfAttempts = 3;
bool measure_again(const Task& t, double max_score, const std::vector<PerfAttempt>& attempts);
// The best-scoring attempt decides (noise only slows code down); a failed
// or missing measurement decides at once. A threaded task short of full
// credit whose cores were never free is `busy`.
TaskGrade score_perf_task(const Task& t, double max_score, const std::vector<PerfAttempt>& attempts);

// Hidden tasks count only after the due date (`after_due`) or never show.
bool shown(const TaskGrade& g, bool past_due);

struct GradeTotals {
  double score = 0, max_score = 0;            // every task
  double visible_score = 0, visible_max = 0;  // what students see before the due date
  int hidden_pending = 0;
  std::vector<std::string> regrade;  // lab/task of busy tasks
};
GradeTotals grade_totals(const std::vector<TaskGrade>& grades, bool past_due);

}  // namespace labctl
