// A small reader of Value Change Dump files (IEEE 1364 §18), the waveforms
// the HDL labs write, and a text table of them for `labctl wave`.
//
// Only what Verilator writes is needed: $timescale, nested $scope/$upscope,
// $var (wire/reg/integer/parameter, any width), #<time> lines, scalar changes
// ("1!", "x#") and vector changes ("b1010 %"). Real values ("r1.5 &") are kept
// as text. A malformed file throws VcdError naming the line.
#pragma once
#include <cstdint>
#include <istream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace labctl {

struct VcdError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct VcdSignal {
  std::string scope;  // "TOP.fifo"
  std::string name;   // "count" (a bus keeps its range out: "count", not "count [3:0]")
  int width = 1;
  std::string code;   // the identifier code in the dump ("!", "#", ...); ports share theirs with the module's
  std::size_t trace = 0;  // index into Vcd::traces

  std::string path() const { return scope.empty() ? name : scope + "." + name; }
};

// One identifier code's changes in time order: (time, binary digits or x/z, or a real's text).
using VcdTrace = std::vector<std::pair<std::uint64_t, std::string>>;

struct Vcd {
  std::string timescale;           // "1ps"
  std::vector<VcdSignal> signals;  // in declaration order, one per ($scope, $var)
  std::vector<VcdTrace> traces;    // one per identifier code
  std::uint64_t end_time = 0;      // the last #time

  // By full path ("TOP.fifo.count") or, failing that, the first signal with that name.
  const VcdSignal* find(const std::string& name_or_path) const;
  // The value at `time` (the last change at or before it); nullopt before the first.
  std::optional<std::string> value_at(const VcdSignal& s, std::uint64_t time) const;
};

Vcd parse_vcd(std::istream& in);

// Binary digits (MSB first) as a short string: a 1-bit value as 0/1, wider
// values as hexadecimal ("0x2a"), and x or z when any digit is.
std::string format_vcd_value(const std::string& bits, int width);

// How the HDL labs' cycles map onto VCD time (labkit/hdl.hpp, Sim): every
// cycle is 10 time units. A clocked design's cycle N ends at the rising edge
// of clk at time 10*N - 5, and what a test checks "at cycle N" is the state
// just after it, so cycle N is sampled at 10*N - 5. A combinational design
// (step()) holds cycle N's inputs from time 10*N on.
std::uint64_t cycle_time(std::uint64_t cycle, bool clocked);

struct WaveTable {
  std::vector<std::uint64_t> cycles;  // the columns
  std::vector<std::string> rows;      // the signals, as shown
  std::string text;                   // the rendered table
};
// Signals (rows) by cycles (columns) from `first` to `last`, one line per
// signal; `mark` (a cycle) gets a '*' in the header. `signals` empty: every
// signal of the top scope, then the internal signals of the scopes below it
// that the top does not already show.
WaveTable wave_table(const Vcd& vcd, std::uint64_t first, std::uint64_t last, std::optional<std::uint64_t> mark,
                     const std::vector<std::string>& signals = {});

// True when the dump has a top-level 1-bit `clk` (a clocked design).
bool is_clocked(const Vcd& vcd);
// The cycles the dump covers (first..last), by the mapping of cycle_time().
std::pair<std::uint64_t, std::uint64_t> cycle_span(const Vcd& vcd);

}  // namespace labctl
