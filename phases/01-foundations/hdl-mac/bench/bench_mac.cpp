// The MAC unit's deterministic metrics, for the reference RTL and yours:
//   latency_cycles   clock edges from a dot product's last pair to out_valid
//   macs_per_cycle   sustained throughput, from results of 64-long dot
//                    products sent back to back (1.0 = one MAC every cycle)
// Simulated cycles, not wall time: the same on every machine.
#include <gtest/gtest-spi.h>

#include <labkit/harness.hpp>
#include <labkit/hdl.hpp>
#include <stdexcept>

#include "hdl_models.hpp"
#include "mac_bench.hpp"

namespace {

template <class Dut>
double latency_cycles() {
  hdl_mac::MacBench<Dut> t("mac-latency");
  const auto start = t.sim.cycle();
  t.cycle({true, true, true, 3, 4});
  for (int i = 0; i < 64 && t.results == 0; ++i) t.cycle({});
  if (t.results == 0)
    throw std::runtime_error("out_valid never rose within 64 cycles " + labkit::hdl::todo_hint("out_valid"));
  return static_cast<double>(t.first_result_cycle - start);
}

template <class Dut>
double macs_per_cycle(int dots) {
  hdl_mac::MacBench<Dut> t("mac-throughput");
  labkit::hdl::Random rng("throughput");
  const int len = 64;
  for (int k = 0; k < dots; ++k)
    for (int i = 0; i < len; ++i)
      t.cycle({true, i == 0, i == len - 1, static_cast<std::int8_t>(rng.bits(8)), static_cast<std::int8_t>(rng.bits(8))});
  for (int i = 0; i < 64 && t.results < dots; ++i) t.cycle({});
  if (t.results < 2) throw std::runtime_error("fewer than two results came out " + labkit::hdl::todo_hint("out_valid"));
  return double(len) * (t.results - 1) / double(t.last_result_cycle - t.first_result_cycle);
}

// The testbench's per-cycle checks report through GoogleTest; here only the
// count matters (a wrong design shows in it, and in labctl test).
template <class F>
double quietly(F f) {
  ::testing::TestPartResultArray ignored;
  ::testing::ScopedFakeTestPartResultReporter quiet(::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ALL_THREADS,
                                                    &ignored);
  return f();
}

}  // namespace

int main(int argc, char** argv) {
  labkit::Harness h("hdl-mac", argc, argv);
  const int dots = h.smoke() ? 4 : 64;
  using Ref = hdl_mac::reference::Vmac;
  using Stu = hdl_mac::student::Vmac;
  h.add_count("mac", 1, "reference", labkit::Role::reference, "latency_cycles", [] { return quietly(latency_cycles<Ref>); });
  h.add_count("mac", 1, "student", labkit::Role::student, "latency_cycles", [] { return quietly(latency_cycles<Stu>); });
  h.add_count("mac", 64, "reference", labkit::Role::reference, "macs_per_cycle", [=] { return quietly([=] { return macs_per_cycle<Ref>(dots); }); });
  h.add_count("mac", 64, "student", labkit::Role::student, "macs_per_cycle", [=] { return quietly([=] { return macs_per_cycle<Stu>(dots); }); });
  return h.run();
}
