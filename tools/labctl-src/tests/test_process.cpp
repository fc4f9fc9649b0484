// The child-process runner contains crashes, hangs and memory hogs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "process.hpp"
#include "progress.hpp"

using namespace labctl;

TEST(Process, CapturesOutputAndExitCode) {
  const auto r = run_process({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.output.find("out"), std::string::npos);
  EXPECT_NE(r.output.find("err"), std::string::npos);
  EXPECT_EQ(r.describe(), "exit 3");
}

TEST(Process, TimesOutAndKillsTheWholeGroup) {
  RunOptions o;
  o.timeout_s = 0.5;
  const auto r = run_process({"sh", "-c", "sleep 30 & sleep 30"}, o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(r.seconds, 10.0);
  EXPECT_EQ(r.describe(2), "timed out after 2 s");
}

TEST(Process, ReportsACrash) {
  const auto r = run_process({"sh", "-c", "kill -SEGV $$"});
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_NE(r.describe().find("killed by signal 11"), std::string::npos) << r.describe();
}

TEST(Process, MemoryLimitStopsAHog) {
  RunOptions o;
  o.memory_limit_bytes = 64ull << 20;
  // A shell variable of 300 MB under a 64 MiB address-space limit: the shell
  // cannot allocate it and fails, instead of taking the machine's memory.
  const auto r = run_process({"sh", "-c", "x=$(head -c 300000000 /dev/zero | tr '\\0' x); echo ${#x}"}, o);
  EXPECT_FALSE(r.ok()) << r.output;
  EXPECT_EQ(r.output.find("300000000"), std::string::npos) << r.output;
}

TEST(Process, CleanEnvironmentAndExtraVariables) {
  RunOptions o;
  o.clean_env = true;
  o.env = {{"LABKIT_SEED", "7"}, {"PATH", "/usr/bin:/bin"}};
  const auto r = run_process({"/usr/bin/env"}, o);
  EXPECT_NE(r.output.find("LABKIT_SEED=7"), std::string::npos);
  EXPECT_EQ(r.output.find("HOME="), std::string::npos) << r.output;
}

TEST(Process, MissingProgramIsExit127) {
  const auto r = run_process({"/nonexistent/program"});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.output.find("cannot execute"), std::string::npos);
}

TEST(Process, StreamsOutputToACallbackAndFindsProgressLines) {
  RunOptions o;
  std::string seen, pending, detail;
  o.on_output = [&](const char* data, std::size_t n) {
    seen.append(data, n);
    if (auto d = progress_detail(pending, std::string_view(data, n))) detail = *d;
  };
  const auto r = run_process({"/bin/sh", "-c", "echo a; echo 'progress: epoch 1/2'; echo 'progress: epoch 2/2 loss 0.5'; printf tail"}, o);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(seen, r.output);
  EXPECT_EQ(detail, "epoch 2/2 loss 0.5");
  EXPECT_EQ(pending, "tail");  // an unfinished line waits for its newline
  std::string p2;
  EXPECT_FALSE(progress_detail(p2, "progress: half"));
  EXPECT_EQ(*progress_detail(p2, " done\r\n"), "half done");
}

// find_on_path: the first executable of that name along $PATH, in order;
// a file without the execute bit, or a name on no folder, is not found.
TEST(Process, FindOnPathTakesTheFirstExecutableInPathOrder) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("labctl-find-on-path-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  for (const char* sub : {"a", "b"}) fs::create_directories(dir / sub);
  auto make = [&](const fs::path& p, bool executable) {
    std::ofstream(p) << "#!/bin/sh\n";
    fs::permissions(p, executable ? fs::perms::owner_all : fs::perms::owner_read | fs::perms::owner_write);
  };
  make(dir / "a/tool", false);  // first on PATH, but not executable
  make(dir / "b/tool", true);
  make(dir / "a/other", true);
  const char* old = std::getenv("PATH");
  const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  ::setenv("PATH", ((dir / "a").string() + ":" + (dir / "b").string()).c_str(), 1);
  const auto tool = labctl::find_on_path("tool");
  const auto other = labctl::find_on_path("other");
  const auto missing = labctl::find_on_path("no-such-tool");
  if (saved) ::setenv("PATH", saved->c_str(), 1);
  else ::unsetenv("PATH");
  fs::remove_all(dir);
  ASSERT_TRUE(tool.has_value());
  EXPECT_EQ(*tool, dir / "b/tool");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(*other, dir / "a/other");
  EXPECT_FALSE(missing.has_value());
}
