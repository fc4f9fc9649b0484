#include "labkit/counters.hpp"

#include <cerrno>
#include <cstring>

#if defined(__linux__)
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace labkit {

const char* counter_name(Counter c) {
  switch (c) {
    case Counter::cycles: return "cycles";
    case Counter::instructions: return "instructions";
    case Counter::cache_references: return "cache_references";
    case Counter::cache_misses: return "cache_misses";
    case Counter::branch_misses: return "branch_misses";
  }
  return "?";
}

std::uint64_t CounterValues::get(Counter c) const {
  for (const auto& [k, v] : values)
    if (k == c) return v;
  return 0;
}

#if defined(__linux__)
namespace {
std::uint64_t perf_config(Counter c) {
  switch (c) {
    case Counter::cycles: return PERF_COUNT_HW_CPU_CYCLES;
    case Counter::instructions: return PERF_COUNT_HW_INSTRUCTIONS;
    case Counter::cache_references: return PERF_COUNT_HW_CACHE_REFERENCES;
    case Counter::cache_misses: return PERF_COUNT_HW_CACHE_MISSES;
    case Counter::branch_misses: return PERF_COUNT_HW_BRANCH_MISSES;
  }
  return 0;
}
}  // namespace

PerfCounters::PerfCounters(std::vector<Counter> which) : which_(std::move(which)) {
  for (Counter c : which_) {
    perf_event_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_HARDWARE;
    attr.config = perf_config(c);
    attr.disabled = leader_fd_ < 0 ? 1 : 0;  // the leader starts the group
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    attr.read_format = PERF_FORMAT_GROUP;
    const int fd = static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, leader_fd_, 0));
    if (fd < 0) {
      const int err = errno;
      reason_ = std::string("unsupported: perf_event_open(") + counter_name(c) + ") failed: " +
                std::strerror(err);
      if (err == ENOENT || err == EOPNOTSUPP)
        reason_ += " (no hardware PMU here, common in VMs and containers)";
      else if (err == EACCES || err == EPERM)
        reason_ += " (try: sysctl kernel.perf_event_paranoid=1)";
      for (int open_fd : fds_) close(open_fd);
      fds_.clear();
      leader_fd_ = -1;
      return;
    }
    if (leader_fd_ < 0) leader_fd_ = fd;
    fds_.push_back(fd);
  }
}

PerfCounters::~PerfCounters() {
  for (int fd : fds_) close(fd);
}

void PerfCounters::start() {
  if (!available()) return;
  ioctl(leader_fd_, PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
  ioctl(leader_fd_, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
}

CounterValues PerfCounters::stop() {
  CounterValues out;
  if (!available()) return out;
  ioctl(leader_fd_, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
  std::vector<std::uint64_t> buf(1 + which_.size());
  const auto want = static_cast<ssize_t>(buf.size() * sizeof(std::uint64_t));
  if (read(leader_fd_, buf.data(), buf.size() * sizeof(std::uint64_t)) != want) return out;
  for (std::size_t i = 0; i < which_.size() && i < buf[0]; ++i) out.values.emplace_back(which_[i], buf[1 + i]);
  return out;
}
#else
PerfCounters::PerfCounters(std::vector<Counter> which) : which_(std::move(which)) {
  reason_ = "unsupported: perf_event_open exists only on Linux";
}
PerfCounters::~PerfCounters() = default;
void PerfCounters::start() {}
CounterValues PerfCounters::stop() { return {}; }
#endif

}  // namespace labkit
