// `labctl synth` (src/synth.hpp): the parsers on output captured from the
// tools (data/synth/: Yosys 0.23's synth_ice40 -json netlist, trimmed to the top
// module's cell types, and nextpnr-ice40
// 0.4's log for the fpga-cdc lab's reference adder_tree and async_fifo, and a
// log of a design with more pins than the package), which need no tools; then
// the command end to end on a scratch lab, skipped where yosys is missing.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "manifest.hpp"
#include "process.hpp"
#include "synth.hpp"

using namespace labctl;

namespace {

std::string data(const std::string& name) {
  const std::string text = read_text(std::string(LABS_SOURCE_DIR) + "/tools/labctl-src/tests/data/synth/" + name);
  EXPECT_FALSE(text.empty()) << "tests/data/synth/" << name << " is missing";
  return text;
}

}  // namespace

TEST(SynthParse, CountsTheCellsOfTheTopModule) {
  const CellCounts c = count_cells(data("adder_tree.json"), "adder_tree");
  // adder_tree (W = 16): 128 input, 19 output and 3 + 1 valid flip-flops, and
  // the registered sums between them: 4 x 17 + 2 x 18 bits.
  EXPECT_EQ(c.flip_flops, 128 + 4 * 17 + 2 * 18 + 19 + 4);
  EXPECT_EQ(c.ram_blocks, 0);
  EXPECT_GT(c.luts, 100);
  EXPECT_EQ(c.luts, c.by_type.at("SB_LUT4"));
  long long dff_types = 0;
  for (const auto& [type, n] : c.by_type)
    if (type.rfind("SB_DFF", 0) == 0) dff_types += n;
  EXPECT_EQ(dff_types, c.flip_flops);
  EXPECT_THROW(count_cells(data("adder_tree.json"), "no_such_top"), std::runtime_error);
  EXPECT_THROW(count_cells("{\"creator\": \"not a netlist\"}", "adder_tree"), std::runtime_error);
}

TEST(SynthParse, ReadsTheLastFmaxOfEveryClockAndTheLogicCells) {
  const PnrReport one = parse_nextpnr_log(data("adder_tree.nextpnr.log"));
  ASSERT_EQ(one.fmax_mhz.size(), 1u);
  ASSERT_TRUE(one.fmax_mhz.count("clk")) << "the clock net clk$SB_IO_IN_$glb_clk is the port clk";
  EXPECT_GT(one.fmax_mhz.at("clk"), 50.0);
  EXPECT_GT(one.logic_cells, 0);
  EXPECT_EQ(one.logic_cells_available, 7680);
  EXPECT_EQ(one.error, "");

  const PnrReport two = parse_nextpnr_log(data("async_fifo.nextpnr.log"));
  EXPECT_EQ(two.fmax_mhz.size(), 2u) << "wr_clk and rd_clk";
  EXPECT_TRUE(two.fmax_mhz.count("wr_clk") && two.fmax_mhz.count("rd_clk"));

  // The final report wins over the estimate after placement.
  const PnrReport later = parse_nextpnr_log(
      "Info: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 90.00 MHz (PASS at 12.00 MHz)\n"
      "Info: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 80.50 MHz (PASS at 12.00 MHz)\n");
  EXPECT_DOUBLE_EQ(later.fmax_mhz.at("clk"), 80.5);
}

TEST(SynthParse, NamesWhatPlaceAndRouteCouldNotDo) {
  const PnrReport r = parse_nextpnr_log(data("too_many_pins.nextpnr.log"));
  EXPECT_NE(r.error.find("ERROR:"), std::string::npos) << r.error;
  EXPECT_TRUE(r.fmax_mhz.empty());
}

TEST(SynthParse, YosysErrorKeepsFileAndLine) {
  EXPECT_EQ(yosys_error("-- Parsing `x.sv' using frontend ` -sv' --\nphases/a/b/student/x.sv:7: ERROR: syntax error, unexpected ';'\n"),
            "phases/a/b/student/x.sv:7: ERROR: syntax error, unexpected ';'");
  EXPECT_EQ(yosys_error("2.1. Executing HIERARCHY pass.\nERROR: Module `nope' not found!\n"), "ERROR: Module `nope' not found!");
  EXPECT_EQ(yosys_error("all fine\n"), "");
}

namespace {

// A scratch course with one lab, synth-demo: a reference that synthesizes
// (two flip-flops, one clock) and a student file with a syntax error.
fs::path scratch_synth_lab(const std::string& name) {
  const fs::path root = fs::temp_directory_path() / name;
  fs::remove_all(root);
  const fs::path lab = root / "phases/01-foundations/synth-demo";
  fs::create_directories(lab / "reference");
  fs::create_directories(lab / "student");
  std::ofstream(lab / "lab.toml") << "id = \"synth-demo\"\ntitle = \"t\"\nphase = 1\nmodule = \"m\"\nlayers = [\"L6\"]\n"
                                     "[[synth]]\ntop = \"two_flops\"\nreference = [\"reference/two_flops.sv\"]\n";
  const std::string good =
      "module two_flops (input logic clk, input logic d, output logic q);\n"
      "  logic m;\n"
      "  always_ff @(posedge clk) begin\n"
      "    m <= d;\n"
      "    q <= m;\n"
      "  end\n"
      "endmodule\n";
  std::ofstream(lab / "reference/two_flops.sv") << good;
  std::string bad = good;
  bad.replace(bad.find("q <= m;"), 7, "q <= m");  // line 5 loses its ';'
  bad.replace(bad.find("  end\n"), 6, "  end;;\n");
  std::ofstream(lab / "student/two_flops.sv") << bad;
  return root;
}

}  // namespace

TEST(SynthCommand, ReportsCountsAndFmaxAndNamesTheBrokenLine) {
  if (run_process({"sh", "-c", "command -v yosys && command -v nextpnr-ice40"}).exit_code != 0)
    GTEST_SKIP() << "yosys or nextpnr-ice40 is not installed (apt-get install yosys nextpnr-ice40): nothing to run";
  const fs::path root = scratch_synth_lab("labctl-synth-test");
  RunOptions o;
  o.timeout_s = 300;
  o.env = {{"NO_COLOR", "1"}, {"LABS_OUT", (root / "out").string()}};
  const auto ok = run_process({LABCTL_EXE, "--root", root.string(), "synth", "synth-demo", "--impl", "reference"}, o);
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  const auto j = nlohmann::json::parse(read_text(root / "out/synth-demo/synth.json"));
  EXPECT_EQ(j["schema"], "labctl.synth/1");
  EXPECT_EQ(j["seed"], 1);
  const auto& d = j["designs"][0];
  EXPECT_EQ(d["status"], "ok");
  EXPECT_EQ(d["flip_flops"], 2);
  EXPECT_EQ(d["luts"], 0);
  EXPECT_GT(d["fmax_min_mhz"].get<double>(), 100.0) << "two flip-flops in a row";
  EXPECT_NE(ok.output.find("two_flops"), std::string::npos) << ok.output;

  const auto broken = run_process({LABCTL_EXE, "--root", root.string(), "synth", "synth-demo"}, o);
  EXPECT_EQ(broken.exit_code, 1) << broken.output;
  EXPECT_NE(broken.output.find("phases/01-foundations/synth-demo/student/two_flops.sv:"), std::string::npos) << broken.output;
  EXPECT_NE(broken.output.find("ERROR"), std::string::npos) << broken.output;
  fs::remove_all(root);
}

// lab.toml [[synth]]: the student files default to reference/X -> student/X;
// a mistake names the file, the line and the fix.
TEST(SynthManifest, DefaultsAndMistakes) {
  const fs::path lab = fs::temp_directory_path() / "labctl-synth-manifest/phases/01-foundations/m";
  fs::remove_all(lab.parent_path().parent_path());
  fs::create_directories(lab / "reference");
  std::ofstream(lab / "reference/a.sv") << "module a; endmodule\n";
  std::ofstream(lab / "rtl.sv") << "module b; endmodule\n";
  const std::string head = "id = \"m\"\ntitle = \"t\"\nphase = 1\nmodule = \"m\"\nlayers = [\"L6\"]\n";
  auto parse = [&](const std::string& synth) {
    std::ofstream(lab / "lab.toml") << head << synth;
    return parse_manifest(lab / "lab.toml");
  };
  const Lab ok = parse("[[synth]]\ntop = \"a\"\nreference = [\"reference/a.sv\", \"rtl.sv\"]\nparams = { N = 2 }\n");
  ASSERT_EQ(ok.synth.size(), 1u);
  EXPECT_EQ(ok.synth[0].student, (std::vector<std::string>{"student/a.sv", "rtl.sv"}));
  ASSERT_EQ(ok.synth[0].params.size(), 1u);
  EXPECT_EQ(ok.synth[0].params[0], (std::pair<std::string, long long>{"N", 2}));

  auto error = [&](const std::string& synth) {
    try {
      parse(synth);
    } catch (const FileError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // A file that is not there (a handout withholds reference/) is labctl synth's error, not the manifest's.
  EXPECT_EQ(error("[[synth]]\ntop = \"a\"\nreference = [\"reference/missing.sv\"]\n"), "no error");
  EXPECT_NE(error("[[synth]]\ntop = \"a\"\nreference = [\"/abs/a.sv\"]\n").find("relative to the lab folder"), std::string::npos);
  EXPECT_NE(error("[[synth]]\ntop = \"a\"\nreference = [\"reference/a.sv\"]\nclock = \"clk\"\n").find("unknown [[synth]] key 'clock'"),
            std::string::npos);
  EXPECT_NE(error("[[synth]]\nreference = [\"reference/a.sv\"]\n").find("needs top"), std::string::npos);
  EXPECT_NE(error("[synth]\ntop = \"a\"\n").find("array of tables"), std::string::npos);
  fs::remove_all(lab.parent_path().parent_path());
}

// Without yosys on the PATH the command says how to install it (no tools needed).
TEST(SynthCommand, WithoutYosysSaysHowToInstall) {
  RunOptions o;
  o.timeout_s = 60;
  const fs::path root = scratch_synth_lab("labctl-synth-none");
  o.env = {{"NO_COLOR", "1"}, {"PATH", "/nonexistent"}, {"LABS_OUT", (root / "out").string()}};
  const auto r = run_process({LABCTL_EXE, "--root", root.string(), "synth", "synth-demo"}, o);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("yosys is not installed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("apt-get install yosys nextpnr-ice40 fpga-icestorm"), std::string::npos) << r.output;

  // A file that is missing is named, with the fix, before the tools are looked for.
  fs::remove(root / "phases/01-foundations/synth-demo/student/two_flops.sv");
  const auto missing = run_process({LABCTL_EXE, "--root", root.string(), "synth", "synth-demo"}, o);
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("lab.toml:6: [[synth]] two_flops: no file"), std::string::npos) << missing.output;

  // A lab without [[synth]] says so first.
  std::ofstream(root / "phases/01-foundations/synth-demo/lab.toml")
      << "id = \"synth-demo\"\ntitle = \"t\"\nphase = 1\nmodule = \"m\"\nlayers = [\"L6\"]\n";
  const auto none = run_process({LABCTL_EXE, "--root", root.string(), "synth", "synth-demo"}, o);
  EXPECT_EQ(none.exit_code, 2) << none.output;
  EXPECT_NE(none.output.find("has no [[synth]] table"), std::string::npos) << none.output;
  fs::remove_all(root);
}
