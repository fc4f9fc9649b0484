// How busy the machine is while `labctl bench` and `labctl run` measure, and
// what that means for a missed target. A reference that misses its target
// while other programs hold the cores it needs says nothing about the lab:
// such a miss reads "busy" (not judged), with the reason, and does not
// change the exit status (docs/measurement.md, "A busy machine").
#pragma once
#include <labkit/report.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace labctl {

// What Linux shows about the load, each part only where it shows it: no
// field is assumed (a container may hide /proc/stat, a bare machine has no steal).
struct MachineLoad {
  int cpus = 1;                 // logical CPUs
  double others_runnable = -1;  // threads other programs kept runnable (median over the window); -1: unknown
  double load_average = -1;     // /proc/loadavg, last minute; -1: unknown (reported, never decides: it lags)
  double steal = -1;            // share of CPU time the hypervisor gave to other guests; -1: unknown
  // Cores' worth left for a measurement: the CPUs less those other programs
  // keep busy and the share the hypervisor steals. All of them when unknown.
  double free_cores() const;
  bool known() const { return others_runnable >= 0 || steal >= 0; }
};

// Parsers of /proc files, pure over a path (the tests give them fake ones).
double read_load_average(const std::filesystem::path& loadavg);  // -1 when missing or malformed
// The runnable count of /proc/loadavg's fourth field ("3/160"): -1 when missing.
int read_loadavg_runnable(const std::filesystem::path& loadavg);
struct CpuTimes {
  long long total = 0, steal = 0;  // jiffies since boot, all CPUs together
  long long idle = 0;              // idle and iowait: the time no program ran
  bool has_steal = false;          // the "cpu" line has a steal column (Linux >= 2.6.11)
};
// The aggregate "cpu" line of /proc/stat; nullopt when missing.
std::optional<CpuTimes> read_cpu_times(const std::filesystem::path& proc_stat);

// Cores' worth of CPU time that everything except one process used while it
// ran: the busy time /proc/stat counted between `before` and `after` (all
// CPUs, the hypervisor's steal included) less the process's own CPU time,
// over the wall time between the two readings. Averaged over the whole run,
// so a neighbour that comes and goes counts for the share of the run it
// held a core, which a probe at either end can miss. -1 when the readings or
// the times are unusable.
double others_cores_during(const CpuTimes& before, const CpuTimes& after, double ticks_per_second, double wall_s,
                           double own_cpu_s);

// A /proc/stat reading at construction; cores_free() reads it again and
// answers for a process that ran in between and used `own_cpu_s` of CPU
// (RunResult::cpu_seconds): the CPUs less what everything else used.
// nullopt where /proc/stat or the process's CPU time is unknown.
class CpuWindow {
 public:
  explicit CpuWindow(std::filesystem::path proc_stat = "/proc/stat");
  std::optional<double> cores_free(double own_cpu_s) const;

 private:
  std::filesystem::path proc_stat_;
  std::optional<CpuTimes> before_;
  std::chrono::steady_clock::time_point start_;
};

// Watches /proc for `seconds` while labctl itself only sleeps between reads.
MachineLoad observe_load(double seconds = 0.2, const std::filesystem::path& proc = "/proc");
// The busier of two observations (the fewer free cores): before and after a measurement.
MachineLoad busier(const MachineLoad& a, const MachineLoad& b);

// Whether a measurement on `threads` threads had its cores: busy when fewer
// than labkit::kFreeCoresToJudge of them were free. Never busy when unknown.
bool is_busy(const MachineLoad& load, int threads);
// One line for a learner, "" when the machine is not busy for `threads`:
// "machine busy: other programs kept 2.0 threads runnable on 2 CPUs (...)";
// `judging` (labctl run) adds that a target missed now is not judged.
std::string describe_busy(const MachineLoad& load, int threads, bool judging = false);

// The decision for one target of `labctl run`, after its re-measurements:
// a miss on a busy machine becomes busy (not judged), with the reason; a
// threaded miss on free cores stands, with what is known to move it.
// `threads` is the target's (lab.toml); `cores_free` the FMA probe's reading
// (labkit::cores_free) for threaded targets, nullopt when not probed.
// Anything but a miss is returned as it is.
struct TargetVerdict {
  labkit::TargetStatus status;
  std::string detail;
};
TargetVerdict judge_miss(const labkit::TargetResult& target, int threads, std::optional<double> cores_free,
                         const MachineLoad& load);

}  // namespace labctl
