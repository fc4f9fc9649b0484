// labkit/result_types.hpp: what a benchmark run produces, without JSON.
//
// The statuses, rows, ratios, counts and targets that the harnesses fill in
// and labkit/report.hpp writes out. Apart from report.hpp so that a lab's
// bench, which includes harness.hpp, does not parse nlohmann/json (about 2 s
// of compile per translation unit; a fresh clone builds about twenty
// benches): only what writes or reads JSON includes report.hpp.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "labkit/stats.hpp"

namespace labkit {

inline constexpr const char* kResultsSchema = "labkit.results/1";
inline constexpr const char* kBenchSchema = "labkit.bench/1";

// What became of one benchmark entry or count. The JSON carries the name
// (status_name); a name this build does not know reads back as error.
enum class BenchStatus {
  ok,       // checked against the reference and timed (or counted)
  todo,     // the starter's NotImplemented
  wrong,    // ran, but its answer disagrees with the reference
  error,    // threw, crashed or could not run
  skipped,  // a baseline with nothing of its case and size to compare with
};

// How a target fared against its threshold.
enum class TargetStatus {
  met,
  missed,
  todo,         // the implementation is still the starter
  unavailable,  // nothing to measure (a lab feature off, no such benchmark row)
  busy,         // missed while other programs held the cores it runs on: not judged
};

const char* status_name(BenchStatus s);
const char* status_name(TargetStatus s);
// The enum of a status name; nullopt for a name no enumerator has.
std::optional<BenchStatus> bench_status_named(std::string_view name);
std::optional<TargetStatus> target_status_named(std::string_view name);

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
  BenchStatus status = BenchStatus::error;  // error until it has run
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
  BenchStatus status = BenchStatus::error;  // ok, todo or error
  std::string note;
};

struct TargetResult {
  std::string name;
  std::string impl;
  std::string metric;    // speedup, gflops, gbs, roofline_fraction, ...
  double value = 0;
  double threshold = 0;
  Interval interval;     // when the metric is a ratio
  TargetStatus status = TargetStatus::unavailable;
  std::string detail;
};

}  // namespace labkit
