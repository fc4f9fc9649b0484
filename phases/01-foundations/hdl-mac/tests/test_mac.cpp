// The MAC testbench: every output every cycle against the cycle-accurate model
// (model/mac_model.hpp): latency, back-to-back dot products, bubbles, one MAC
// per cycle sustained, all 65,536 products, and saturation at both ends.
// Built twice: against the reference RTL and against student/mac.sv.
#include <gtest/gtest.h>

#include <labkit/check_gtest.hpp>

#include <vector>

#include "hdl_models.hpp"
#include "mac_bench.hpp"

namespace {

using namespace hdl_mac;
using Dut = hdl_mac::LABKIT_IMPL::Vmac;
using Bench = MacBench<Dut>;

// Sends a dot product of a and b (one pair per cycle, bubbles with probability p).
void send(Bench& t, const std::vector<std::int8_t>& a, const std::vector<std::int8_t>& b,
          labkit::hdl::Random* rng = nullptr, double bubble = 0) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    while (rng && rng->chance(bubble)) t.cycle({});
    t.cycle({true, i == 0, i + 1 == a.size(), a[i], b[i]});
  }
}

std::vector<std::int8_t> random_vec(labkit::hdl::Random& rng, std::size_t n) {
  std::vector<std::int8_t> v(n);
  for (auto& x : v) x = static_cast<std::int8_t>(rng.bits(8));
  return v;
}

}  // namespace

HDL_TEST(Mac, LatencyIsThreeCycles) {
  Bench t;
  const auto start = t.sim.cycle();
  t.cycle({true, true, true, 7, -6});
  t.idle(kLatency + 2);
  ASSERT_EQ(t.results, 1);
  EXPECT_EQ(t.first_result_cycle - start, static_cast<std::uint64_t>(kLatency))
      << "out_valid must rise " << kLatency << " clock edges after the last pair goes in";
}

HDL_TEST(Mac, AllProductsBitExact) {
  Bench t;
  for (int a = -128; a < 128; ++a)
    for (int b = -128; b < 128; ++b)
      t.cycle({true, true, true, static_cast<std::int8_t>(a), static_cast<std::int8_t>(b)});
  t.idle(kLatency);
  EXPECT_EQ(t.results, 65536);
}

HDL_TEST(Mac, DotProductsBackToBack) {
  Bench t;
  labkit::hdl::Random rng;
  std::vector<std::int64_t> want;
  for (int k = 0; k < 300; ++k) {
    const auto n = static_cast<std::size_t>(rng.range(1, 64));
    const auto a = random_vec(rng, n), b = random_vec(rng, n);
    bool ovf = false;
    want.push_back(saturating_dot(a.data(), b.data(), static_cast<int>(n), &ovf));
    send(t, a, b);
    t.idle(k % 7 == 0 ? kLatency : 0);  // now and then, let the pipeline drain
  }
  t.idle(kLatency);
  EXPECT_EQ(t.results, 300);
  EXPECT_ELEMENTS_EQ(t.sums, want) << "the cycle model agrees with the plain dot product";
}

HDL_TEST(Mac, BubblesInTheStream) {
  Bench t;
  labkit::hdl::Random rng;
  for (int k = 0; k < 200; ++k) {
    const auto n = static_cast<std::size_t>(rng.range(1, 40));
    send(t, random_vec(rng, n), random_vec(rng, n), &rng, 0.3);
  }
  t.idle(kLatency);
  EXPECT_EQ(t.results, 200);
}

// One pair every cycle, no stalls: results of 16-long dot products come out
// exactly 16 cycles apart.
HDL_TEST(Mac, SustainsOneMacPerCycle) {
  Bench t;
  labkit::hdl::Random rng;
  const int len = 16, dots = 64;
  for (int k = 0; k < dots; ++k) send(t, random_vec(rng, len), random_vec(rng, len));
  t.idle(kLatency);
  ASSERT_EQ(t.results, dots);
  const double macs_per_cycle = double(len) * (dots - 1) / double(t.last_result_cycle - t.first_result_cycle);
  EXPECT_EQ(macs_per_cycle, 1.0);
  ::testing::Test::RecordProperty("macs_per_cycle", std::to_string(macs_per_cycle));
}

// Saturation: the sum clips at the 24-bit limits, arithmetic goes on from
// the clipped value, and out_overflow stays set until the next in_first.
HDL_TEST(Mac, OverflowSaturates) {
  Bench t;
  const std::vector<std::int8_t> m128(600, -128), p127(600, 127);
  send(t, m128, m128);  // 600 * 16384 = 9,830,400 > 2^23 - 1: clips at the top
  t.idle(kLatency);
  send(t, m128, p127);  // 600 * -16256: clips at the bottom
  t.idle(kLatency);
  std::vector<std::int8_t> a(700, 127), b(700, 127);
  for (int i = 600; i < 700; ++i) b[static_cast<std::size_t>(i)] = -128;  // past the limit, then back down
  send(t, a, b);
  t.idle(kLatency);
  send(t, {1, 2}, {3, 4});  // a new dot product: no overflow
  t.idle(kLatency);
  EXPECT_EQ(t.results, 4);
  bool ovf = false;
  EXPECT_EQ(saturating_dot(m128.data(), m128.data(), 600, &ovf), kMax);
  EXPECT_TRUE(ovf);
  EXPECT_EQ(saturating_dot(a.data(), b.data(), 700, &ovf), kMax - 100 * 127 * 128);
  EXPECT_TRUE(ovf);
}
