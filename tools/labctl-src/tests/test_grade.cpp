// labctl grade, end to end, on a throwaway course repository made from this
// tree plus a second lab scaffolded by `labctl new`. Each test is one of the
// grading issue's "must show" lines.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "process.hpp"

namespace fs = std::filesystem;
using labctl::RunOptions;
using labctl::RunResult;
using labctl::run_process;
using nlohmann::json;

namespace {

fs::path g_base;    // temp folder of this test run
fs::path g_course;  // the course repository (git, committed)
fs::path g_work;    // the grader's pristine tree and build, shared so builds are incremental
int g_out_counter = 0;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << s;
}
void copy_tree(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from)) {
    const auto name = e.path().filename().string();
    if (name == "build" || name == "out" || name == ".git") continue;
    fs::copy(e.path(), to / name, fs::copy_options::recursive);
  }
}
RunResult sh(const std::string& cmd) {
  RunOptions o;
  o.timeout_s = 600;
  return run_process({"sh", "-c", cmd}, o);
}

// "track --opt value ...": names a grade in the log and in the memo below.
std::string describe(const std::string& track, const std::vector<std::string>& extra) {
  std::string s = track;
  for (const auto& a : extra) s += " " + a;
  return s;
}

struct Grade {
  RunResult run;
  json j;
  std::string summary, junit;
  fs::path out;
};

Grade grade(const std::string& track, const std::vector<std::string>& extra = {}) {
  Grade g;
  g.out = g_base / ("out" + std::to_string(++g_out_counter));
  std::vector<std::string> argv = {LABCTL_EXE, "--root", g_course.string(), "grade", "--track", track,
                                   "--work", g_work.string(), "--out", g.out.string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  RunOptions o;
  o.timeout_s = 1200;
  o.env = {{"NO_COLOR", "1"}};
  const auto start = std::chrono::steady_clock::now();
  g.run = run_process(argv, o);
  // Where the suite's minutes go, shown by ctest when a test fails.
  std::fprintf(stderr, "[grade %s: %.1f s]\n", describe(fs::path(track).filename(), extra).c_str(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (fs::exists(g.out / "grade.json")) g.j = json::parse(read(g.out / "grade.json"));
  g.summary = read(g.out / "summary.md");
  g.junit = read(g.out / "junit.xml");
  return g;
}

// Grades of the shipped tracks, kept for the tests that read the same grade
// (each one costs a minute of benchmarks). Keyed by track and options.
std::map<std::string, Grade> g_shipped_grades;
const Grade& shipped_grade(const std::string& track, const std::vector<std::string>& extra) {
  const std::string key = describe(track, extra);
  auto it = g_shipped_grades.find(key);
  if (it == g_shipped_grades.end()) it = g_shipped_grades.emplace(key, grade(track, extra)).first;
  return it->second;
}
// Two repetitions, not fifteen: these grades prove the pipeline and the
// thresholds' margins, not the machine. A task short of full credit is still
// measured again with 4 and 6 (labctl grade --repetitions), so a threshold the
// reference cannot reach fails, while a noisy first measurement does not. The
// seed is the one the report-format test checks.
const std::vector<std::string> kReferenceGrade = {"--impl", "reference", "--seed", "77", "--repetitions", "2"};

double lab_score(const json& j, const std::string& lab) {
  double s = 0;
  for (const auto& t : j["tests"])
    if (t["labkit"]["lab"] == lab) s += t["score"].get<double>();
  return s;
}

std::vector<fs::path> shipped_tracks() {
  std::vector<fs::path> tracks;
  for (const auto& e : fs::directory_iterator(g_course / "labs/tracks"))
    if (e.path().extension() == ".toml" && e.path().filename().string().rfind("test-", 0) != 0) tracks.push_back(e.path());
  std::sort(tracks.begin(), tracks.end());
  return tracks;
}

class Grading : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    g_base = fs::temp_directory_path() / ("labctl-grade-test-" + std::to_string(getpid()));
    fs::remove_all(g_base);
    g_course = g_base / "course";
    g_work = g_base / "work";
    copy_tree(LABS_SOURCE_DIR, g_course);
    // A second lab, from the template, so one lab can fail while another is graded.
    auto r = run_process({LABCTL_EXE, "--root", g_course.string(), "new", "second-lab", "--phase", "2"});
    ASSERT_TRUE(r.ok()) << r.output;
    write(g_course / "labs/tracks/test-two-labs.toml",
          "name = \"Two labs\"\n[[labs]]\nid = \"simd-dot\"\n[[labs]]\nid = \"second-lab\"\n");
    write(g_course / "labs/tracks/test-single-thread.toml", "name = \"Single-thread tasks\"\n[[labs]]\nid = \"simd-dot\"\n");
    r = sh("cd '" + g_course.string() + "' && git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm course");
    ASSERT_TRUE(r.ok()) << r.output;
  }
  static void TearDownTestSuite() { fs::remove_all(g_base); }

  // A student's checkout: the course as it is, then `edit` applied.
  static fs::path submission(const std::string& name) {
    const fs::path dir = g_base / ("sub-" + name);
    fs::remove_all(dir);
    copy_tree(g_course, dir);
    return dir;
  }
  // Makes second-lab's student code a correct solution.
  static void solve_second_lab(const fs::path& sub) {
    std::string code = read(sub / "phases/02-architecture/second-lab/student/second_lab.cpp");
    code = std::regex_replace(code, std::regex(R"(\(void\)a, \(void\)x, \(void\)y, \(void\)n;\n\s*LABKIT_TODO\(1, "[^"]*"\);)"),
                              "for (std::size_t i = 0; i < n; ++i) y[i] = a * x[i];");
    write(sub / "phases/02-architecture/second-lab/student/second_lab.cpp", code);
  }
};

TEST_F(Grading, ReferenceEarnsFullMarksAndStarterAtMost20PercentOnEveryTrack) {
  const auto tracks = shipped_tracks();
  ASSERT_GE(tracks.size(), 4u);
  for (const auto& track : tracks) {
    const auto& ref = shipped_grade(track.string(), kReferenceGrade);
    ASSERT_EQ(ref.run.exit_code, 0) << ref.run.output;
    EXPECT_GT(ref.j["max_score"].get<double>(), 0);
    EXPECT_DOUBLE_EQ(ref.j["score"].get<double>(), ref.j["max_score"].get<double>())
        << track << "\n" << ref.summary;
    const auto starter = grade(track.string(), {"--repetitions", "3"});
    ASSERT_EQ(starter.run.exit_code, 0) << starter.run.output;
    EXPECT_LE(starter.j["score"].get<double>(), 0.2 * starter.j["max_score"].get<double>()) << track << "\n" << starter.summary;
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
  // bench (3 repetitions, about 4 s: this test needs a measured ratio, not a
  // precise one) has room for the harness's re-measuring rounds.
  const auto g = grade((g_course / "labs/tracks/test-two-labs.toml").string(),
                       {"--submission", sub.string(), "--time-limit", "4", "--repetitions", "3"});
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
  std::atomic<bool> stop{false};
  std::thread busy([&] {
    volatile double x = 1;
    while (!stop) x = x * 1.0000001 + 1e-9;
  });
  std::set<double> scores;
  for (int i = 0; i < 5; ++i) {
    // Five repetitions, not fifteen: agreeing on less data is the harder test.
    const auto g = grade((g_course / "labs/tracks/test-single-thread.toml").string(),
                         {"--impl", "reference", "--repetitions", "5"});
    ASSERT_EQ(g.run.exit_code, 0) << g.run.output;
    scores.insert(g.j["score"].get<double>());
  }
  stop = true;
  busy.join();
  EXPECT_EQ(scores.size(), 1u) << "scores differ between runs";
}

TEST_F(Grading, ReportsFollowGradescopeAndJunitFormats) {
  const auto& g = shipped_grade((g_course / "labs/tracks/chip-design.toml").string(), kReferenceGrade);
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
  EXPECT_TRUE(saw_after_due) << "chip-design.toml makes one task after_due";
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
