// Branch predictors: your gshare (TODO 4) against hand-worked cases and a
// plain model of its recipe, prediction by prediction (suite Gshare). The
// given predictors are tested in test_given.cpp.
#include <random>

#include <labkit/check.hpp>

#include "test_support.hpp"

namespace rv32_predictors_test {
using namespace rv32_test;

// gshare as include/rv32.hpp words it, written as plainly as possible.
struct PlainGshare {
  std::vector<int> counter;
  unsigned history = 0, entries = 1;
  explicit PlainGshare(unsigned budget) {
    while (entries * 4 <= budget) entries *= 2;
    counter.assign(entries, 1);
  }
  unsigned index(std::uint32_t pc) const { return ((pc >> 2) ^ history) % entries; }
  bool predict(std::uint32_t pc) const { return counter[index(pc)] >= 2; }
  void update(std::uint32_t pc, bool taken) {
    int& c = counter[index(pc)];
    c = taken ? std::min(c + 1, 3) : std::max(c - 1, 0);
    history = (history * 2 + taken) % entries;
  }
};

TEST(Gshare, SizesItselfToTheBudget) {
  const struct {
    std::uint64_t budget, bits;
  } cases[] = {{2, 2}, {3, 2}, {4, 4 + 1}, {8, 8 + 2}, {100, 64 + 5}, {8191, 8192 / 2 + 11}, {8192, 8192 + 12}};
  for (const auto& c : cases)
    EXPECT_EQ(impl::make_gshare(c.budget)->storage_bits(), c.bits) << "budget " << c.budget << " bits";
  EXPECT_THROW(impl::make_gshare(1), std::invalid_argument);
  EXPECT_THROW(impl::make_gshare(0), std::invalid_argument);
  EXPECT_EQ(impl::make_gshare(64)->name(), "gshare");
}

TEST(Gshare, OneCounterStartsWeaklyNotTakenAndSaturates) {
  auto g = impl::make_gshare(2);  // E = 1: one counter, no history
  EXPECT_FALSE(g->predict(0x100, 0x80)) << "counters start at 1, weakly not taken";
  g->update(0x100, 0x80, true);
  EXPECT_TRUE(g->predict(0x100, 0x80)) << "1 + 1 = 2 predicts taken";
  for (int i = 0; i < 5; ++i) g->update(0x100, 0x80, true);
  g->update(0x100, 0x80, false);
  EXPECT_TRUE(g->predict(0x100, 0x80)) << "saturated at 3, one not-taken leaves 2";
  g->update(0x100, 0x80, false);
  EXPECT_FALSE(g->predict(0x100, 0x80)) << "3 - 2 = 1";
  for (int i = 0; i < 5; ++i) g->update(0x100, 0x80, false);
  g->update(0x100, 0x80, true);
  EXPECT_FALSE(g->predict(0x100, 0x80)) << "saturated at 0, one taken leaves 1";
}

TEST(Gshare, IndexIsPcXorHistory) {
  auto g = impl::make_gshare(8);  // E = 4 counters, 2 bits of history
  // History 00: the branch at pc 4 (pc >> 2 = 1) trains counter 1 to 2; history becomes 01.
  g->update(4, 0, true);
  EXPECT_TRUE(g->predict(0, 0)) << "pc 0 with history 01 reads counter 0 ^ 1 = 1";
  EXPECT_FALSE(g->predict(4, 0)) << "pc 4 with history 01 reads counter 1 ^ 1 = 0, untrained";
  EXPECT_TRUE(g->predict(16, 0)) << "pc 16: (16 >> 2) ^ 01 = 5, masked to 2 bits: counter 1, the trained one";
}

// Outcomes that depend on the last few outcomes, like real control flow:
// loops, if-else chains that repeat, and some noise.
std::vector<rv32::BranchRecord> correlated_trace(std::uint64_t salt, int n) {
  std::mt19937_64 rng(labkit::seed() + salt);
  std::vector<rv32::BranchRecord> t;
  std::uint32_t last = 0;
  for (int i = 0; i < n; ++i) {
    const std::uint32_t pc = 0x10000 + 4 * std::uint32_t(rng() % 64);
    bool taken;
    switch (pc % 4 ? 0 : (pc >> 2) % 4) {
      case 0: taken = (last & 3) != 1; break;                 // follows the two previous outcomes
      case 1: taken = i % 7 != 0; break;                      // a loop of 7
      case 2: taken = rng() % 10 < 8; break;                  // biased noise
      default: taken = ((last >> 2) ^ (last >> 4)) & 1; break;
    }
    last = last << 1 | taken;
    t.push_back({pc, pc - 64, taken});
  }
  return t;
}

TEST(Gshare, EveryPredictionMatchesThePlainRecipe) {
  for (const std::uint64_t budget : {2u, 16u, 1000u, 8192u, 65536u}) {
    const auto trace = correlated_trace(budget, 20000);
    auto g = impl::make_gshare(budget);
    PlainGshare plain{static_cast<unsigned>(budget)};
    for (std::size_t i = 0; i < trace.size(); ++i) {
      const auto& b = trace[i];
      const bool want = plain.predict(b.pc);
      ASSERT_EQ(g->predict(b.pc, b.target), want) << "budget " << budget << ", branch " << i << " at pc 0x" << std::hex << b.pc;
      g->update(b.pc, b.target, b.taken);
      plain.update(b.pc, b.taken);
    }
  }
}

TEST(Gshare, LearnsAnAlternatingBranchThatBimodalCannot) {
  auto g = impl::make_gshare(8192);
  auto bimodal = rv32::make_bimodal(8192);
  rv32::BranchTrace t;
  for (int i = 0; i < 1000; ++i) t.branches.push_back({0x1000, 0x0f00, i % 2 == 0});
  t.instructions = 10000;
  EXPECT_LE(rv32::count_mispredictions(*g, t), 20u) << "the history tells taken from not taken";
  EXPECT_GE(rv32::count_mispredictions(*bimodal, t), 500u) << "one counter per branch cannot follow T N T N";
}

}  // namespace rv32_predictors_test
