// `labctl wave LAB [TEST]`: an HDL lab's waveform as a table in the terminal
// (signals by cycles, around the first failure), and the VCD file to open in
// GTKWave. The VCD reader and the table are in vcd.hpp.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "context.hpp"

namespace labctl {

struct WaveOptions {
  std::string test;                     // "Suite.Test", "Suite.Test-3" (a waveform's name) or a .vcd path; "": the first failing test
  std::string impl = "student";
  std::optional<std::uint64_t> cycle;   // centre the table here (default: the first mismatch)
  int window = 8;                       // cycles shown either side
  std::vector<std::string> signals;     // rows (default: ports, then internal signals)
};

// What a test binary's output says about its first failing test.
struct FirstFailure {
  std::string test;                     // "Fifo.LongRandomTraffic"
  std::optional<std::uint64_t> cycle;   // of the first "cycle N: ..." message
  std::string message;                  // that message's line
  std::string waveform;                 // the path its "[ waveform ]" line gave, if any
};
// Reads GoogleTest's text output (with labkit::hdl's lines); nullopt when no test failed.
std::optional<FirstFailure> first_failure(const std::string& gtest_output);
// Every failing test, in the order they ran.
std::vector<FirstFailure> failures(const std::string& gtest_output);

int cmd_wave(const Context& c, const std::string& lab_id, const WaveOptions& o);

}  // namespace labctl
