// Grading untrusted code: each attack a student made on the grader (issue 29)
// as a submission, graded end to end. None may score more than the untouched
// starter, and the report must say why. docs/instructors.md, "Threat model",
// names the test behind each guarantee.
//
// They reuse the Grading fixture's course and incremental build (its earlier
// tests built these labs), grade only systolic-array (test tasks, cheap to
// rebuild) or reject simd-dot before its benchmark, with one repetition.
#include "grade_fixture.hpp"

namespace {

using namespace labctl_grade_test;

const char* kSystolicStudent = "phases/05-chip-design/systolic-array/student/os_accounting.cpp";
const char* kSimdStudent = "phases/01-foundations/simd-dot/student/simd_dot.cpp";

std::string systolic_track() {
  const auto track = g_base / "attack-systolic.toml";
  if (!fs::exists(track)) write(track, "name = \"Systolic tests\"\n[[labs]]\nid = \"systolic-array\"\n");
  return track.string();
}

// The untouched starter on the same track: the score no attack may beat.
double systolic_starter_score() {
  const auto& g = shipped_grade(systolic_track(), {"--repetitions", "1"});
  EXPECT_EQ(g.run.exit_code, 0) << g.run.output;
  return lab_score(g.j, "systolic-array");
}

// A submission whose file `rel` gets `code` appended (or replaces it).
fs::path attack(const std::string& name, const std::string& rel, const std::string& code, bool replace = false) {
  const auto sub = Grading::submission(name);
  write(sub / rel, (replace ? "" : read(sub / rel)) + code);
  return sub;
}

Grade grade_systolic(const fs::path& sub) { return grade(systolic_track(), {"--submission", sub.string(), "--repetitions", "1"}); }

// Every task of `lab` scores 0 and says `why`.
void expect_rejected(const Grade& g, const std::string& lab, const std::string& why) {
  ASSERT_EQ(g.run.exit_code, 0) << g.run.output;
  int tasks = 0;
  for (const auto& t : g.j["tests"]) {
    if (t["labkit"]["lab"] != lab) continue;
    ++tasks;
    EXPECT_EQ(t["score"].get<double>(), 0) << t.dump(1);
    const auto out = t["output"].get<std::string>();
    EXPECT_NE(out.find("rejected before running"), std::string::npos) << out;
    EXPECT_NE(out.find(why), std::string::npos) << out;
  }
  EXPECT_GT(tasks, 0);
}

// The systolic-array attack `sub` is rejected, and scores no more than the starter.
Grade expect_systolic_rejected(const fs::path& sub, double starter, const std::string& why) {
  auto g = grade_systolic(sub);
  EXPECT_LE(lab_score(g.j, "systolic-array"), starter);
  expect_rejected(g, "systolic-array", why);
  return g;
}

TEST_F(Grading, AttackSkippingFromAGlobalEnvironmentOrAStudentFunctionEarnsNoMoreThanTheStarter) {
  const double starter = systolic_starter_score();
  // The issue's six lines: every test skipped before it starts.
  const auto env = attack("skip-env", kSystolicStudent,
                          "#include <gtest/gtest.h>\n"
                          "namespace { struct SkipAll : ::testing::Environment { void SetUp() override { GTEST_SKIP(); } };\n"
                          "const auto* skip_all = ::testing::AddGlobalTestEnvironment(new SkipAll); }\n");
  expect_systolic_rejected(env, starter, "static initializer");

  // The same from inside the graded function, while a test runs.
  const auto in_call = attack("skip-call", kSystolicStudent,
                              "#include <gtest/gtest.h>\n"
                              "namespace systolic_array::student { void skip_me() { GTEST_SKIP() << \"no CUDA device\"; } }\n");
  std::string code = read(in_call / kSystolicStudent);
  code = std::regex_replace(code, std::regex(R"(ComputeStats s;)"), "ComputeStats s; skip_me();");
  code = std::regex_replace(code, std::regex(R"(namespace systolic_array::student \{\n\nComputeStats)"),
                            "namespace systolic_array::student {\nvoid skip_me();\nComputeStats");
  write(in_call / kSystolicStudent, code);
  expect_systolic_rejected(in_call, starter, "calls into GoogleTest");
}

TEST_F(Grading, AttackPaddingAWildcardFilterWithExtraTestsEarnsNothing) {
  // simd-dot's filter "*.ExactForSmallIntegers*" matches tests the student adds.
  const auto sub = attack("padding", kSimdStudent,
                          "#include <gtest/gtest.h>\n"
                          "TEST(Padding, ExactForSmallIntegersA) {}\nTEST(Padding, ExactForSmallIntegersB) {}\n"
                          "TEST(Padding, ExactForSmallIntegersC) {}\nTEST(Padding, SaxpyA) {}\n");
  const auto g = grade((g_course / "labs/tracks/test-single-thread.toml").string(),
                       {"--submission", sub.string(), "--repetitions", "1"});
  // The starter earns nothing in simd-dot (every function is a TODO).
  EXPECT_EQ(lab_score(g.j, "simd-dot"), 0);
  expect_rejected(g, "simd-dot", "static initializer");
  EXPECT_FALSE(fs::exists(g.out / "simd-dot" / "bench.json")) << "a rejected submission is never benchmarked";
}

TEST_F(Grading, AttackExitingEarlyOrRewritingTheReportEarnsNothing) {
  const double starter = systolic_starter_score();
  // Writes a report where --gtest_output points, claiming every test passed,
  // and leaves before GoogleTest can write the real one; or rewrites it at exit.
  const auto sub = attack(
      "forge", kSystolicStudent,
      "#include <cstdio>\n#include <cstring>\n#include <fstream>\n#include <string>\n#include <unistd.h>\n"
      "namespace systolic_array::student {\n"
      "void forge_report() {\n"
      "  char cmd[4096] = {0}; FILE* f = std::fopen(\"/proc/self/cmdline\", \"r\"); std::size_t n = std::fread(cmd, 1, 4095, f);\n"
      "  std::string path; for (std::size_t i = 0; i < n; i += std::strlen(cmd + i) + 1)\n"
      "    if (std::strncmp(cmd + i, \"--gtest_output=json:\", 20) == 0) path = cmd + i + 20;\n"
      "  std::ofstream(path) << R\"({\"testsuites\":[]})\";\n"
      "  _exit(0);\n"
      "}\n"
      "struct Rewrite { ~Rewrite() { forge_report(); } };\n"
      "void at_exit_too() { static Rewrite r; }\n"
      "}\n");
  const auto g = expect_systolic_rejected(sub, starter, "calls _exit()");
  const auto out = g.j["tests"][0]["output"].get<std::string>();
  EXPECT_NE(out.find("calls fopen()"), std::string::npos) << out;
  EXPECT_NE(out.find("opens files"), std::string::npos) << out;

  // Or replace the C library's writer for the whole program (GoogleTest's
  // report included) with a weak definition of the same name.
  const auto interpose = attack("interpose", kSystolicStudent,
                                "#include <cstdio>\n"
                                "extern \"C\" __attribute__((weak)) int fputs(const char* s, std::FILE* f) {\n"
                                "  return static_cast<int>(fwrite(s, 1, 0, f)); }\n");
  expect_systolic_rejected(interpose, starter, "redefines 'fputs', which the program's libraries define");
}

TEST_F(Grading, AttackReadingTheSeedOnlyRevealsThisGradesFreshSeed) {
  const double starter = systolic_starter_score();
  // The issue's attack: the seed in a visible failure message.
  const auto sub = Grading::submission("seed");
  std::string code = read(sub / kSystolicStudent);
  code = std::regex_replace(code, std::regex(R"(ComputeStats s;)"),
                            "ComputeStats s; throw std::runtime_error(std::string(\"LABKIT_SEED=\") + std::getenv(\"LABKIT_SEED\"));");
  write(sub / kSystolicStudent, "#include <cstdlib>\n#include <string>\n" + code);
  const auto g1 = grade_systolic(sub);
  const auto g2 = grade_systolic(sub);
  ASSERT_EQ(g1.run.exit_code, 0) << g1.run.output;
  EXPECT_LE(lab_score(g1.j, "systolic-array"), starter);
  const auto seed1 = g1.j["labkit"]["seed"].get<std::uint64_t>(), seed2 = g2.j["labkit"]["seed"].get<std::uint64_t>();
  EXPECT_NE(seed1, seed2) << "a fresh seed per grade, never one derived from the track";
  EXPECT_NE(g1.j["labkit"]["seed_source"].get<std::string>().find("random"), std::string::npos);
  // In-process code can read the seed while it runs (docs say so): what it
  // learns is this grade's seed, useless for the next one.
  EXPECT_NE(g1.j["tests"].dump().find("LABKIT_SEED=" + std::to_string(seed1)), std::string::npos) << g1.summary;
}

TEST_F(Grading, AttackWritingIntoTheCourseOrTheGradersOutputFails) {
  const auto course_file = g_course / "pwned-by-student";
  const auto out_file = g_base / ("out" + std::to_string(g_out_counter + 1)) / "pwned-by-student";
  const auto sub = attack("write", kSystolicStudent,
                          "#include <cstdio>\nnamespace {\n"
                          "struct Pwn { Pwn() {\n"
                          "  for (const char* p : {\"" + course_file.string() + "\", \"" + out_file.string() +
                              "\", \"../../../pwned-by-student\"})\n"
                              "    if (std::FILE* f = std::fopen(p, \"w\")) std::fclose(f);\n"
                              "} } pwn;\n}\n");
  const auto g = expect_systolic_rejected(sub, systolic_starter_score(), "static initializer");
  EXPECT_FALSE(fs::exists(course_file));
  EXPECT_FALSE(fs::exists(out_file));
  // Where the grader runs as root, what runs is also an unprivileged user's.
  if (geteuid() == 0) EXPECT_NE(g.j["labkit"]["filesystem"].get<std::string>().find("uid 65534"), std::string::npos);
  else EXPECT_NE(g.j["labkit"]["filesystem"].get<std::string>().find("not isolated"), std::string::npos);
}

TEST_F(Grading, AttackHiddenTasksCannotBeReadOffGradescopesScore) {
  // The reference's chip-design grade (test_grade.cpp made it): it earns the
  // after_due task's points too, so a total that counted them would show.
  const auto& g = shipped_grade((g_course / "labs/tracks/chip-design.toml").string(), kReferenceGrade);
  ASSERT_EQ(g.run.exit_code, 0) << g.run.output;
  const json r = json::parse(read(g.out / "results.json"));
  const double visible = g.j["labkit"]["visible_score"].get<double>();
  EXPECT_LT(visible, g.j["score"].get<double>()) << "chip-design.toml has an after_due task the reference passes";
  EXPECT_DOUBLE_EQ(r["score"].get<double>(), visible) << "Gradescope's score is the visible one until the due date";
  EXPECT_FALSE(r["extra_data"]["hidden_included"].get<bool>());
  int after_due = 0;
  for (const auto& t : r["tests"]) {
    EXPECT_FALSE(t.contains("labkit")) << t.dump();
    after_due += t["visibility"] == "after_due_date";
  }
  EXPECT_GE(after_due, 1);
  EXPECT_EQ(r["stdout_visibility"], "hidden");
}

// What the student's C++ reads at build time: a file outside their reach,
// pasted into the build log by compile errors or into the object by
// .incbin, reaches them through the report or their own code.
TEST_F(Grading, AttackReadingCourseOrOtherStudentsFilesThroughTheBuildIsRejected) {
  const double starter = systolic_starter_score();
  // Another student's results, outside the course tree.
  const auto others = g_base / "other-student-grade.json";
  write(others, "{\"score\": 97, \"secret\": \"LEAKED-OTHER-STUDENT\"}\n");

  // The lab's reference solution, by a relative path: its lines would show
  // up as compile errors in the build log.
  auto g = expect_systolic_rejected(attack("include-reference", kSystolicStudent, "#include \"../reference/os_accounting.cpp\"\n"),
                                    starter, "student/../reference/os_accounting.cpp, outside the student folder");
  for (const char* file : {"grade.json", "summary.md", "systolic-array/build.log"})
    if (fs::exists(g.out / file)) EXPECT_EQ(read(g.out / file).find("The reference answer to the task"), std::string::npos) << file;
  // Another lab's tests and a file outside the course, by absolute paths.
  const auto hidden = g_course / "phases/01-foundations/rv32/tests/test_isa.cpp";
  g = expect_systolic_rejected(attack("include-abs", kSystolicStudent,
                                      "#include \"" + others.string() + "\"\n#include <" + hidden.string() + ">\n"),
                               starter, "outside the student folder and the folders the build searches");
  EXPECT_EQ(read(g.out / "grade.json").find("LEAKED-OTHER-STUDENT"), std::string::npos);
  // The same file embedded into the object by the assembler, the asm
  // keyword spelled through token pasting and the directive split in two,
  // so no text search of the source finds either.
  expect_systolic_rejected(attack("incbin", kSystolicStudent,
                                  "#define GLUE(a, b) a##b\n"
                                  "GLUE(as, m)(\".section .rodata\\n.inc\" \"bin \\\"" + others.string() + "\\\"\\n.text\");\n"),
                           starter, "holds the assembler directive .incbin");
  // A symbolic link in student/ that the grader would copy through as itself.
  const auto link = Grading::submission("symlink");
  fs::create_symlink(others, link / "phases/05-chip-design/systolic-array/student/results.json");
  g = expect_systolic_rejected(link, starter, "student/results.json is a symbolic link");
  EXPECT_EQ(read(g.out / "grade.json").find("LEAKED-OTHER-STUDENT"), std::string::npos);
}

// Last of the suite: it commits to the course repository.
TEST_F(Grading, AttackAnOlderCourseCommitInTheSubmissionIsGradedWithTodaysTests) {
  // The course raises a task's points after the student cloned it.
  const auto manifest = g_course / "phases/05-chip-design/systolic-array/lab.toml";
  const std::string before = read(manifest);
  std::string after = before;
  after.replace(after.find("points = 20"), 11, "points = 35");
  write(manifest, after);
  auto r = sh("cd '" + g_course.string() + "' && git -c user.name=t -c user.email=t@t commit -qam 'os-published: 35 points'");
  ASSERT_TRUE(r.ok()) << r.output;
  // The student's clone, reset to the commit before.
  const auto sub = g_base / "sub-old-commit";
  fs::remove_all(sub);
  r = sh("git clone -q '" + g_course.string() + "' '" + sub.string() + "' && git -C '" + sub.string() + "' reset -q --hard HEAD~1");
  ASSERT_TRUE(r.ok()) << r.output;
  ASSERT_NE(read(sub / "phases/05-chip-design/systolic-array/lab.toml").find("points = 20"), std::string::npos);

  auto max_of = [](const Grade& g, const std::string& task) {
    for (const auto& t : g.j["tests"])
      if (t["labkit"]["task"] == task) return t["max_score"].get<double>();
    return -1.0;
  };
  const auto head = sh("git -C '" + g_course.string() + "' rev-parse HEAD").output.substr(0, 40);
  const auto g = grade_systolic(sub);
  ASSERT_EQ(g.run.exit_code, 0) << g.run.output;
  EXPECT_EQ(max_of(g, "os-published"), 35) << "the course's tests and thresholds, not the submission's history";
  EXPECT_EQ(g.j["labkit"]["commit"].get<std::string>(), head);
  EXPECT_NE(g.j["labkit"]["protected_edits"].dump().find("systolic-array/lab.toml"), std::string::npos);
  // The instructor may pin another commit of the course on purpose.
  const auto pinned = grade(systolic_track(), {"--submission", sub.string(), "--repetitions", "1", "--base", "HEAD~1"});
  ASSERT_EQ(pinned.run.exit_code, 0) << pinned.run.output;
  EXPECT_EQ(max_of(pinned, "os-published"), 20);
  const auto bad = grade(systolic_track(), {"--submission", sub.string(), "--base", "no-such-ref"});
  EXPECT_EQ(bad.run.exit_code, 2) << bad.run.output;
}

}  // namespace
