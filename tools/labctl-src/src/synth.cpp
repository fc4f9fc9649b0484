#include "synth.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <unistd.h>

#include "process.hpp"
#include "table.hpp"

namespace labctl {

using nlohmann::json;

CellCounts count_cells(const std::string& netlist_json, const std::string& top) {
  const json j = json::parse(netlist_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.contains("modules"))
    throw std::runtime_error("not a Yosys JSON netlist (no \"modules\")");
  const auto m = j["modules"].find(top);
  if (m == j["modules"].end()) throw std::runtime_error("the netlist has no module '" + top + "'");
  CellCounts out;
  const json& module = m.value();
  if (!module.contains("cells")) return out;
  for (const auto& cell : module.at("cells")) {
    const std::string type = cell.contains("type") ? cell.at("type").get<std::string>() : "";
    ++out.by_type[type];
    if (type == "SB_LUT4") ++out.luts;
    else if (type.rfind("SB_DFF", 0) == 0) ++out.flip_flops;
    else if (type.rfind("SB_RAM40_4K", 0) == 0) ++out.ram_blocks;
    else if (type == "SB_CARRY") ++out.carries;
  }
  return out;
}

PnrReport parse_nextpnr_log(const std::string& log) {
  PnrReport r;
  // "Info: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 152.28 MHz (PASS at 100.00 MHz)"
  static const std::regex fmax(R"(Max frequency for clock +'([^']+)': *([0-9.]+) MHz)");
  // "Info: 	         ICESTORM_LC:    12/ 7680     0%"
  static const std::regex lc(R"(ICESTORM_LC:\s*([0-9]+)\s*/\s*([0-9]+))");
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, fmax)) {
      std::string clock = m[1].str();
      // nextpnr names a clock by its net: clk$SB_IO_IN_$glb_clk is the port clk.
      if (const auto cut = clock.find('$'); cut != std::string::npos && cut > 0) clock = clock.substr(0, cut);
      r.fmax_mhz[clock] = std::stod(m[2].str());
    } else if (std::regex_search(line, m, lc)) {
      r.logic_cells = std::stoll(m[1].str());
      r.logic_cells_available = std::stoll(m[2].str());
    } else if (r.error.empty() && line.find("ERROR:") != std::string::npos) {
      r.error = line.substr(line.find("ERROR:"));
    }
  }
  return r;
}

std::string yosys_error(const std::string& log) {
  std::istringstream in(log);
  std::string previous;
  for (std::string line; std::getline(in, line); previous = line) {
    const auto at = line.find("ERROR:");
    if (at == std::string::npos) continue;
    // "phases/x/y.sv:12: ERROR: syntax error, unexpected ..." names its place itself.
    if (at > 0) return line;
    static const std::regex place(R"(\S+\.s?v:[0-9]+)");
    return std::regex_search(previous, place) ? previous + "\n" + line : line;
  }
  return "";
}

namespace {

std::string first_line(const std::string& s) {
  const auto end = s.find('\n');
  return s.substr(0, end);
}

std::string mhz(double v) { return fmt::format("{:.1f}", v); }

const char* kInstall = "apt-get install yosys nextpnr-ice40 fpga-icestorm (tools/labctl synth LAB installs them with the lab's packages)";

}  // namespace

SynthTools find_synth_tools() { return {find_on_path("yosys"), find_on_path("nextpnr-ice40")}; }

std::string SynthTools::missing() const {
  if (yosys && nextpnr) return "";
  return std::string(!yosys ? (nextpnr ? "yosys is" : "yosys and nextpnr-ice40 are") : "nextpnr-ice40 is") +
         " not installed: " + kInstall;
}

json synthesize(const Launcher& launch, const SynthTools& tools, const SynthDesign& d, const std::vector<std::string>& files,
                const SynthOptions& o, const fs::path& dir, const RunOptions& options) {
  fs::create_directories(dir);
  json r = {{"top", d.top}, {"status", "ok"}, {"files", files}};
  const std::string folder = launch.report_folder;  // where the process writes, as it sees it
  std::string script = "read_verilog -sv";
  for (const auto& f : files) script += " " + f;
  script += ";";
  for (const auto& [k, v] : d.params) script += fmt::format(" chparam -set {} {} {};", k, v, d.top);
  script += " synth_ice40 -top " + d.top + " -json " + folder + "/" + d.top + ".json";
  // One process for both tools (the grader's sandbox gives each process a
  // private folder of its own, and the netlist must stay in it): Yosys,
  // then nextpnr on its netlist unless Yosys failed or nextpnr is missing.
  std::vector<std::string> argv = {
      "sh", "-c",
      "y=$1; p=$2; s=$3; shift 3; \"$y\" -q -l \"$0/yosys.log\" -p \"$s\" || exit $?; [ -n \"$p\" ] || exit 0; "
      "exec \"$p\" \"$@\"",
      folder, tools.yosys->string(), tools.nextpnr ? tools.nextpnr->string() : "", script};
  if (tools.nextpnr)
    argv.insert(argv.end(), {"--" + o.device, "--package", o.package, "--json", folder + "/" + d.top + ".json", "--asc",
                             folder + "/" + d.top + ".asc", "--freq", fmt::format("{}", o.freq_mhz), "--seed",
                             std::to_string(o.seed),
                             // A design slower than the target is a result to report, not a failure.
                             "--timing-allow-fail", "-q", "-l", folder + "/nextpnr.log"});
  const fs::path netlist = dir / (d.top + ".json");
  for (const char* f : {"yosys.log", "nextpnr.log"}) fs::remove(dir / f);
  fs::remove(netlist);
  fmt::print(stderr, "labctl: synth {}: yosys (synth_ice40){}\n", d.top,
             tools.nextpnr ? ", nextpnr-ice40 (place and route, timing)" : "");
  const RunResult run = launch.start(argv, options, {{"yosys.log", dir / "yosys.log"}, {d.top + ".json", netlist},
                                                     {"nextpnr.log", dir / "nextpnr.log"}});
  if (!fs::exists(netlist)) {
    const std::string why = yosys_error(read_text(dir / "yosys.log") + "\n" + run.output);
    r["status"] = "synthesis failed";
    r["message"] = why.empty() ? run.describe(options.timeout_s) : why;
    return r;
  }
  CellCounts cells;
  try {
    cells = count_cells(read_text(netlist), d.top);
  } catch (const std::runtime_error& e) {
    r["status"] = "synthesis failed";
    r["message"] = netlist.string() + ": " + e.what();
    return r;
  }
  r["luts"] = cells.luts;
  r["flip_flops"] = cells.flip_flops;
  r["ram_blocks"] = cells.ram_blocks;
  r["carries"] = cells.carries;
  r["cells"] = cells.by_type;
  if (!tools.nextpnr) return r;
  const PnrReport pnr = parse_nextpnr_log(read_text(dir / "nextpnr.log") + "\n" + run.output);
  if (pnr.logic_cells >= 0) {
    r["logic_cells"] = pnr.logic_cells;
    r["logic_cells_available"] = pnr.logic_cells_available;
  }
  if (!run.ok()) {
    // Unroutable, or more cells or pins than the device has: the counts above stay.
    r["status"] = "place and route failed";
    r["message"] = pnr.error.empty() ? run.describe(options.timeout_s) : pnr.error;
    return r;
  }
  r["fmax_mhz"] = pnr.fmax_mhz;
  if (!pnr.fmax_mhz.empty()) {
    double worst = 1e9;
    for (const auto& [clock, f] : pnr.fmax_mhz) worst = std::min(worst, f);
    r["fmax_min_mhz"] = worst;
  }
  return r;
}

int cmd_synth(const Context& c, const std::string& lab_id, const SynthOptions& o) {
  const Lab lab = c.find_lab(lab_id);
  if (lab.synth.empty())
    throw UsageError("lab '" + lab.id + "' names no design to synthesize: " + lab.manifest.string() +
                     " has no [[synth]] table (docs/authoring.md, \"Synthesis\")");
  // The files first (a wrong path is the lab's to fix, whatever is installed).
  for (const auto& d : lab.synth) {
    if (!o.design.empty() && d.top != o.design) continue;
    for (const auto& f : o.impl == "reference" ? d.reference : d.student)
      if (!fs::exists(lab.dir / f))
        throw FileError(lab.manifest, d.line, "[[synth]] " + d.top + ": no file " + (lab.dir / f).string(),
                        o.impl == "reference" ? "fix the path (a student handout has no reference/: synthesize your own RTL)"
                                              : "fix the path, or list the learner's files with student = [...]");
  }
  const SynthTools tools = find_synth_tools();
  if (!tools.yosys) throw UsageError(std::string("yosys is not installed: ") + kInstall);
  if (!tools.nextpnr) fmt::print(stderr, "labctl: nextpnr-ice40 is not installed: counts only, no clock frequency; {}\n", kInstall);

  const std::string yosys_version = first_line(run_process({tools.yosys->string(), "-V"}).output);
  const std::string nextpnr_version = tools.nextpnr ? first_line(run_process({tools.nextpnr->string(), "--version"}).output) : "";
  const fs::path out = c.lab_out(lab) / "synth" / o.impl;

  json designs = json::array();
  std::vector<TableRow> rows;
  bool all_ok = true, any = false;
  for (const auto& d : lab.synth) {
    if (!o.design.empty() && d.top != o.design) continue;
    any = true;
    const fs::path dir = out / d.top;
    std::vector<std::string> files;
    for (const auto& f : o.impl == "reference" ? d.reference : d.student)
      files.push_back(fs::relative(lab.dir / f, c.root).generic_string());
    RunOptions ro;
    ro.cwd = c.root;  // Yosys's messages then name files relative to the repository
    ro.timeout_s = 600;
    const json r = synthesize(direct_launcher(dir), tools, d, files, o, dir, ro);
    designs.push_back(r);
    const std::string status = r["status"];
    if (status == "synthesis failed") {
      all_ok = false;
      const std::string why = r["message"];
      fmt::print(stderr, "labctl: yosys could not synthesize {}:\n  {}\n  the log: {}\n", d.top, why, (dir / "yosys.log").string());
      rows.push_back({d.top, "-", "-", "-", "-", "-", "synthesis failed"});
      continue;
    }
    std::string fmax_cell = "-", lcs = "-", note;
    if (r.contains("logic_cells"))
      lcs = fmt::format("{}/{}", r["logic_cells"].get<long long>(), r["logic_cells_available"].get<long long>());
    if (status != "ok") {
      all_ok = false;
      note = "place and route failed: " + r["message"].get<std::string>();
      fmt::print(stderr, "labctl: nextpnr-ice40 could not place and route {}: {}\n  the log: {}\n", d.top,
                 r["message"].get<std::string>(), (dir / "nextpnr.log").string());
    } else if (tools.nextpnr) {
      const auto& fmax = r["fmax_mhz"];
      if (fmax.empty()) note = "no clock";
      for (const auto& [clock, f] : fmax.items()) note += (note.empty() ? "" : ", ") + clock + " " + mhz(f.get<double>());
      if (r.contains("fmax_min_mhz")) fmax_cell = mhz(r["fmax_min_mhz"].get<double>());
      if (fmax.size() == 1) note.clear();
    }
    rows.push_back({d.top, std::to_string(r["luts"].get<long long>()), std::to_string(r["flip_flops"].get<long long>()),
                    std::to_string(r["ram_blocks"].get<long long>()), lcs, fmax_cell, note});
  }
  if (!any) throw UsageError("lab '" + lab.id + "' has no [[synth]] design '" + o.design + "'");

  const json report = {{"schema", "labctl.synth/1"},
                       {"lab", lab.id},
                       {"impl", o.impl},
                       {"device", o.device},
                       {"package", o.package},
                       {"seed", o.seed},
                       {"target_mhz", o.freq_mhz},
                       {"yosys", yosys_version},
                       {"nextpnr", nextpnr_version},
                       {"designs", designs}};
  fs::create_directories(c.lab_out(lab));
  std::ofstream(c.lab_out(lab) / "synth.json") << report.dump(2) << "\n";
  if (o.json) {
    fmt::print("{}\n", report.dump(2));
  } else {
    fmt::print("{} ({}): iCE40 {} {}, nextpnr seed {}, target {} MHz\n{}\n{}\n", lab.id, o.impl, o.device, o.package,
               o.seed, o.freq_mhz, yosys_version, nextpnr_version.empty() ? "nextpnr-ice40: not installed" : nextpnr_version);
    fmt::print("{}", render_table({{"design"}, {"LUT4", true}, {"DFF", true}, {"RAM", true}, {"LCs used", true},
                                   {"Fmax MHz", true}, {"", false, 60}},
                                  rows, "  "));
    fmt::print("report: {}; logs and netlists: {}\n", (c.lab_out(lab) / "synth.json").string(), out.string());
  }
  return all_ok ? 0 : 1;
}

}  // namespace labctl
