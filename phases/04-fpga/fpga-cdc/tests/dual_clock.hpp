// Two unrelated clocks for one Verilated model: an event-driven time loop.
//
// labkit::hdl::Sim drives one clock, 10 time units a cycle. A clock-domain
// crossing needs two whose edges drift past each other, so this testbench
// helper keeps each clock's next toggle time (in picoseconds) and always
// advances to the earlier one (both, when they coincide): advance() returns at
// every rising edge of clk_a or clk_b, saying which rose. Inputs of a domain
// are set right after that domain's edge (like Sim::tick()), so the next edge
// of that clock samples them.
//
// It keeps what Sim gives every HDL testbench: the Scoreboard (the "cycle" in
// its messages is the number of rising edges of either clock so far), VCD
// waveforms (time in ps: LABKIT_TRACE=1, and the replay of a failing HDL_TEST
// around its first mismatch), coverage and the simulated-cycles statistics.
#pragma once
#include <labkit/hdl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace fpga_cdc {

// One clock: its period and the time of its first rising edge, in ps.
struct ClockSpec {
  std::uint64_t period_ps = 10000;  // even: the clock is high for half of it
  std::uint64_t first_rise_ps = 5000;
};

// A pair of clocks for one simulation, and how it was chosen (for messages).
struct ClockPair {
  ClockSpec a, b;
  std::string describe() const {
    auto ns = [](std::uint64_t ps) { return std::to_string(ps / 1000) + "." + std::to_string(ps % 1000 / 100) + " ns"; };
    return "clk_a " + ns(a.period_ps) + " (first edge " + ns(a.first_rise_ps) + "), clk_b " + ns(b.period_ps) +
           " (first edge " + ns(b.first_rise_ps) + ")";
  }
};

template <class Model>
class DualClockSim {
 public:
  struct Edges {
    bool a = false, b = false;
  };

  explicit DualClockSim(const ClockPair& clocks)
      : clocks_(clocks), name_(labkit::hdl::current_test_name()) {
    a_.period = clocks.a.period_ps & ~1ull;
    b_.period = clocks.b.period_ps & ~1ull;
    a_.next = std::max<std::uint64_t>(clocks.a.first_rise_ps, 1);
    b_.next = std::max<std::uint64_t>(clocks.b.first_rise_ps, 1);
    ctx_ = std::make_unique<VerilatedContext>();
    ctx_->traceEverOn(true);
    ctx_->randReset(0);
    model_ = std::make_unique<Model>(ctx_.get(), "TOP");
    namespace d = labkit::hdl::detail;
    ordinal_ = d::start_simulation();
    const auto& rp = d::replay();
    replaying_ = rp.active && (rp.target_sim == 0 || rp.target_sim == ordinal_);
    if (labkit::hdl::settings().trace_all || replaying_) {
      trace_path_ = d::trace_path_for(name_, ordinal_);
      vcd_ = std::make_unique<VerilatedVcdC>();
      model_->trace(vcd_.get(), 99);
      trace_from_ = replaying_ ? rp.trace_from : 0;
      if (trace_from_ == 0) open_trace();
    }
    model_->clk_a = 0;
    model_->clk_b = 0;
    model_->eval();
    if (vcd_ && vcd_->isOpen()) vcd_->dump(0);  // GTKWave wants the values at time 0
    started_ = std::chrono::steady_clock::now();
  }
  DualClockSim(const DualClockSim&) = delete;
  DualClockSim& operator=(const DualClockSim&) = delete;

  ~DualClockSim() {
    namespace d = labkit::hdl::detail;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    model_->final();
    if (vcd_ && vcd_->isOpen()) {
      vcd_->close();
      d::note_waveform(trace_path_, opened_at_, edges_);
    }
    if (labkit::hdl::settings().coverage) d::merge_coverage(*ctx_);
    d::note_simulation(name_, edges_, seconds);
  }

  Model* operator->() { return model_.get(); }
  labkit::hdl::Scoreboard& scoreboard() { return board_; }
  const ClockPair& clocks() const { return clocks_; }
  std::uint64_t edges() const { return edges_; }     // rising edges of either clock so far
  std::uint64_t time_ps() const { return now_; }
  std::uint64_t period_a() const { return a_.period; }
  std::uint64_t period_b() const { return b_.period; }

  // Settles logic after the testbench changed inputs; no time passes.
  void eval() { model_->eval(); }

  // To the next rising edge of clk_a or clk_b (falling edges pass on the way).
  Edges advance() {
    for (;;) {
      const std::uint64_t t = std::min(a_.next, b_.next);
      Edges rose;
      if (a_.next == t) rose.a = a_.toggle();
      if (b_.next == t) rose.b = b_.toggle();
      model_->clk_a = a_.level;
      model_->clk_b = b_.level;
      now_ = t;
      ctx_->time(t);
      model_->eval();
      if (vcd_ && vcd_->isOpen()) vcd_->dump(t);
      if (rose.a || rose.b) {
        ++edges_;
        after_edge();
        return rose;
      }
    }
  }

  // Both resets high for `cycles` rising edges of each clock, then low.
  void reset(int cycles = 3) {
    model_->rst_a = 1;
    model_->rst_b = 1;
    int na = 0, nb = 0;
    while (na < cycles || nb < cycles) {
      const auto e = advance();
      na += e.a;
      nb += e.b;
    }
    model_->rst_a = 0;
    model_->rst_b = 0;
    model_->eval();
  }

  // One signal against the model's value now, with the clocks in the context.
  bool check(std::string_view signal, std::uint64_t actual, std::uint64_t expected, const std::string& context,
             std::string_view topic = {}, std::source_location where = std::source_location::current()) {
    return board_.check(edges_, signal, actual, expected, context + "; " + clocks_.describe(), topic, where);
  }
  void fail(std::string_view signal, const std::string& what, std::string_view topic = {},
            std::source_location where = std::source_location::current()) {
    board_.fail(edges_, signal, what + " (" + clocks_.describe() + ")", topic, where);
  }

 private:
  struct Clock {
    std::uint64_t period = 0, next = 0;
    bool level = false;
    bool toggle() {  // returns true on a rising edge
      level = !level;
      next += period / 2;
      return level;
    }
  };

  void open_trace() {
    std::filesystem::create_directories(trace_path_.parent_path());
    vcd_->open(trace_path_.string().c_str());
    opened_at_ = edges_;
  }
  void after_edge() {
    namespace d = labkit::hdl::detail;
    if (vcd_ && !vcd_->isOpen() && !trace_done_ && edges_ >= trace_from_) open_trace();
    if (vcd_ && vcd_->isOpen() && !replaying_ && edges_ - opened_at_ >= labkit::hdl::settings().trace_cycles) {
      vcd_->close();
      trace_done_ = true;
      d::note_waveform(trace_path_, opened_at_, edges_);
    }
    if (replaying_ && edges_ > d::replay().stop_after) throw d::StopReplay{};
  }

  ClockPair clocks_;
  std::string name_;
  Clock a_, b_;
  std::uint64_t now_ = 0, edges_ = 0;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<VerilatedVcdC> vcd_;
  std::filesystem::path trace_path_;
  int ordinal_ = 1;
  bool replaying_ = false, trace_done_ = false;
  std::uint64_t trace_from_ = 0, opened_at_ = 0;
  labkit::hdl::Scoreboard board_;
  std::chrono::steady_clock::time_point started_;
};

// The clock pairs every crossing is tested under, drawn from the seed
// (LABKIT_SEED and the test's name): the writer faster, the reader faster,
// periods within 3% of each other (the edges drift slowly past each other, the
// hardest case for a crossing), equal periods at a random phase, and one
// pair from anywhere in 1-20 ns.
inline std::vector<ClockPair> clock_pairs(labkit::hdl::Random& rng) {
  auto period = [&](std::int64_t lo_ps, std::int64_t hi_ps) { return static_cast<std::uint64_t>(rng.range(lo_ps, hi_ps)) & ~1ull; };
  auto pair = [&](std::uint64_t pa, std::uint64_t pb) {
    return ClockPair{{pa, 1 + static_cast<std::uint64_t>(rng.range(0, static_cast<std::int64_t>(pa)))},
                     {pb, 1 + static_cast<std::uint64_t>(rng.range(0, static_cast<std::int64_t>(pb)))}};
  };
  std::vector<ClockPair> out;
  const auto slow = period(9000, 14000);
  out.push_back(pair(period(2000, 4000), slow));                     // A about 3-7x faster than B
  out.push_back(pair(slow, period(2000, 4000)));                     // B faster than A
  const auto base = period(5000, 12000);
  const auto near = static_cast<std::uint64_t>(base * (1.0 + (rng.chance(0.5) ? 1 : -1) * (0.002 + 0.028 * rng.range(0, 1000) / 1000.0)));
  out.push_back(pair(base, near & ~1ull));                           // ratio within 3% of 1
  out.push_back(pair(near & ~1ull, base));
  out.push_back(pair(base, base));                                   // equal periods, random phase
  out.push_back(pair(period(1000, 20000), period(1000, 20000)));
  return out;
}

}  // namespace fpga_cdc
