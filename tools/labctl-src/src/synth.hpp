// `labctl synth LAB`: a lab's RTL through the open iCE40 flow, Yosys
// (synth_ice40) then nextpnr-ice40 (place, route, static timing), reported as
// LUTs, flip-flops, RAM blocks and the maximum clock frequency per design:
// a table, and out/<lab>/synth.json (schema labctl.synth/1).
//
// What a lab synthesizes is its lab.toml's [[synth]] tables (docs/authoring.md,
// "Synthesis"). The parsers below read the tools' output files and logs; the
// unit tests hold them to captured output (tests/data/synth/).
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "manifest.hpp"
#include "runner.hpp"

namespace labctl {

struct SynthOptions {
  std::string impl = "student";
  std::string design;            // one [[synth]] top; empty: all of them
  std::string device = "hx8k";   // nextpnr-ice40 --hx8k | --up5k | --lp8k | --hx1k ...
  std::string package = "ct256";
  double freq_mhz = 100;         // nextpnr's timing target (placement works towards it)
  int seed = 1;                  // nextpnr's placer seed: fixed, so results repeat
  bool json = false;             // print synth.json instead of the table
};

// Cell counts of the synthesized top: every cell type, and the three a
// learner reads (SB_LUT4; SB_DFF and all its enable/reset variants; SB_RAM40_4K*).
struct CellCounts {
  std::map<std::string, long long> by_type;
  long long luts = 0, flip_flops = 0, ram_blocks = 0, carries = 0;
};
// From Yosys's JSON netlist (write_json / synth_ice40 -json): the cells of
// module `top`. Throws std::runtime_error when the text is no such netlist.
CellCounts count_cells(const std::string& netlist_json, const std::string& top);

// What nextpnr's log says: the final "Max frequency for clock 'c': F MHz"
// per clock (the last report wins: after routing), the logic cells used of
// those available, and the first ERROR line.
struct PnrReport {
  std::map<std::string, double> fmax_mhz;
  long long logic_cells = -1, logic_cells_available = -1;
  std::string error;
};
PnrReport parse_nextpnr_log(const std::string& log);

// The first "ERROR:" of a Yosys log, with the line before it when that names
// the file and line (Yosys prints "file.sv:12: ERROR: ..." for syntax errors).
std::string yosys_error(const std::string& log);

// The tools of the flow, found on the PATH.
struct SynthTools {
  std::optional<fs::path> yosys, nextpnr;
  // "" when both are there, else which are missing and how to install them.
  std::string missing() const;
};
SynthTools find_synth_tools();

// One design through Yosys and, when installed, nextpnr-ice40 (o's device,
// package, target and seed), in one process that `launch` starts: directly
// for labctl synth, in the grader's sandbox for a synth task of labctl grade.
// `files` are the RTL as Yosys reads it (relative to options.cwd, or
// absolute); yosys.log, <top>.json (the netlist) and nextpnr.log end up in
// `dir`. Returns the design's entry of synth.json (labctl.synth/1 designs[]):
// status "ok", "synthesis failed" or "place and route failed" with Yosys's
// or nextpnr's message; luts, flip_flops, ram_blocks, carries, cells; and
// after place and route logic_cells, fmax_mhz per clock and fmax_min_mhz.
nlohmann::json synthesize(const Launcher& launch, const SynthTools& tools, const SynthDesign& d,
                          const std::vector<std::string>& files, const SynthOptions& o, const fs::path& dir,
                          const RunOptions& options);

int cmd_synth(const Context& c, const std::string& lab_id, const SynthOptions& o);

}  // namespace labctl
