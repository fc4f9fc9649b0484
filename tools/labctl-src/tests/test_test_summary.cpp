// The summary `labctl test` prints after a failing run (src/test_summary.hpp),
// from hand-made GoogleTest results shaped like simd-dot's: golden text.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_summary.hpp"

using namespace labctl;

namespace {

const std::string kTodo1 =
    "unknown file\nC++ exception with description \"../../phases/01-foundations/simd-dot/student/simd_dot.cpp:33: "
    "TODO(1): write dot_avx2: 8-lane FMA loop, horizontal sum, scalar tail\" thrown in the test body.";
const std::string kTodo2 =
    "unknown file\nC++ exception with description \"../../phases/01-foundations/simd-dot/student/simd_dot.cpp:40: "
    "TODO(2): write saxpy_avx2: broadcast a, FMA, unaligned store, scalar tail\" thrown in the test body.";

labkit::TestResult passed(const std::string& suite, const std::string& name) { return {suite, name, true, false, 0, ""}; }
labkit::TestResult failed(const std::string& suite, const std::string& name, const std::string& message) {
  return {suite, name, false, false, 0, message};
}

TestSummaryInput simd_dot(std::vector<labkit::TestResult> tests) {
  TestSummaryInput in;
  in.lab = "simd-dot";
  in.impl = "student";
  in.tests = std::move(tests);
  in.root = "/repo";
  in.build_dir = "/repo/build/default";
  in.code_files = {"/repo/phases/01-foundations/simd-dot/student/simd_dot.cpp"};
  in.log_file = "out/simd-dot/tests-student.log";
  in.test_binary = "build/default/bin/simd-dot_test_student";
  return in;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

}  // namespace

TEST(TestSummary, NothingToSayWhenEveryTestPassesOrIsSkipped) {
  EXPECT_TRUE(next_steps(simd_dot({passed("Dot", "A"), {"Dot", "B", false, true, 0, "no AVX2"}})).empty());
  EXPECT_TRUE(next_steps(simd_dot({})).empty());
}

TEST(TestSummary, TheStarterGetsOneLinePerTodoInTodoOrder) {
  // TODO(2)'s failure runs first, as in simd-dot (Dot.AliasedSaxpy... before the
  // parameterized dot tests); the summary still lists TODO(1) first.
  auto in = simd_dot({
      failed("Dot", "AliasedSaxpyDoublesAVector", kTodo2),
      failed("Lengths/DotLengths", "ExactForSmallIntegersAtEveryAlignment/n0", kTodo1),
      failed("Lengths/DotLengths", "ExactForSmallIntegersAtEveryAlignment/n1", kTodo1),
      failed("Lengths/DotLengths", "SaxpyExact/n0", kTodo2),
      passed("Ladder", "ScalarStep"),
      {"Ladder", "Avx512Step", false, true, 0, "no AVX-512 here"},
  });
  EXPECT_EQ(joined(next_steps(in)),
            "labctl: simd-dot (student): 4 of 6 tests fail (1 skipped); all at 2 TODOs still to write. Start with the "
            "first; each line is the place to edit and what to write there:\n"
            "  phases/01-foundations/simd-dot/student/simd_dot.cpp:33: TODO(1): write dot_avx2: 8-lane FMA loop, "
            "horizontal sum, scalar tail  [2 failing tests]\n"
            "  phases/01-foundations/simd-dot/student/simd_dot.cpp:40: TODO(2): write saxpy_avx2: broadcast a, FMA, "
            "unaligned store, scalar tail  [2 failing tests]\n"
            "labctl: the full output is in out/simd-dot/tests-student.log\n");
}

TEST(TestSummary, OnceNoTodoIsLeftItNamesTheLearnersFileAndEachFailingGroup) {
  // A saxpy with a wrong tail: the parameterized test fails for three lengths,
  // the aliased test once (with two checks failing: only the first is shown).
  const std::string tail_bug =
      "../../phases/01-foundations/simd-dot/tests/test_simd_dot.cpp:50\n"
      "1 of 5 elements of y differ from the expected values; first y[4]: actual 9, expected 13 (must be exact)\n"
      "n=5, offset 0\n";
  const std::string aliased =
      "../../phases/01-foundations/simd-dot/tests/test_simd_dot.cpp:93\n"
      "1 of 37 elements of y differ from the expected values; first y[36]: actual 26, expected 52 (must be exact)\n"
      "../../phases/01-foundations/simd-dot/tests/test_simd_dot.cpp:94\n"
      "a second check\n";
  auto in = simd_dot({
      passed("Lengths/DotLengths", "ExactForSmallIntegersAtEveryAlignment/n5"),
      failed("Lengths/DotLengths", "SaxpyExactForSmallIntegersAndNoWritesOutsideY/n5", tail_bug),
      failed("Lengths/DotLengths", "SaxpyExactForSmallIntegersAndNoWritesOutsideY/n13", tail_bug),
      failed("Lengths/DotLengths", "SaxpyExactForSmallIntegersAndNoWritesOutsideY/n37", tail_bug),
      failed("Dot", "AliasedSaxpyDoublesAVector", aliased),
  });
  const std::string text = joined(next_steps(in));
  EXPECT_EQ(text,
            "labctl: simd-dot (student): 4 of 5 tests fail, in 2 test groups. No TODO is left, so the bug is in "
            "phases/01-foundations/simd-dot/student/simd_dot.cpp; what each group's first failure says:\n"
            "  DotLengths.SaxpyExactForSmallIntegersAndNoWritesOutsideY: 3 failing tests; the first, "
            "Lengths/DotLengths.SaxpyExactForSmallIntegersAndNoWritesOutsideY/n5:\n"
            "      1 of 5 elements of y differ from the expected values; first y[4]: actual 9, expected 13 (must be "
            "exact)\n"
            "      n=5, offset 0\n"
            "  Dot.AliasedSaxpyDoublesAVector fails:\n"
            "      1 of 37 elements of y differ from the expected values; first y[36]: actual 26, expected 52 (must "
            "be exact)\n"
            "labctl: the full output is in out/simd-dot/tests-student.log; to run the first group alone: "
            "build/default/bin/simd-dot_test_student "
            "--gtest_filter='*DotLengths*.SaxpyExactForSmallIntegersAndNoWritesOutsideY*'\n");
  // The learner is sent to student/, never to the tests they must not edit.
  EXPECT_EQ(text.find("tests/"), std::string::npos) << text;
}

TEST(TestSummary, FailuresBesideATodoAreListedAfterIt) {
  auto in = simd_dot({
      failed("Lengths/DotLengths", "RandomDataWithinRoundingBound/n3",
             "../../phases/01-foundations/simd-dot/tests/test_simd_dot.cpp:38\n"
             "dot outside its bound; actual 1.5, expected 1.25, |error| 0.25 > bound 2.4e-06\nn=3\n"),
      failed("Dot", "AliasedSaxpyDoublesAVector", kTodo2),
  });
  in.code_files = {"phases/01-foundations/simd-dot/student/b.cpp", "/repo/phases/01-foundations/simd-dot/student/a.cpp"};
  EXPECT_EQ(joined(next_steps(in)),
            "labctl: simd-dot (student): 2 of 2 tests fail; 1 at a TODO still to write. Start with the first; each "
            "line is the place to edit and what to write there:\n"
            "  phases/01-foundations/simd-dot/student/simd_dot.cpp:40: TODO(2): write saxpy_avx2: broadcast a, FMA, "
            "unaligned store, scalar tail  [1 failing test]\n"
            "labctl: 1 other failing test reached no TODO: it tests code already written, in "
            "phases/01-foundations/simd-dot/student/a.cpp, phases/01-foundations/simd-dot/student/b.cpp:\n"
            "  DotLengths.RandomDataWithinRoundingBound: 1 failing test; the first, "
            "Lengths/DotLengths.RandomDataWithinRoundingBound/n3:\n"
            "      dot outside its bound; actual 1.5, expected 1.25, |error| 0.25 > bound 2.4e-06\n"
            "      n=3\n"
            "labctl: the full output is in out/simd-dot/tests-student.log; to run the first group alone: "
            "build/default/bin/simd-dot_test_student --gtest_filter='*DotLengths*.RandomDataWithinRoundingBound*'\n");
}

TEST(TestSummary, TodosNoTestReachesYetAreNamed) {
  // sgemm's starter: the packed kernel calls the packing stub (TODO(2)) before
  // its micro-kernel (TODO(3)), so no test fails at TODO(3) yet.
  auto in = simd_dot({failed("Sgemm", "Packed", kTodo2),
                      failed("Sgemm", "Threaded",
                             "unknown file\nC++ exception with description \"../../phases/x/student/s.cpp:9: TODO(4): "
                             "threads\" thrown in the test body.")});
  in.todos_in_code = {4, 3, 2};  // TODO(1) is written
  const auto lines = next_steps(in);
  ASSERT_EQ(lines.size(), 5u) << joined(lines);
  EXPECT_EQ(lines[2], "  phases/x/student/s.cpp:9: TODO(4): threads  [1 failing test]");
  EXPECT_EQ(lines[3], "  (TODO(3): no test reaches it yet; it runs after code that is still a TODO)");
}

TEST(TestSummary, ManyUnreachedTodosAndAFailureBesideThem) {
  auto in = simd_dot({failed("Dot", "A", "../../phases/x/tests/t.cpp:3\nwrong\n")});
  in.todos_in_code = {3, 1};
  const auto lines = next_steps(in);
  ASSERT_EQ(lines.size(), 4u) << joined(lines);
  // TODO(1) and TODO(3) are still stubs, yet this failure is not at either.
  EXPECT_EQ(lines[0],
            "labctl: simd-dot (student): 1 of 1 test fails, in 1 test group. No failing test ran into a TODO, so the "
            "bug is in phases/01-foundations/simd-dot/student/simd_dot.cpp; what each group's first failure says:");
  in.tests.push_back(failed("Dot", "B", "unknown file\nC++ exception with description \"x.cpp:1: TODO(5): y\""));
  in.todos_in_code = {5, 3, 1, 3};
  EXPECT_EQ(next_steps(in)[2], "  (TODO(1), TODO(3): no test reaches them yet; they run after code that is still a TODO)");
}

TEST(TestSummary, TodoNumbersComeFromTheStubCallsOnly) {
  const std::string source =
      "// TODO(1): vectorize (a comment: stays when the code is written)\n"
      "  LABKIT_TODO(2, \"write saxpy_avx2\");\n"
      "#define LABKIT_TODO(number, what) throw\n"
      "  LABKIT_TODO( 12 , \"threads\");\n";
  EXPECT_EQ(todo_numbers(source), (std::vector<int>{2, 12}));
}

TEST(TestSummary, LongMessagesAndManyGroupsAreCut) {
  std::string message = "../../phases/x/tests/t.cpp:1\n";
  for (int i = 1; i <= 9; ++i) message += "line " + std::to_string(i) + "\n";
  message += std::string(300, 'x') + "\n";
  std::vector<labkit::TestResult> tests;
  for (int g = 0; g < 8; ++g) tests.push_back(failed("S", "T" + std::to_string(g), message));
  const auto lines = next_steps(simd_dot(tests));
  // Header, 6 groups of (name + 6 message lines + "more"), "... and 2 more", footer.
  ASSERT_EQ(lines.size(), 1u + 6 * 8 + 1 + 1) << joined(lines);
  EXPECT_EQ(lines[1], "  S.T0 fails:");
  EXPECT_EQ(lines[7], "      line 6");
  EXPECT_EQ(lines[8], "      (4 more lines in the log)");
  EXPECT_EQ(lines[lines.size() - 2], "  ... and 2 failing groups more (in the log)");
}

TEST(TestSummary, ACrashIsItsOwnGroupWithTheReason) {
  auto in = simd_dot({failed("binary", "process", "the test binary killed by SIGSEGV (segmentation fault)\n[ RUN      ] Dot.A\n")});
  EXPECT_EQ(joined(next_steps(in)),
            "labctl: simd-dot (student): 1 of 1 test fails, in 1 test group. No TODO is left, so the bug is in "
            "phases/01-foundations/simd-dot/student/simd_dot.cpp; what each group's first failure says:\n"
            "  binary.process fails:\n"
            "      the test binary killed by SIGSEGV (segmentation fault)\n"
            "      [ RUN      ] Dot.A\n"
            "labctl: the full output is in out/simd-dot/tests-student.log\n");
}

TEST(TestSummary, PathsAreRelativeToTheRepositoryRoot) {
  EXPECT_EQ(path_from_root("../../phases/a/student/x.cpp", "/repo", "/repo/build/default"), "phases/a/student/x.cpp");
  EXPECT_EQ(path_from_root("/repo/phases/a/x.cpp", "/repo", "/repo/build/default"), "phases/a/x.cpp");
  EXPECT_EQ(path_from_root("phases/a/x.cpp", "/repo", "/repo"), "phases/a/x.cpp");
  // Outside the repository: unchanged.
  EXPECT_EQ(path_from_root("/usr/include/gtest/gtest.h", "/repo", "/repo/build/default"), "/usr/include/gtest/gtest.h");
  EXPECT_EQ(path_from_root("../../../elsewhere.cpp", "/repo", "/repo/build/default"), "../../../elsewhere.cpp");
  EXPECT_EQ(first_message_line("../../phases/a/tests/t.cpp:3\nno device: ../../phases/a/x.cu needs one\n", "/repo",
                               "/repo/build/default"),
            "no device: phases/a/x.cu needs one");
}

TEST(TestSummary, GroupsDropGoogleTestsParameterParts) {
  EXPECT_EQ(test_group("Dot", "AliasedSaxpyDoublesAVector"), "Dot.AliasedSaxpyDoublesAVector");
  EXPECT_EQ(test_group("Lengths/DotLengths", "SaxpyExact/n37"), "DotLengths.SaxpyExact");
  EXPECT_EQ(test_group("Floats/0", "Sum"), "Floats.Sum");
}
