// Tests of the testbench library itself, on a Verilated 8-bit counter
// (tests/counter.sv, with coverage and tracing): clocking, the scoreboard's
// messages, TODO hints, waveforms (a VCD header GTKWave accepts), replay of a
// failing testbench, coverage and seeded stimulus.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <fstream>
#include <labkit/hdl.hpp>
#include <sstream>

#include "Vcounter.h"

namespace hdl = labkit::hdl;
using Counter = hdl::Sim<Vcounter>;

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Everything GTKWave needs before the first value change.
void expect_vcd_header(const std::string& vcd) {
  EXPECT_EQ(vcd.rfind("$version", 0), 0u) << vcd.substr(0, 200);
  EXPECT_NE(vcd.find("$timescale"), std::string::npos);
  EXPECT_NE(vcd.find("$scope module TOP $end"), std::string::npos);
  EXPECT_NE(vcd.find("$var wire  8"), std::string::npos);  // count[7:0]
  EXPECT_NE(vcd.find(" count [7:0] $end"), std::string::npos);
  EXPECT_NE(vcd.find("$enddefinitions $end"), std::string::npos);
  EXPECT_NE(vcd.find("\n#0\n"), std::string::npos);
}

}  // namespace

TEST(Sim, ClockResetAndCycles) {
  Counter sim;
  sim.reset();
  EXPECT_EQ(sim.cycle(), 2u);
  EXPECT_EQ(sim->count, 0);
  sim->en = 1;
  sim.tick(10);
  EXPECT_EQ(sim->count, 10);
  sim->en = 0;
  sim.tick(3);
  EXPECT_EQ(sim->count, 10);
  EXPECT_EQ(sim.cycle(), 15u);
  sim->en = 1;
  sim.tick(246);
  EXPECT_EQ(sim->count, 0);
  EXPECT_EQ(sim->wrapped, 1);
}

TEST(Scoreboard, NamesSignalCycleAndValues) {
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter r(::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD,
                                                  &failures);
    Counter sim;
    sim.reset();
    sim->en = 1;
    sim.tick(10);
    EXPECT_TRUE(sim.check("count", sim->count, 10));
    EXPECT_FALSE(sim.check("count", sim->count, 42, "en=1"));
    EXPECT_FALSE(sim.check("wrapped", sim->wrapped, 1));
  }
  ASSERT_EQ(failures.size(), 2);
  EXPECT_STREQ(failures.GetTestPartResult(0).message(), "cycle 12: count = 0xa, expected 0x2a (en=1)");
  EXPECT_STREQ(failures.GetTestPartResult(1).message(), "cycle 12: wrapped = 0, expected 1");
}

TEST(Scoreboard, TransactionsInOrder) {
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter r(::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD,
                                                  &failures);
    hdl::Scoreboard board;
    board.expect("rd_data", 1);
    board.expect("rd_data", 2, "pushed at cycle 3");
    board.expect("rd_data", 3);
    EXPECT_TRUE(board.observe(10, "rd_data", 1));
    EXPECT_FALSE(board.observe(11, "rd_data", 7));
    EXPECT_EQ(board.pending("rd_data"), 1u);
    board.finish(20);
    EXPECT_FALSE(board.observe(21, "rd_data", 4));
    EXPECT_EQ(board.mismatches(), 3);
    EXPECT_EQ(board.first_mismatch_cycle(), 11u);
  }
  ASSERT_EQ(failures.size(), 3);
  EXPECT_STREQ(failures.GetTestPartResult(0).message(), "cycle 11: rd_data = 7, expected 2 (pushed at cycle 3)");
  EXPECT_STREQ(failures.GetTestPartResult(1).message(),
               "cycle 20: 1 expected value(s) never came out on rd_data; the first was 3");
  EXPECT_STREQ(failures.GetTestPartResult(2).message(),
               "cycle 21: rd_data = 4 came out, but the model expected nothing more on rd_data");
}

TEST(Scoreboard, PointsAtTheStudentTodo) {
  const auto rtl = std::filesystem::temp_directory_path() / "labkit_hdl_todo_test.sv";
  std::ofstream(rtl) << "module m;\n"
                        "  // TODO(1): ADD and SUB: drive y and the carry c\n"
                        "  // TODO(2): the flags n and z from y\n"
                        "endmodule\n";
  hdl::set_rtl_sources({rtl.string()});
  EXPECT_EQ(hdl::todo_hint("z"), rtl.string() + ":3: TODO(2): the flags n and z from y");
  EXPECT_EQ(hdl::todo_hint("y", "SUB"), rtl.string() + ":2: TODO(1): ADD and SUB: drive y and the carry c");
  EXPECT_EQ(hdl::todo_hint("q"), rtl.string() + ":2: TODO(1): ADD and SUB: drive y and the carry c");
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter r(::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD,
                                                  &failures);
    hdl::Scoreboard board;
    board.check(5, "z", 0, 1);
  }
  hdl::set_rtl_sources({});
  std::filesystem::remove(rtl);
  ASSERT_EQ(failures.size(), 1);
  // The form labctl's TODO finder and the starter check look for.
  EXPECT_EQ(std::string(failures.GetTestPartResult(0).message()),
            "cycle 5: z = 0, expected 1\n  see " + rtl.string() + ":3: TODO(2): the flags n and z from y");
  EXPECT_EQ(hdl::todo_hint("z"), "");
}

TEST(Trace, WritesAVcdThatGtkwaveOpens) {
  const auto path = std::filesystem::temp_directory_path() / "labkit_hdl_trace_test.vcd";
  std::filesystem::remove(path);
  {
    Counter::Options o;
    o.trace = true;
    o.trace_path = path;
    Counter sim(o);
    ASSERT_TRUE(sim.trace_path());
    sim.reset();
    sim->en = 1;
    sim.tick(20);
  }
  const auto vcd = read_file(path);
  expect_vcd_header(vcd);
  EXPECT_NE(vcd.find("\n#215\n"), std::string::npos) << "22 cycles of 10 time units, the last edge at 215";
  std::filesystem::remove(path);
}

// A testbench that fails at cycle 20: run_testbench reports the mismatch once
// and replays the body with a waveform that ends 16 cycles after it.
TEST(Replay, FailingTestbenchLeavesAWaveform) {
  int runs = 0;
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter r(::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD,
                                                  &failures);
    hdl::run_testbench([&] {
      ++runs;
      Counter sim;
      sim.reset();
      sim->en = 1;
      for (int i = 0; i < 200; ++i) {
        sim.tick();
        sim.check("count", sim->count, sim.cycle() == 20 ? 99 : (sim.cycle() - 2) & 0xff);
      }
    });
  }
  EXPECT_EQ(runs, 2);
  ASSERT_EQ(failures.size(), 1) << "the replay's failures are not reported again";
  EXPECT_STREQ(failures.GetTestPartResult(0).message(), "cycle 20: count = 0x12, expected 0x63");
  const auto vcd_path = hdl::settings().out_dir / (hdl::current_test_name() + ".vcd");
  ASSERT_TRUE(std::filesystem::exists(vcd_path)) << vcd_path;
  const auto vcd = read_file(vcd_path);
  expect_vcd_header(vcd);
  EXPECT_NE(vcd.find("\n#365\n"), std::string::npos) << "traced up to cycle 36";
  EXPECT_EQ(vcd.find("\n#370\n"), std::string::npos) << "and stopped there";
}

// A test that simulates three times and fails only in the third (the shape
// of systolic-array's RtlOsArray.FourByFour): the replay traces the third
// simulation, names its file <Test>-3.vcd, and leaves the passing ones alone,
// even though the first runs longer than the failing cycle + 16.
TEST(Replay, NamesTheWaveformOfTheSimulationThatFailed) {
  const auto dir = hdl::settings().out_dir;
  const std::string test = hdl::current_test_name();
  for (const char* suffix : {"", "-2", "-3"}) std::filesystem::remove(dir / (test + suffix + ".vcd"));
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter r(::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD,
                                                  &failures);
    hdl::run_testbench([&] {
      for (int run = 1; run <= 3; ++run) {
        Counter sim;
        sim.reset();
        sim->en = 1;
        for (int i = 0; i < (run == 1 ? 100 : 30); ++i) {
          sim.tick();
          const bool wrong = run == 3 && sim.cycle() == 12;
          sim.check("count", sim->count, wrong ? 99 : (sim.cycle() - 2) & 0xff);
        }
      }
    });
  }
  ASSERT_EQ(failures.size(), 1);
  EXPECT_STREQ(failures.GetTestPartResult(0).message(), "cycle 12: count = 0xa, expected 0x63");
  EXPECT_FALSE(std::filesystem::exists(dir / (test + ".vcd"))) << "the first simulation passed: no waveform";
  EXPECT_FALSE(std::filesystem::exists(dir / (test + "-2.vcd")));
  const auto failing = dir / (test + "-3.vcd");
  ASSERT_TRUE(std::filesystem::exists(failing)) << failing;
  const auto vcd = read_file(failing);
  EXPECT_NE(vcd.find("\n#285\n"), std::string::npos) << "traced to 16 cycles past cycle 12 (as in the test above)";
  EXPECT_EQ(vcd.find("\n#295\n"), std::string::npos) << "and stopped there";
}

TEST(Coverage, ParsesAndSummarisesVerilatorData) {
  std::istringstream in(
      "# SystemC::Coverage-3\n"
      "C '\001f\002t.sv\001l\0021\001page\002v_toggle/t\001o\002clk\001h\002TOP.t' 19\n"
      "C '\001f\002t.sv\001l\0021\001page\002v_toggle/t\001o\002a[7]\001h\002TOP.t' 0\n"
      "C '\001f\002t.sv\001l\0022\001page\002v_branch/t\001o\002if\001h\002TOP.t' 1\n"
      "C '\001f\002t.sv\001l\0022\001page\002v_branch/t\001o\002else\001h\002TOP.t' 0\n"
      "C '\001f\002t.sv\001l\0023\001page\002v_line/t\001o\002block\001h\002TOP.t' 10\n");
  const auto c = hdl::summarize_coverage(hdl::parse_coverage(in));
  EXPECT_EQ(c.toggle_total, 2u);
  EXPECT_EQ(c.toggle_hit, 1u);
  EXPECT_EQ(c.line_total, 3u);
  EXPECT_EQ(c.line_hit, 2u);
  EXPECT_NEAR(c.line_percent(), 66.67, 0.01);
}

TEST(Coverage, CollectedFromEverySimulation) {
  { Counter sim; sim.reset(); sim->en = 1; sim.tick(300); }
  const auto c = hdl::coverage_so_far();
  EXPECT_GT(c.line_total, 0u);
  EXPECT_EQ(c.line_hit, c.line_total) << "every line of the counter ran";
  EXPECT_EQ(c.toggle_total, 12u) << "clk, rst, en, count[7:0], wrapped";
  EXPECT_EQ(c.toggle_hit, 12u);
}

TEST(Random, SeededPerTest) {
  hdl::Random a("stream"), b("stream"), c("other");
  bool differs = false;
  for (int i = 0; i < 16; ++i) {
    const auto x = a.bits(32);
    EXPECT_EQ(x, b.bits(32));
    differs |= x != c.bits(32);
    const auto r = a.range(-3, 3);
    b.range(-3, 3);
    EXPECT_GE(r, -3);
    EXPECT_LE(r, 3);
  }
  EXPECT_TRUE(differs);
}
