// labctl as a user runs it: the built binary, against the real tree.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <nlohmann/json.hpp>

#include "process.hpp"

using namespace labctl;

namespace {
RunResult run_labctl(std::vector<std::string> args, const std::string& root = LABS_SOURCE_DIR) {
  args.insert(args.begin(), {LABCTL_EXE, "--root", root});
  RunOptions o;
  o.timeout_s = 600;
  o.env = {{"NO_COLOR", "1"}, {"LABS_OUT", (std::filesystem::temp_directory_path() / "labctl-cli-out").string()}};
  return run_process(args, o);
}
}  // namespace

TEST(Cli, ListJsonHasTheDocumentedFields) {
  const auto r = run_labctl({"list", "--json"});
  ASSERT_TRUE(r.ok()) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  ASSERT_TRUE(j.is_array());
  ASSERT_FALSE(j.empty());
  for (const auto& lab : j)
    for (const char* key : {"id", "title", "phase", "module", "layers", "available", "reason"})
      EXPECT_TRUE(lab.contains(key)) << key << " missing in " << lab.dump();
  bool found = false;
  for (const auto& lab : j)
    if (lab["id"] == "simd-dot") {
      found = true;
      EXPECT_TRUE(lab["available"].template get<bool>()) << lab.dump();
      EXPECT_EQ(lab["phase"], 1);
    }
  EXPECT_TRUE(found);
}

TEST(Cli, UnknownLabIsAClearError) {
  const auto r = run_labctl({"info", "no-such-lab"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown lab 'no-such-lab'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("simd-dot"), std::string::npos) << "the error should list the labs that exist";
}

TEST(Cli, MalformedManifestNamesFileLineAndFix) {
  const auto root = std::filesystem::temp_directory_path() / "labctl-cli-bad-tree";
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "phases/01-foundations/broken");
  std::ofstream(root / "phases/01-foundations/broken/lab.toml") << "id = \"broken\"\ntitle = \"B\"\nphase = [1\n";
  const auto r = run_labctl({"list"}, root.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("broken/lab.toml:3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("fix:"), std::string::npos) << r.output;
  std::filesystem::remove_all(root);
}

TEST(Cli, BadArgumentsExitWithUsage) {
  EXPECT_EQ(run_labctl({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(run_labctl({"test", "simd-dot", "--impl", "teacher"}).exit_code, 2);
}

// tools/labctl with no arguments: its own commands (grade among them), no
// line of the script itself, and usage lines naming tools/labctl.
TEST(Cli, WrapperHelpListsItsCommandsAndNamesItself) {
  RunOptions o;
  o.timeout_s = 60;
  const auto r = run_process({"bash", std::string(LABS_SOURCE_DIR) + "/tools/labctl"}, o);
  ASSERT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("tools/labctl grade --track"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("tools/labctl test LAB"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("set -euo"), std::string::npos) << "a script line leaked into the help:\n" << r.output;
  EXPECT_EQ(r.output.find("bin/labctl ["), std::string::npos) << "usage must not name the build folder:\n" << r.output;
}

TEST(Cli, UsageNamesTheProgramTheWrapperGives) {
  RunOptions o;
  o.env = {{"LABCTL_PROGRAM", "tools/labctl"}};
  const auto r = run_process({LABCTL_EXE, "info", "--help"}, o);
  ASSERT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("Usage: tools/labctl info"), std::string::npos) << r.output;
}

TEST(Cli, InfoShowsTargetsAndFiles) {
  const auto r = run_labctl({"info", "simd-dot"});
  ASSERT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("phases/01-foundations/simd-dot/student"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("targets"), std::string::npos);
  // Each target with the grading marks of its task (lab.toml: full = 8.0, zero = 1.5, 20 points).
  EXPECT_NE(r.output.find(">= 8.00x  0 pts at 1.50x, full 20 pts at 8.00x"), std::string::npos) << r.output;
  const auto sgemm = run_labctl({"info", "sgemm"});
  EXPECT_NE(sgemm.output.find("reference only"), std::string::npos) << sgemm.output;
}

TEST(Cli, TestReferencePassesAndStarterFailsAtATodo) {
  const auto ref = run_labctl({"test", "simd-dot", "--impl", "reference"});
  EXPECT_TRUE(ref.ok()) << ref.output;
  const auto stu = run_labctl({"test", "simd-dot"});
  EXPECT_EQ(stu.exit_code, 1);
  // A summary, not GoogleTest's ~500 lines: one line per TODO, the place to
  // edit from the repository root, and where the full output went.
  EXPECT_LT(std::count(stu.output.begin(), stu.output.end(), '\n'), 12) << stu.output;
  EXPECT_TRUE(std::regex_search(stu.output, std::regex(R"(\n  phases/01-foundations/simd-dot/student/simd_dot\.cpp:\d+: TODO\(1\): )")))
      << stu.output;
  EXPECT_EQ(stu.output.find("../"), std::string::npos) << stu.output;
  const auto log = std::filesystem::temp_directory_path() / "labctl-cli-out/simd-dot/tests-student.log";
  EXPECT_NE(stu.output.find("the full output is in " + log.string()), std::string::npos) << stu.output;
  std::ifstream in(log);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("[  FAILED  ] Dot.AliasedSaxpyDoublesAVector"), std::string::npos) << "the log holds every test";
}

TEST(Cli, NewScaffoldsACompleteLab) {
  const auto root = std::filesystem::temp_directory_path() / "labctl-cli-new-tree";
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "phases");
  std::filesystem::create_directories(root / "tools/templates");
  std::filesystem::copy(std::filesystem::path(LABS_SOURCE_DIR) / "tools/templates/lab", root / "tools/templates/lab",
                        std::filesystem::copy_options::recursive);
  const auto r = run_labctl({"new", "my-kernel", "--phase", "2", "--title", "My kernel"}, root.string());
  ASSERT_TRUE(r.ok()) << r.output;
  const auto lab = root / "phases/02-architecture/my-kernel";
  for (const char* f : {"lab.toml", "CMakeLists.txt", "README.md", "include/my_kernel.hpp", "reference/my_kernel.cpp",
                        "student/my_kernel.cpp", "tests/test_my_kernel.cpp", "tests/hidden/test_my_kernel_hidden.cpp",
                        "bench/bench_my_kernel.cpp"}) {
    ASSERT_TRUE(std::filesystem::exists(lab / f)) << f;
    std::ifstream in(lab / f);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.find("@ID@"), std::string::npos) << f << " still has a placeholder";
    EXPECT_EQ(text.find("@NS@"), std::string::npos) << f << " still has a placeholder";
  }
  // The new manifest is valid, and a second `new` with the same id is refused.
  EXPECT_TRUE(run_labctl({"info", "my-kernel"}, root.string()).ok());
  EXPECT_EQ(run_labctl({"new", "my-kernel", "--phase", "2"}, root.string()).exit_code, 2);
  EXPECT_EQ(run_labctl({"new", "Bad_Name", "--phase", "2"}, root.string()).exit_code, 2);
  std::filesystem::remove_all(root);
}

TEST(Cli, ResetRestoresTheStarterAndKeepsTheWorkInAGitStash) {
  namespace fs = std::filesystem;
  const auto root = fs::temp_directory_path() / "labctl-cli-reset-tree";
  fs::remove_all(root);
  fs::create_directories(root / "phases/01-foundations");
  fs::copy(fs::path(LABS_SOURCE_DIR) / "phases/01-foundations/simd-dot", root / "phases/01-foundations/simd-dot",
           fs::copy_options::recursive);
  auto sh = [&](const std::string& command) { return run_process({"sh", "-c", "cd '" + root.string() + "' && " + command}); };
  ASSERT_TRUE(sh("git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm starter").ok());
  const auto student = root / "phases/01-foundations/simd-dot/student/simd_dot.cpp";
  auto read = [](const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  const std::string original = read(student);
  EXPECT_NE(run_labctl({"reset", "simd-dot"}, root.string()).output.find("already the starter"), std::string::npos);

  std::ofstream(student) << "// my work in progress\n";
  std::ofstream(student.parent_path() / "notes.txt") << "scratch\n";
  const auto r = run_labctl({"reset", "simd-dot"}, root.string());
  ASSERT_TRUE(r.ok()) << r.output;
  EXPECT_EQ(read(student), original);
  EXPECT_FALSE(fs::exists(student.parent_path() / "notes.txt")) << "files the learner added are removed from student/";

  // The output says how to get the work back; that command works even after
  // `git clean -fdx`, which deletes everything git ignores (out/ included).
  const auto at = r.output.find("git stash apply ");
  ASSERT_NE(at, std::string::npos) << r.output;
  const std::string apply = r.output.substr(at, r.output.find('\n', at) - at);
  const auto applied = sh("git clean -fdxq && " + apply);
  ASSERT_TRUE(applied.ok()) << apply << "\n" << applied.output;
  EXPECT_EQ(read(student), "// my work in progress\n");
  EXPECT_EQ(read(student.parent_path() / "notes.txt"), "scratch\n");
  fs::remove_all(root);
}

// labctl handout refuses, before writing anything, a folder inside the
// course (the handout's files would mix with the answer key's) and a folder
// it would overwrite.
TEST(Cli, HandoutRefusesAFolderInsideTheCourseAndAnOccupiedFolder) {
  const auto out = std::filesystem::temp_directory_path() / "labctl-cli-handout";
  std::filesystem::remove_all(out);
  const auto inside_path = std::filesystem::path(LABS_SOURCE_DIR) / "handout-cli-test";
  const auto inside = run_labctl({"handout", "--track", std::string(LABS_SOURCE_DIR) + "/labs/tracks/chip-design.toml",
                                  "--out", inside_path.string()});
  EXPECT_EQ(inside.exit_code, 2) << inside.output;
  EXPECT_NE(inside.output.find("is inside the course repository"), std::string::npos) << inside.output;
  EXPECT_FALSE(std::filesystem::exists(inside_path)) << "a refused handout wrote files";

  std::filesystem::create_directories(out);
  std::ofstream(out / "notes.txt") << "mine\n";
  const auto occupied = run_labctl({"handout", "--track", std::string(LABS_SOURCE_DIR) + "/labs/tracks/software-ml.toml",
                                    "--out", out.string()});
  EXPECT_EQ(occupied.exit_code, 2) << occupied.output;
  EXPECT_NE(occupied.output.find("exists and is not empty"), std::string::npos) << occupied.output;
  EXPECT_EQ(run_labctl({"handout"}).exit_code, 2);  // neither --track nor --check
  std::filesystem::remove_all(out);
}

// `run LAB` rebuilds out/report.md and junit.xml from every lab's
// results.json, so running one lab keeps what an earlier run of another
// wrote; results from another machine or build are named and left out.
TEST(Cli, RunKeepsEarlierLabsInTheReport) {
  namespace fs = std::filesystem;
  const auto out = fs::temp_directory_path() / "labctl-cli-report-out";
  fs::remove_all(out);
  auto run = [&] {
    RunOptions o;
    o.timeout_s = 600;
    o.env = {{"NO_COLOR", "1"}, {"LABS_OUT", out.string()}};
    return run_process({LABCTL_EXE, "--root", LABS_SOURCE_DIR, "run", "hdl-alu", "--quick"}, o);
  };
  const auto first = run();  // the student's starter fails its tests: exit 0 (only reference problems fail a run)
  ASSERT_TRUE(first.ok()) << first.output;
  // Two earlier runs, faked from this one: hdl-crc on this machine, hdl-fifo on another.
  std::ifstream in(out / "hdl-alu/results.json");
  auto j = nlohmann::json::parse(in);
  j["lab"] = "hdl-crc";
  j["title"] = "an earlier run of hdl-crc";
  fs::create_directories(out / "hdl-crc");
  std::ofstream(out / "hdl-crc/results.json") << j.dump();
  j["lab"] = "hdl-fifo";
  j["machine"]["fingerprint"] = "another-machine";
  fs::create_directories(out / "hdl-fifo");
  std::ofstream(out / "hdl-fifo/results.json") << j.dump();

  const auto second = run();
  ASSERT_TRUE(second.ok()) << second.output;
  auto read = [](const fs::path& p) {
    std::ifstream f(p);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  };
  const std::string report = read(out / "report.md"), junit = read(out / "junit.xml");
  EXPECT_NE(report.find("## hdl-alu:"), std::string::npos) << report;
  EXPECT_NE(report.find("## hdl-crc: an earlier run of hdl-crc"), std::string::npos) << report;
  EXPECT_NE(report.find("Carried over from earlier runs on this machine (their out/<lab>/results.json): hdl-crc."),
            std::string::npos) << report;
  EXPECT_EQ(report.find("## hdl-fifo:"), std::string::npos) << "measured elsewhere: left out\n" << report;
  EXPECT_NE(report.find("Left out, measured on another machine or build: hdl-fifo"), std::string::npos) << report;
  EXPECT_NE(junit.find("<testsuite name=\"hdl-crc\""), std::string::npos) << junit;
  fs::remove_all(out);
}

// labctl wave on hdl-fifo's untouched starter, which fails from its first
// checked cycle: the table is centred on that cycle, read from the waveform
// of the failing test the replay wrote.
TEST(Cli, WaveShowsTheFirstFailureOfTheFifoStarter) {
  if (!std::filesystem::exists(std::filesystem::path(LABCTL_EXE).parent_path() / "hdl-fifo_test_student"))
    GTEST_SKIP() << "hdl-fifo is not built here (no Verilator)";
  const auto r = run_labctl({"wave", "hdl-fifo", "--window", "2", "--signals", "rst,count,empty"});
  ASSERT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("failed first at cycle 2: empty = 0, expected 1 (after reset)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cycle  0  1  *2\nrst    1  1   1\ncount  0  0   0\nempty  0  0   0\n"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("gtkwave "), std::string::npos) << r.output;
}
