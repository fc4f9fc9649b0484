// The numbers a lab is judged by, read from one bench run. `labctl run`
// judges its targets and `labctl grade` scores its perf tasks with these same
// functions, so a speedup, a rate or a roofline fraction means one thing in
// both, with one interval and one way of printing it.
#pragma once
#include <labkit/machine.hpp>
#include <labkit/report.hpp>
#include <labkit/stats.hpp>

#include "manifest.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace labctl {

// "2.10x" (speedup), "85%" (roofline fraction) or "84.44" (GFLOP/s, GB/s).
std::string format_metric(Metric m, double value);

// Which row of the bench output, and against which baseline for a speedup.
struct MetricQuery {
  Metric metric = Metric::speedup;
  std::string kase, impl, baseline;
  long long size = 0;
};

struct Measured {
  enum class Status {
    ok,       // value and interval hold the measurement
    todo,     // the implementation stops at a TODO
    failed,   // the row is wrong or errored (note says why)
    missing,  // no such row, or its baseline was not measured
  };
  Status status = Status::missing;
  std::string note;             // why, when the status is not ok
  double value = 0;             // the point estimate
  labkit::Interval interval;    // 95%: the speedup of 10th percentiles, or the rate of the median time
  std::string detail;           // roofline_fraction: the ceiling it was measured against
  const labkit::BenchResult* row = nullptr;       // into the results passed in
  const labkit::BenchResult* baseline = nullptr;  // the same, for a speedup
};

// Reads one metric. `limits` is needed for roofline_fraction only (the
// fraction is of min(one-core peak, intensity x the bandwidth measured at
// the row's working-set size)); without them that metric is `missing`.
Measured measure(const MetricQuery& q, const labkit::LabResults& results, const labkit::MachineLimits* limits);

}  // namespace labctl
