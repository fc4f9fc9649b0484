#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "labkit/clock.hpp"
#include "labkit/cpu.hpp"

using namespace labkit;

TEST(Clock, MonotonicAndMeasuresASleep) {
  const auto t0 = now_ns();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto elapsed = now_ns() - t0;
  // A sleep lasts at least as long as asked; the upper bound only guards
  // against a clock in the wrong unit (it is not a timing assertion).
  EXPECT_GE(elapsed, 20'000'000);
  EXPECT_LT(elapsed, 20'000'000'000);
}

TEST(Clock, CycleCounterAdvances) {
  const auto a = cycle_counter();
  volatile double x = 0;
  for (int i = 0; i < 100000; ++i) x = x + 1;
  EXPECT_GT(cycle_counter(), a);
}

TEST(Clock, TimePerCallRunsLongEnough) {
  int calls = 0;
  const double ns = time_per_call_ns([&] { ++calls; do_not_optimize(calls); }, 1'000'000);
  EXPECT_GT(calls, 1);
  EXPECT_GT(ns, 0);
}

TEST(Cpu, IsaNamesRoundTrip) {
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) EXPECT_EQ(parse_isa(isa_name(isa)), isa);
  EXPECT_THROW(parse_isa("sse9"), std::invalid_argument);
}

TEST(Cpu, EnvironmentCapsTheIsa) {
  unsetenv("LABKIT_ISA");
  const Isa hw = detect_isa();
  setenv("LABKIT_ISA", "scalar", 1);
  EXPECT_EQ(detect_isa(), Isa::scalar);
  setenv("LABKIT_ISA", "avx512", 1);
  EXPECT_EQ(detect_isa(), hw);  // a cap never raises above the hardware
  setenv("LABKIT_ISA", "sse9", 1);
  EXPECT_THROW(detect_isa(), std::invalid_argument);
  unsetenv("LABKIT_ISA");
  EXPECT_EQ(detect_isa(), hw);
#if defined(__x86_64__)
  // Every x86-64 CPU labkit runs on has SSE4.2 by now; AVX-512 implies AVX2.
  if (cpu_features().avx512f) {
    EXPECT_TRUE(cpu_features().avx2);
  }
#endif
}
