// The rules the grader applies to student code before it runs it
// (untrusted.hpp), and the sandbox it runs it in.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "untrusted.hpp"

using namespace labctl;

namespace {

fs::path scratch_root() { return fs::temp_directory_path() / ("labctl-untrusted-" + std::to_string(getpid())); }

// This run's scratch folders go when the test program ends.
const struct RemoveScratch {
  ~RemoveScratch() {
    std::error_code ec;
    fs::remove_all(scratch_root(), ec);
  }
} remove_scratch;

fs::path scratch(const std::string& name) {
  const auto dir = scratch_root() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Compiles `code` the way the grader's Release build does and archives it.
fs::path student_archive(const std::string& name, const std::string& code) {
  const auto dir = scratch(name);
  std::ofstream(dir / "student.cpp") << code;
  const auto r = run_process({"sh", "-c", "cd '" + dir.string() + "' && g++ -std=c++20 -O2 -c student.cpp -o student.cpp.o && ar rcs libx_student.a student.cpp.o"});
  EXPECT_TRUE(r.ok()) << r.output;
  return dir / "libx_student.a";
}

std::string joined(const ObjectCheck& c) {
  std::string s;
  for (const auto& p : c.problems) s += p + "\n";
  return s;
}

}  // namespace

TEST(Untrusted, ParsesGoogleTestsOwnList) {
  const auto names = parse_gtest_list(
      "Dot.\n  ExactForSmallIntegers\n  EmptyInput\nSizes/Saxpy.\n  Matches/0  # GetParam() = 7\n  Matches/1  # GetParam() = 9\n");
  EXPECT_EQ(names, (std::vector<std::string>{"Dot.ExactForSmallIntegers", "Dot.EmptyInput", "Sizes/Saxpy.Matches/0",
                                             "Sizes/Saxpy.Matches/1"}));
}

TEST(Untrusted, DefinitionsOnlyInTheStudentNamespaceOrWeakOutsideGoogleTest) {
  EXPECT_TRUE(allowed_definition("_ZN3lab7student1fEf", "lab::student::f(float)", 'T'));
  EXPECT_TRUE(allowed_definition("x", "void lab::student::g<float>(float)", 'W'));
  EXPECT_TRUE(allowed_definition("x", "guard variable for lab::student::f()::cache", 'u'));
  EXPECT_TRUE(allowed_definition("_ZNSt6vectorIfSaIfEED2Ev", "std::vector<float>::~vector()", 'W'));
  EXPECT_FALSE(allowed_definition("main", "main", 'T'));
  EXPECT_FALSE(allowed_definition("malloc", "malloc", 'T'));
  EXPECT_FALSE(allowed_definition("x", "labkit::allclose(float)", 'T'));
  // A student type as a parameter does not make someone else's name the student's.
  EXPECT_FALSE(allowed_definition("x", "testing::internal::Print(lab::student::Tag)", 'T'));
  EXPECT_FALSE(allowed_definition("_ZN7testing4Test5SetUpEv", "testing::Test::SetUp()", 'W'));
  EXPECT_FALSE(allowed_definition("x", "labkit::register_student(int)", 'T'));
  // nvcc's host stub of a student kernel, and one made to look like it.
  EXPECT_TRUE(allowed_definition("x", "__device_stub__ZN12cuda_kernels7student6reduceEPKfiPf(float const*, int, float*)", 'T'));
  EXPECT_FALSE(allowed_definition("x", "__device_stub__ZN6labkit5writeEv()", 'T'));
}

TEST(Untrusted, RefusesCallsThatEndTheProcessOpenFilesOrReachGoogleTest) {
  EXPECT_NE(denied_reference("_exit"), "");
  EXPECT_NE(denied_reference("fopen"), "");
  EXPECT_NE(denied_reference("_ZN7testing8internal12AssertHelperC1ENS_14TestPartResult4TypeEPKciS5_").find("GoogleTest"),
            std::string::npos);
  EXPECT_NE(denied_reference("_ZNSt14basic_ofstreamIcSt11char_traitsIcEEC1EPKcSt13_Ios_Openmode").find("opens files"),
            std::string::npos);
  EXPECT_EQ(denied_reference("memcpy"), "");
  EXPECT_EQ(denied_reference("getenv"), "");  // allowed: the seed is no secret from code that runs (docs say so)
}

TEST(Untrusted, ArchiveCheckAllowsIostreamAndRefusesOtherStaticInitializersAndSyscalls) {
  const auto clean = check_student_archive(
      student_archive("clean", "#include <iostream>\n#include <vector>\nnamespace lab::student {\n"
                               "float f(float x) { std::vector<float> v{x}; std::cout << x; return v[0]; }\n"
                               "static float helper(float x) { return x * 2; }\nfloat g(float x) { return helper(x); }\n}\n"),
      {});
  EXPECT_TRUE(clean.ran);
  EXPECT_TRUE(clean.problems.empty()) << joined(clean);

  const auto ctor = check_student_archive(
      student_archive("ctor", "#include <cstdio>\n__attribute__((constructor)) static void hello() { std::puts(\"x\"); }\n"
                              "namespace lab::student { float f(float x) { return x; } }\nint counter;\n"),
      {});
  EXPECT_NE(joined(ctor).find("static initializer that uses puts"), std::string::npos) << joined(ctor);
  EXPECT_NE(joined(ctor).find("defines 'counter'"), std::string::npos) << joined(ctor);

  const auto raw = check_student_archive(
      student_archive("raw", "namespace lab::student { long f(long n) { long r; asm volatile(\"syscall\" : \"=a\"(r) : \"a\"(60), \"D\"(n)); return r; } }\n"),
      {});
  EXPECT_NE(joined(raw).find("raw system call"), std::string::npos) << joined(raw);

  // What the reference itself calls is the instructor's choice, and allowed.
  const auto exits = student_archive("exit", "#include <cstdlib>\nnamespace lab::student { void f() { std::exit(0); } }\n");
  EXPECT_NE(joined(check_student_archive(exits, {})).find("calls exit()"), std::string::npos);
  Harness reference_exits;
  reference_exits.sanctioned_calls = {"exit"};
  EXPECT_TRUE(check_student_archive(exits, reference_exits).problems.empty());
}

// A weak definition named like a library's function (the C library's fputs,
// or a std symbol by an asm label) would replace it in the whole program.
TEST(Untrusted, AWeakDefinitionMayNotReplaceALibrarysUnlessTheTestsDefineItFirst) {
  const auto weak = student_archive("weak", "#include <cstdio>\nextern \"C\" __attribute__((weak)) int fputs(const char*, std::FILE*) { return 0; }\n"
                                            "namespace lab::student { float f(float x) { return x; } }\n");
  Harness libc;
  libc.library_defs = {"fputs"};
  EXPECT_NE(joined(check_student_archive(weak, libc)).find("redefines 'fputs', which the program's libraries define"),
            std::string::npos) << joined(check_student_archive(weak, libc));
  libc.test_object_defs = {"fputs"};  // the test objects' copy comes first: the student's is never used
  EXPECT_TRUE(check_student_archive(weak, libc).problems.empty()) << joined(check_student_archive(weak, libc));
  EXPECT_TRUE(check_student_archive(weak, {}).problems.empty()) << "nothing else defines it: only student code calls it";
}

// A starter's LABKIT_TODO throws labkit::NotImplemented, so its object holds a
// weak copy of that type's typeinfo, which the lab's libraries may define
// too (tiny-nn's framework does, its tests do not): that copy is no
// replacement of anything, and the starter or a half-solved lab is graded,
// not rejected. A weak function of the same libraries still is.
TEST(Untrusted, AWeakTypeinfoCopyIsNotARedefinition) {
  const auto thrower = student_archive("typeinfo", "namespace labkit { struct NotImplemented { virtual ~NotImplemented(); }; }\n"
                                                   "namespace lab::student { void f() { throw labkit::NotImplemented(); } }\n");
  Harness framework;
  framework.library_defs = {"_ZTIN6labkit14NotImplementedE", "_ZTSN6labkit14NotImplementedE"};
  EXPECT_TRUE(check_student_archive(thrower, framework).problems.empty()) << joined(check_student_archive(thrower, framework));

  const auto inline_fn = student_archive("inline", "namespace labkit { [[gnu::noinline]] inline int answer() { return 7; } }\n"
                                                   "namespace lab::student { int f() { return labkit::answer(); } }\n");
  Harness defines_answer;
  defines_answer.library_defs = {"_ZN6labkit6answerEv"};
  EXPECT_NE(joined(check_student_archive(inline_fn, defines_answer)).find("redefines 'labkit::answer()'"), std::string::npos)
      << joined(check_student_archive(inline_fn, defines_answer));
}

// std::to_string(int) in student code (a LABKIT_TODO message, a helper)
// emits libstdc++'s digit table, a unique global the framework's libraries
// define too: an instantiation of the C++ library, not a replacement.
TEST(Untrusted, ALocalStaticOfAStandardTemplateIsNotARedefinition) {
  const auto digits = student_archive("digits", "#include <string>\n"
                                                "namespace lab::student { std::string f(int x) { return std::to_string(x); } }\n");
  Harness framework;
  framework.library_defs = {"_ZZNSt8__detail18__to_chars_10_implIjEEvPcjT_E8__digits"};
  EXPECT_TRUE(check_student_archive(digits, framework).problems.empty()) << joined(check_student_archive(digits, framework));
  // A local static of the lab's own functions is no such instantiation.
  const auto local = student_archive("local", "namespace labkit { [[gnu::noinline]] inline int* counter() { static int n; return &n; } }\n"
                                              "namespace lab::student { int f() { return ++*labkit::counter(); } }\n");
  Harness defines_counter;
  defines_counter.library_defs = {"_ZZN6labkit7counterEvE1n"};
  EXPECT_NE(joined(check_student_archive(local, defines_counter)).find("redefines"), std::string::npos)
      << joined(check_student_archive(local, defines_counter));
}

// A function-local static of an inline function of the lab's own header
// (collectives::scratch<T>()::buffer and its guard variable): the reference
// archive emits the same copy, and the starter, which calls the function,
// is graded, not rejected (every collectives starter was). The lab's
// namespace comes from the reference's symbols; labkit's statics stay
// refused even when the reference emits them too.
TEST(Untrusted, ALocalStaticOfTheLabsOwnHeaderIsNotARedefinition) {
  const auto starter = student_archive(
      "lab-static",
      "#include <cstddef>\n#include <vector>\n"
      "namespace lab { template <class T> T* scratch(std::size_t n) { thread_local std::vector<T> b; if (b.size() < n) b.resize(n); return b.data(); } }\n"
      "namespace labkit { [[gnu::noinline]] inline int* counter() { static int n; return &n; } }\n"
      "namespace lab::student { float f(std::size_t n) { return *lab::scratch<float>(n) + static_cast<float>(*labkit::counter()); } }\n");
  const std::set<std::string> statics = {"_ZZN3lab7scratchIfEEPT_mE1b", "_ZGVZN3lab7scratchIfEEPT_mE1b", "_ZZN6labkit7counterEvE1n"};
  Harness h;
  h.library_defs = statics;
  // The reference archive defines the lab's statics and a function of lab::reference.
  h.reference_defs = statics;
  h.reference_defs.insert("_ZN3lab9reference1fEm");
  const std::string problems = joined(check_student_archive(starter, h));
  EXPECT_EQ(problems.find("lab::scratch"), std::string::npos) << problems;
  EXPECT_NE(problems.find("redefines 'labkit::counter()::n'"), std::string::npos) << problems;
  // Without the reference's copy it is a redefinition like any other.
  h.reference_defs = {"_ZN3lab9reference1fEm"};
  EXPECT_NE(joined(check_student_archive(starter, h)).find("redefines 'lab::scratch<float>(unsigned long)::b'"), std::string::npos)
      << joined(check_student_archive(starter, h));
  // Nor does a student namespace under labkit make labkit the lab's.
  const auto posing = student_archive("posing", "namespace labkit { [[gnu::noinline]] inline int* counter() { static int n; return &n; } }\n"
                                                "namespace labkit::student { int f() { return ++*labkit::counter(); } }\n");
  h.library_defs = h.reference_defs = {"_ZZN6labkit7counterEvE1n"};
  EXPECT_NE(joined(check_student_archive(posing, h)).find("redefines 'labkit::counter()::n'"), std::string::npos)
      << joined(check_student_archive(posing, h));
}

// The same header function, not inlined: the student's object holds a weak
// copy of lab::scratch<float> that the libraries define too. It is the
// reference's code, byte for byte, so the copy is allowed (the reference's
// own collectives.cpp, graded as a student's, was rejected for it); a
// function of that name with other code is still a redefinition.
TEST(Untrusted, AWeakCopyOfTheLabsHeaderFunctionMustBeTheReferencesCode) {
  const std::string header =
      "#include <cstddef>\n#include <vector>\n"
      "namespace lab { template <class T> [[gnu::noinline]] T* scratch(std::size_t n) { thread_local std::vector<T> b; if (b.size() < n) b.resize(n); return b.data(); } }\n";
  const auto reference = student_archive("header-fn-reference", header + "namespace lab::reference { float f(std::size_t n) { return *lab::scratch<float>(n); } }\n");
  const auto solution = student_archive("header-fn-solution", header + "namespace lab::student { float f(std::size_t n) { return 2 * *lab::scratch<float>(n); } }\n");
  const auto impostor = student_archive(
      "header-fn-impostor",
      "#include <cstddef>\nnamespace lab { template <class T> [[gnu::noipa]] T* scratch(std::size_t n) { static T spare[8]; return spare + n % 8; } }\n"
      "namespace lab::student { float f(std::size_t n) { return *lab::scratch<float>(n); } }\n");
  // The reference archive as the grader reads it (what it defines and calls);
  // the test program's libraries define the header's function and static.
  Harness h = read_harness(reference, scratch("header-fn-no-tests"), scratch("header-fn-no-program") / "none");
  ASSERT_TRUE(h.reference_defs.count("_ZN3lab7scratchIfEEPT_m")) << "the reference's copy is not inlined";
  h.library_defs = {"_ZN3lab7scratchIfEEPT_m", "_ZZN3lab7scratchIfEEPT_mE1b", "_ZGVZN3lab7scratchIfEEPT_mE1b"};
  EXPECT_TRUE(check_student_archive(solution, h).problems.empty()) << joined(check_student_archive(solution, h));
  EXPECT_NE(joined(check_student_archive(impostor, h)).find("redefines 'float* lab::scratch<float>(unsigned long)'"), std::string::npos)
      << joined(check_student_archive(impostor, h));

  // A reference archive whose files were compiled with other flags holds
  // copies that differ; the student's may match any of them. Here the
  // first member is built at -O1 and the second as the solution is (-O2).
  const auto dir = scratch("header-fn-two-copies");
  std::ofstream(dir / "r.cpp") << header << "namespace lab::reference { float f(std::size_t n) { return *lab::scratch<float>(n); } }\n";
  std::ofstream(dir / "s.cpp") << header << "namespace lab::reference { float g(std::size_t n) { return 3 * *lab::scratch<float>(n); } }\n";
  const auto built = run_process({"sh", "-c", "cd '" + dir.string() + "' && g++ -std=c++20 -O1 -c r.cpp -o r.o && "
                                  "g++ -std=c++20 -O2 -c s.cpp -o s.o && ar rcs libx_reference.a r.o s.o"});
  ASSERT_TRUE(built.ok()) << built.output;
  h.reference_archive = dir / "libx_reference.a";
  EXPECT_TRUE(check_student_archive(solution, h).problems.empty()) << joined(check_student_archive(solution, h));
  EXPECT_FALSE(check_student_archive(impostor, h).problems.empty());
}

// nvcc registers a .cu file's kernels from a static initializer of its own:
// allowed, as long as it only registers (takes addresses) and calls no one else.
TEST(Untrusted, CudaKernelRegistrationIsTheOnlyOtherStaticInitializerAllowed) {
  const std::string cuda = "_ZL24__sti____cudaRegisterAllv";
  EXPECT_TRUE(allowed_in_initializer(cuda, "R_X86_64_PLT32", "__cudaRegisterFunction"));
  EXPECT_TRUE(allowed_in_initializer(cuda, "R_X86_64_PLT32", "atexit"));
  EXPECT_TRUE(allowed_in_initializer(cuda, "R_X86_64_PC32", ".nvFatBinSegment"));
  EXPECT_TRUE(allowed_in_initializer(cuda, "R_X86_64_PC32", "_ZN12cuda_kernels7student6reduceEPKfiPf"));
  EXPECT_FALSE(allowed_in_initializer(cuda, "R_X86_64_PLT32", "_ZN12cuda_kernels7student6reduceEPKfiPf"))
      << "calling student code from the registration is running it before the tests";
  EXPECT_FALSE(allowed_in_initializer(cuda, "R_X86_64_PLT32", "puts"));
  EXPECT_FALSE(allowed_in_initializer("_GLOBAL__sub_I_x.cpp", "R_X86_64_PLT32", "__cudaRegisterFunction"));
  EXPECT_TRUE(allowed_in_initializer("_GLOBAL__sub_I_x.cpp", "R_X86_64_PLT32", "_ZNSt8ios_base4InitC1Ev"));
}

TEST(Untrusted, HdlSystemTasksThatRunCommandsOrTouchFilesAreRefused) {
  const auto dir = scratch("hdl");
  std::ofstream(dir / "pe.sv") << "module pe(input logic clk);\n  initial $system(\"touch /tmp/x\");\nendmodule\n";
  std::ofstream(dir / "ok.sv") << "module ok(input logic clk);\n  always_ff @(posedge clk) $display(\"tick\");\nendmodule\n";
  const auto problems = check_hdl_sources(dir);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("pe.sv:2: uses $system"), std::string::npos) << problems[0];
}

// Every way Verilator lets RTL put C++ into the model, or read a file from
// outside the lab, is refused; the ordinary system functions that share a
// prefix are not.
TEST(Untrusted, HdlEveryRouteToCppOrOutsideFilesIsRefused) {
  const auto dir = scratch("hdl-routes");
  std::ofstream(dir / "bad.sv") << "module bad(input logic clk);\n"
                                   "  initial $c32(\"system(\\\"id\\\")\");\n"
                                   "`systemc_implementation\n"
                                   "`define X(n) $``n\n"
                                   "`include \"/etc/passwd\"\n"
                                   "`include \"../../secret.svh\"\n"
                                   "endmodule\n";
  std::ofstream(dir / "fine.sv") << "module fine(input logic [7:0] a, output logic [3:0] b);\n"
                                    "  assign b = $clog2(a) + $countones(a) + $bits(a);\n"
                                    "  initial assert ($cast(b, a)) else $error(\"x\");\n"
                                    "`include \"fine_defs.svh\"\n"
                                    "endmodule\n";
  const auto problems = check_hdl_sources(dir);
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  ASSERT_EQ(problems.size(), 5u) << all;
  for (const char* line : {"bad.sv:2:", "bad.sv:3:", "bad.sv:4:", "bad.sv:5:", "bad.sv:6:"})
    EXPECT_NE(all.find(line), std::string::npos) << line << " not refused:\n" << all;
  EXPECT_EQ(all.find("fine.sv"), std::string::npos) << all;
}

TEST(Untrusted, OnlyTheVerilatedStudentModelsObjectsAreLeftToTheSourceCheck) {
  EXPECT_TRUE(is_verilated_model_object("Vfifo_student__unity.cpp.o"));
  EXPECT_TRUE(is_verilated_model_object("/tmp/build/Valu_student___024root__DepSet_h1__0.cpp.o"));
  EXPECT_FALSE(is_verilated_model_object("os_accounting.cpp.o"));
  EXPECT_FALSE(is_verilated_model_object("Vfifo_reference__unity.cpp.o"));
  EXPECT_FALSE(is_verilated_model_object("vector_student.cpp.o"));
}

// The operating-system layer under the checks: as root, student processes
// run as nobody, so the course tree and the grader's outputs are read-only.
TEST(Untrusted, SandboxedChildCannotWriteTheGradersFilesButItsPrivateFolder) {
  const auto box = make_sandbox();
  const auto work = scratch("work");
  if (geteuid() != 0) {  // the namespace path, tested below
    EXPECT_TRUE(box.filesystem.find("not isolated") != std::string::npos ||
                box.filesystem.find("mount namespaces") != std::string::npos)
        << box.filesystem;
    return;
  }
  ASSERT_TRUE(box.base.run_as_uid.has_value()) << box.filesystem;
  const auto course = scratch("course");  // root's, mode 0755 like a checkout
  chmod(course.c_str(), 0755);
  const auto priv = private_folder(work, box);
  RunOptions o = box.base;
  o.cwd = priv;
  auto r = run_process({"sh", "-c", "echo pwned > '" + (course / "f").string() + "'"}, o);
  EXPECT_FALSE(r.ok()) << r.output;
  EXPECT_FALSE(fs::exists(course / "f"));
  r = run_process({"sh", "-c", "id -u; echo mine > report.json"}, o);
  EXPECT_TRUE(r.ok()) << r.output;
  EXPECT_EQ(r.output.substr(0, r.output.find('\n')), std::to_string(*box.base.run_as_uid));
  EXPECT_TRUE(take_report(priv / "report.json", work / "copied.json"));
  // A link the child plants is never followed by the grader.
  r = run_process({"ln", "-s", "/etc/hostname", "link.json"}, o);
  EXPECT_FALSE(take_report(priv / "link.json", work / "link.json"));
  EXPECT_FALSE(fs::exists(work / "link.json"));
}

// The grader without root (Slurm, a laptop): a user and mount namespace makes
// the protected folders read-only, the private folder writable, and the
// network absent. Taken even as root here, so CI tests it.
TEST(Untrusted, WithoutRootProtectedFoldersAreReadOnlyInAMountNamespace) {
  const auto course = scratch("ns-course");
  const auto results = scratch("ns-results");
  const auto work = scratch("ns-work");
  fs::create_directories(results / "other-student");
  std::ofstream(results / "other-student" / "grade.json") << "{\"score\": 1}";
  const auto box = make_sandbox({course, results, work}, /*unprivileged=*/true);
  if (box.prefix.empty() || box.filesystem.find("mount namespaces") == std::string::npos) {
    // The system refuses unprivileged namespaces: grade.json must say so.
    EXPECT_NE(box.filesystem.find("not isolated"), std::string::npos) << box.filesystem;
    GTEST_SKIP() << "no user and mount namespaces here: " << box.filesystem;
  }
  EXPECT_NE(box.filesystem.find(fs::canonical(results).string()), std::string::npos) << box.filesystem;
  const auto priv = private_folder(work, box);  // inside a read-only folder, writable again
  auto run = [&](const std::string& script) {
    std::vector<std::string> argv = box.prefix;
    for (auto& a : argv)
      if (a == "@PRIVATE@") a = priv.string();
    argv.insert(argv.end(), {"sh", "-c", script});
    RunOptions o = box.base;
    o.cwd = priv;
    return run_process(argv, o);
  };
  EXPECT_FALSE(run("echo pwned > '" + (course / "f").string() + "'").ok());
  EXPECT_FALSE(run("echo '{\"score\": 100}' > '" + (results / "other-student" / "grade.json").string() + "'").ok());
  EXPECT_FALSE(run("touch '" + (work / "planted").string() + "'").ok());
  EXPECT_FALSE(fs::exists(course / "f"));
  EXPECT_FALSE(fs::exists(work / "planted"));
  std::ifstream in(results / "other-student" / "grade.json");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "{\"score\": 1}");
  const auto r = run("echo mine > report.json");
  EXPECT_TRUE(r.ok()) << r.output;
  EXPECT_TRUE(take_report(priv / "report.json", work / "copied.json"));
}

namespace {

labkit::TestResult result(bool passed, bool skipped = false, const std::string& message = "") {
  labkit::TestResult r;
  r.passed = passed;
  r.skipped = skipped;
  r.message = message;
  return r;
}

}  // namespace

// The runtime rules behind the object checks: what the report may claim.
TEST(Untrusted, ASkipCountsOnlyWhenTheReferenceSkipsTheSameTestForTheSameReason) {
  const std::vector<std::string> names = {"Dot.A", "Dot.B", "Dot.C", "Saxpy.A"};
  const std::map<std::string, labkit::TestResult> reported = {
      {"Dot.A", result(true)}, {"Dot.B", result(false, true, "no CUDA device")}, {"Dot.C", result(false, true, "no CUDA device")}};
  // Dot.B: the reference skips it here too, with the same message; Dot.C: it does not.
  const auto v = judge_test_task("Dot.*", names, names, reported, {{"Dot.B", "no CUDA device"}});
  EXPECT_EQ(v.total, 3);
  EXPECT_EQ(v.passed, 2);
  EXPECT_NE(v.failed_list.find("Dot.C: skipped (no CUDA device), and the reference build does not skip it"), std::string::npos)
      << v.failed_list;
  EXPECT_TRUE(v.list_diff.empty());
  // Same test, another reason: a failure.
  EXPECT_EQ(judge_test_task("Dot.B", names, names, reported, {{"Dot.B", "needs AVX-512"}}).passed, 0);
}

TEST(Untrusted, ATestMissingFromTheReportFailsAndAListThatDiffersIsReported) {
  const std::vector<std::string> expected = {"Dot.A", "Dot.B"};
  // The process ended before Dot.B: its report has only Dot.A.
  const auto early = judge_test_task("Dot.*", expected, expected, {{"Dot.A", result(true)}}, {});
  EXPECT_EQ(early.passed, 1);
  EXPECT_NE(early.failed_list.find("Dot.B: not run"), std::string::npos) << early.failed_list;
  // Extra tests matching a wildcard, and one of record missing from the graded build.
  const auto padded = judge_test_task("Dot.*", expected, {"Dot.A", "Dot.Padding"},
                                      {{"Dot.A", result(true)}, {"Dot.Padding", result(true)}}, {});
  EXPECT_NE(padded.list_diff.find("Dot.Padding: not in the grader's reference build"), std::string::npos) << padded.list_diff;
  EXPECT_NE(padded.list_diff.find("Dot.B: missing from the graded build"), std::string::npos) << padded.list_diff;
  // Negative patterns and '?' follow GoogleTest's syntax.
  EXPECT_EQ(judge_test_task("Dot.?-Dot.B", expected, expected, {{"Dot.A", result(true)}}, {}).total, 1);
}

TEST(Untrusted, ReadsTheHeadersGccOpenedFromItsHOutput) {
  const std::string out =
      ". /usr/include/c++/12/vector\n"
      ".. /usr/include/c++/12/bits/stl_algobase.h\n"
      "x.cpp:3:10: error: 'foo' was not declared\n"
      "    3 | . not a header\n"
      "Multiple include guards may be useful for:\n"
      "/usr/include/x86_64-linux-gnu/bits/foo.h\n"
      "... ../reference/os_accounting.cpp\n";
  const auto h = labctl::headers_opened(out);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0], "/usr/include/c++/12/vector");
  EXPECT_EQ(h[1], "/usr/include/c++/12/bits/stl_algobase.h");
  EXPECT_EQ(h[2], "../reference/os_accounting.cpp");
}

TEST(Untrusted, SearchFoldersAreTheCommandsAndTheCompilersOwn) {
  const auto dirs = labctl::search_folders(
      {"c++", "-I/course/lab/include", "-I", "rel/inc", "-isystem", "/deps/gtest", "-isystem=/cuda/include", "-DX=1",
       "-iquote/q", "-o", "x.o", "-c", "x.cpp"},
      "/build");
  auto has = [&](const fs::path& d) { return std::find(dirs.begin(), dirs.end(), d) != dirs.end(); };
  EXPECT_TRUE(has("/course/lab/include"));
  EXPECT_TRUE(has("/build/rel/inc"));
  EXPECT_TRUE(has("/deps/gtest"));
  EXPECT_TRUE(has("/cuda/include"));
  EXPECT_TRUE(has("/q"));
  EXPECT_FALSE(has("/build/x.o"));
  EXPECT_TRUE(has("/usr/include")) << "the compiler's own folders (c++ -E -v)";
}

TEST(Untrusted, StringsThatWouldHandTheAssemblerAFileAreRefused) {
  // Ordinary code and the asm labels and barriers of system headers and labkit.
  EXPECT_TRUE(labctl::denied_directives("# 1 \"x.cpp\"\nextern int f() __asm__ (\"\" \"__isoc99_fscanf\");\n"
                                        "asm volatile(\"\" : : \"r,m\"(v) : \"memory\");\nconst char* s = \"see the include/ folder\";\n"
                                        "char q = '\"'; const char* t = \"a .incbin\\\"\";\n")
                  .size() == 1)
      << "only the last string holds one";
  EXPECT_TRUE(labctl::denied_directives("int x; const char* s = \"includes\"; auto c = '\"';\n").empty());
  EXPECT_EQ(labctl::denied_directives("asm(\".incbin \\\"/etc/passwd\\\"\");"), std::vector<std::string>{".incbin"});
  // Joined from pieces, across a line marker, as the compiler joins them.
  EXPECT_EQ(labctl::denied_directives("asm(\".section .rodata\\n.inc\"\n# 7 \"x.cpp\"\n \"bin \\\"f\\\"\");"),
            std::vector<std::string>{".incbin"});
  // Escapes: \056 and \x2e are '.'; a raw string; upper case; after ';'.
  EXPECT_EQ(labctl::denied_directives("asm(\"\\056incbin \\\"f\\\"\");"), std::vector<std::string>{".incbin"});
  EXPECT_EQ(labctl::denied_directives("asm(\"\\x2einclude \\\"f\\\"\");"), std::vector<std::string>{".include"});
  EXPECT_EQ(labctl::denied_directives("asm(R\"x(nop; .INCBIN \"f\")x\");"), std::vector<std::string>{".INCBIN"});
  // A section attribute's string reaches the assembler as well.
  EXPECT_EQ(labctl::denied_directives("int v __attribute__((section(\".data\\n.macro m\")));"),
            std::vector<std::string>{".macro"});
  const auto macros = labctl::denied_directives("asm(\".irp x,a\\n.rept 2\\n\");");
  EXPECT_EQ(macros, (std::vector<std::string>{".irp", ".rept"}));
  EXPECT_TRUE(labctl::denied_directives("const char* s = \".macroscopic\";").empty());
}
