// labctl grade: grade a submission against a track, the same way locally and in CI.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "context.hpp"
#include "process.hpp"

namespace labctl {

struct GradeOptions {
  fs::path track;
  fs::path submission;            // a checkout of the course repository; default: the tree itself
  std::string impl = "student";   // or reference: grade the reference solution
  fs::path out;                   // grade.json, junit.xml, summary.md
  std::optional<std::uint64_t> seed;  // LABKIT_SEED; default: fresh and random per grade (recorded in grade.json)
  std::string base;               // the course commit whose tests and thresholds count; default: the course checkout's HEAD
  double time_limit_s = 0;        // override every lab's per-process limit (0: the manifest's)
  fs::path work;                  // pristine tree + build; default build/grade under the root
  int repetitions = 15;           // of a lab's first benchmark run; re-measures use 2x, then 3x
};

// Every student process the grader starts: an empty environment but PATH and
// the measurement environment `labctl bench` and `run` use (runner.hpp), with
// this grade's seed; run_untrusted adds HOME and TMPDIR (its private folder).
void set_grading_env(RunOptions& options, std::uint64_t seed, const std::string& commit);

int cmd_grade(const Context& c, const GradeOptions& o);

}  // namespace labctl
