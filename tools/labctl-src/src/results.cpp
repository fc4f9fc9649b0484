#include "results.hpp"

#include "measure.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

namespace labctl {

using nlohmann::json;

std::string tail_lines(const std::string& text, int lines) {
  std::size_t pos = text.size();
  while (lines-- > 0 && pos > 0) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

std::vector<labkit::TestResult> read_gtest_json(const fs::path& file, const RunResult& run, double timeout_s) {
  std::vector<labkit::TestResult> tests;
  std::ifstream in(file);
  json j;
  bool parsed = false;
  if (in) {
    try {
      j = json::parse(in);
      parsed = true;
    } catch (const json::exception&) {
    }
  }
  if (parsed) {
    for (const auto& suite : j.value("testsuites", json::array())) {
      for (const auto& t : suite.value("testsuite", json::array())) {
        labkit::TestResult r;
        r.suite = suite.value("name", "");
        r.name = t.value("name", "");
        const std::string time = t.value("time", "0s");
        r.seconds = std::atof(time.c_str());
        r.skipped = t.value("result", "") == "SKIPPED" || t.value("status", "") == "NOTRUN";
        std::string msg;
        for (const auto& f : t.value("failures", json::array())) msg += f.value("failure", "") + "\n";
        r.passed = msg.empty() && !r.skipped;
        r.message = msg;
        if (r.skipped && msg.empty()) {
          // GoogleTest puts GTEST_SKIP's message in "skipped" (1.13+) or nowhere.
          r.message = t.value("skipped", json::object()).value("message", "skipped");
        }
        tests.push_back(std::move(r));
      }
    }
  }
  if (!run.ok() && (!parsed || run.timed_out || run.signal != 0)) {
    labkit::TestResult crash;
    crash.suite = "binary";
    crash.name = "process";
    crash.passed = false;
    crash.message = "the test binary " + run.describe(timeout_s) + "\n" + tail_lines(run.output, 15);
    tests.push_back(crash);
  }
  return tests;
}

void read_bench_json(const fs::path& file, labkit::LabResults& into) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("no benchmark results at " + file.string());
  const json j = json::parse(in);
  if (j.value("schema", "") != labkit::kBenchSchema)
    throw std::runtime_error(file.string() + " is not a " + labkit::kBenchSchema + " document");
  into.machine = j.value("machine", json::object());
  for (const auto& b : j.value("benchmarks", json::array())) into.benchmarks.push_back(labkit::bench_from_json(b));
  for (const auto& r : j.value("ratios", json::array())) into.ratios.push_back(labkit::ratio_from_json(r));
  for (const auto& c : j.value("counts", json::array())) into.counts.push_back(labkit::count_from_json(c));
}

std::vector<labkit::TargetResult> evaluate_targets(const Lab& lab, const labkit::LabResults& r,
                                                   const labkit::MachineLimits& m,
                                                   const std::string& impl) {
  std::vector<labkit::TargetResult> out;
  for (const auto& t : lab.targets) {
    if (std::find(t.impls.begin(), t.impls.end(), impl) == t.impls.end()) continue;
    labkit::TargetResult tr;
    tr.name = t.name;
    tr.impl = impl;
    tr.metric = metric_name(t.metric);
    tr.threshold = t.at_least;
    const Measured v = measure({t.metric, t.kase, impl, t.baseline, t.size}, r, &m);
    switch (v.status) {
      case Measured::Status::missing: tr.status = labkit::TargetStatus::unavailable; break;
      case Measured::Status::todo: tr.status = labkit::TargetStatus::todo; break;
      case Measured::Status::failed: tr.status = labkit::TargetStatus::missed; break;
      case Measured::Status::ok:
        tr.value = v.value;
        tr.interval = v.interval;
        tr.status = tr.value >= t.at_least ? labkit::TargetStatus::met : labkit::TargetStatus::missed;
        break;
    }
    tr.detail = v.status == Measured::Status::ok ? v.detail : v.note;
    if (v.status == Measured::Status::ok && t.metric == Metric::speedup && tr.interval.straddles(t.at_least))
      tr.detail = "the interval straddles the threshold: re-measure";
    out.push_back(tr);
  }
  return out;
}

labkit::Roofline machine_roofline(const labkit::MachineLimits& m, const std::string& title) {
  labkit::Roofline roof;
  roof.title = title;
  roof.peak_gflops = m.peak_one_core.gflops;
  roof.peak_label = "fp32 FMA peak, one core,";
  // Each cache ceiling is read at half the cache's size, well inside it.
  const auto add = [&](const std::string& name, std::uint64_t bytes) {
    if (bytes == 0 || m.bandwidth.empty()) return;
    const double gbs = m.bandwidth_for(bytes);
    if (!roof.memory.empty() && gbs >= roof.memory.back().gbs * 0.97) return;  // indistinct level
    roof.memory.push_back({name, gbs});
  };
  add("L1", labkit::data_cache_bytes(m.info, 1) / 2);
  add("L2", labkit::data_cache_bytes(m.info, 2) / 2);
  add("L3", labkit::data_cache_bytes(m.info, 3) / 2);
  if (!m.bandwidth.empty()) roof.memory.push_back({"DRAM", m.bandwidth.back().gbs});
  for (const auto& f : m.info.unknown)
    if (f.fact == "cache sizes") roof.notes.push_back("cache ceilings not drawn: cache sizes unknown (" + f.reason + ")");
  return roof;
}

void add_points(labkit::Roofline& roof, const labkit::LabResults& r, bool prefix_lab) {
  for (const auto& b : r.benchmarks) {
    if (b.status != labkit::BenchStatus::ok || b.intensity() <= 0) continue;
    roof.points.push_back({(prefix_lab ? r.lab + " " : "") + b.name,
                           (prefix_lab ? r.lab + " " : "") + b.impl, b.intensity(),
                           b.gflops()});
  }
}

}  // namespace labctl
