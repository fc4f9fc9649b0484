#include "load.hpp"

#include <fmt/format.h>
#include <labkit/machine.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>
#include <vector>

namespace labctl {

double MachineLoad::free_cores() const {
  double free = cpus;
  if (others_runnable > 0) free -= others_runnable;
  if (steal > 0) free -= steal * cpus;
  return std::clamp(free, 0.0, static_cast<double>(cpus));
}

double read_load_average(const std::filesystem::path& loadavg) {
  std::ifstream in(loadavg);
  double one_minute = -1;
  return (in >> one_minute) && one_minute >= 0 ? one_minute : -1;
}

int read_loadavg_runnable(const std::filesystem::path& loadavg) {
  std::ifstream in(loadavg);
  std::string a, b, c, running;  // "0.52 0.40 0.33 3/160 12345"
  if (!(in >> a >> b >> c >> running)) return -1;
  const auto slash = running.find('/');
  if (slash == std::string::npos || slash == 0) return -1;
  try {
    return std::stoi(running.substr(0, slash));
  } catch (const std::exception&) {
    return -1;
  }
}

std::optional<CpuTimes> read_cpu_times(const std::filesystem::path& proc_stat) {
  std::ifstream in(proc_stat);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("cpu ", 0) != 0) continue;
    // user nice system idle iowait irq softirq steal guest guest_nice: guest
    // time is already counted in user, so the total is the first eight.
    std::istringstream fields(line.substr(4));
    std::vector<long long> v;
    for (long long x; v.size() < 8 && fields >> x;) v.push_back(x);
    if (v.size() < 4) return std::nullopt;
    CpuTimes t;
    for (long long x : v) t.total += x;
    t.idle = v[3] + (v.size() >= 5 ? v[4] : 0);
    t.has_steal = v.size() >= 8;
    if (t.has_steal) t.steal = v[7];
    return t;
  }
  return std::nullopt;
}

double others_cores_during(const CpuTimes& before, const CpuTimes& after, double ticks_per_second, double wall_s,
                           double own_cpu_s) {
  if (ticks_per_second <= 0 || wall_s <= 0 || own_cpu_s < 0 || after.total < before.total) return -1;
  const double busy_s = static_cast<double>((after.total - after.idle) - (before.total - before.idle)) / ticks_per_second;
  return std::max(0.0, busy_s - own_cpu_s) / wall_s;
}

CpuWindow::CpuWindow(std::filesystem::path proc_stat)
    : proc_stat_(std::move(proc_stat)), before_(read_cpu_times(proc_stat_)), start_(std::chrono::steady_clock::now()) {}

std::optional<double> CpuWindow::cores_free(double own_cpu_s) const {
  const auto after = read_cpu_times(proc_stat_);
  if (!before_ || !after) return std::nullopt;
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double others =
      others_cores_during(*before_, *after, static_cast<double>(sysconf(_SC_CLK_TCK)), wall_s, own_cpu_s);
  if (others < 0) return std::nullopt;
  const double cpus = std::max(1u, std::thread::hardware_concurrency());
  return std::clamp(cpus - others, 0.0, cpus);
}

MachineLoad observe_load(double seconds, const std::filesystem::path& proc) {
  MachineLoad load;
  load.cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  load.load_average = read_load_average(proc / "loadavg");
  const auto times_before = read_cpu_times(proc / "stat");
  std::vector<int> others;
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  do {
    int running = labkit::runnable_threads(proc / "stat");
    if (running < 0) running = read_loadavg_runnable(proc / "loadavg");
    if (running < 0) break;
    others.push_back(std::max(0, running - 1));  // less this thread, which is running as it reads
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < end);
  if (!others.empty()) {
    std::nth_element(others.begin(), others.begin() + static_cast<std::ptrdiff_t>(others.size() / 2), others.end());
    load.others_runnable = others[others.size() / 2];
  }
  const auto times_after = read_cpu_times(proc / "stat");
  if (times_before && times_after && times_before->has_steal && times_after->total > times_before->total)
    load.steal = static_cast<double>(times_after->steal - times_before->steal) /
                 static_cast<double>(times_after->total - times_before->total);
  return load;
}

MachineLoad busier(const MachineLoad& a, const MachineLoad& b) {
  if (!a.known()) return b;
  if (!b.known()) return a;
  return b.free_cores() < a.free_cores() ? b : a;
}

bool is_busy(const MachineLoad& load, int threads) {
  return load.known() && load.free_cores() < labkit::kFreeCoresToJudge * std::max(1, threads);
}

namespace {

// What was seen, for a message: "2.0 other threads runnable on 2 CPUs, 3% of
// the CPU time stolen by the hypervisor, load average 3.10".
std::string load_facts(const MachineLoad& load) {
  std::vector<std::string> facts;
  if (load.others_runnable >= 0)
    facts.push_back(fmt::format("other programs kept {:.1f} thread{} runnable on {} CPU{}", load.others_runnable,
                                load.others_runnable == 1 ? "" : "s", load.cpus, load.cpus == 1 ? "" : "s"));
  if (load.steal >= 0.005)
    facts.push_back(fmt::format("the hypervisor took {:.0f}% of the CPU time for other guests", 100 * load.steal));
  if (load.load_average >= 0) facts.push_back(fmt::format("load average {:.2f}", load.load_average));
  std::string s;
  for (const auto& f : facts) s += (s.empty() ? "" : ", ") + f;
  return s;
}

}  // namespace

std::string describe_busy(const MachineLoad& load, int threads, bool judging) {
  if (!is_busy(load, threads)) return "";
  const std::string effect = threads > 1 ? fmt::format("speedups on {} threads will read low", threads)
                                         : std::string("times will read long and intervals wide");
  return fmt::format("machine busy: {} ({:.1f} of {} CPUs free): {}{}; close other programs or run again later",
                     load_facts(load), load.free_cores(), load.cpus, effect,
                     judging ? ", and a target missed now is not judged" : "");
}

TargetVerdict judge_miss(const labkit::TargetResult& target, int threads, std::optional<double> cores_free,
                         const MachineLoad& load) {
  if (target.status != labkit::TargetStatus::missed) return {target.status, target.detail};
  threads = std::max(1, threads);
  // The fewest free cores any reading saw: each can only miss what takes a core.
  double free = load.known() ? load.free_cores() : threads;
  if (cores_free) free = std::min(free, *cores_free);
  if (free < labkit::kFreeCoresToJudge * threads) {
    std::string why = load_facts(load);
    if (cores_free) why += fmt::format("{}the FMA probe found {:.2f} cores' worth free", why.empty() ? "" : "; ", *cores_free);
    return {labkit::TargetStatus::busy,
            fmt::format("not judged: only {:.2f} of the {} core{} it runs on {} free ({}); run it again on an idle "
                        "machine",
                        free, threads, threads == 1 ? "" : "s", threads == 1 ? "was" : "were", why)};
  }
  if (threads > 1 && cores_free)
    // A miss on free cores stands, with what is known to move it.
    return {labkit::TargetStatus::missed,
            fmt::format("missed on {} threads after measuring again, with the cores free ({:.2f} of {} by the FMA "
                        "probe); on a VM, threads that share memory with the host's other guests scale differently "
                        "from run to run (docs/measurement.md): run it again to confirm",
                        threads, *cores_free, threads)};
  return {target.status, target.detail};
}

}  // namespace labctl
