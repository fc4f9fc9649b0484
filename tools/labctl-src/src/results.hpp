// Turning raw outputs (GoogleTest JSON, labkit bench JSON) into LabResults,
// and judging targets against them.
#pragma once
#include <labkit/machine.hpp>
#include <labkit/report.hpp>
#include <labkit/roofline.hpp>

#include "manifest.hpp"
#include "process.hpp"

namespace labctl {

// Reads a GoogleTest --gtest_output=json file. When the binary crashed or
// hung the file is missing or partial: the run's outcome becomes one failed
// test named after it, carrying the reason and the tail of its output.
std::vector<labkit::TestResult> read_gtest_json(const fs::path& file, const RunResult& run, double timeout_s);

// Reads a labkit.bench/1 file into lab results (benchmarks and ratios).
void read_bench_json(const fs::path& file, labkit::LabResults& into);

// Evaluates the manifest's targets for one implementation.
std::vector<labkit::TargetResult> evaluate_targets(const Lab& lab, const labkit::LabResults& r,
                                                   const labkit::MachineLimits& m,
                                                   const std::string& impl);

// Roofline with the machine's one-core peak and its L1, L2, L3 and DRAM ceilings.
labkit::Roofline machine_roofline(const labkit::MachineLimits& m, const std::string& title);
void add_points(labkit::Roofline& roof, const labkit::LabResults& r, bool prefix_lab);

// The last lines of a long output, for error messages.
std::string tail_lines(const std::string& text, int lines);

}  // namespace labctl
