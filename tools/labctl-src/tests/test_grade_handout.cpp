// The grader grades a submission made from a student handout (labctl
// handout: no reference sources, no hidden tests, a prebuilt/ folder)
// exactly as one made from the full course repository: the same student
// code earns the same test scores, hidden tests included, and what the
// handout withholds or adds is not reported as an edit.
#include "grade_fixture.hpp"

using namespace labctl_grade_test;

namespace {

// A correct, plain-loop simd-dot: passes every test, visible and hidden.
const char* kPlainLoops =
    "#include \"simd_dot.hpp\"\nnamespace simd_dot::student {\n"
    "float dot(const float* x, const float* y, std::size_t n) { float s = 0; for (std::size_t i = 0; i < n; ++i) s += x[i] * y[i]; return s; }\n"
    "void saxpy(float a, const float* x, float* y, std::size_t n) { for (std::size_t i = 0; i < n; ++i) y[i] = a * x[i] + y[i]; }\n}\n";
const char* kStudentFile = "phases/01-foundations/simd-dot/student/simd_dot.cpp";
const char* kLab = "phases/01-foundations/simd-dot";

}  // namespace

TEST_F(Grading, AHandoutSubmissionGradesAsTheFullRepository) {
  const std::string track = (g_course / "labs/tracks/test-plain-loops.toml").string();
  const fs::path full = submission("full-repository");
  write(full / kStudentFile, kPlainLoops);

  // The handout of the same track, without compiled references (the grader
  // never uses them; a stand-in library below plays a handout's prebuilt/).
  const fs::path handout = g_base / "handout";
  fs::remove_all(handout);
  const auto made = run_process({LABCTL_EXE, "--root", g_course.string(), "handout", "--track", track, "--out",
                                 handout.string(), "--no-reference-binaries"});
  ASSERT_TRUE(made.ok()) << made.output;
  ASSERT_TRUE(fs::exists(handout / kStudentFile));
  ASSERT_FALSE(fs::exists(handout / kLab / "reference")) << "the handout holds the reference sources";
  ASSERT_FALSE(fs::exists(handout / kLab / "tests/hidden")) << "the handout holds the hidden tests";
  write(handout / kStudentFile, kPlainLoops);
  write(handout / kLab / "prebuilt/libsimd-dot_reference.a", "!<arch>\n");

  const std::vector<std::string> same = {"--seed", "77", "--repetitions", "2"};
  auto with = [&](const fs::path& sub) {
    std::vector<std::string> extra = {"--submission", sub.string()};
    extra.insert(extra.end(), same.begin(), same.end());
    return extra;
  };
  const auto a = grade(track, with(full));
  const auto b = grade(track, with(handout));
  ASSERT_EQ(a.run.exit_code, 0) << a.run.output;
  ASSERT_EQ(b.run.exit_code, 0) << b.run.output;

  // Neither reports an edit: the full checkout edited only student/, and the
  // handout's missing reference/ and tests/hidden/ and its prebuilt/ are the handout's.
  EXPECT_EQ(a.j["labkit"]["protected_edits"], json::array()) << a.summary;
  EXPECT_EQ(b.j["labkit"]["protected_edits"], json::array()) << b.summary;

  // Task by task: test tasks (the hidden one too) score exactly the same and
  // in full; perf tasks were measured in both (their values are timings).
  ASSERT_EQ(a.j["tests"].size(), b.j["tests"].size());
  bool saw_hidden_test = false;
  for (std::size_t i = 0; i < a.j["tests"].size(); ++i) {
    const json& ta = a.j["tests"][i];
    const json& tb = b.j["tests"][i];
    ASSERT_EQ(ta["labkit"]["task"], tb["labkit"]["task"]);
    EXPECT_DOUBLE_EQ(ta["max_score"].get<double>(), tb["max_score"].get<double>());
    if (ta["labkit"]["kind"] == "test") {
      EXPECT_DOUBLE_EQ(ta["score"].get<double>(), ta["max_score"].get<double>()) << ta.dump(1);
      EXPECT_DOUBLE_EQ(tb["score"].get<double>(), ta["score"].get<double>()) << tb.dump(1);
      EXPECT_EQ(tb["labkit"]["measurement"], ta["labkit"]["measurement"]);
      saw_hidden_test |= ta["labkit"]["task"] == "hidden-edges";
    } else {
      EXPECT_NE(tb["output"].get<std::string>().find("speedup = "), std::string::npos) << tb.dump(1);
    }
  }
  EXPECT_TRUE(saw_hidden_test) << "simd-dot's hidden test task was not graded";
}
