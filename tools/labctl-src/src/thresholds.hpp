// One vocabulary for thresholds. A lab.toml has targets (what `labctl run`
// calls met or missed) and tasks (what `labctl grade` scores, from zero to
// full credit). `info`, `run` and the lab READMEs show, next to each target,
// the grading thresholds of the task that scores the same measurement, and
// mark the targets only the reference is held to.
#pragma once
#include <string>
#include <vector>

#include <labkit/report.hpp>

#include "manifest.hpp"

namespace labctl {

// True when the target judges the learner's code too (its `impl` lists student).
bool applies_to_student(const Target& t);

// The visible perf task that scores what `t` measures (same metric, case,
// size and baseline), or nullptr. Hidden tasks are never shown to learners.
const Task* grading_task(const Lab& lab, const Target& t);

// A value with its unit: "8.00x", "70% of roofline", "15.4 GFLOP/s", "12.0 GB/s".
std::string format_with_unit(Metric m, double value);

// The target's own threshold: ">= 8.00x".
std::string target_threshold(const Target& t);

// What grading makes of the target, for the learner:
//   "0 pts at 1.50x, full 20 pts at 8.00x"   (linear between the two)
//   "reference only"                          (not applied to student code)
//   "not graded"                              (a goal with no task behind it)
std::string grading_text(const Lab& lab, const Target& t);

// The same for a task on its own (perf or count), or "" for a test task.
std::string task_thresholds(const Task& t);


// The targets table of `labctl run` (with results) and `labctl info`
// (`results` null): each target, its threshold, the two implementations'
// values, and what grading makes of it. Text, so a test can compare it.
std::string targets_table(const Lab& lab, const std::vector<labkit::TargetResult>* results, bool color,
                          const std::string& indent = "  ");

// The same table for a lab's README (Markdown): target, met at, grading. A
// unit test holds every README to it, so the numbers agree everywhere.
std::string targets_markdown(const Lab& lab);

}  // namespace labctl
