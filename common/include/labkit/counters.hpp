// labkit/counters.hpp: hardware performance counters through perf_event_open.
//
// A group of counters (cycles, instructions, cache misses, branch misses) is
// opened together so the counts cover exactly the same interval. Many VMs and
// containers expose no PMU: then available() is false and reason() says why,
// and every caller is expected to carry on without counts.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace labkit {

enum class Counter { cycles, instructions, cache_references, cache_misses, branch_misses };
const char* counter_name(Counter c);

struct CounterValues {
  std::vector<std::pair<Counter, std::uint64_t>> values;
  // 0 when the counter is not part of the group.
  std::uint64_t get(Counter c) const;
};

class PerfCounters {
 public:
  explicit PerfCounters(std::vector<Counter> which = {Counter::cycles, Counter::instructions,
                                                      Counter::cache_misses, Counter::branch_misses});
  ~PerfCounters();
  PerfCounters(const PerfCounters&) = delete;
  PerfCounters& operator=(const PerfCounters&) = delete;

  bool available() const { return leader_fd_ >= 0; }
  // Why the counters are unavailable: "unsupported: ...", or "" when available.
  const std::string& reason() const { return reason_; }

  void start();
  // Stops counting and returns the counts since start(); empty when unavailable.
  CounterValues stop();

 private:
  std::vector<Counter> which_;
  std::vector<int> fds_;
  int leader_fd_ = -1;
  std::string reason_;
};

}  // namespace labkit
