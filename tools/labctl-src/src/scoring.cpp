#include "scoring.hpp"

#include <fmt/format.h>
#include <labkit/machine.hpp>

#include <algorithm>

#include "untrusted.hpp"

namespace labctl {

using nlohmann::json;

std::string_view status_name(TaskStatus s) {
  switch (s) {
    case TaskStatus::passed: return "passed";
    case TaskStatus::partial: return "partial";
    case TaskStatus::failed: return "failed";
    case TaskStatus::error: return "error";
    case TaskStatus::busy: return "busy";
  }
  return "?";
}

double curve_score(const Task& t, double value, double points) {
  double fraction;
  if (t.curve == "proportional") {
    fraction = value < t.zero ? 0 : std::min(1.0, value / t.full);
  } else {
    fraction = (value - t.zero) / (t.full - t.zero);  // works for lower-is-better too (full < zero)
  }
  return points * std::clamp(fraction, 0.0, 1.0);
}

namespace {

TaskStatus status_of(double score, double max_score) {
  if (score >= max_score - 1e-9) return TaskStatus::passed;
  return score > 0 ? TaskStatus::partial : TaskStatus::failed;
}

TaskGrade error_grade(std::string output) {
  TaskGrade g;
  g.status = TaskStatus::error;
  g.output = std::move(output);
  return g;
}

}  // namespace

TaskGrade score_test_task(const Task& t, double max_score, const LabEvidence& e) {
  if (auto it = e.failure.find("test"); it != e.failure.end()) return error_grade(it->second);
  const TestVerdict v = judge_test_task(t.filter, e.expected_tests, e.listed_tests, e.tests, e.reference_skips);
  TaskGrade g;
  int passed = v.passed;
  if (v.total == 0) {
    g.status = TaskStatus::error;
    g.output = "no test of the reference build matched the filter '" + t.filter + "'";
  } else if (!v.list_diff.empty()) {
    g.status = TaskStatus::failed;
    g.output = "the test list differs from the grader's reference build:" + v.list_diff;
    passed = 0;
  } else {
    g.score = t.partial ? max_score * passed / v.total : (passed == v.total ? max_score : 0);
    g.status = passed == v.total ? TaskStatus::passed : passed ? TaskStatus::partial : TaskStatus::failed;
    g.output = fmt::format("{}/{} tests passed{}", passed, v.total, v.failed_list.empty() ? "" : "\n" + v.failed_list);
  }
  g.measurement = {{"passed", passed}, {"total", v.total}};
  return g;
}

std::optional<std::string> bench_skip_reason(const LabEvidence& e) {
  if (auto it = e.failure.find("bench"); it != e.failure.end()) return it->second;
  if (!e.tests_hung) return std::nullopt;
  auto it = e.failure.find("test");
  return "not benchmarked: " + (it != e.failure.end() ? it->second : std::string("the test program timed out"));
}

TaskGrade score_count_task(const Task& t, double max_score, const LabEvidence& e, const std::string& impl) {
  if (auto it = e.failure.find("bench"); it != e.failure.end()) return error_grade(it->second);
  for (const auto& c : e.bench.counts) {
    if (c.kase != t.kase || c.impl != impl || c.metric != t.metric || c.size != t.size) continue;
    TaskGrade g;
    if (c.status != labkit::BenchStatus::ok) {
      g.status = TaskStatus::failed;
      g.output = std::string(labkit::status_name(c.status)) + ": " + c.note;
    } else {
      g.score = curve_score(t, c.value, max_score);
      g.status = status_of(g.score, max_score);
      g.output = fmt::format("{} = {:.6g} (full credit at {:.6g}, none at {:.6g}; deterministic)", t.metric, c.value,
                             t.full, t.zero);
    }
    g.measurement = {{"metric", t.metric}, {"value", c.value}, {"deterministic", true}};
    return g;
  }
  return error_grade("the benchmark reported no count " + t.metric + " for " + t.kase + "/" + impl);
}

std::string synth_gate(const Task& t, const LabEvidence& e) {
  if (auto it = e.failure.find("test"); it != e.failure.end()) return it->second;
  const TestVerdict v = judge_test_task(t.filter, e.expected_tests, e.listed_tests, e.tests, e.reference_skips);
  if (v.total == 0) return "no test of the reference build matched the filter '" + t.filter + "'";
  if (!v.list_diff.empty()) return "the test list differs from the grader's reference build:" + v.list_diff;
  if (v.passed < v.total)
    return fmt::format("not synthesized: {} of {} counts only once its tests pass ({}/{} of '{}' passed)\n{}", t.metric,
                       t.design, v.passed, v.total, t.filter, v.failed_list);
  return "";
}

TaskGrade score_synth_task(const Task& t, double max_score, const LabEvidence& e) {
  if (auto it = e.failure.find("test"); it != e.failure.end()) return error_grade(it->second);
  TaskGrade g;
  g.measurement = {{"metric", t.metric}, {"design", t.design}, {"deterministic", true}};
  if (const std::string why = synth_gate(t, e); !why.empty()) {
    // A filter that matches nothing is the lab's mistake: an error, as for a test task.
    g.status = why.rfind("no test of", 0) == 0 ? TaskStatus::error : TaskStatus::failed;
    g.output = why;
    return g;
  }
  const auto it = e.synth.find(t.design);
  if (it == e.synth.end())
    return error_grade(e.synth_unavailable.empty() ? "the design " + t.design + " was not synthesized"
                                                   : "not judged on this machine: " + e.synth_unavailable);
  const nlohmann::json& r = it->second;
  const std::string status = r.value("status", "");
  if (status != "ok") {
    g.status = TaskStatus::failed;
    g.output = status + " (" + t.design + "): " + r.value("message", "");
    return g;
  }
  const std::string key = t.metric == "fmax_mhz" ? "fmax_min_mhz" : t.metric;
  if (!r.contains(key) || !r[key].is_number()) {
    if (!e.synth_unavailable.empty()) return error_grade("not judged on this machine: " + e.synth_unavailable);
    g.status = TaskStatus::failed;
    g.output = t.metric == "fmax_mhz" ? t.design + " has no clocked path: nextpnr reported no clock frequency"
                                      : t.design + ": synthesis reported no " + t.metric;
    return g;
  }
  const double value = r[key].get<double>();
  g.score = curve_score(t, value, max_score);
  g.status = status_of(g.score, max_score);
  g.output = fmt::format("{} of {} = {:.6g} (full credit at {:.6g}, none at {:.6g}; yosys and nextpnr-ice40 as labctl synth "
                         "runs them: repeatable)",
                         t.metric, t.design, value, t.full, t.zero);
  g.measurement["value"] = value;
  for (const char* k : {"luts", "flip_flops", "ram_blocks", "logic_cells", "fmax_min_mhz"})
    if (r.contains(k)) g.measurement[k] = r[k];
  return g;
}

PerfAttempt perf_attempt(Measured m, double cores_free) {
  PerfAttempt a;
  if (m.row) a.samples_ns = m.row->samples_ns;
  if (m.baseline) a.baseline_samples_ns = m.baseline->samples_ns;
  m.row = m.baseline = nullptr;
  a.measured = std::move(m);
  a.cores_free = cores_free;
  return a;
}

namespace {

bool straddles_a_threshold(const Task& t, const Measured& m) {
  return m.interval.straddles(t.full) || m.interval.straddles(t.zero);
}

}  // namespace

bool measure_again(const Task& t, double max_score, const std::vector<PerfAttempt>& attempts) {
  if (attempts.empty()) return true;
  if (static_cast<int>(attempts.size()) >= kMaxPerfAttempts) return false;
  const Measured& last = attempts.back().measured;
  if (last.status != Measured::Status::ok) return false;  // wrong or unmeasured: measuring again changes nothing
  return straddles_a_threshold(t, last) || curve_score(t, last.value, max_score) < max_score - 1e-9;
}

TaskGrade score_perf_task(const Task& t, double max_score, const std::vector<PerfAttempt>& attempts) {
  if (attempts.empty()) return error_grade("the task was never measured");
  const auto metric = parse_metric(t.metric).value_or(Metric::speedup);
  const PerfAttempt* best = nullptr;
  double best_score = -1, most_cores_free = 0;
  for (const auto& a : attempts) {
    const Measured& m = a.measured;
    if (m.status == Measured::Status::missing) return error_grade(m.note);
    if (m.status != Measured::Status::ok) {
      TaskGrade g;
      g.status = TaskStatus::failed;
      g.output = m.note;
      return g;
    }
    most_cores_free = std::max(most_cores_free, a.cores_free);
    // The best-scoring measurement: noise and neighbours only ever slow a
    // run down, so the best one is closest to what the code can do.
    const double score = curve_score(t, m.value, max_score);
    if (score >= best_score) best_score = score, best = &a;
  }
  const Measured& m = best->measured;
  const int n = static_cast<int>(attempts.size());
  TaskGrade g;
  g.score = best_score;
  g.status = status_of(g.score, max_score);
  g.output = fmt::format("{} = {} [95% CI {}, {}] (full credit at {}, none at {}; {} measurement{}{})", t.metric,
                         format_metric(metric, m.value), format_metric(metric, m.interval.lo),
                         format_metric(metric, m.interval.hi), format_metric(metric, t.full),
                         format_metric(metric, t.zero), n, n > 1 ? "s" : "",
                         straddles_a_threshold(t, m) ? ", interval still straddles a threshold" : "");
  g.measurement = {{"metric", t.metric},
                   {"value", m.value},
                   {"interval", {{"lo", m.interval.lo}, {"hi", m.interval.hi}, {"confidence", 0.95}}},
                   {"attempts", n},
                   {"samples_ns", best->samples_ns}};
  if (metric == Metric::speedup) g.measurement["baseline_samples_ns"] = best->baseline_samples_ns;
  if (t.threads > 1) {
    g.measurement["threads"] = t.threads;
    g.measurement["cores_free"] = most_cores_free;
    // Short of full credit while a core was taken by something else every
    // time: the score is a lower bound, not a verdict.
    if (g.score < max_score - 1e-9 && most_cores_free < labkit::kFreeCoresToJudge * t.threads) {
      g.status = TaskStatus::busy;
      g.output += fmt::format(
          "\nnot judged: only {:.2f} of the {} cores this task runs on were free in any of its measurements "
          "(something else was running); this score is a lower bound: regrade on an idle machine",
          most_cores_free, t.threads);
    }
  }
  return g;
}

bool shown(const TaskGrade& g, bool past_due) {
  return g.visibility == "visible" || (g.visibility == "after_due" && past_due);
}

GradeTotals grade_totals(const std::vector<TaskGrade>& grades, bool past_due) {
  GradeTotals t;
  for (const auto& g : grades) {
    t.score += g.score;
    t.max_score += g.max_score;
    if (shown(g, past_due)) {
      t.visible_score += g.score;
      t.visible_max += g.max_score;
    } else {
      ++t.hidden_pending;
    }
    if (g.status == TaskStatus::busy) t.regrade.push_back(g.lab + "/" + g.task_id);
  }
  return t;
}

}  // namespace labctl
