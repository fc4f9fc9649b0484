// labkit/report.hpp: results in the three forms people and tools read.
//
//   JSON     versioned schema "labkit.results/1" (fields: docs/measurement.md)
//   Markdown a table for humans and CI job summaries
//   JUnit    XML that GitHub, GitLab and Jenkins render as test results
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "labkit/stats.hpp"

namespace labkit {

inline constexpr const char* kResultsSchema = "labkit.results/1";
inline constexpr const char* kBenchSchema = "labkit.bench/1";

struct TestResult {
  std::string suite, name;
  bool passed = false;
  bool skipped = false;
  double seconds = 0;
  std::string message;  // failure or skip reason
};

struct BenchResult {
  std::string name;      // case/impl/size
  std::string kase;      // what is computed: "dot", "saxpy"
  std::string impl;      // who computes it: "scalar", "avx2", "reference", "student"
  std::string role;      // baseline, reference or student
  std::int64_t size = 0;
  double flops = 0, bytes = 0;        // per call
  std::string status;    // ok, todo, wrong, error
  std::string note;      // why, when status is not ok
  std::vector<double> samples_ns;     // one per repetition, in run order
  Summary summary;       // of samples_ns
  double gflops() const { return summary.median > 0 ? flops / summary.median : 0; }
  double gbs() const { return summary.median > 0 ? bytes / summary.median : 0; }
  double intensity() const { return bytes > 0 ? flops / bytes : 0; }
};

struct RatioResult {
  std::string kase;
  std::int64_t size = 0;
  std::string impl, baseline;
  Interval speedup;      // baseline time / impl time, with its interval
};

// A deterministic metric reported by a benchmark (no timing involved).
struct CountResult {
  std::string kase, impl, role, metric;
  std::int64_t size = 0;
  double value = 0;
  std::string status;  // ok, todo, error
  std::string note;
};

struct TargetResult {
  std::string name;
  std::string impl;
  std::string metric;    // speedup, gflops, gbs, roofline_fraction, ...
  double value = 0;
  double threshold = 0;
  Interval interval;     // when the metric is a ratio
  std::string status;    // met, missed, todo, unavailable, busy (threaded, measured while cores were taken)
  std::string detail;
};

struct LabResults {
  std::string lab, title;
  nlohmann::json machine;            // to_json(MachineInfo)
  std::vector<TestResult> tests;
  std::vector<BenchResult> benchmarks;
  std::vector<RatioResult> ratios;
  std::vector<CountResult> counts;
  std::vector<TargetResult> targets;
};

nlohmann::json to_json(const BenchResult& b);
BenchResult bench_from_json(const nlohmann::json& j);
nlohmann::json to_json(const RatioResult& r);
RatioResult ratio_from_json(const nlohmann::json& j);
nlohmann::json to_json(const CountResult& c);
CountResult count_from_json(const nlohmann::json& j);
nlohmann::json to_json(const LabResults& r);
LabResults results_from_json(const nlohmann::json& j);

void write_markdown(std::ostream& out, const std::vector<LabResults>& labs);
// One <testsuite> per lab: its tests, then each target as a test case.
void write_junit(std::ostream& out, const std::vector<LabResults>& labs);
std::string xml_escape(const std::string& s);

}  // namespace labkit
