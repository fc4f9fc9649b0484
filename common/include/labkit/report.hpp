// labkit/report.hpp: results in the three forms people and tools read.
//
//   JSON     versioned schema "labkit.results/1" (fields: docs/measurement.md)
//   Markdown a table for humans and CI job summaries
//   JUnit    XML that GitHub, GitLab and Jenkins render as test results
#pragma once
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "labkit/result_types.hpp"  // the statuses and rows written here

namespace labkit {

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
