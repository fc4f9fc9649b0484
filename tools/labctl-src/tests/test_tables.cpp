// The terminal tables, compared as text (golden output, as google/benchmark
// tests its reporters), and the promise that a target's numbers agree in
// lab.toml, `labctl info`/`run` and the lab's README.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "table.hpp"
#include "thresholds.hpp"

using namespace labctl;

TEST(Table, ColumnsTakeTheWidthOfTheirWidestCell) {
  const std::string text = render_table({{"lab"}, {"points", true}, {"status"}},
                                        {{"simd-dot", "30", "available"}, {"systolic-array", "5", "unavailable: no verilator"}},
                                        "  ");
  EXPECT_EQ(text,
            "  lab             points  status\n"
            "  simd-dot            30  available\n"
            "  systolic-array       5  unavailable: no verilator\n");
}

TEST(Table, ColorCodesAndUtf8TakeNoExtraColumns) {
  const std::string green = "\x1b[38;2;0;128;0mmet\x1b[0m";
  EXPECT_EQ(display_width(green), 3u);
  EXPECT_EQ(display_width("±5%"), 3u);
  const std::string text = render_table({{"value"}, {"note"}}, {{green, "a"}, {"missed", "b"}});
  EXPECT_EQ(text, "value   note\n" + green + "     a\nmissed  b\n");
}

TEST(Table, AWrappedColumnBreaksBetweenWordsNeverInsideOne) {
  const std::string text = render_table(
      {{"task"}, {"result", false, 20}},
      {{"dot-speedup", "passed: 15.20x [14.90, 15.60] over scalar"}, {"saxpy", "failed: TODO(2) at student/simd_dot.cpp:41"}});
  EXPECT_EQ(text,
            "task         result\n"
            "dot-speedup  passed: 15.20x\n"
            "               [14.90, 15.60] over\n"
            "               scalar\n"
            "saxpy        failed: TODO(2) at\n"
            "               student/simd_dot.cpp:41\n");
}

TEST(Table, WrapWordsKeepsALongWordWhole) {
  EXPECT_EQ(wrap_words("see phases/01-foundations/simd-dot/student now", 10),
            (std::vector<std::string>{"see", "phases/01-foundations/simd-dot/student", "now"}));
  EXPECT_EQ(wrap_words("", 10), std::vector<std::string>{""});
}

TEST(Table, ElideWordsCutsAtASpace) {
  EXPECT_EQ(elide_words("failed: expected 1.0 got 2.0 at index 17", 24), "failed: expected 1.0 ...");
  EXPECT_EQ(elide_words("short", 24), "short");
  EXPECT_EQ(elide_words("averyveryverylongword and more", 10), "averyveryverylongword ...");
}

namespace {
Lab lab_with_targets() {
  Lab lab;
  lab.id = "demo";
  Target dot{"dot, L1: speedup over scalar", Metric::speedup, "dot", 2048, "scalar", 8.0, 1, {"reference", "student"}, 0};
  Target peak{"sgemm: fraction of the FMA peak", Metric::roofline_fraction, "sgemm", 1024, "", 0.7, 1, {"reference"}, 0};
  Target dram{"dot, DRAM: speed relative to stream", Metric::speedup, "dot-dram", 8388608, "stream", 0.8, 1,
              {"reference", "student"}, 0};
  lab.targets = {dot, peak, dram};
  Task graded;
  graded.id = "dot-speedup";
  graded.kind = TaskKind::perf;
  graded.metric = "speedup";
  graded.kase = "dot";
  graded.size = 2048;
  graded.baseline = "scalar";
  graded.zero = 1.5;
  graded.full = 8.0;
  graded.points = 20;
  Task hidden = graded;
  hidden.kase = "dot-dram";
  hidden.size = 8388608;
  hidden.baseline = "stream";
  hidden.visibility = "hidden";  // never shown next to a target
  lab.tasks = {graded, hidden};
  return lab;
}
}  // namespace

TEST(Thresholds, TargetsTableShowsGradingNextToEachTarget) {
  const Lab lab = lab_with_targets();
  using labkit::TargetStatus;
  auto result = [](std::string name, std::string impl, std::string metric, double value, TargetStatus status) {
    labkit::TargetResult r;
    r.name = std::move(name);
    r.impl = std::move(impl);
    r.metric = std::move(metric);
    r.value = value;
    r.status = status;
    return r;
  };
  const std::vector<labkit::TargetResult> results{
      result("dot, L1: speedup over scalar", "reference", "speedup", 15.2, TargetStatus::met),
      result("dot, L1: speedup over scalar", "student", "speedup", 0, TargetStatus::todo),
      result("sgemm: fraction of the FMA peak", "reference", "roofline_fraction", 0.65, TargetStatus::missed),
      result("dot, DRAM: speed relative to stream", "student", "speedup", 0.95, TargetStatus::met)};
  EXPECT_EQ(targets_table(lab, &results, false),
            "  target                               met at              reference   student    grading (your student/ code)\n"
            "  dot, L1: speedup over scalar         >= 8.00x            15.20x met  TODO       0 pts at 1.50x, full 20 pts at 8.00x\n"
            "  sgemm: fraction of the FMA peak      >= 70% of roofline  65% MISSED  -          reference only\n"
            "  dot, DRAM: speed relative to stream  >= 0.80x            -           0.95x met  not graded\n");
  EXPECT_EQ(targets_table(lab, nullptr, false, ""),
            "target                               met at              grading (your student/ code)\n"
            "dot, L1: speedup over scalar         >= 8.00x            0 pts at 1.50x, full 20 pts at 8.00x\n"
            "sgemm: fraction of the FMA peak      >= 70% of roofline  reference only\n"
            "dot, DRAM: speed relative to stream  >= 0.80x            not graded\n");
}

// In every lab of the tree: a target a learner is held to is met exactly
// where its task gives full credit, and the README shows the same table as
// `labctl info` (paste targets_markdown's output when a threshold changes).
TEST(Thresholds, EveryLabAgreesWithItsTasksAndItsReadme) {
  for (const Lab& lab : discover_labs(LABS_SOURCE_DIR)) {
    if (lab.targets.empty()) continue;
    for (const auto& t : lab.targets) {
      if (const Task* task = grading_task(lab, t); task && applies_to_student(t)) {
        EXPECT_DOUBLE_EQ(t.at_least, task->full)
            << lab.manifest.string() << ": target '" << t.name << "' is met at " << t.at_least << " but task '"
            << task->id << "' gives full credit at " << task->full << "; make them one number";
      }
    }
    std::ifstream in(lab.dir / "README.md");
    std::stringstream readme;
    readme << in.rdbuf();
    EXPECT_NE(readme.str().find(targets_markdown(lab)), std::string::npos)
        << (lab.dir / "README.md").string() << " lacks the targets table; paste:\n"
        << targets_markdown(lab);
  }
}
