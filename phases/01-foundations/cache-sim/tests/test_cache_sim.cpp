// Built twice: against the reference and against student/ (LABKIT_IMPL).
// Every expected count here is worked out by hand in the comments, taken
// from CS:APP's published csim results, or computed by the plain model below.
#include <gtest/gtest.h>

#include <labkit/check.hpp>
#include <algorithm>
#include <fstream>
#include <cstdio>
#include <random>
#include <sstream>
#include <vector>

#include <unistd.h>

#include "cache_sim.hpp"
#include "sim.hpp"

namespace cs = cache_sim;
namespace impl = cache_sim::LABKIT_IMPL;

namespace {

cs::LevelConfig geometry(std::uint64_t sets, std::uint32_t ways, std::uint32_t line,
                         cs::Replacement r = cs::Replacement::lru, std::uint64_t seed = 1) {
  cs::LevelConfig c;
  c.sets = sets, c.ways = ways, c.line_bytes = line, c.replacement = r, c.seed = seed;
  return c;
}

// Runs cache-sim's command line in-process on a trace held in a file.
struct CliRun {
  int code;
  std::string out, err;
};
CliRun cli(std::vector<std::string> args, const std::string& trace_text, const std::string& name = "test.trace") {
  // This process's own file: the reference and student test programs (and
  // the grader's copies of them) may run at the same time.
  const std::string path = ::testing::TempDir() + "cache-sim-" + std::to_string(::getpid()) + "-" + name;
  {
    std::ofstream f(path);
    f << trace_text;
  }
  for (auto& a : args)
    if (a == "TRACE") a = path;
  std::ostringstream out, err;
  const int code = cs::cli_main(args, out, err, {impl::make_level, impl::make_level});
  std::remove(path.c_str());
  if (code == 1) {  // a TODO stopped it: report it as the test's failure, where the TODO is
    std::string what = err.str();
    if (what.rfind("cache-sim: ", 0) == 0) what = what.substr(11);
    while (!what.empty() && what.back() == '\n') what.pop_back();
    throw std::runtime_error(what);
  }
  return {code, out.str(), err.str()};
}

// CS:APP's yi.trace and dave.trace (cache lab handout), written out here.
const char* kYi = " L 10,1\n M 20,1\n L 22,1\n S 18,1\n L 110,1\n L 210,1\n M 12,1\n";
const char* kDave = " L 10,4\n S 18,4\n L 20,4\n S 28,4\n S 50,4\n";

// A plain model of one level, written for clarity rather than speed: each
// set a vector of ways, with the policy's bookkeeping spelled out.
class PlainLevel {
 public:
  explicit PlainLevel(const cs::LevelConfig& c) : c_(c), sets_(c.sets, std::vector<Way>(c.ways)), rng_(c.seed) {
    for (auto& s : sets_) (void)s, tree_.emplace_back(c.ways, 0);
  }
  cs::Outcome access(std::uint64_t line, bool write, bool allocate) {
    cs::Outcome o;
    auto& set = sets_[line % c_.sets];
    ++now_;
    for (std::uint32_t w = 0; w < c_.ways; ++w)
      if (set[w].valid && set[w].line == line) {
        o.hit = true;
        set[w].dirty |= write;
        touch(line % c_.sets, w);
        return o;
      }
    if (!allocate) return o;
    std::uint32_t w = 0;
    while (w < c_.ways && set[w].valid) ++w;
    if (w == c_.ways) {
      w = victim(line % c_.sets);
      o.evicted = true, o.victim_line = set[w].line, o.victim_dirty = set[w].dirty;
    }
    set[w] = {true, write, line, now_, now_};
    touch(line % c_.sets, w);
    return o;
  }

 private:
  struct Way {
    bool valid = false, dirty = false;
    std::uint64_t line = 0, used = 0, filled = 0;
  };
  void touch(std::uint64_t s, std::uint32_t w) {
    sets_[s][w].used = now_;
    // Tree-PLRU as a recursion over halves: each node's bit points to the
    // half that was not just used.
    std::uint32_t node = 1, lo = 0, n = c_.ways;
    while (n > 1) {
      n /= 2;
      const bool right = w >= lo + n;
      tree_[s][node] = !right;
      node = 2 * node + right;
      lo += right ? n : 0;
    }
  }
  std::uint32_t victim(std::uint64_t s) {
    const auto& set = sets_[s];
    switch (c_.replacement) {
      case cs::Replacement::lru:
        return static_cast<std::uint32_t>(std::min_element(set.begin(), set.end(), [](auto& a, auto& b) {
                                             return a.used < b.used;
                                           }) - set.begin());
      case cs::Replacement::fifo:
        return static_cast<std::uint32_t>(std::min_element(set.begin(), set.end(), [](auto& a, auto& b) {
                                             return a.filled < b.filled;
                                           }) - set.begin());
      case cs::Replacement::random: return static_cast<std::uint32_t>(rng_.next() % c_.ways);
      case cs::Replacement::plru: {
        std::uint32_t node = 1, lo = 0, n = c_.ways;
        while (n > 1) {
          n /= 2;
          const bool right = tree_[s][node];
          node = 2 * node + right;
          lo += right ? n : 0;
        }
        return lo;
      }
    }
    return 0;
  }
  cs::LevelConfig c_;
  std::vector<std::vector<Way>> sets_;
  std::vector<std::vector<char>> tree_;
  cs::SplitMix64 rng_;
  std::uint64_t now_ = 0;
};

const char* name(cs::Replacement r) {
  return r == cs::Replacement::lru ? "lru" : r == cs::Replacement::fifo ? "fifo" : r == cs::Replacement::random ? "random" : "plru";
}

}  // namespace

// ---- One level -------------------------------------------------------------------

TEST(Level, DirectMappedHitsMissesAndConflicts) {
  // 4 sets of one 16-byte line. Lines 0x1 and 0x5 both map to set 1.
  auto L = impl::make_level(geometry(4, 1, 16));
  EXPECT_FALSE(L->access(0x1, false, true).hit);  // cold miss
  EXPECT_TRUE(L->access(0x1, false, true).hit);
  EXPECT_FALSE(L->access(0x2, false, true).hit);  // set 2, no conflict
  const cs::Outcome o = L->access(0x5, false, true);
  EXPECT_FALSE(o.hit);
  EXPECT_TRUE(o.evicted) << "line 0x5 maps to set 1, which held line 0x1";
  EXPECT_EQ(o.victim_line, 0x1u);
  EXPECT_TRUE(L->access(0x2, false, true).hit) << "set 2 was not touched";
  EXPECT_FALSE(L->access(0x1, false, true).hit) << "line 0x1 was evicted";
}

TEST(Level, DirtyBitsNoAllocateAndInvalidate) {
  auto L = impl::make_level(geometry(1, 2, 64));
  EXPECT_FALSE(L->access(7, false, false).hit);
  EXPECT_FALSE(L->access(7, false, true).hit) << "a miss without allocate must not fill the line";
  EXPECT_TRUE(L->access(7, true, true).hit);  // now dirty
  EXPECT_FALSE(L->access(8, false, true).hit);
  const cs::Outcome o = L->access(9, false, true);  // evicts 7, the least recently used
  EXPECT_TRUE(o.evicted);
  EXPECT_EQ(o.victim_line, 7u);
  EXPECT_TRUE(o.victim_dirty) << "line 7 was written while it was cached";
  bool dirty = true;
  EXPECT_TRUE(L->invalidate(8, dirty));
  EXPECT_FALSE(dirty);
  EXPECT_FALSE(L->invalidate(8, dirty)) << "line 8 is gone";
  EXPECT_FALSE(L->access(10, false, true).evicted) << "the invalidated way is empty again";
}

TEST(Replacement, LruFifoAndPlruPickDifferentVictims) {
  // One set of 4 ways. Fill A B C D (ways 0-3), touch A, then E misses:
  //   LRU evicts B (A was just used), FIFO evicts A (filled first),
  //   tree-PLRU: touching A points the root right and the right pair's
  //   bit, last set by D (way 3), at way 2: C.
  const std::uint64_t A = 10, B = 11, C = 12, D = 13, E = 14;
  const struct {
    cs::Replacement r;
    std::uint64_t victim;
  } cases[] = {{cs::Replacement::lru, B}, {cs::Replacement::fifo, A}, {cs::Replacement::plru, C}};
  for (const auto& k : cases) {
    auto L = impl::make_level(geometry(1, 4, 64, k.r));
    for (std::uint64_t l : {A, B, C, D}) EXPECT_FALSE(L->access(l, false, true).hit) << name(k.r);
    EXPECT_TRUE(L->access(A, false, true).hit) << name(k.r);
    const cs::Outcome o = L->access(E, false, true);
    EXPECT_TRUE(o.evicted) << name(k.r);
    EXPECT_EQ(o.victim_line, k.victim) << name(k.r);
  }
}

TEST(Replacement, RandomDrawsSplitMix64OncePerEviction) {
  // Two ways: the victim of each eviction is SplitMix64(seed).next() % 2,
  // the sequence every implementation must draw.
  const std::uint64_t seed = 12345;
  auto L = impl::make_level(geometry(1, 2, 64, cs::Replacement::random, seed));
  cs::SplitMix64 rng(seed);
  std::uint64_t way_line[2] = {100, 101};
  L->access(100, false, true), L->access(101, false, true);
  for (std::uint64_t l = 102; l < 140; ++l) {
    const std::uint64_t w = rng.next() % 2;
    const cs::Outcome o = L->access(l, false, true);
    ASSERT_TRUE(o.evicted);
    ASSERT_EQ(o.victim_line, way_line[w]) << "eviction of line " << l;
    way_line[w] = l;
  }
}

TEST(Replacement, MatchesAPlainModelOnRandomAccesses) {
  // Every policy, several shapes, 20000 accesses over a few times the
  // cache's lines (so that hits, misses and evictions all happen), writes
  // and no-allocate writes mixed in: every outcome must match PlainLevel.
  const cs::Replacement policies[] = {cs::Replacement::lru, cs::Replacement::fifo, cs::Replacement::random,
                                      cs::Replacement::plru};
  for (const auto r : policies)
    for (const auto& [sets, ways] : std::vector<std::pair<std::uint64_t, std::uint32_t>>{{1, 8}, {4, 2}, {16, 4}, {8, 1}}) {
      const auto c = geometry(sets, ways, 32, r, labkit::seed());
      auto L = impl::make_level(c);
      PlainLevel P(c);
      std::mt19937_64 rng(labkit::seed() + sets * 10 + ways);
      for (int i = 0; i < 20000; ++i) {
        const std::uint64_t line = rng() % (3 * sets * ways);
        const bool write = rng() % 4 == 0, allocate = rng() % 8 != 0;
        const cs::Outcome got = L->access(line, write, allocate), want = P.access(line, write, allocate);
        ASSERT_EQ(got.hit, want.hit) << name(r) << " " << sets << " sets x " << ways << " ways, access " << i;
        ASSERT_EQ(got.evicted, want.evicted) << name(r) << " " << sets << "x" << ways << ", access " << i;
        if (want.evicted) {
          ASSERT_EQ(got.victim_line, want.victim_line) << name(r) << " " << sets << "x" << ways << ", access " << i;
          ASSERT_EQ(got.victim_dirty, want.victim_dirty) << name(r) << " " << sets << "x" << ways << ", access " << i;
        }
      }
    }
}

// ---- CS:APP's csim ---------------------------------------------------------------------

TEST(Csim, YiTraceMatchesCsApp) {
  // The results printed in CS:APP's cache lab handout (csim-ref).
  const CliRun one_way = cli({"-s", "4", "-E", "1", "-b", "4", "-t", "TRACE"}, kYi, "yi.trace");
  EXPECT_EQ(one_way.code, 0) << one_way.err;
  EXPECT_EQ(one_way.out, "hits:4 misses:5 evictions:3\n");
  const CliRun two_way = cli({"-s", "4", "-E", "2", "-b", "4", "-t", "TRACE"}, kYi, "yi.trace");
  EXPECT_EQ(two_way.out, "hits:4 misses:5 evictions:2\n");
}

TEST(Csim, VerboseListsEveryAccessLikeCsimRef) {
  const CliRun r = cli({"-v", "-s", "4", "-E", "1", "-b", "4", "-t", "TRACE"}, kYi, "yi.trace");
  EXPECT_EQ(r.out,
            "L 10,1 miss\n"
            "M 20,1 miss hit\n"
            "L 22,1 hit\n"
            "S 18,1 hit\n"
            "L 110,1 miss eviction\n"
            "L 210,1 miss eviction\n"
            "M 12,1 miss eviction hit\n"
            "hits:4 misses:5 evictions:3\n");
}

TEST(Csim, DaveTraceMatchesCsApp) {
  // 4 sets of 16 bytes: 0x10 and 0x18 share line 1 (set 1), 0x20 and 0x28
  // line 2 (set 2), 0x50 is line 5, set 1 again: it evicts line 1.
  EXPECT_EQ(cli({"-s", "2", "-E", "1", "-b", "4", "-t", "TRACE"}, kDave).out, "hits:2 misses:3 evictions:1\n");
}

// ---- A hierarchy ----------------------------------------------------------------------

namespace {
cs::HierarchyConfig one_level(const cs::LevelConfig& l1) {
  cs::HierarchyConfig h;
  h.levels = {l1};
  return h;
}
}  // namespace

TEST(Hierarchy, WriteBackWritesDirtyVictimsOnly) {
  // Direct-mapped, 2 sets of 16 bytes: 0x00 and 0x20 share set 0.
  cs::Hierarchy h(one_level(geometry(2, 1, 16)), impl::make_level);
  for (const auto& a : cs::parse_lackey(" S 0,4\n L 20,4\n L 0,4\n L 20,4\n")) h.access(a);
  EXPECT_EQ(h.stats(0).misses, 4u);
  EXPECT_EQ(h.stats(0).evictions, 3u);
  EXPECT_EQ(h.stats(0).dirty_writebacks, 1u) << "only the first eviction throws out a written line";
  EXPECT_EQ(h.memory_line_reads(), 4u) << "write-allocate: the store's miss reads the line too";
  EXPECT_EQ(h.memory_line_writes(), 1u);
}

TEST(Hierarchy, WriteThroughDoesNotAllocate) {
  auto c = geometry(2, 1, 16);
  c.write_back = false;
  cs::Hierarchy h(one_level(c), impl::make_level);
  for (const auto& a : cs::parse_lackey(" S 0,4\n L 0,4\n S 4,4\n L 8,4\n")) h.access(a);
  // S miss (not filled), L miss (filled), S hit (written through), L hit.
  EXPECT_EQ(h.stats(0).hits, 2u);
  EXPECT_EQ(h.stats(0).misses, 2u);
  EXPECT_EQ(h.stats(0).dirty_writebacks, 0u);
  EXPECT_EQ(h.memory_line_reads(), 1u);
  EXPECT_EQ(h.memory_line_writes(), 2u) << "both stores go through to memory";
}

TEST(Hierarchy, InclusiveL2BackInvalidatesL1) {
  // L1: 2 sets x 2 ways; L2: one set of 2 lines (16-byte lines). Lines A
  // (0x00, L1 set 0), B (0x10, set 1), C (0x20, set 0) all fit in L1, but
  // filling C evicts A, the least recently used, from L2. Inclusive: A
  // leaves L1 too and the next load of A misses there; non-inclusive: it hits.
  for (const bool inclusive : {false, true}) {
    cs::HierarchyConfig hc;
    hc.levels = {geometry(2, 2, 16), geometry(1, 2, 16)};
    hc.levels[0].name = "L1", hc.levels[1].name = "L2";
    hc.inclusive = inclusive;
    cs::Hierarchy h(hc, impl::make_level);
    for (const auto& a : cs::parse_lackey(" L 0,4\n L 10,4\n L 20,4\n L 0,4\n")) h.access(a);
    EXPECT_EQ(h.stats(0).hits, inclusive ? 0u : 1u) << (inclusive ? "inclusive" : "non-inclusive");
    // Inclusive: the second load of A misses in L2 as well, and its fill
    // evicts B there (C is newer), which takes B out of L1 too.
    EXPECT_EQ(h.stats(0).back_invalidations, inclusive ? 2u : 0u);
    EXPECT_EQ(h.stats(1).misses, inclusive ? 4u : 3u);
  }
}

TEST(Hierarchy, StraddlingAccessTouchesBothLines) {
  // 8 bytes at 0x1c cross from line 0x10 into line 0x20 (16-byte lines).
  cs::Hierarchy h(one_level(geometry(4, 1, 16)), impl::make_level);
  for (const auto& a : cs::parse_lackey(" L 1c,8\n L 18,4\n L 20,4\n")) h.access(a);
  EXPECT_EQ(h.straddling(), 1u);
  EXPECT_EQ(h.stats(0).misses, 2u);
  EXPECT_EQ(h.stats(0).hits, 2u);
}

TEST(Hierarchy, InstructionsGoToTheL1IAndMissIntoL2) {
  cs::HierarchyConfig hc;
  hc.levels = {geometry(4, 1, 16), geometry(16, 2, 16)};
  hc.l1i = geometry(4, 1, 16);
  hc.l1i->name = "L1I", hc.levels[0].name = "L1D", hc.levels[1].name = "L2";
  hc.simulate_instructions = true;
  cs::Hierarchy h(hc, impl::make_level);
  // The code and the data at the same address: separate L1s, one L2 line.
  for (const auto& a : cs::parse_lackey("I  100,4\nI  104,4\n L 100,4\n")) h.access(a);
  EXPECT_EQ(h.stats(0).misses, 1u);  // L1I
  EXPECT_EQ(h.stats(0).hits, 1u);
  EXPECT_EQ(h.stats(1).misses, 1u);  // L1D
  EXPECT_EQ(h.stats(2).misses, 1u);  // L2: the instruction's fill
  EXPECT_EQ(h.stats(2).hits, 1u);    // L2: the data's fill
}

// ---- Bad input --------------------------------------------------------------------------

TEST(BadInput, MalformedTraceLineNamesFileAndLine) {
  const CliRun r = cli({"-s", "1", "-E", "1", "-b", "4", "TRACE"}, " L 10,4\n S 18\n", "bad.trace");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.trace:2: expected ',' and a decimal size after the address"), std::string::npos) << r.err;
  const CliRun op = cli({"-s", "1", "-E", "1", "-b", "4", "TRACE"}, " L 10,4\n\n X 10,4\n", "op.trace");
  EXPECT_EQ(op.code, 2);
  EXPECT_NE(op.err.find("op.trace:3: expected an access: I, L, S or M"), std::string::npos) << op.err;
  EXPECT_THROW(cs::parse_lackey(" L zz,4\n"), cs::TraceError);
  EXPECT_THROW(cs::parse_lackey(" L 10,0\n"), cs::TraceError);
  EXPECT_EQ(cs::parse_lackey("==123== Lackey\n\nI  0400d7d4,8\n M 0421c7f0,4\n").size(), 2u)
      << "valgrind's messages and blank lines are skipped";
}

TEST(BadInput, ImpossibleGeometryNamesTheParameter) {
  EXPECT_EQ(cli({"--L1", "1K,2,64", "TRACE"}, kYi).code, 0) << "a possible geometry runs";
  const CliRun big = cli({"--L1", "1K,8,256", "TRACE"}, kYi);
  EXPECT_EQ(big.code, 2);
  EXPECT_NE(big.err.find("L1D: ways x line = 8 x 256 = 2048 bytes is more than the size, 1024 bytes"),
            std::string::npos) << big.err;
  const CliRun sets = cli({"--L1", "32K,8,64", "--L2", "48K,4,64", "TRACE"}, kYi);
  EXPECT_EQ(sets.code, 2);
  EXPECT_NE(sets.err.find("L2: sets = size / (ways x line) = 192 is not a power of two"), std::string::npos)
      << sets.err;
  const CliRun line = cli({"--L1", "32K,8,48", "TRACE"}, kYi);
  EXPECT_NE(line.err.find("L1D: line size = 48 bytes is not a power of two"), std::string::npos) << line.err;
  const CliRun plru = cli({"--L1", "24K,6,64", "--policy", "plru", "TRACE"}, kYi);
  EXPECT_NE(plru.err.find("L1D: ways = 6: tree-PLRU needs a power of two"), std::string::npos) << plru.err;
}

TEST(Cli, JsonReportsEveryLevel) {
  const CliRun r = cli({"--L1", "256,1,16", "--L2", "1K,2,16", "--json", "TRACE"}, kYi);
  EXPECT_EQ(r.code, 0) << r.err;
  // The yi trace on 16 sets of 16 bytes is csim's -s 4 -E 1 -b 4 (4 hits,
  // 5 misses, 3 evictions) plus the L2 below.
  EXPECT_NE(r.out.find("\"name\": \"L1D\", \"sets\": 16, \"ways\": 1, \"line_bytes\": 16, \"hits\": 4, \"misses\": 5, "
                       "\"evictions\": 3"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"name\": \"L2\""), std::string::npos) << r.out;
}

// ---- The transpose (graded by misses in the bench; here: correct, and under the mark) ----

namespace {
void expect_transpose(int M, int N, std::uint64_t full_credit_below) {
  const cs::TransposeResult r = cs::count_transpose_misses(impl::transpose, M, N);
  EXPECT_LT(r.misses, full_credit_below) << M << "x" << N << ": " << r.misses << " misses (" << r.hits << " hits)";
}
}  // namespace

TEST(Transpose, Shape32x32) { expect_transpose(32, 32, 300); }
TEST(Transpose, Shape64x64) { expect_transpose(64, 64, 1300); }
TEST(Transpose, Shape61x67) { expect_transpose(61, 67, 2000); }
