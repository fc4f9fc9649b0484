// Grading untrusted code (docs/instructors.md, "Threat model").
//
// A submission's student/ code is linked into the test and benchmark
// processes, so anything that process writes (its GoogleTest report, its exit
// code, its output) is something student code could write too. The grader
// therefore decides what ran from what it controls:
//   - the student objects it built itself are read with nm and objdump before
//     they run: no static initializers (so no code before main: no GoogleTest
//     Environment, listener or extra TEST), no global symbol outside the lab's
//     student namespace (so nothing replaces a harness, GoogleTest, labkit or
//     libc function), no call to a function that ends the process, starts
//     one, opens a file or reaches GoogleTest, and no raw system call;
//   - the expected test list comes from the grader's reference build.
#pragma once
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <labkit/report.hpp>

#include "process.hpp"

namespace labctl {

namespace fs = std::filesystem;

// How untrusted children run, probed once per grade. As root: in a fresh,
// empty network namespace, then as the unprivileged user `nobody`, so the
// course tree, the build, the grader's outputs and other submissions
// (root's files) are read-only to them. Otherwise (Slurm, a laptop: one
// uid for the grader and every student), in a user, mount and network
// namespace where each of `read_only` (the course checkout, the work folder,
// the results folder, the submissions) is bind-mounted read-only and only the
// child's private folder is writable again; where the OS refuses those
// namespaces, as the grader's own user, which grade.json says.
// `unprivileged` takes the second path even as root (tests).
struct Sandbox {
  std::vector<std::string> prefix;  // argv prefix (unshare ...); "@PRIVATE@" is the child's private folder
  RunOptions base;                  // run_as, network namespace, closed descriptors
  std::string network, filesystem;  // what grade.json and summary.md say
  bool private_owner = false;       // chown private folders to the run_as user
};
Sandbox make_sandbox(const std::vector<fs::path>& read_only = {}, bool unprivileged = false);

// A fresh folder only the untrusted child can use (its HOME, TMPDIR, working
// directory and report files), under a parent nobody else can list.
fs::path private_folder(const fs::path& work, const Sandbox& box);

// Copies a report the child wrote in its private folder, only when it is a
// plain file (never a link the child planted to make the grader read
// something else). False when there is none.
bool take_report(const fs::path& from, const fs::path& to);

struct ObjectCheck {
  bool ran = false;                   // nm/objdump worked on the archive
  std::vector<std::string> problems;  // each names the object, the symbol and the rule
};

// What the instructor's side of a lab's test program defines and calls, read
// from the grader's reference build.
struct Harness {
  std::set<std::string> sanctioned_calls;  // what the reference library calls: allowed to students too
  std::set<std::string> test_object_defs;  // symbols the test objects define (they come first on the link line)
  std::set<std::string> library_defs;      // symbols the libraries of the program define (static and shared)
  std::set<std::string> reference_defs;    // symbols the lab's reference archive defines
  fs::path reference_archive;              // lib<lab>_reference.a
};
// `reference_archive` lib<lab>_reference.a; `test_objects` the folder of the
// test program's objects; `test_program` the linked reference test program.
Harness read_harness(const fs::path& reference_archive, const fs::path& test_objects, const fs::path& test_program);
// read_harness, kept in the file `cache` until the reference archive or the
// test program changes.
Harness cached_harness(const fs::path& cache, const fs::path& reference_archive, const fs::path& test_objects,
                       const fs::path& test_program);

// Checks the student library the grader built (lib<lab>_student.a). A weak
// definition outside the student namespace and the C++ library's templates
// is allowed unless a library of the program defines the same symbol and the
// test objects do not: then the student's copy could replace the library's
// (weak symbols resolve to the first copy the linker sees, and the
// executable's copy interposes a shared library's).
// The objects of a Verilated student model (an HDL lab's lib<lab>_student.a)
// are not read: Verilator generates them from the student's RTL, which
// check_hdl_sources holds to its rules instead.
ObjectCheck check_student_archive(const fs::path& archive, const Harness& harness);
// Whether an archive member is Verilator's output for a student model (V<top>_student...).
bool is_verilated_model_object(const std::string& member);

// Symbols an object or archive references but does not define (nm -u).
std::set<std::string> undefined_symbols(const fs::path& archive);

// HDL labs: the student's SystemVerilog is compiled by Verilator into the
// test program, so the system tasks that run commands, write files or embed
// C++ ($system, $fopen, $fwrite, $c and $c32, `systemc_ blocks, DPI imports,
// token pasting that could spell them, `include from outside) are refused.
std::vector<std::string> check_hdl_sources(const fs::path& student_dir);

// C++ and CUDA labs: the student's sources, preprocessed by the grader
// (with GCC's -H, unseen) before the real build sees them, so that nothing
// outside the student's reach enters the build's error log or the objects.
// Each file the compiler opened must lie in the student folder or in a
// folder the build's own command searches (-I, -isystem, the compiler's
// built-in folders), and never be `secret` (a reference solution, hidden
// tests); and no string of the unit may hold an assembler directive that
// reads a file or could spell one (.incbin, .include, .macro, .irp, .rept,
// .altmacro, .purgem): an asm statement, an asm label or a section
// attribute hands its string to the assembler. A source that does not
// compile is not a problem here: the real build reports it.
struct SourceCompile {
  std::string command;  // as ninja runs it, from the build folder
  fs::path source;
};
// The commands `target` runs on sources in `student_dir` (ninja -t commands).
std::vector<SourceCompile> student_compiles(const fs::path& build, const std::string& target, const fs::path& student_dir);
std::vector<std::string> check_student_compiles(const std::vector<SourceCompile>& compiles, const fs::path& build,
                                                const fs::path& student_dir,
                                                const std::function<bool(const fs::path&)>& secret,
                                                const fs::path& scratch);
// The pieces, for unit tests: the files GCC's -H listed; the compiler's
// search folders in `argv` and built in; the directives found in the
// strings of a preprocessed unit.
std::vector<fs::path> headers_opened(const std::string& compiler_output);
std::vector<fs::path> search_folders(const std::vector<std::string>& argv, const fs::path& cwd);
std::vector<std::string> denied_directives(const std::string& preprocessed);

// Reads `--gtest_list_tests` output into full names "Suite.Name" (the
// parameter comments GoogleTest appends are dropped).
std::vector<std::string> parse_gtest_list(const std::string& output);

// GoogleTest's filter syntax: positive patterns, then '-' and negative ones,
// ':'-separated, with * and ? wildcards.
bool gtest_filter_match(const std::string& filter, const std::string& full_name);

// How a test task's tests fared. The tests of record are the reference
// build's that match the filter (`expected_tests`); the graded binary must list
// exactly those (`listed_tests`), else `list_diff` says how they differ. Each
// must appear in the report as passed; a skip counts only when the reference
// build skipped the same test here with the same message.
struct TestVerdict {
  int passed = 0, total = 0;
  std::string failed_list;  // "- Suite.Name: why" lines
  std::string list_diff;    // empty when the lists agree
};
TestVerdict judge_test_task(const std::string& filter, const std::vector<std::string>& expected_tests,
                            const std::vector<std::string>& listed_tests,
                            const std::map<std::string, labkit::TestResult>& reported,
                            const std::map<std::string, std::string>& reference_skips);

// The rules, exposed for unit tests.
bool allowed_definition(const std::string& mangled, const std::string& demangled, char type);
std::string denied_reference(const std::string& mangled);
// A relocation of type `reloc_type` to `target` inside `function`, a static
// initializer (in .text.startup).
bool allowed_in_initializer(const std::string& function, const std::string& reloc_type, const std::string& target);

}  // namespace labctl
