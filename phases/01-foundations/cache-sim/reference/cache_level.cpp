// The reference cache level: a set-associative array of lines with four
// replacement policies. Lookup is a linear search of the set's ways, which is
// what hardware does in parallel; sets are 1 to 16 ways in every cache this
// lab simulates, so it costs little.
#include <cstdint>
#include <vector>

#include "cache_sim.hpp"

namespace cache_sim::reference {
namespace {

class SetAssociative final : public Level {
 public:
  explicit SetAssociative(const LevelConfig& c)
      : c_(c), ways_(c.ways), lines_(c.sets * c.ways), rng_(c.seed) {
    validate(c);
    if (c.replacement == Replacement::plru) plru_.assign(c.sets * c.ways, 0);  // ways - 1 nodes per set, 1-based
  }

  Outcome access(std::uint64_t line, bool write, bool allocate) override {
    Outcome o;
    const std::uint64_t set = line & (c_.sets - 1);
    Line* s = &lines_[set * ways_];
    ++clock_;
    for (std::uint32_t w = 0; w < ways_; ++w) {
      if (s[w].valid && s[w].tag == line) {
        o.hit = true;
        s[w].dirty = s[w].dirty || write;
        touch(set, w);
        return o;
      }
    }
    if (!allocate) return o;
    std::uint32_t w = 0;
    while (w < ways_ && s[w].valid) ++w;
    if (w == ways_) {  // the set is full
      w = victim(set);
      o.evicted = true;
      o.victim_line = s[w].tag;
      o.victim_dirty = s[w].dirty;
    }
    s[w].valid = true;
    s[w].tag = line;
    s[w].dirty = write;
    s[w].filled = clock_;
    touch(set, w);
    return o;
  }

  bool invalidate(std::uint64_t line, bool& was_dirty) override {
    Line* s = &lines_[(line & (c_.sets - 1)) * ways_];
    for (std::uint32_t w = 0; w < ways_; ++w) {
      if (s[w].valid && s[w].tag == line) {
        was_dirty = s[w].dirty;
        s[w] = Line{};
        return true;
      }
    }
    was_dirty = false;
    return false;
  }

  const LevelConfig& config() const override { return c_; }

 private:
  struct Line {
    std::uint64_t tag = 0;       // the whole line address: simpler than tag bits, and as exact
    std::uint64_t used = 0;      // LRU: clock of the last access
    std::uint64_t filled = 0;    // FIFO: clock of the fill
    bool valid = false, dirty = false;
  };

  // Records an access to way w for the policies that care.
  void touch(std::uint64_t set, std::uint32_t w) {
    lines_[set * ways_ + w].used = clock_;
    if (c_.replacement == Replacement::plru) {
      // Tree-PLRU: ways - 1 bits in a heap (node 1 the root, children 2n and
      // 2n + 1). Bit 0 sends the next victim left, 1 right. An access sets
      // each bit on its path to point away from the half it is in.
      std::uint8_t* bits = &plru_[set * ways_];
      std::uint32_t node = 1, lo = 0, span = ways_;
      while (span > 1) {
        span /= 2;
        const bool right = w >= lo + span;
        bits[node] = right ? 0 : 1;
        node = 2 * node + (right ? 1 : 0);
        if (right) lo += span;
      }
    }
  }

  std::uint32_t victim(std::uint64_t set) {
    const Line* s = &lines_[set * ways_];
    switch (c_.replacement) {
      case Replacement::lru:
      case Replacement::fifo: {
        const bool lru = c_.replacement == Replacement::lru;
        std::uint32_t best = 0;
        for (std::uint32_t w = 1; w < ways_; ++w)
          if ((lru ? s[w].used : s[w].filled) < (lru ? s[best].used : s[best].filled)) best = w;
        return best;
      }
      case Replacement::random:
        return static_cast<std::uint32_t>(rng_.next() % ways_);
      case Replacement::plru: {
        const std::uint8_t* bits = &plru_[set * ways_];
        std::uint32_t node = 1, lo = 0, span = ways_;
        while (span > 1) {
          span /= 2;
          const bool right = bits[node] != 0;
          node = 2 * node + (right ? 1 : 0);
          if (right) lo += span;
        }
        return lo;
      }
    }
    return 0;
  }

  LevelConfig c_;
  std::uint32_t ways_;
  std::vector<Line> lines_;
  std::vector<std::uint8_t> plru_;
  SplitMix64 rng_;
  std::uint64_t clock_ = 0;
};

}  // namespace

std::unique_ptr<Level> make_level(const LevelConfig& c) { return std::make_unique<SetAssociative>(c); }

}  // namespace cache_sim::reference
