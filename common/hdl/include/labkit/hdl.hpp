// labkit/hdl.hpp: the testbench library of the HDL labs (Verilator + GoogleTest).
//
// A testbench drives a Verilated model cycle by cycle and compares what the
// RTL does with a golden C++ model, the way verification engineers work:
//
//   HDL_TEST(Fifo, RandomTraffic) {                 // a TEST() that replays itself with a waveform on failure
//     labkit::hdl::Sim<Dut> sim;                     // owns the model, its clock, cycle count and trace
//     labkit::hdl::Random rng;                       // seeded from LABKIT_SEED (and the test's name)
//     sim.reset();                                   // rst = 1 for two cycles, then 0
//     for (int i = 0; i < 1000; ++i) {
//       sim->push = rng.chance(0.5);                  // drive inputs, then
//       sim.tick();                                   // one rising clock edge
//       sim.check("empty", sim->empty, model.empty()); // "cycle 12: empty = 0, expected 1 ..."
//     }
//   }
//
// What it gives every testbench:
// - Sim<Model>: clock (`clk`) and reset (`rst`, active high) driving, cycle
//   counting, VCD tracing, simulated cycles per second (printed per testbench
//   and in total), and Verilator coverage collection in coverage builds.
// - Scoreboard: compares signals (or in-order transactions) with the model. A
//   mismatch is a GoogleTest failure naming the signal, the cycle and both
//   values; in a student build it also points at the TODO in the student RTL
//   that most likely covers that signal (file:line: TODO(n): ...), which is
//   what `labctl test` and the starter check look for.
// - Random: seeded stimulus; the same seed gives the same test, so a failing
//   run can be replayed exactly.
// - Waveforms: LABKIT_TRACE=1 (`labctl test LAB --trace`) traces every
//   testbench to out/<lab>/<Suite>.<Test>.vcd; without it, a failing HDL_TEST
//   is run a second time with tracing on (its failures swallowed), up to a few
//   cycles past the first mismatch, and the path of the waveform is printed.
//   A test that simulates several times (a new Sim per case) names its
//   waveforms <Suite>.<Test>.vcd, -2.vcd, -3.vcd...; the replay traces only the
//   simulation that failed first, and names its file.
// - Time in a waveform: every cycle is 10 time units. A clocked design's cycle
//   N (what a message "cycle N: ..." checked) is the state just after the
//   rising edge of clk at time 10*N - 5; a combinational design (step()) shows
//   cycle N's inputs and outputs from time 10*N. `labctl wave LAB` prints a
//   waveform as a table of cycles.
//
// Environment: LABKIT_TRACE=1 traces everything (the first LABKIT_TRACE_CYCLES
// cycles of each simulation, default 100000); LABKIT_OUT=<dir> is the out/
// root (files go to <dir>/<lab>/; default: the repository's out/);
// LABKIT_SEED=<n> changes the random stimulus (labkit::seed(), labkit/check.hpp:
// the default is labkit::kDefaultSeed, as for every lab).
//
// Port names are a convention: clocked designs have `clk` and `rst` (active
// high, synchronous). Combinational designs call step() instead of tick().
#pragma once
#include <gtest/gtest.h>
#include <verilated.h>
#include <verilated_cov.h>
#include <verilated_vcd_c.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

namespace labkit::hdl {

namespace fs = std::filesystem;

// What this binary is; add_hdl_lab() passes it as compile definitions.
struct BinaryInfo {
  std::string lab = "hdl";
  std::string impl = "test";           // reference, student, bench, test
  std::string out_root;                // default out/ root (the repository's out/)
  std::vector<std::string> rtl_sources;  // the RTL under test (student builds: TODO hints)
  bool coverage = false;               // the model is Verilated with coverage
};

struct Settings {
  std::string lab, impl;
  fs::path out_dir;                    // <out root>/<lab>: waveforms, coverage, sim stats
  bool trace_all = false;              // LABKIT_TRACE=1
  std::uint64_t trace_cycles = 100000; // LABKIT_TRACE_CYCLES: longest waveform per simulation
  bool coverage = false;
  std::vector<std::string> rtl_sources;
  std::uint64_t seed = 0;              // labkit::seed(): LABKIT_SEED, else labkit::kDefaultSeed
};

// The settings of this process (the first BinaryInfo configured wins; the
// environment overrides it).
const Settings& settings();
void configure(const BinaryInfo& info);
// The bench links the reference and student models and measures no coverage.
void set_coverage(bool on);
void set_rtl_sources(std::vector<std::string> files);  // for the library's own tests

// "Suite.Name" of the running GoogleTest test, "/" replaced by "_"; "sim" outside a test.
std::string current_test_name();

// A TODO comment in the RTL under test, chosen for a failing signal: first one
// whose text names `topic` (e.g. the operation), then one naming `signal`,
// then the lowest-numbered TODO. Empty when the RTL has none (the reference).
std::string todo_hint(std::string_view signal, std::string_view topic = {});

// Formats a signal value: decimal below 10, hex otherwise.
std::string format_value(std::uint64_t v);

// ----------------------------------------------------------------------------
// Scoreboard: compares DUT signals with the golden model's values.
class Scoreboard {
 public:
  explicit Scoreboard(int max_reports = 6) : max_reports_(max_reports) {}
  Scoreboard(const Scoreboard&) = delete;
  Scoreboard& operator=(const Scoreboard&) = delete;
  ~Scoreboard();

  // One signal at one cycle. `context` says what was applied (printed with
  // the mismatch); `topic` picks the TODO to point at (see todo_hint).
  bool check(std::uint64_t cycle, std::string_view signal, std::uint64_t actual, std::uint64_t expected,
             std::string_view context = {}, std::string_view topic = {},
             std::source_location where = std::source_location::current());

  // In-order transactions: expect() queues what the model says will come out
  // on `signal`; observe() compares what came out with the oldest queued value.
  void expect(std::string_view signal, std::uint64_t value, std::string context = {});
  bool observe(std::uint64_t cycle, std::string_view signal, std::uint64_t actual, std::string_view topic = {},
               std::source_location where = std::source_location::current());
  std::size_t pending(std::string_view signal) const;
  // Fails for every expected transaction that never came out.
  void finish(std::uint64_t cycle, std::source_location where = std::source_location::current());

  // A failure that is not a value mismatch ("tx_ready stayed 0 for 1000 cycles").
  void fail(std::uint64_t cycle, std::string_view signal, const std::string& what, std::string_view topic = {},
            std::source_location where = std::source_location::current());

  int mismatches() const { return mismatches_; }
  std::optional<std::uint64_t> first_mismatch_cycle() const { return first_; }

 private:
  void report(std::uint64_t cycle, std::string_view signal, const std::string& text, std::string_view topic,
              std::source_location where);
  int max_reports_;
  int mismatches_ = 0;
  std::optional<std::uint64_t> first_;
  std::map<std::string, std::deque<std::pair<std::uint64_t, std::string>>, std::less<>> queues_;
};

// ----------------------------------------------------------------------------
// Seeded stimulus.
class Random {
 public:
  // Seeded from LABKIT_SEED and `salt` (default: the current test's name), so
  // every test has its own stream and a replay repeats it exactly.
  explicit Random(std::string_view salt = {});
  std::uint64_t bits(int n);                          // n uniformly random bits, n <= 64
  std::int64_t range(std::int64_t lo, std::int64_t hi);  // uniform in [lo, hi]
  bool chance(double p);                              // true with probability p
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

// ----------------------------------------------------------------------------
namespace detail {

// Replay state of the current HDL_TEST (see run_testbench).
struct Replay {
  bool active = false;
  int target_sim = 0;             // the simulation of the test that failed first (1, 2, ...; 0: all)
  std::uint64_t trace_from = 0;   // open the waveform at this cycle
  std::uint64_t stop_after = ~0ull;  // end the replay after this cycle
};
Replay& replay();
struct StopReplay {};

// Called by Sim: its ordinal within the current test (1, 2, ...: a test may
// simulate several times), a waveform path for it (<name>.vcd for the first,
// <name>-<ordinal>.vcd for later ones), bookkeeping of simulated cycles,
// coverage merging.
int start_simulation();
fs::path trace_path_for(const std::string& name, int ordinal);
void note_waveform(const fs::path& path, std::uint64_t from_cycle, std::uint64_t to_cycle);
void note_simulation(const std::string& name, std::uint64_t cycles, double seconds);
void merge_coverage(VerilatedContext& ctx);
void note_mismatch(std::uint64_t cycle);

}  // namespace detail

// Runs a testbench body; when it fails (and tracing was off) runs it again with
// a waveform around the first mismatch and prints the waveform's path.
void run_testbench(const std::function<void()>& body);

// ----------------------------------------------------------------------------
// Sim: one Verilated model, its context, clock, reset, cycles and waveform.
template <class Model>
class Sim {
 public:
  struct Options {
    std::string name;        // waveform and report name (default: the current test's)
    bool trace = false;      // force a waveform (LABKIT_TRACE=1 turns it on for all)
    fs::path trace_path;     // where (default: out/<lab>/<name>.vcd)
  };

  Sim() : Sim(Options{}) {}
  explicit Sim(Options o) : name_(o.name.empty() ? current_test_name() : o.name) {
    ctx_ = std::make_unique<VerilatedContext>();
    ctx_->traceEverOn(true);
    ctx_->randReset(0);  // uninitialised registers start at 0: deterministic
    model_ = std::make_unique<Model>(ctx_.get(), "TOP");
    ordinal_ = detail::start_simulation();
    const auto& rp = detail::replay();
    // A replay traces only the simulation whose mismatch came first.
    replaying_ = rp.active && (rp.target_sim == 0 || rp.target_sim == ordinal_);
    want_trace_ = o.trace || settings().trace_all || replaying_;
    trace_from_ = replaying_ ? rp.trace_from : 0;
    if (want_trace_) {
      trace_path_ = o.trace_path.empty() ? detail::trace_path_for(name_, ordinal_) : o.trace_path;
      vcd_ = std::make_unique<VerilatedVcdC>();
      model_->trace(vcd_.get(), 99);
      if (trace_from_ == 0) open_trace();
    }
    started_ = std::chrono::steady_clock::now();
  }
  Sim(const Sim&) = delete;
  Sim& operator=(const Sim&) = delete;

  ~Sim() {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    model_->final();
    if (vcd_ && vcd_->isOpen()) {
      vcd_->close();
      detail::note_waveform(trace_path_, trace_opened_at_, cycle_);
    }
    if (settings().coverage) detail::merge_coverage(*ctx_);
    detail::note_simulation(name_, cycle_, seconds);
    model_.reset();
  }

  Model* operator->() { return model_.get(); }
  Model& dut() { return *model_; }
  VerilatedContext& context() { return *ctx_; }
  std::uint64_t cycle() const { return cycle_; }
  Scoreboard& scoreboard() { return board_; }
  // The waveform file, when this simulation is traced.
  std::optional<fs::path> trace_path() const {
    return want_trace_ ? std::optional<fs::path>(trace_path_) : std::nullopt;
  }

  // Settles combinational logic after inputs changed; no time passes.
  void eval() { model_->eval(); }

  // Combinational designs: apply the inputs, settle, record one time step.
  void step() {
    model_->eval();
    dump();
    ctx_->timeInc(10);
    end_cycle();
  }

  // Clocked designs: one cycle, ending just after a rising edge of clk.
  // Inputs set before tick() are sampled at that edge; registered outputs
  // read after tick() hold what the edge stored.
  void tick(int cycles = 1) {
    for (int i = 0; i < cycles; ++i) {
      model_->clk = 0;
      model_->eval();
      dump();
      ctx_->timeInc(5);
      model_->clk = 1;
      model_->eval();
      dump();
      ctx_->timeInc(5);
      end_cycle();
    }
  }

  // Synchronous active-high reset for `cycles` cycles.
  void reset(int cycles = 2) {
    model_->rst = 1;
    tick(cycles);
    model_->rst = 0;
    model_->eval();
  }

  // Compares one signal now (at this cycle) with the model's value.
  bool check(std::string_view signal, std::uint64_t actual, std::uint64_t expected, std::string_view context = {},
             std::string_view topic = {}, std::source_location where = std::source_location::current()) {
    return board_.check(cycle_, signal, actual, expected, context, topic, where);
  }
  void fail(std::string_view signal, const std::string& what, std::string_view topic = {},
            std::source_location where = std::source_location::current()) {
    board_.fail(cycle_, signal, what, topic, where);
  }

 private:
  void open_trace() {
    fs::create_directories(trace_path_.parent_path());
    vcd_->open(trace_path_.string().c_str());
    trace_opened_at_ = cycle_;
  }
  void dump() {
    if (vcd_ && vcd_->isOpen()) vcd_->dump(ctx_->time());
  }
  void end_cycle() {
    ++cycle_;
    if (vcd_ && !vcd_->isOpen() && cycle_ >= trace_from_ && !trace_done_) open_trace();
    if (vcd_ && vcd_->isOpen() && !replaying_ && cycle_ - trace_opened_at_ >= settings().trace_cycles) {
      // Long exhaustive runs would write gigabytes: keep the first trace_cycles cycles.
      vcd_->close();
      trace_done_ = true;
      detail::note_waveform(trace_path_, trace_opened_at_, cycle_);
    }
    if (replaying_ && cycle_ > detail::replay().stop_after) throw detail::StopReplay{};
  }

  std::string name_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<VerilatedVcdC> vcd_;
  int ordinal_ = 1;
  bool replaying_ = false;  // this simulation is the one a failure replay traces
  bool want_trace_ = false, trace_done_ = false;
  std::uint64_t trace_from_ = 0, trace_opened_at_ = 0;
  fs::path trace_path_;
  std::uint64_t cycle_ = 0;
  Scoreboard board_;
  std::chrono::steady_clock::time_point started_;
};

// The coverage of everything simulated so far in this process (reference builds).
struct CoverageSummary {
  std::uint64_t line_hit = 0, line_total = 0;      // v_line and v_branch points
  std::uint64_t toggle_hit = 0, toggle_total = 0;  // v_toggle points
  double line_percent() const { return line_total ? 100.0 * line_hit / line_total : 0; }
  double toggle_percent() const { return toggle_total ? 100.0 * toggle_hit / toggle_total : 0; }
};
// Parses Verilator coverage data ("# SystemC::Coverage-3" files) into points.
std::map<std::string, std::uint64_t> parse_coverage(std::istream& in);
CoverageSummary summarize_coverage(const std::map<std::string, std::uint64_t>& points);
CoverageSummary coverage_so_far();

}  // namespace labkit::hdl

// Each test or bench binary is configured (lab, implementation, out root,
// RTL files) by the one source labs_hdl_configure() generates for it
// (labkit/hdl_binary.hpp, cmake/AddHdlLab.cmake); without one, the defaults
// of configure() apply.

// A TEST() whose body, when it fails, is replayed with a waveform.
#define HDL_TEST(suite, name)                                                    \
  static void labkit_hdl_body_##suite##_##name();                                \
  TEST(suite, name) { ::labkit::hdl::run_testbench(&labkit_hdl_body_##suite##_##name); } \
  static void labkit_hdl_body_##suite##_##name()
