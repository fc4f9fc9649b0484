// Hidden tests: built into both test programs like tests/*.cpp, but only the
// grader's checkout of the course has this folder (lab.toml, [handout]).
// Wider sets than the visible tests use, with answers worked out by hand.
#include <gtest/gtest.h>

#include "cache_sim.hpp"

namespace cs = cache_sim;
namespace impl = cache_sim::LABKIT_IMPL;

namespace {
cs::LevelConfig one_set(std::uint32_t ways, cs::Replacement r) {
  cs::LevelConfig c;
  c.sets = 1, c.ways = ways, c.line_bytes = 64, c.replacement = r;
  return c;
}
}  // namespace

TEST(HiddenLevel, LruMissesEveryTimeOnACycleOneLongerThanTheSet) {
  // 17 lines in turn through 16 ways: each line was used 17 accesses ago,
  // the longest of all, so LRU has always just evicted it. FIFO too.
  for (const auto r : {cs::Replacement::lru, cs::Replacement::fifo}) {
    auto L = impl::make_level(one_set(16, r));
    int hits = 0;
    for (int round = 0; round < 10; ++round)
      for (std::uint64_t l = 0; l < 17; ++l) hits += L->access(l, false, true).hit;
    EXPECT_EQ(hits, 0) << (r == cs::Replacement::lru ? "lru" : "fifo");
  }
}

TEST(HiddenLevel, PlruVictimsInASixteenWaySet) {
  // Lines 0..15 fill ways 0..15 in order; every tree bit then points away
  // from the half touched last, so the first victim is way 0 (line 0).
  // Line 16 goes there; the root then points right, and down the right
  // half the bits lead away from 15, 11 and 9: way 8, line 8.
  auto L = impl::make_level(one_set(16, cs::Replacement::plru));
  for (std::uint64_t l = 0; l < 16; ++l) ASSERT_FALSE(L->access(l, false, true).hit);
  const cs::Outcome first = L->access(16, false, true);
  ASSERT_TRUE(first.evicted);
  EXPECT_EQ(first.victim_line, 0u);
  const cs::Outcome second = L->access(17, false, true);
  ASSERT_TRUE(second.evicted);
  EXPECT_EQ(second.victim_line, 8u);
}
