#include "measure.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace labctl {

std::string format_metric(Metric m, double value) {
  if (m == Metric::speedup) return fmt::format("{:.2f}x", value);
  if (m == Metric::roofline_fraction) return fmt::format("{:.0f}%", 100 * value);
  return fmt::format("{:.2f}", value);
}

namespace {

const labkit::BenchResult* find_row(const labkit::LabResults& r, const std::string& kase, const std::string& impl,
                                    long long size) {
  for (const auto& b : r.benchmarks)
    if (b.kase == kase && b.impl == impl && b.size == size) return &b;
  return nullptr;
}

Measured not_ok(Measured::Status status, std::string note) {
  Measured m;
  m.status = status;
  m.note = std::move(note);
  return m;
}

}  // namespace

Measured measure(const MetricQuery& q, const labkit::LabResults& results, const labkit::MachineLimits* limits) {
  const auto* row = find_row(results, q.kase, q.impl, q.size);
  if (!row) return not_ok(Measured::Status::missing, fmt::format("no benchmark {}/{}/{} in this run", q.kase, q.impl, q.size));
  if (row->status != labkit::BenchStatus::ok)
    return not_ok(row->status == labkit::BenchStatus::todo ? Measured::Status::todo : Measured::Status::failed, std::string(labkit::status_name(row->status)) + ": " + row->note);
  if (row->samples_ns.empty()) return not_ok(Measured::Status::missing, "benchmark " + row->name + " has no samples");
  Measured m;
  m.status = Measured::Status::ok;
  m.row = row;
  if (q.metric == Metric::speedup) {
    const auto* base = find_row(results, q.kase, q.baseline, q.size);
    if (!base || base->status != labkit::BenchStatus::ok || base->samples_ns.empty())
      return not_ok(Measured::Status::missing, "the baseline '" + q.baseline + "' was not measured");
    m.baseline = base;
    m.interval = labkit::speedup_interval(base->samples_ns, row->samples_ns);
  } else {
    // A rate: work over each resampled median time.
    const double work = q.metric == Metric::gbs ? row->bytes : row->flops;
    const labkit::Statistic rate = [work](std::span<const double> s) { return work / labkit::median(s); };
    m.interval = labkit::bootstrap_interval(row->samples_ns, rate);
    if (q.metric == Metric::roofline_fraction) {
      if (!limits) return not_ok(Measured::Status::missing, "no machine limits to draw the roofline from");
      // The ceiling for this working set: the bandwidth measured at its size.
      const double gbs = limits->bandwidth_for(static_cast<std::uint64_t>(row->bytes));
      const double attainable = std::min(limits->peak_one_core.gflops, row->intensity() * gbs);
      if (attainable <= 0) return not_ok(Measured::Status::missing, "the machine limits give no attainable rate");
      m.interval = {m.interval.estimate / attainable, m.interval.lo / attainable, m.interval.hi / attainable};
      m.detail = fmt::format("attainable {:.1f} GFLOP/s at {:.1f} GB/s", attainable, gbs);
    }
  }
  m.value = m.interval.estimate;
  return m;
}

}  // namespace labctl
