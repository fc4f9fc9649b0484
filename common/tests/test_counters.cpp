#include <gtest/gtest.h>

#include "labkit/counters.hpp"

using namespace labkit;

// Counters either work and count something plausible, or say why not in a
// message that starts with "unsupported:". Both are correct outcomes; a
// crash, a silent zero or an empty reason is not.
TEST(Counters, CountOrExplain) {
  PerfCounters pc;
  if (!pc.available()) {
    EXPECT_EQ(pc.reason().rfind("unsupported:", 0), 0u) << pc.reason();
    pc.start();
    EXPECT_TRUE(pc.stop().values.empty());
    GTEST_SKIP() << "no counters here: " << pc.reason();
  }
  EXPECT_TRUE(pc.reason().empty());
  pc.start();
  volatile double x = 0;
  for (int i = 0; i < 1'000'000; ++i) x = x + 1;
  const auto v = pc.stop();
  ASSERT_FALSE(v.values.empty());
  // A million dependent adds retire at least a million instructions.
  EXPECT_GE(v.get(Counter::instructions), 1'000'000u);
  EXPECT_GT(v.get(Counter::cycles), 0u);
}

TEST(Counters, Names) {
  EXPECT_STREQ(counter_name(Counter::cycles), "cycles");
  EXPECT_STREQ(counter_name(Counter::branch_misses), "branch_misses");
}
