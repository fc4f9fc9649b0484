#include "thresholds.hpp"

#include <fmt/color.h>
#include <fmt/format.h>

#include <algorithm>

#include "measure.hpp"
#include "table.hpp"

namespace labctl {

bool applies_to_student(const Target& t) {
  return std::find(t.impls.begin(), t.impls.end(), "student") != t.impls.end();
}

const Task* grading_task(const Lab& lab, const Target& t) {
  for (const auto& task : lab.tasks) {
    if (task.kind != TaskKind::perf || task.visibility != "visible") continue;
    if (task.metric == metric_name(t.metric) && task.kase == t.kase && task.size == t.size &&
        task.baseline == t.baseline)
      return &task;
  }
  return nullptr;
}

std::string format_with_unit(Metric m, double value) {
  switch (m) {
    case Metric::speedup: return fmt::format("{:.2f}x", value);
    case Metric::roofline_fraction: return fmt::format("{:.0f}% of roofline", 100 * value);
    case Metric::gflops: return fmt::format("{:.1f} GFLOP/s", value);
    case Metric::gbs: break;
  }
  return fmt::format("{:.1f} GB/s", value);
}

std::string target_threshold(const Target& t) { return ">= " + format_with_unit(t.metric, t.at_least); }

namespace {

std::string points_text(double points) { return fmt::format("{:g} pt{}", points, points == 1 ? "" : "s"); }

std::string curve_text(const Task& t, const std::string& zero, const std::string& full) {
  if (t.curve == "proportional")
    return fmt::format("0 below {}, in proportion up to full {} at {}", zero, points_text(t.points), full);
  return fmt::format("0 pts at {}, full {} at {}", zero, points_text(t.points), full);
}

}  // namespace

std::string grading_text(const Lab& lab, const Target& t) {
  if (!applies_to_student(t)) return "reference only";
  const Task* task = grading_task(lab, t);
  if (!task) return "not graded";
  return curve_text(*task, format_with_unit(t.metric, task->zero), format_with_unit(t.metric, task->full));
}

std::string task_thresholds(const Task& t) {
  if (t.kind == TaskKind::perf) {
    const Metric m = parse_metric(t.metric).value_or(Metric::speedup);
    return curve_text(t, format_with_unit(m, t.zero), format_with_unit(m, t.full));
  }
  if (t.kind == TaskKind::count || t.kind == TaskKind::synth)
    return curve_text(t, fmt::format("{:g} {}", t.zero, t.metric), fmt::format("{:g} {}", t.full, t.metric));
  return "";
}

namespace {

std::string status_cell(const labkit::TargetResult* t, bool color) {
  if (!t) return "-";
  using labkit::TargetStatus;
  const std::string value = t->status == TargetStatus::todo          ? "TODO"
                            : t->status == TargetStatus::unavailable ? "n/a"
                                                                     : format_metric(parse_metric(t->metric).value_or(Metric::gflops), t->value);
  auto paint = [&](const std::string& text, fmt::color c) { return color ? fmt::format(fmt::fg(c), "{}", text) : text; };
  switch (t->status) {
    case TargetStatus::met: return paint(value + " met", fmt::color::green);
    case TargetStatus::missed: return paint(value + " MISSED", fmt::color::orange_red);
    case TargetStatus::busy: return paint(value + " busy", fmt::color::gold);
    case TargetStatus::todo: return paint(value, fmt::color::gold);
    default: return value;
  }
}

}  // namespace

std::string targets_table(const Lab& lab, const std::vector<labkit::TargetResult>* results, bool color,
                          const std::string& indent) {
  std::vector<Column> columns{{"target", false, 44}, {"met at", false, 0}};
  if (results) columns.insert(columns.end(), {{"reference", false, 0}, {"student", false, 0}});
  columns.push_back({"grading (your student/ code)", false, 40});
  std::vector<TableRow> rows;
  for (const auto& t : lab.targets) {
    TableRow row{t.name, target_threshold(t)};
    if (results) {
      const labkit::TargetResult *ref = nullptr, *stu = nullptr;
      for (const auto& x : *results)
        if (x.name == t.name) (x.impl == "reference" ? ref : stu) = &x;
      row.push_back(status_cell(ref, color));
      row.push_back(status_cell(stu, color));
    }
    row.push_back(grading_text(lab, t));
    rows.push_back(std::move(row));
  }
  return render_table(columns, rows, indent);
}

std::string targets_markdown(const Lab& lab) {
  std::string md = "| target | met at | grading (your student/ code) |\n|---|---|---|\n";
  for (const auto& t : lab.targets) md += fmt::format("| {} | {} | {} |\n", t.name, target_threshold(t), grading_text(lab, t));
  return md;
}

}  // namespace labctl
