// Waveforms for the portfolio page: a value-change dump (VCD, as the HDL
// testbenches write with `labctl test LAB --trace`) read and drawn as an SVG
// timing diagram, so a published page shows them without gtkwave.
#pragma once
#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace labctl {

struct Waveform {
  std::string timescale;  // "1ps"
  struct Signal {
    std::string name;
    int width = 1;
    std::vector<std::pair<std::uint64_t, std::string>> changes;  // time, value bits ("1", "0101", "x")
  };
  std::vector<Signal> signals;  // the top scope's signals (the design's ports), in file order
  std::uint64_t end_time = 0;   // the last timestamp
};

// Reads a VCD. Only the first scope that declares signals is kept (the
// testbench's top: the design's ports). Throws std::runtime_error naming
// `source` and the line on a malformed file.
Waveform parse_vcd(std::istream& in, const std::string& source);

// A timing diagram of the first `max_times` timestamps: one row per signal,
// 1-bit signals as levels, buses as segments labelled with their value in
// hex (every segment carries a <title> with its value and time).
void write_waveform_svg(std::ostream& out, const Waveform& w, const std::string& title, std::size_t max_times = 48);

}  // namespace labctl
