// `labctl wave` (src/wave.hpp) and its VCD reader (src/vcd.hpp), on a waveform
// Verilator wrote (data/counter_replay.vcd: labkit_hdl_tests' 8-bit counter,
// the replay of Replay.NamesTheWaveformOfTheSimulationThatFailed, cycles 0-29,
// two reset cycles then counting: count = cycle - 2) and on hand-made ones.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "vcd.hpp"
#include "wave.hpp"

using namespace labctl;

namespace {

Vcd counter_vcd() {
  std::ifstream in(std::string(LABS_SOURCE_DIR) + "/tools/labctl-src/tests/data/counter_replay.vcd");
  EXPECT_TRUE(in) << "tests/data/counter_replay.vcd is missing";
  return parse_vcd(in);
}

std::string value(const Vcd& vcd, const std::string& signal, std::uint64_t time) {
  const VcdSignal* s = vcd.find(signal);
  EXPECT_TRUE(s) << signal;
  if (!s) return "";
  const auto v = vcd.value_at(*s, time);
  return v ? format_vcd_value(*v, s->width) : "-";
}

Vcd parse_text(const std::string& text) {
  std::istringstream in(text);
  return parse_vcd(in);
}

}  // namespace

TEST(Vcd, ReadsVerilatorsHeader) {
  const Vcd vcd = counter_vcd();
  EXPECT_EQ(vcd.timescale, "1ps");
  ASSERT_EQ(vcd.signals.size(), 10u) << "five ports in TOP, the same five in TOP.counter";
  const VcdSignal* count = vcd.find("count");
  ASSERT_TRUE(count);
  EXPECT_EQ(count->path(), "TOP.count");
  EXPECT_EQ(count->width, 8);
  EXPECT_EQ(vcd.find("counter.count")->trace, count->trace) << "a port and its module's signal share one trace";
  EXPECT_EQ(vcd.find("nonexistent"), nullptr);
  EXPECT_EQ(vcd.end_time, 285u) << "cycle 29's rising edge";
  EXPECT_TRUE(is_clocked(vcd));
}

TEST(Vcd, CycleNIsTheStateJustAfterTheNthRisingEdge) {
  const Vcd vcd = counter_vcd();
  for (std::uint64_t n = 1; n <= 29; ++n) {
    // The mapping of cycle_time() is where the dump's clock really rises.
    EXPECT_EQ(value(vcd, "clk", cycle_time(n, true)), "1") << n;
    EXPECT_EQ(value(vcd, "clk", cycle_time(n, true) - 1), "0") << n;
    const std::uint64_t want = n < 2 ? 0 : n - 2;  // two cycles of reset, then one count per cycle
    std::ostringstream hex;
    if (want < 10) hex << want;
    else hex << "0x" << std::hex << want;
    EXPECT_EQ(value(vcd, "count", cycle_time(n, true)), hex.str()) << "cycle " << n;
  }
  EXPECT_EQ(value(vcd, "rst", cycle_time(2, true)), "1") << "reset is released after the second edge";
  EXPECT_EQ(value(vcd, "rst", cycle_time(3, true)), "0");
  EXPECT_EQ(cycle_span(vcd), std::make_pair(std::uint64_t{0}, std::uint64_t{29}));
}

TEST(Vcd, TableAroundACycle) {
  const WaveTable t = wave_table(counter_vcd(), 10, 14, 12);
  EXPECT_EQ(t.rows, (std::vector<std::string>{"count", "en", "rst", "wrapped"})) << "clk is left out: always 1 there";
  EXPECT_EQ(t.text,
            "cycle    10  11  *12   13   14\n"
            "count     8   9  0xa  0xb  0xc\n"
            "en        1   1    1    1    1\n"
            "rst       0   0    0    0    0\n"
            "wrapped   0   0    0    0    0\n");
  const WaveTable chosen = wave_table(counter_vcd(), 0, 1, std::nullopt, {"counter.count", "clk"});
  EXPECT_EQ(chosen.text,
            "cycle          0  1\n"
            "counter.count  0  0\n"
            "clk            0  1\n");
  EXPECT_THROW(wave_table(counter_vcd(), 0, 1, std::nullopt, {"nope"}), VcdError);
}

TEST(Vcd, FormatsValuesAsTheTestMessagesDo) {
  EXPECT_EQ(format_vcd_value("1", 1), "1");
  EXPECT_EQ(format_vcd_value("101", 8), "5") << "VCD drops leading zeros";
  EXPECT_EQ(format_vcd_value("1010", 8), "0xa");
  EXPECT_EQ(format_vcd_value("0000000100000000", 16), "0x100");
  EXPECT_EQ(format_vcd_value("1x01", 4), "x");
  EXPECT_EQ(format_vcd_value("zzzz", 4), "z");
  EXPECT_EQ(format_vcd_value(std::string(72, '1'), 72), "0xffffffffffffffffff") << "wider than 64 bits";
}

TEST(Vcd, HeaderKeywordsOverSeveralLinesAndRealValues) {
  const Vcd vcd = parse_text(
      "$date today $end\n$timescale\n  1 ns\n$end\n$scope module top $end\n"
      "$var reg 4 ! state $end $var real 64 \" temp $end\n$upscope $end\n$enddefinitions $end\n"
      "$dumpvars\nb0 !\nr1.5 \"\n$end\n#10\nb11 !\n#20\nbx !\n");
  EXPECT_EQ(vcd.timescale, "1ns");
  EXPECT_EQ(value(vcd, "state", 0), "0");
  EXPECT_EQ(value(vcd, "state", 15), "3");
  EXPECT_EQ(value(vcd, "state", 25), "x");
  EXPECT_EQ(value(vcd, "temp", 25), "1.5");
  EXPECT_FALSE(is_clocked(vcd));
  EXPECT_EQ(cycle_span(vcd), std::make_pair(std::uint64_t{0}, std::uint64_t{2}));
}

TEST(Vcd, MalformedFilesNameTheLine) {
  try {
    parse_text("$scope module t $end\n$var wire 1 ! a $end\n$upscope $end\n$enddefinitions $end\n#0\n1?\n");
    FAIL() << "an undeclared code was accepted";
  } catch (const VcdError& e) {
    EXPECT_STREQ(e.what(), "line 6: value change for undeclared identifier code '?'");
  }
  EXPECT_THROW(parse_text("$scope module t $end\n$var wire 1 ! a $end\n"), VcdError) << "no $enddefinitions";
  EXPECT_THROW(parse_text("$var wire wide ! a $end\n$enddefinitions $end\n"), VcdError) << "width not a number";
}

// GoogleTest's output of hdl-fifo's starter (trimmed), with labkit::hdl's lines.
TEST(Wave, FindsTheFirstFailingTestItsCycleAndWaveform) {
  const std::string output = R"([ RUN      ] Fifo.Directed
[       OK ] Fifo.Directed (1 ms)
[ RUN      ] Fifo.LongRandomTraffic
../../phases/01-foundations/hdl-fifo/tests/test_fifo.cpp:52: Failure
cycle 2: empty = 0, expected 1 (after reset)
  see /work/repo/phases/01-foundations/hdl-fifo/student/fifo.sv:44: TODO(3): the outputs
../../phases/01-foundations/hdl-fifo/tests/test_fifo.cpp:51: Failure
cycle 3: count = 0, expected 1 (push 0xe3, pop)
[ sim ] Fifo.LongRandomTraffic: 180 cycles in 0.013 s, 0.01 M cycles/s
[ waveform ] out/hdl-fifo/Fifo.LongRandomTraffic-2.vcd (cycles 0-19): labctl wave hdl-fifo Fifo.LongRandomTraffic-2 prints it
[  FAILED  ] Fifo.LongRandomTraffic (29 ms)
[  FAILED  ] 1 test, listed below:
[  FAILED  ] Fifo.LongRandomTraffic
)";
  const auto f = first_failure(output);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->test, "Fifo.LongRandomTraffic");
  EXPECT_EQ(f->cycle, 2u);
  EXPECT_EQ(f->message, "cycle 2: empty = 0, expected 1 (after reset)");
  EXPECT_EQ(f->waveform, "out/hdl-fifo/Fifo.LongRandomTraffic-2.vcd");
  EXPECT_FALSE(first_failure("[ RUN      ] A.B\n[       OK ] A.B (0 ms)\n[  PASSED  ] 1 test.\n"));
}

// systolic-array mixes C++ and RTL tests: the first failure may have no
// waveform, a later one does, and the summary repeats the failed names.
TEST(Wave, ListsEveryFailureInOrderEachOnce) {
  const std::string output = R"([ RUN      ] OsAccounting.PublishedEightByEight
../../tests/test_os_accounting.cpp:20: Failure
TODO(1): count row_folds
[  FAILED  ] OsAccounting.PublishedEightByEight (0 ms)
[ RUN      ] RtlOsArray.FourByFour
cycle 40: acc = 0x52b0, expected 0x1018 (PE(0, 0), M=9 N=7 K=13 on 4x4, fold at (4, 0))
[ waveform ] out/systolic-array/RtlOsArray.FourByFour-3.vcd (cycles 0-40): labctl wave systolic-array RtlOsArray.FourByFour-3
[  FAILED  ] RtlOsArray.FourByFour (3 ms)
[  FAILED  ] 2 tests, listed below:
[  FAILED  ] OsAccounting.PublishedEightByEight
[  FAILED  ] RtlOsArray.FourByFour
)";
  const auto all = failures(output);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].test, "OsAccounting.PublishedEightByEight");
  EXPECT_EQ(all[0].waveform, "");
  EXPECT_EQ(all[0].message, "(see the test's output)");
  EXPECT_EQ(all[1].test, "RtlOsArray.FourByFour");
  EXPECT_EQ(all[1].cycle, 40u);
  EXPECT_EQ(all[1].waveform, "out/systolic-array/RtlOsArray.FourByFour-3.vcd");
}
