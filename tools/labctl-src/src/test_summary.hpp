// What `labctl test` prints after a failing run: a few lines that say what to
// do next, instead of GoogleTest's full output (that goes to a log file).
//
// While the starter still has stubs, each failure carries the TODO it ran
// into (labkit/todo.hpp: "file:line: TODO(n): what to write"); the summary has
// one line per TODO, in TODO order, with how many tests it fails. Failures
// without a TODO are grouped by test (a parameterized test's instances count
// as one group) and shown with the first failure's message, next to the
// learner's own files: the tests say what is wrong, student/ is what to edit.
//
// next_steps() is a pure function of its input (no files, no processes), so
// its text is tested line by line in tests/test_test_summary.cpp.
#pragma once
#include <labkit/report.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace labctl {

struct TestSummaryInput {
  std::string lab;   // "simd-dot"
  std::string impl;  // "student" or "reference"
  std::vector<labkit::TestResult> tests;
  // The repository root (absolute) and the build folder the tests were
  // compiled in (absolute): __FILE__ paths in messages are relative to the
  // build folder ("../../phases/...") or absolute; both are printed relative
  // to the root.
  std::filesystem::path root;
  std::filesystem::path build_dir;
  // The tested implementation's files (absolute, or relative to the root):
  // student/ for learners. Once no TODO is left, the bug is in one of them.
  std::vector<std::filesystem::path> code_files;
  // The numbers of the LABKIT_TODO(n, ...) stubs still in those files. One
  // that no failing test ran into (it runs after another stub) is named, so
  // a gap in the numbers has its reason.
  std::vector<int> todos_in_code;
  // Relative to the root: the full output, and the test binary (for a
  // "run one group alone" hint).
  std::string log_file;
  std::string test_binary;
};

// The lines to print (no trailing newlines, no colour); empty when every test
// passed or was skipped.
std::vector<std::string> next_steps(const TestSummaryInput& in);

// The first line of a GoogleTest message that is not a location ("path:line"),
// paths relative to the root: a skipped test's reason, for one.
std::string first_message_line(const std::string& message, const std::filesystem::path& root,
                               const std::filesystem::path& build_dir);

// The n of every LABKIT_TODO(n, ...) call in a source file's text (the
// "// TODO(n):" comments beside them stay when the code is written, so only
// the calls count).
std::vector<int> todo_numbers(const std::string& source);

// A path from a test message, relative to the root when it lies inside it
// ("../../phases/x/student/a.cpp" from build/default: "phases/x/student/a.cpp");
// any other path unchanged.
std::string path_from_root(const std::string& path, const std::filesystem::path& root,
                           const std::filesystem::path& build_dir);

// The group a test belongs to: the suite and the test's name without
// GoogleTest's parameter parts ("Lengths/DotLengths", "Saxpy/n37" ->
// "DotLengths.Saxpy"; "Typed/0", "Sum" -> "Typed.Sum").
std::string test_group(const std::string& suite, const std::string& name);

}  // namespace labctl
