// Your cache level. Edit only files in student/.
//
// make_level() returns one set-associative level (include/cache_sim.hpp,
// class Level). The layout below is a suggestion: change anything in this
// file. Run `tools/labctl test cache-sim`; each failing test names the TODO
// it stopped at.
#include <labkit/todo.hpp>

#include <cstdint>
#include <vector>

#include "cache_sim.hpp"

namespace cache_sim::student {
namespace {

class SetAssociative final : public Level {
 public:
  explicit SetAssociative(const LevelConfig& c) : c_(c), lines_(c.sets * c.ways), rng_(c.seed) { validate(c); }

  Outcome access(std::uint64_t line, bool write, bool allocate) override {
    // TODO(1): look `line` up in set `line % sets` (the sets are a power of
    // two). A hit: mark it used for the policy (and dirty when `write`). A
    // miss with `allocate`: fill the lowest-numbered empty way, or else
    // victim(set), and report the victim in the Outcome.
    (void)line, (void)write, (void)allocate;
    LABKIT_TODO(1, "look the line up and fill it on a miss: access() in student/cache_level.cpp");
  }

  bool invalidate(std::uint64_t line, bool& was_dirty) override {
    // TODO(1): remove `line` from its set if it is there.
    (void)line, (void)was_dirty;
    LABKIT_TODO(1, "remove a line from its set: invalidate() in student/cache_level.cpp");
  }

  const LevelConfig& config() const override { return c_; }

 private:
  struct Line {
    std::uint64_t tag = 0;
    bool valid = false, dirty = false;
    // ... what your policies need to remember
  };

  std::uint32_t victim(std::uint64_t set) {
    // TODO(2): which way of a full set to evict, for c_.replacement:
    //   lru    the least recently accessed
    //   fifo   the earliest filled (hits change nothing)
    //   random rng_.next() % ways, one draw per eviction
    //   plru   tree-PLRU: follow ways - 1 bits from the root (README, "Tree-PLRU")
    (void)set;
    LABKIT_TODO(2, "choose the victim for LRU, FIFO, random and tree-PLRU: victim() in student/cache_level.cpp");
  }

  LevelConfig c_;
  std::vector<Line> lines_;
  SplitMix64 rng_;
};

}  // namespace

std::unique_ptr<Level> make_level(const LevelConfig& c) { return std::make_unique<SetAssociative>(c); }

}  // namespace cache_sim::student
