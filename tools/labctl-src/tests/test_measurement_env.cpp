// One measurement environment for `labctl bench`, `run` and `grade`, and the
// rule that a target missed on a busy machine is not judged (load.hpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "commands.hpp"
#include "grade.hpp"
#include "load.hpp"
#include "process.hpp"
#include "runner.hpp"

using namespace labctl;
namespace fs = std::filesystem;

namespace {

std::map<std::string, std::string> env_map(const std::vector<std::string>& entries) {
  std::map<std::string, std::string> m;
  for (const auto& kv : entries) m[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
  return m;
}

// A learner's shell with everything that could change a measurement set to
// something else than the grader uses.
const char* const kLearnerShell[] = {"PATH=/usr/bin:/bin",       "HOME=/home/learner",  "USER=learner",
                                     "OMP_WAIT_POLICY=active",   "OMP_NUM_THREADS=1",   "OMP_PROC_BIND=close",
                                     "GOMP_SPINCOUNT=0",         "KMP_BLOCKTIME=0",     "LANG=de_DE.UTF-8",
                                     "LC_ALL=de_DE.UTF-8",       "LC_NUMERIC=de_DE",    "LABKIT_GIT_REVISION=old",
                                     nullptr};

// Variables that tune threads, locales or labkit: what a measurement depends on.
bool shapes_measurement(const std::string& name) {
  for (const char* prefix : {"OMP_", "GOMP_", "KMP_", "LC_", "LANG", "LABKIT_"})
    if (name.rfind(prefix, 0) == 0) return true;
  return false;
}

std::map<std::string, std::string> measurement_part(const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : env)
    if (shapes_measurement(k)) out[k] = v;
  return out;
}

}  // namespace

TEST(MeasurementEnv, BenchRunAndGradeGiveTheirChildrenTheSameEnvironment) {
  Context c;
  c.root = LABS_SOURCE_DIR;
  c.out_dir = fs::temp_directory_path() / "labctl-env-out";
  // `labctl bench` and `labctl run` start every test and bench through set_learner_env.
  RunOptions learner;
  set_learner_env(c, learner);
  RunOptions grader;
  set_grading_env(grader, 12345, "0123456789abcdef0123");
  auto mine = measurement_part(env_map(child_environment(learner, kLearnerShell)));
  auto graded = measurement_part(env_map(child_environment(grader, kLearnerShell)));

  // What differs by design: the seed (the grader's is fresh; a learner's own
  // LABKIT_SEED is inherited), the revision (the graded commit), and out/.
  EXPECT_EQ(graded["LABKIT_SEED"], "12345");
  EXPECT_EQ(graded["LABKIT_GIT_REVISION"], "0123456789ab");
  EXPECT_EQ(mine["LABKIT_GIT_REVISION"], c.git_revision());
  EXPECT_EQ(mine["LABKIT_OUT"], c.out_dir.string());
  for (auto* env : {&mine, &graded}) env->erase("LABKIT_SEED"), env->erase("LABKIT_GIT_REVISION"), env->erase("LABKIT_OUT");

  EXPECT_EQ(mine, graded);
  EXPECT_EQ(mine["OMP_WAIT_POLICY"], kOmpWaitPolicy);
  EXPECT_EQ(mine["LANG"], "C");
  // The learner's own thread and locale settings reach neither.
  for (const char* gone : {"OMP_NUM_THREADS", "OMP_PROC_BIND", "GOMP_SPINCOUNT", "KMP_BLOCKTIME", "LC_ALL", "LC_NUMERIC"})
    EXPECT_EQ(mine.count(gone), 0u) << gone;
  // The rest of the learner's shell is still theirs; the grader's is empty.
  const auto learner_all = env_map(child_environment(learner, kLearnerShell));
  EXPECT_EQ(learner_all.at("HOME"), "/home/learner");
  EXPECT_EQ(env_map(child_environment(grader, kLearnerShell)).count("USER"), 0u);
}

TEST(MeasurementEnv, AChildSeesTheEnvironmentChildEnvironmentBuilds) {
  RunOptions o;
  set_measurement_env(o, "rev");
  o.env["LC_PROBE"] = "kept";  // set explicitly: dropping inherited LC_* leaves it
  setenv("OMP_NUM_THREADS", "7", 1);
  const RunResult r = run_process({"sh", "-c", "echo \"[$OMP_WAIT_POLICY][$OMP_NUM_THREADS][$LANG][$LC_PROBE]\""}, o);
  unsetenv("OMP_NUM_THREADS");
  ASSERT_TRUE(r.ok()) << r.output;
  EXPECT_EQ(r.output, std::string("[") + kOmpWaitPolicy + "][][C][kept]\n");
}

// ---------------------------------------------------------------- load

namespace {

fs::path fake_proc(const std::string& name, const std::string& stat, const std::string& loadavg) {
  const fs::path dir = fs::temp_directory_path() / ("labctl-fake-proc-" + name);
  fs::create_directories(dir);
  if (!stat.empty()) std::ofstream(dir / "stat") << stat;
  else fs::remove(dir / "stat");
  if (!loadavg.empty()) std::ofstream(dir / "loadavg") << loadavg;
  else fs::remove(dir / "loadavg");
  return dir;
}

MachineLoad load_of(int cpus, double others, double steal = -1) {
  MachineLoad l;
  l.cpus = cpus;
  l.others_runnable = others;
  l.steal = steal;
  l.load_average = others + 0.5;
  return l;
}

labkit::TargetResult missed_target(const std::string& impl = "reference") {
  labkit::TargetResult t;
  t.name = "n = 2048: two threads over one";
  t.impl = impl;
  t.status = labkit::TargetStatus::missed;
  t.value = 1.67;
  t.threshold = 1.8;
  return t;
}

}  // namespace

TEST(MachineLoad, ReadsProcFilesAndSaysUnknownWhenTheyAreMissing) {
  const fs::path proc = fake_proc("full",
                                  "cpu  100 0 50 800 10 0 0 40 0 0\ncpu0 50 0 25 400 5 0 0 20 0 0\n"
                                  "procs_running 3\nprocs_blocked 0\n",
                                  "2.50 1.20 0.80 4/160 12345\n");
  EXPECT_DOUBLE_EQ(read_load_average(proc / "loadavg"), 2.5);
  EXPECT_EQ(read_loadavg_runnable(proc / "loadavg"), 4);
  const auto times = read_cpu_times(proc / "stat");
  ASSERT_TRUE(times);
  EXPECT_EQ(times->total, 1000);  // the first eight columns
  EXPECT_EQ(times->steal, 40);
  EXPECT_TRUE(times->has_steal);
  // An old kernel's "cpu" line has no steal column.
  EXPECT_FALSE(read_cpu_times(fake_proc("old", "cpu 1 2 3 4\n", "x")/ "stat")->has_steal);

  // procs_running 3, less the observing thread: 2 others.
  const MachineLoad seen = observe_load(0.03, proc);
  EXPECT_DOUBLE_EQ(seen.others_runnable, 2);
  EXPECT_DOUBLE_EQ(seen.load_average, 2.5);
  EXPECT_LT(seen.steal, 0);  // the fake file does not move: no window to measure steal over

  // Without /proc/stat, the runnable count of /proc/loadavg stands in.
  EXPECT_DOUBLE_EQ(observe_load(0.03, fake_proc("no-stat", "", "0.1 0.1 0.1 2/99 1\n")).others_runnable, 1);
  // Nothing readable: unknown, and unknown is never busy.
  const MachineLoad none = observe_load(0.03, fake_proc("empty", "", ""));
  EXPECT_FALSE(none.known());
  EXPECT_FALSE(is_busy(none, 2));
  EXPECT_EQ(describe_busy(none, 2), "");
  EXPECT_EQ(read_load_average(fake_proc("empty", "", "") / "loadavg"), -1);
}

// The grader's CPU window over a bench run: busy time of the whole machine
// less the run's own CPU time, averaged over the run.
TEST(MachineLoad, AWindowCountsWhatOthersUsedWhileAProcessRan) {
  // 100 ticks a second; 10 s of wall time. Busy = total - idle - iowait.
  CpuTimes before, after;
  before.total = 10'000, before.idle = 4'000;
  after.total = 12'000, after.idle = 4'500;  // 1500 busy ticks = 15 s of CPU over the window
  // The bench used 10 s of CPU itself (one core's worth): others used 5 s, half a core.
  EXPECT_DOUBLE_EQ(others_cores_during(before, after, 100, 10, 10.0), 0.5);
  // A bench that used all the busy time: nobody else ran.
  EXPECT_DOUBLE_EQ(others_cores_during(before, after, 100, 10, 15.0), 0);
  // rusage and jiffies round differently: never below zero.
  EXPECT_DOUBLE_EQ(others_cores_during(before, after, 100, 10, 15.3), 0);
  // Unknown: no own CPU time, no wall time, or a counter that went backwards.
  EXPECT_LT(others_cores_during(before, after, 100, 10, -1), 0);
  EXPECT_LT(others_cores_during(before, after, 100, 0, 1), 0);
  EXPECT_LT(others_cores_during(after, before, 100, 10, 1), 0);

  // iowait counts as idle: the fifth column.
  const auto t = read_cpu_times(fake_proc("iowait", "cpu  100 0 50 800 10 0 0 40 0 0\n", "x") / "stat");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->idle, 810);

  // The window itself, over a fake /proc/stat rewritten while "a process ran".
  const fs::path proc = fake_proc("window", "cpu  0 0 0 0 0 0 0 0 0 0\n", "x");
  const CpuWindow window(proc / "stat");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // Everything busy for a whole minute's worth of ticks: however long the
  // 50 ms really were, others used far more than every CPU: none is free.
  std::ofstream(proc / "stat") << "cpu  6000 0 0 0 0 0 0 0 0 0\n";
  ASSERT_TRUE(window.cores_free(0.0));
  EXPECT_DOUBLE_EQ(*window.cores_free(0.0), 0);
  // And a process that used all of that itself leaves every CPU free of others.
  const double cpus = std::max(1u, std::thread::hardware_concurrency());
  EXPECT_DOUBLE_EQ(*window.cores_free(60.0), cpus);
  EXPECT_FALSE(window.cores_free(-1));                                  // the process's CPU time unknown
  EXPECT_FALSE(CpuWindow(proc / "no-such-file").cores_free(1.0));       // no /proc/stat
}

// run_process reports the child's CPU time (the window above needs it).
TEST(MachineLoad, RunProcessReportsTheChildsCpuTime) {
  const auto spin = labctl::run_process({"sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"});
  ASSERT_TRUE(spin.ok()) << spin.output;
  EXPECT_GT(spin.cpu_seconds, 0.01);
  EXPECT_LE(spin.cpu_seconds, spin.seconds * 1.05 + 0.02);  // one thread: at most its wall time
  const auto idle = labctl::run_process({"sleep", "0.3"});
  EXPECT_GE(idle.cpu_seconds, 0);
  EXPECT_LT(idle.cpu_seconds, 0.1);
}

TEST(MachineLoad, FreeCoresCountOtherProgramsAndStolenTime) {
  EXPECT_DOUBLE_EQ(load_of(2, 0).free_cores(), 2);
  EXPECT_DOUBLE_EQ(load_of(2, 1).free_cores(), 1);
  EXPECT_DOUBLE_EQ(load_of(2, 5).free_cores(), 0);           // never below none
  EXPECT_DOUBLE_EQ(load_of(2, 0, 0.25).free_cores(), 1.5);   // a quarter of 2 CPUs stolen
  EXPECT_FALSE(is_busy(load_of(2, 1), 1));  // one neighbour leaves a one-thread bench its core
  EXPECT_TRUE(is_busy(load_of(2, 1), 2));   // but not a second core for two threads
  EXPECT_TRUE(is_busy(load_of(2, 2), 1));
  EXPECT_EQ(busier(load_of(2, 0), load_of(2, 1)).others_runnable, 1);
  EXPECT_EQ(busier(MachineLoad{}, load_of(2, 0)).others_runnable, 0);  // unknown yields to a reading
  const std::string line = describe_busy(load_of(2, 1, 0.05), 2);
  EXPECT_EQ(line.rfind("machine busy: other programs kept 1.0 thread runnable on 2 CPUs, the hypervisor took 5%", 0), 0u)
      << line;
  EXPECT_NE(line.find("(0.9 of 2 CPUs free): speedups on 2 threads will read low; close"), std::string::npos) << line;
  EXPECT_NE(describe_busy(load_of(2, 2), 1, /*judging=*/true)
                .find("times will read long and intervals wide, and a target missed now is not judged"),
            std::string::npos);
}

TEST(MachineLoad, AMissOnABusyMachineIsNotJudged) {
  // The case: the reference's two-thread target missed while the
  // other core was busy: busy, with the reason, never "missed".
  const TargetVerdict busy = judge_miss(missed_target(), 2, 1.05, load_of(2, 1));
  EXPECT_EQ(busy.status, labkit::TargetStatus::busy);
  EXPECT_NE(busy.detail.find("not judged: only 1.00 of the 2 cores it runs on were free"), std::string::npos)
      << busy.detail;
  EXPECT_NE(busy.detail.find("FMA probe found 1.05"), std::string::npos) << busy.detail;

  // The probe alone can find the cores taken (no /proc to read).
  EXPECT_EQ(judge_miss(missed_target(), 2, 1.2, MachineLoad{}).status, labkit::TargetStatus::busy);
  // So can /proc alone, for a one-thread target: both CPUs taken.
  const TargetVerdict one = judge_miss(missed_target(), 1, std::nullopt, load_of(2, 2));
  EXPECT_EQ(one.status, labkit::TargetStatus::busy);
  EXPECT_NE(one.detail.find("only 0.00 of the 1 core it runs on was free"), std::string::npos) << one.detail;
  // Stolen time counts too.
  EXPECT_EQ(judge_miss(missed_target(), 2, 1.95, load_of(2, 0, 0.2)).status, labkit::TargetStatus::busy);
  // A student's miss is judged by the same rule.
  EXPECT_EQ(judge_miss(missed_target("student"), 2, 1.0, load_of(2, 1)).status, labkit::TargetStatus::busy);
}

TEST(MachineLoad, AMissOnFreeCoresStands) {
  const TargetVerdict threaded = judge_miss(missed_target(), 2, 1.97, load_of(2, 0));
  EXPECT_EQ(threaded.status, labkit::TargetStatus::missed);
  EXPECT_NE(threaded.detail.find("with the cores free (1.97 of 2"), std::string::npos) << threaded.detail;
  // One neighbour on two CPUs leaves a one-thread target its core: judged.
  auto t = missed_target();
  t.detail = "the interval straddles the threshold";
  const TargetVerdict single = judge_miss(t, 1, std::nullopt, load_of(2, 1));
  EXPECT_EQ(single.status, labkit::TargetStatus::missed);
  EXPECT_EQ(single.detail, t.detail);
  // Unknown load and no probe: nothing excuses the miss.
  EXPECT_EQ(judge_miss(missed_target(), 1, std::nullopt, MachineLoad{}).status, labkit::TargetStatus::missed);
  // Anything but a miss is left as it is, however busy the machine.
  auto met = missed_target();
  met.status = labkit::TargetStatus::met;
  EXPECT_EQ(judge_miss(met, 2, 0.5, load_of(2, 4)).status, labkit::TargetStatus::met);
}
