// The MAC unit beside its model, shared by the testbench and the bench.
#pragma once
#include <labkit/hdl.hpp>
#include <string>
#include <vector>

#include "mac_model.hpp"

namespace hdl_mac {

// out_sum is ACC_WIDTH bits wide; Verilator hands it over zero-extended.
inline std::int64_t sign_extend(std::uint64_t v) {
  return static_cast<std::int64_t>(v << (64 - kAccWidth)) >> (64 - kAccWidth);
}

template <class Dut>
struct MacBench {
  labkit::hdl::Sim<Dut> sim;
  MacModel model;
  int results = 0;
  std::uint64_t first_result_cycle = 0, last_result_cycle = 0;

  std::vector<std::int64_t> sums;  // the model's results, in order

  MacBench() { sim.reset(); }
  explicit MacBench(const std::string& name) : sim(options(name)) { sim.reset(); }
  static typename labkit::hdl::Sim<Dut>::Options options(const std::string& name) {
    typename labkit::hdl::Sim<Dut>::Options o;
    o.name = name;
    return o;
  }

  // One cycle: drive a pair (or a bubble), clock, compare the outputs.
  void cycle(const MacIn& in) {
    sim->in_valid = in.valid;
    sim->in_first = in.first;
    sim->in_last = in.last;
    sim->a = static_cast<std::uint8_t>(in.a);
    sim->b = static_cast<std::uint8_t>(in.b);
    model.clock(in);
    sim.tick();
    sim.check("out_valid", sim->out_valid, model.out_valid, "", "out_valid");
    if (model.out_valid) sums.push_back(model.out_sum);
    if (model.out_valid && sim->out_valid) {
      sim.check("out_sum", static_cast<std::uint64_t>(sign_extend(sim->out_sum)), static_cast<std::uint64_t>(model.out_sum),
                "result " + std::to_string(results) + " = " + std::to_string(model.out_sum), "out_sum");
      sim.check("out_overflow", sim->out_overflow, model.out_overflow, "result " + std::to_string(results), "out_overflow");
    }
    if (sim->out_valid) {
      if (results == 0) first_result_cycle = sim.cycle();
      last_result_cycle = sim.cycle();
      ++results;
    }
  }
  void idle(int cycles) {
    for (int i = 0; i < cycles; ++i) cycle({});
  }
};

}  // namespace hdl_mac
