// labctl as a user runs it: the built binary, against the real tree.
#include <gtest/gtest.h>

#include <fstream>
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

TEST(Cli, InfoShowsTargetsAndFiles) {
  const auto r = run_labctl({"info", "simd-dot"});
  ASSERT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("phases/01-foundations/simd-dot/student"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("targets"), std::string::npos);
}

TEST(Cli, TestReferencePassesAndStarterFailsAtATodo) {
  const auto ref = run_labctl({"test", "simd-dot", "--impl", "reference"});
  EXPECT_TRUE(ref.ok()) << ref.output;
  const auto stu = run_labctl({"test", "simd-dot"});
  EXPECT_EQ(stu.exit_code, 1);
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
                        "student/my_kernel.cpp", "tests/test_my_kernel.cpp", "bench/bench_my_kernel.cpp"}) {
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

TEST(Cli, ResetRestoresTheStarterAndKeepsABackup) {
  namespace fs = std::filesystem;
  const auto root = fs::temp_directory_path() / "labctl-cli-reset-tree";
  const auto out = fs::temp_directory_path() / "labctl-cli-out";
  fs::remove_all(root);
  fs::create_directories(root / "phases/01-foundations");
  fs::copy(fs::path(LABS_SOURCE_DIR) / "phases/01-foundations/simd-dot", root / "phases/01-foundations/simd-dot",
           fs::copy_options::recursive);
  ASSERT_TRUE(run_process({"sh", "-c", "cd '" + root.string() +
                                           "' && git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm starter"})
                  .ok());
  const auto student = root / "phases/01-foundations/simd-dot/student/simd_dot.cpp";
  std::ifstream in(student);
  const std::string original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(student) << "// my work in progress\n";
  std::ofstream(student.parent_path() / "notes.txt") << "scratch\n";

  const auto r = run_labctl({"reset", "simd-dot"}, root.string());
  ASSERT_TRUE(r.ok()) << r.output;
  std::ifstream again(student);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>()), original);
  EXPECT_FALSE(fs::exists(student.parent_path() / "notes.txt")) << "files the learner added are removed from student/";
  bool backed_up = false;
  for (const auto& e : fs::directory_iterator(out / "simd-dot"))
    if (e.path().filename().string().rfind("student-backup-", 0) == 0) {
      std::ifstream b(e.path() / "simd_dot.cpp");
      backed_up |= std::string((std::istreambuf_iterator<char>(b)), std::istreambuf_iterator<char>()) == "// my work in progress\n";
    }
  EXPECT_TRUE(backed_up) << "the learner's files must be kept in out/simd-dot/student-backup-*";
  fs::remove_all(root);
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
