// labctl grade, end to end, on a throwaway course repository made from this
// tree plus a second lab scaffolded by `labctl new`. Each test is one of the
// grading issue's "must show" lines.
#include <fmt/format.h>

#include "manifest.hpp"
#include "track.hpp"
#include "grade_fixture.hpp"

namespace {

using namespace labctl_grade_test;

// Every shipped track, from two grades instead of two per track: one of the
// reference and one of the starter, each over every lab any track uses, with
// each task at the strictest full-credit threshold any track gives it (and
// the least visible visibility). The reference earning full marks there
// earns them on every track (full credit at the strictest threshold is full
// credit at any other); a track that changes what a task runs (its filter,
// baseline or partial credit) is graded on its own. Each grade measures every
// lab once, which keeps this test, the slowest of the suite, inside the
// selftest's budget as labs are added.
struct EveryLab {
  fs::path track;                     // the combined track file
  std::vector<fs::path> graded_alone; // shipped tracks it does not stand for
};
const EveryLab& every_lab() {
  static EveryLab every;
  // Built once per suite set-up (the course, and this file in it, are made
  // again for each --gtest_repeat).
  if (!every.track.empty() && fs::exists(every.track)) return every;
  every = [] {
    EveryLab e;
    const auto labs = labctl::discover_labs(g_course);
    std::vector<std::string> lab_order;                                    // first use, in track order
    std::map<std::string, std::map<std::string, labctl::Task>> strictest;  // lab -> task -> strictest
    for (const auto& file : shipped_tracks()) {
      const auto track = labctl::parse_track(file, labs);
      bool changes_what_runs = false;
      for (const auto& tl : track.labs) {
        if (!strictest.count(tl.lab.id)) lab_order.push_back(tl.lab.id);
        const auto own = std::find_if(labs.begin(), labs.end(), [&](const labctl::Lab& l) { return l.id == tl.lab.id; });
        for (const auto& t : tl.lab.tasks) {
          const auto base = std::find_if(own->tasks.begin(), own->tasks.end(), [&](const labctl::Task& x) { return x.id == t.id; });
          if (t.filter != base->filter || t.baseline != base->baseline || t.partial != base->partial) changes_what_runs = true;
          auto& s = strictest[tl.lab.id].emplace(t.id, *base).first->second;
          const bool higher_is_better = base->full >= base->zero;
          if (t.kind != labctl::TaskKind::test && (higher_is_better ? t.full > s.full : t.full < s.full)) s.full = t.full;
          if (t.visibility != "visible") s.visibility = t.visibility;
        }
      }
      if (changes_what_runs) e.graded_alone.push_back(file);
    }
    std::string text = "name = \"Every graded lab, strictest thresholds\"\n";
    for (const auto& id : lab_order) {
      text += "\n[[labs]]\nid = \"" + id + "\"\n";
      for (const auto& [task_id, t] : strictest[id]) {
        std::string over;
        if (t.kind != labctl::TaskKind::test) over += fmt::format("full = {}\n", t.full);
        if (t.visibility != "visible") over += "visibility = \"" + t.visibility + "\"\n";
        if (!over.empty()) text += "[labs.tasks." + task_id + "]\n" + over;
      }
    }
    e.track = g_base / "every-lab.toml";
    write(e.track, text);
    return e;
  }();
  return every;
}

// A grade's tasks by "lab/task".
std::map<std::string, json> tasks_by_key(const Grade& g) {
  std::map<std::string, json> by_task;
  for (const auto& t : g.j["tests"]) by_task[t["labkit"]["lab"].get<std::string>() + "/" + t["labkit"]["task"].get<std::string>()] = t;
  return by_task;
}

// Two guarantees, two tests (each fails with its own name): the reference
// earns full marks, and the starter at most 20%, on every shipped track. The
// reference's grade runs first and builds the pristine tree, which the
// starter's grade then reuses.
TEST_F(Grading, ReferenceEarnsFullMarksOnEveryTrack) {
  ASSERT_GE(shipped_tracks().size(), 4u);
  const auto& graded_alone = every_lab().graded_alone;
  const auto& ref = shipped_grade(every_lab().track.string(), kReferenceGrade);
  ASSERT_EQ(ref.run.exit_code, 0) << ref.run.output;
  // Full marks on every task, except a threaded task measured only while
  // something else held a core: the grader says it could not judge it.
  for (const auto& [key, t] : tasks_by_key(ref)) {
    if (t["labkit"]["result"] == "busy") {
      std::fprintf(stderr, "[not judged, cores busy: %s, %.2f cores free]\n", key.c_str(),
                   t["labkit"]["measurement"]["cores_free"].get<double>());
      EXPECT_LT(t["labkit"]["measurement"]["cores_free"].get<double>(), 0.9 * t["labkit"]["measurement"]["threads"].get<double>());
      EXPECT_NE(t["output"].get<std::string>().find("regrade on an idle machine"), std::string::npos);
      continue;
    }
    // A synth task where yosys or nextpnr-ice40 is not installed: not judged, and it says so.
    if (t["labkit"]["kind"] == "synth" && t["labkit"]["result"] == "error" &&
        t["output"].get<std::string>().rfind("not judged on this machine: ", 0) == 0) {
      std::fprintf(stderr, "[not judged, no synthesis tools: %s]\n", key.c_str());
      continue;
    }
    EXPECT_DOUBLE_EQ(t["score"].get<double>(), t["max_score"].get<double>()) << key << ": " << t["output"].get<std::string>();
  }
  // Tracks that change what a task runs: their own grade.
  for (const auto& file : graded_alone) {
    const auto& r = shipped_grade(file.string(), kReferenceGrade);
    ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
    for (const auto& t : r.j["tests"])
      if (t["labkit"]["result"] != "busy")
        EXPECT_DOUBLE_EQ(t["score"].get<double>(), t["max_score"].get<double>()) << file << "\n" << r.summary;
  }
}

TEST_F(Grading, StarterEarnsAtMost20PercentOnEveryTrack) {
  const auto tracks = shipped_tracks();
  ASSERT_GE(tracks.size(), 4u);
  const auto labs = labctl::discover_labs(g_course);
  const auto& graded_alone = every_lab().graded_alone;
  const auto starter = grade(every_lab().track.string(), {"--repetitions", "3"});
  ASSERT_EQ(starter.run.exit_code, 0) << starter.run.output;
  const auto starter_tasks = tasks_by_key(starter);
  // A starter's speed is never measured (a TODO is never timed), so the
  // thresholds a track sets cannot change its zero on perf and count tasks.
  for (const auto& [key, t] : starter_tasks)
    if (t["labkit"]["kind"] != "test") EXPECT_EQ(t["score"].get<double>(), 0) << key << ": " << t["output"].get<std::string>();
  // The course's own starter is graded, never rejected by the checks of the
  // student's objects (every collectives starter was, for calling the lab's
  // scratch<T>(): a solution that kept that call scored nothing).
  for (const auto& [key, t] : starter_tasks)
    EXPECT_NE(t["output"].get<std::string>().rfind("rejected before running", 0), 0u) << key << ": " << t["output"].get<std::string>();

  for (const auto& file : tracks) {
    if (std::find(graded_alone.begin(), graded_alone.end(), file) != graded_alone.end()) continue;
    double starter_score = 0, max_score = 0;
    for (const auto& tl : labctl::parse_track(file, labs).labs) {
      double lab_points = 0;
      for (const auto& t : tl.lab.tasks) lab_points += t.points;
      for (const auto& t : tl.lab.tasks) {
        const double points = t.points * (tl.points ? *tl.points / lab_points : 1.0);
        const auto& s = starter_tasks.at(tl.lab.id + "/" + t.id);
        max_score += points;
        starter_score += points * s["score"].get<double>() / s["max_score"].get<double>();
      }
    }
    EXPECT_GT(max_score, 0) << file;
    EXPECT_LE(starter_score, 0.2 * max_score) << file << ": the starter earns " << starter_score << " of " << max_score;
  }
  // Tracks that change what a task runs: their own grade.
  for (const auto& file : graded_alone) {
    const auto s = grade(file.string(), {"--repetitions", "3"});
    ASSERT_EQ(s.run.exit_code, 0) << s.run.output;
    EXPECT_LE(s.j["score"].get<double>(), 0.2 * s.j["max_score"].get<double>()) << file << "\n" << s.summary;
  }
}

TEST_F(Grading, AHangingStudentFunctionCostsOnlyItsLab) {
  const auto sub = submission("hang");
  // simd-dot: a correct (if slow) student solution: plain loops.
  write(sub / "phases/01-foundations/simd-dot/student/simd_dot.cpp",
        "#include \"simd_dot.hpp\"\nnamespace simd_dot::student {\n"
        "float dot(const float* x, const float* y, std::size_t n) { float s = 0; for (std::size_t i = 0; i < n; ++i) s += x[i] * y[i]; return s; }\n"
        "void saxpy(float a, const float* x, float* y, std::size_t n) { for (std::size_t i = 0; i < n; ++i) y[i] = a * x[i] + y[i]; }\n}\n");
  // second-lab: never returns.
  write(sub / "phases/02-architecture/second-lab/student/second_lab.cpp",
        "#include <chrono>\n#include <thread>\n#include \"second_lab.hpp\"\nnamespace second_lab::student {\n"
        "void scale(float, const float*, float*, std::size_t) { for (;;) std::this_thread::sleep_for(std::chrono::seconds(1)); }\n}\n");
  // 4 s per process (12 s for a bench): a hang is cut short, while simd-dot's
  // bench (2 repetitions, about 3 s on an idle core: this test needs a
  // measured ratio, not a precise one) has room for the harness's
  // re-measuring rounds while the other shard of this suite holds a core.
  const auto g = grade((g_course / "labs/tracks/test-two-labs.toml").string(),
                       {"--submission", sub.string(), "--time-limit", "4", "--repetitions", "2"});
  ASSERT_EQ(g.run.exit_code, 0) << g.run.output;
  EXPECT_EQ(lab_score(g.j, "second-lab"), 0);
  const std::regex timed_out("timed out after [0-9]+ s");
  for (const auto& t : g.j["tests"]) {
    if (t["labkit"]["lab"] != "second-lab") continue;
    EXPECT_TRUE(std::regex_search(t["output"].get<std::string>(), timed_out)) << t.dump(1);
  }
  // simd-dot was graded normally: its correct plain loops earn every test
  // point, and its speed was measured (a real ratio, not an error).
  for (const auto& t : g.j["tests"]) {
    if (t["labkit"]["lab"] != "simd-dot") continue;
    if (t["labkit"]["kind"] == "test") EXPECT_DOUBLE_EQ(t["score"].get<double>(), t["max_score"].get<double>()) << t.dump(1);
    else EXPECT_NE(t["output"].get<std::string>().find("speedup = "), std::string::npos) << t.dump(1);
  }
}

TEST_F(Grading, EditsToTestsAndManifestChangeNothingAndAreReported) {
  const auto track = (g_course / "labs/tracks/test-two-labs.toml").string();
  const auto honest = submission("honest");
  solve_second_lab(honest);
  const auto g1 = grade(track, {"--submission", honest.string()});
  ASSERT_EQ(g1.run.exit_code, 0) << g1.run.output;
  EXPECT_GT(lab_score(g1.j, "second-lab"), 0) << g1.summary;  // the solved lab scores

  const auto cheat = submission("cheat");
  solve_second_lab(cheat);
  // Tests that always pass, and a manifest that hands out points for nothing.
  write(cheat / "phases/01-foundations/simd-dot/tests/test_simd_dot.cpp", "#include <gtest/gtest.h>\nTEST(Dot, Free) {}\n");
  std::string manifest = read(cheat / "phases/01-foundations/simd-dot/lab.toml");
  manifest = std::regex_replace(manifest, std::regex("full = 8.0"), "full = 0.01");
  write(cheat / "phases/01-foundations/simd-dot/lab.toml", manifest);
  const auto g2 = grade(track, {"--submission", cheat.string()});
  ASSERT_EQ(g2.run.exit_code, 0) << g2.run.output;

  EXPECT_DOUBLE_EQ(g2.j["score"].get<double>(), g1.j["score"].get<double>());
  const auto edits = g2.j["labkit"]["protected_edits"].dump();
  EXPECT_NE(edits.find("modified: phases/01-foundations/simd-dot/tests/test_simd_dot.cpp"), std::string::npos) << edits;
  EXPECT_NE(edits.find("modified: phases/01-foundations/simd-dot/lab.toml"), std::string::npos) << edits;
  EXPECT_NE(g2.summary.find("Edits to protected files"), std::string::npos);
  EXPECT_NE(g2.run.output.find("test_simd_dot.cpp"), std::string::npos) << "the table printed for the student names the edit";
}

// An HDL lab's student library is the Verilated model of the student's RTL,
// Verilator's classes and statics included: a correct design (the
// reference's own) earns full marks; RTL that pastes C++ into the model is
// refused before anything of it runs. (Every HDL submission was refused
// until the object check learned to leave Verilator's output to the RTL check.)
TEST_F(Grading, HdlSubmissionsAreJudgedByTheirRtl) {
  const fs::path lab = "phases/01-foundations/hdl-fifo";
  if (!fs::exists(g_course / lab)) GTEST_SKIP() << "no hdl-fifo lab in this course";
  const auto track = g_base / "hdl.toml";
  write(track, "name = \"HDL\"\n[[labs]]\nid = \"hdl-fifo\"\n");
  const auto sub = submission("hdl");
  write(sub / lab / "student/fifo.sv", read(g_course / lab / "reference/fifo.sv"));
  const auto good = grade(track.string(), {"--submission", sub.string(), "--repetitions", "1"});
  ASSERT_EQ(good.run.exit_code, 0) << good.run.output;
  if (good.run.output.find("unavailable") != std::string::npos) GTEST_SKIP() << "hdl-fifo is unavailable (no Verilator)";
  EXPECT_DOUBLE_EQ(good.j["score"].get<double>(), good.j["max_score"].get<double>()) << good.summary;

  std::string rtl = read(sub / lab / "student/fifo.sv");
  // Verilator would paste the string into the model's C++: here an #include,
  // whose compile errors would show the file's lines in the build log.
  rtl.replace(rtl.rfind("endmodule"), 9, "  wire [31:0] leak = $c32(\"\\n#include </etc/hostname>\\n0\");\nendmodule");
  write(sub / lab / "student/fifo.sv", rtl);
  const auto bad = grade(track.string(), {"--submission", sub.string(), "--repetitions", "1"});
  ASSERT_EQ(bad.run.exit_code, 0) << bad.run.output;
  EXPECT_EQ(bad.j["score"].get<double>(), 0) << bad.summary;
  const std::string report = bad.j.dump();
  EXPECT_NE(report.find("uses $c32"), std::string::npos) << bad.j.dump(1);
  EXPECT_EQ(report.find("compile error"), std::string::npos) << "the RTL reached the compiler: " << bad.j.dump(1);
}

// A synth task (fpga-cdc's tree-fmax) is graded by the Fmax nextpnr reports
// for the student's RTL, synthesized in the sandbox once the tests of its
// filter pass: the pipelined tree earns full credit; a tree with the right
// sums at the right latency but its registers in the wrong place (the three
// adders in one cycle, then two delay registers) passes the same tests and
// stays near 100 MHz, which earns nothing. Without yosys and nextpnr the
// task says it could not be judged.
TEST_F(Grading, SynthTaskIsGradedByTheFmaxOfTheStudentsRtl) {
  const fs::path lab = "phases/04-fpga/fpga-cdc";
  if (!fs::exists(g_course / lab)) GTEST_SKIP() << "no fpga-cdc lab in this course";
  const auto track = g_base / "fpga.toml";
  write(track, "name = \"FPGA\"\n[[labs]]\nid = \"fpga-cdc\"\n");
  auto task = [](const Grade& g, const std::string& id) {
    for (const auto& t : g.j["tests"])
      if (t["labkit"]["task"] == id) return t;
    return json::object();
  };
  const auto sub = submission("fmax");
  write(sub / lab / "student/adder_tree.sv", read(g_course / lab / "reference/adder_tree.sv"));
  const auto fast = grade(track.string(), {"--submission", sub.string(), "--repetitions", "1"});
  ASSERT_EQ(fast.run.exit_code, 0) << fast.run.output;
  if (fast.run.output.find("unavailable") != std::string::npos) GTEST_SKIP() << "fpga-cdc is unavailable (no Verilator)";
  const json tests = task(fast, "pipelined-tree"), fmax = task(fast, "tree-fmax");
  ASSERT_FALSE(fmax.empty()) << fast.summary;
  EXPECT_DOUBLE_EQ(tests["score"].get<double>(), tests["max_score"].get<double>()) << fast.summary;
  EXPECT_EQ(fmax["labkit"]["kind"], "synth");
  if (!sh("command -v yosys && command -v nextpnr-ice40").ok()) {
    EXPECT_EQ(fmax["labkit"]["result"], "error") << fmax.dump(1);
    EXPECT_NE(fmax["output"].get<std::string>().find("not judged on this machine"), std::string::npos) << fmax.dump(1);
    return;
  }
  EXPECT_DOUBLE_EQ(fmax["score"].get<double>(), fmax["max_score"].get<double>()) << fmax.dump(1);
  EXPECT_GT(fmax["labkit"]["measurement"]["value"].get<double>(), 140.0) << fmax.dump(1);
  EXPECT_TRUE(fs::exists(fast.out / "fpga-cdc/synth/adder_tree/nextpnr.log")) << "the logs come back from the sandbox";

  write(sub / lab / "student/adder_tree.sv", R"(module adder_tree #(parameter int W = 16) (
    input logic clk, input logic rst, input logic in_valid, input logic [8*W-1:0] in_data,
    output logic out_valid, output logic [W+2:0] out_sum);
  logic [W-1:0] x[8];
  logic [W+2:0] d1, d2;
  logic [2:0] v;
  always_ff @(posedge clk) begin
    if (rst) {out_valid, v} <= '0;
    else {out_valid, v} <= {v, in_valid};
  end
  always_ff @(posedge clk) begin
    for (int i = 0; i < 8; i++) x[i] <= in_data[i*W+:W];
    d1 <= (W + 3)'(x[0]) + (W + 3)'(x[1]) + (W + 3)'(x[2]) + (W + 3)'(x[3]) +
          (W + 3)'(x[4]) + (W + 3)'(x[5]) + (W + 3)'(x[6]) + (W + 3)'(x[7]);
    d2 <= d1;
    out_sum <= d2;
  end
endmodule
)");
  const auto slow = grade(track.string(), {"--submission", sub.string(), "--repetitions", "1"});
  ASSERT_EQ(slow.run.exit_code, 0) << slow.run.output;
  EXPECT_DOUBLE_EQ(task(slow, "pipelined-tree")["score"].get<double>(), tests["max_score"].get<double>()) << slow.summary;
  const json slow_fmax = task(slow, "tree-fmax");
  EXPECT_EQ(slow_fmax["score"].get<double>(), 0) << slow_fmax.dump(1);
  EXPECT_LT(slow_fmax["labkit"]["measurement"]["value"].get<double>(), 110.0) << slow_fmax.dump(1);
}

TEST_F(Grading, MalformedTrackIsAClearErrorWithExitCode2) {
  const auto bad = g_base / "bad-track.toml";
  write(bad, "name = \"Broken\"\n[[labs]]\nid = \"simd-dot\"\npoints = -5\n");
  auto g = grade(bad.string());
  EXPECT_EQ(g.run.exit_code, 2);
  EXPECT_NE(g.run.output.find("bad-track.toml:4"), std::string::npos) << g.run.output;
  EXPECT_NE(g.run.output.find("fix:"), std::string::npos) << g.run.output;

  write(bad, "name = \"Broken\"\n[[labs]\nid = \"simd-dot\"\n");
  g = grade(bad.string());
  EXPECT_EQ(g.run.exit_code, 2);
  EXPECT_NE(g.run.output.find("bad-track.toml:2"), std::string::npos) << g.run.output;

  write(bad, "name = \"Broken\"\n[[labs]]\nid = \"no-such-lab\"\n");
  g = grade(bad.string());
  EXPECT_EQ(g.run.exit_code, 2);
  EXPECT_NE(g.run.output.find("no lab 'no-such-lab'"), std::string::npos) << g.run.output;
}

// Single-thread tasks only: a task that measures two-thread scaling (sgemm's
// parallel-speedup) cannot be judged fairly while something else holds the
// second core, and the grader does not pretend it can (docs/instructors.md).
TEST_F(Grading, FiveGradesOfTheReferenceWithTheOtherCoreBusyAgree) {
  std::set<double> scores;
  {
    // At nice 19: on an idle machine it still holds the core the bench does
    // not use (nothing else wants it); in a selftest, where the other tests
    // keep that core busy anyway, it yields it to them instead of taking a
    // share of it for the half minute these grades take.
    const BusyCore busy(19);
    for (int i = 0; i < 5; ++i) {
      // Five repetitions, not fifteen: agreeing on less data is the harder test.
      const auto g = grade((g_course / "labs/tracks/test-single-thread.toml").string(),
                           {"--impl", "reference", "--repetitions", "5"});
      ASSERT_EQ(g.run.exit_code, 0) << g.run.output;
      scores.insert(g.j["score"].get<double>());
    }
  }
  EXPECT_EQ(scores.size(), 1u) << "scores differ between runs";
}

// A threaded task measured while something else holds a core cannot be
// judged: the grader measures the free cores itself and says so, instead of
// reporting a low speedup as the student's. (full = 1000 is out of reach, so
// the task is short of full credit and the verdict depends on the cores.)
TEST_F(Grading, AThreadedTaskOnABusyMachineIsNotJudged) {
  const auto track = g_base / "threaded.toml";
  write(track, "name = \"Threaded\"\n[[labs]]\nid = \"sgemm\"\n[labs.tasks.parallel-speedup]\nfull = 1000.0\n");
  const auto g = [&] {
    const BusyCore busy;  // at the bench's own priority: it must cost the bench a core
    return grade(track.string(), {"--impl", "reference", "--repetitions", "2"});
  }();
  ASSERT_EQ(g.run.exit_code, 0) << g.run.output;
  bool found = false;
  for (const auto& t : g.j["tests"]) {
    if (t["labkit"]["task"] != "parallel-speedup") continue;
    found = true;
    EXPECT_EQ(t["labkit"]["result"], "busy") << t.dump(1);
    EXPECT_LT(t["labkit"]["measurement"]["cores_free"].get<double>(), 1.8) << t.dump(1);
    EXPECT_NE(t["output"].get<std::string>().find("regrade on an idle machine"), std::string::npos) << t.dump(1);
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(g.j["labkit"]["regrade"], json::array({"sgemm/parallel-speedup"}));
  EXPECT_NE(g.summary.find("not judged (cores busy)"), std::string::npos) << g.summary;
}

// The same code reads the same speedups from a learner's `labctl bench` and
// from the grader: both start it in one measurement environment
// (set_measurement_env, docs/measurement.md). simd-dot's perf tasks, graded
// and benched with the same seed and repetitions: each pair of 95% intervals
// must overlap.
TEST_F(Grading, BenchAndGradeReadTheSameSpeedups) {
  const auto g = grade((g_course / "labs/tracks/test-single-thread.toml").string(),
                       {"--impl", "reference", "--seed", "77", "--repetitions", "5"});
  ASSERT_EQ(g.run.exit_code, 0) << g.run.output;
  // The course is a copy of the source tree, whose simd-dot_bench is built next to labctl.
  const fs::path bench_out = g_base / "bench-out";
  RunOptions o;
  o.timeout_s = 600;
  o.env = {{"NO_COLOR", "1"}, {"LABS_OUT", bench_out.string()}, {"LABKIT_SEED", "77"}};
  const RunResult bench = run_process({LABCTL_EXE, "--root", LABS_SOURCE_DIR, "bench", "simd-dot", "--impl", "reference",
                                       "--repetitions", "5",
                                       "--bench-arg=--benchmark_filter=^(dot|saxpy)/(reference|scalar)/(2048|65536)(/.*)?$"},
                                      o);
  ASSERT_TRUE(bench.ok()) << bench.output;
  const json b = json::parse(read(bench_out / "simd-dot/bench.json"));
  struct Row {
    const char* task;
    const char* kase;
    int size;
  };
  int compared = 0;
  for (const Row row : {Row{"dot-speedup-l1", "dot", 2048}, Row{"saxpy-speedup-l1", "saxpy", 2048},
                        Row{"dot-speedup-l2", "dot", 65536}}) {
    json graded, benched;
    for (const auto& t : g.j["tests"])
      if (t["labkit"]["lab"] == "simd-dot" && t["labkit"]["task"] == row.task) graded = t["labkit"]["measurement"];
    for (const auto& r : b["ratios"])
      if (r["case"] == row.kase && r["size"] == row.size && r["impl"] == "reference" && r["baseline"] == "scalar")
        benched = r["speedup"];
    ASSERT_TRUE(graded.contains("interval")) << row.task << ": " << g.j.dump(1);
    ASSERT_TRUE(benched.is_object()) << row.kase << "/" << row.size << ": " << b["ratios"].dump(1);
    // Two processes a few seconds apart on a shared VM, two builds of the
    // same code (the grader's pristine tree and this checkout's): their 95%
    // intervals from five repetitions miss each other now and then (10.75x
    // against 10.34x; and 15.2x graded against 11.7x benched for the
    // L2-sized dot, in a fresh selftest whose other tests held the second
    // core). Overlap within a factor of 1.5 still catches the kind of split
    // this test is for (34x in bench, 129x in the grader: 3.8x).
    const double lo = std::max(graded["interval"]["lo"].get<double>(), benched["lo"].get<double>());
    const double hi = std::min(graded["interval"]["hi"].get<double>(), benched["hi"].get<double>());
    EXPECT_LE(lo, 1.5 * hi) << row.task << ": graded " << graded["value"] << " [" << graded["interval"]["lo"] << ", "
                      << graded["interval"]["hi"] << "], benched " << benched.dump();
    ++compared;
  }
  EXPECT_EQ(compared, 3);
}

TEST_F(Grading, ReportsFollowGradescopeAndJunitFormats) {
  const auto& g = shipped_grade(every_lab().track.string(), kReferenceGrade);
  ASSERT_EQ(g.run.exit_code, 0) << g.run.output;
  const json& j = g.j;
  ASSERT_TRUE(j["score"].is_number());
  ASSERT_TRUE(j["max_score"].is_number());
  ASSERT_TRUE(j["tests"].is_array());
  const std::set<std::string> visibilities = {"hidden", "after_due_date", "after_published", "visible"};
  for (const auto& t : j["tests"]) {
    EXPECT_TRUE(t["name"].is_string());
    EXPECT_TRUE(t["score"].is_number());
    EXPECT_TRUE(t["max_score"].is_number());
    EXPECT_TRUE(t["output"].is_string());
    EXPECT_TRUE(visibilities.count(t["visibility"].get<std::string>())) << t["visibility"];
    EXPECT_TRUE(t["tags"].is_array());
    for (const auto& tag : t["tags"]) EXPECT_TRUE(tag.is_string());
  }
  // The superset: seed, machine fingerprint, and the measurements behind perf scores.
  EXPECT_EQ(j["labkit"]["seed"], 77);
  EXPECT_TRUE(j["labkit"]["machine"].contains("fingerprint"));
  bool saw_perf = false, saw_after_due = false;
  for (const auto& t : j["tests"]) {
    if (t["labkit"]["kind"] == "perf") {
      saw_perf = true;
      const auto& m = t["labkit"]["measurement"];
      EXPECT_TRUE(m.contains("interval")) << m.dump();
      EXPECT_FALSE(m["samples_ns"].empty());
    }
    saw_after_due |= t["visibility"] == "after_due_date";
  }
  EXPECT_TRUE(saw_perf);
  EXPECT_TRUE(saw_after_due) << "chip-design.toml makes tasks after_due, and so does the every-lab track";
  // After-due tasks are not shown (let alone as passed) before the due date.
  int hidden = 0;
  for (const auto& t : j["tests"])
    if (t["visibility"] != "visible") {
      ++hidden;
      EXPECT_EQ(g.summary.find("| " + t["labkit"]["task"].get<std::string>() + " |"), std::string::npos) << g.summary;
    }
  EXPECT_GE(hidden, 1);
  EXPECT_NE(g.summary.find(std::to_string(hidden) + " hidden task"), std::string::npos) << g.summary;
  EXPECT_NE(g.junit.find("hidden task: result pending"), std::string::npos);
  if (run_process({"sh", "-c", "command -v xmllint"}).ok()) {
    const auto r = run_process({"xmllint", "--noout", (g.out / "junit.xml").string()});
    EXPECT_TRUE(r.ok()) << r.output;
  }
}

}  // namespace
