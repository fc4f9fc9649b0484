// The learner's progress log: out/progress.jsonl, one JSON object per line
// (schema "labctl.progress/1"), appended by every `labctl test`, `bench`,
// `run` and `grade`, and read back by `labctl progress` and `labctl portfolio`.
//
// Append-only and line-based, so a crash mid-write costs one line (which the
// reader skips with a warning) and two labctl processes appending at once do
// not interleave (each line is one write() on a file opened with O_APPEND).
// It lives in out/ (or $LABS_OUT) next to the results it describes: out/ is
// ignored by git, so `git clean -fdX` or deleting out/ loses the history (the
// dates and best results), never a result the next `labctl run` cannot rebuild.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <labkit/report.hpp>

#include "context.hpp"

namespace labctl {

inline constexpr const char* kProgressSchema = "labctl.progress/1";

fs::path progress_log_path(const Context& c);  // <out>/progress.jsonl

// The hooks, one call in each command. None of them throws: a log that cannot
// be written is a warning on stderr, never a failed test or run.
//   test:  whether the tests passed, and (C++ labs) the TODO numbers whose
//          LABKIT_TODO stubs are still in student/
//   bench: each target's value measured from out/<lab>/bench.json
//   run:   test counts, TODO numbers named by failing tests, judged targets
//   grade: one line per lab with its score, read from the grade.json written
void record_test(const Context& c, const Lab& lab, const std::string& impl, bool passed);
void record_bench(const Context& c, const Lab& lab, const std::string& impl);
void record_run(const Context& c, const Lab& lab, const labkit::LabResults& results);
void record_grade(const Context& c, const fs::path& grade_json);

// Appends one record (adds schema, time and revision). Returns false, with a
// warning, when the file cannot be written.
bool append_progress(const Context& c, nlohmann::json record);

// Every well-formed record of the log, oldest first; a line that is not a
// labctl.progress/1 object is skipped and described in `warnings`.
std::vector<nlohmann::json> read_progress_log(const fs::path& file, std::vector<std::string>* warnings = nullptr);

// Distinct TODO numbers of the LABKIT_TODO(n, ...) stubs left in a lab's
// student/ sources (C++ labs; HDL starters mark TODOs in comments only, which
// stay after they are done, so those labs rely on failing tests instead).
std::vector<int> todo_stubs_left(const Lab& lab);

// One target's best value and when it was reached.
struct BestResult {
  std::string target, metric;
  double value = 0;
  std::string time;     // of the record that measured it (UTC, ISO 8601)
  std::string command;  // run or bench
};

// What the log says about one lab (student implementation).
struct LabProgress {
  std::string lab;
  std::string state;  // not started | TODOs left | tests failing | tests pass | targets met
  std::string tests;  // "205/205 passed" (a run) or "passed" / "failed" (a test)
  std::vector<int> todos;
  int targets_met = 0, targets_total = 0;  // from the latest run; total 0 without one
  std::vector<BestResult> best;
  bool graded = false;
  double score = 0, max_score = 0;
  std::string grade_time;
  std::string last_command, last_time;
  int records = 0;
};

// Folds the log's records for one lab (oldest first) into its progress.
LabProgress summarize_progress(const std::string& lab, const std::vector<nlohmann::json>& records);
nlohmann::json to_json(const LabProgress& p);

// "2026-12-02T15:58:42Z" -> "2026-12-02 15:58 UTC", for tables and pages.
std::string display_time(const std::string& iso);

int cmd_progress(const Context& c, const std::vector<std::string>& ids, bool json);

}  // namespace labctl
