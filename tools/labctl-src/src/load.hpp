// How busy the machine is while `labctl bench` and `labctl run` measure, and
// what that means for a missed target. A reference that misses its target
// while other programs hold the cores it needs says nothing about the lab:
// such a miss reads "busy" (not judged), with the reason, and does not
// change the exit status (docs/measurement.md, "A busy machine").
#pragma once
#include <labkit/report.hpp>

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
  bool has_steal = false;          // the "cpu" line has a steal column (Linux >= 2.6.11)
};
// The aggregate "cpu" line of /proc/stat; nullopt when missing.
std::optional<CpuTimes> read_cpu_times(const std::filesystem::path& proc_stat);

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
