// cache-sim's machinery around a Level: the Lackey trace reader, levels
// stacked into a hierarchy (write policies, inclusion), cachegrind's model,
// and the command line. Not a student file: it works with any make_level().
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cache_sim.hpp"

namespace cache_sim {

// ---- Valgrind Lackey traces ----------------------------------------------------
//
// `valgrind --tool=lackey --trace-mem=yes prog` writes one line per access:
//   I  0400d7d4,8      an instruction fetch of 8 bytes
//    L 04222cac,4      a load        (data lines start with a space)
//    S 7feff3f8,8      a store
//    M 0421c7f0,4      a modify: a load and a store of the same bytes by one instruction
// Addresses are hexadecimal, sizes decimal. Valgrind's own messages (lines
// starting with "==") and blank lines are skipped.

enum class Op : char { instruction = 'I', load = 'L', store = 'S', modify = 'M' };

struct Access {
  Op op = Op::load;
  std::uint64_t address = 0;
  std::uint32_t size = 1;
};

// A malformed line: what() is "FILE:LINE: what was expected, found '...'".
class TraceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses one line; returns false for a line to skip. Throws TraceError.
bool parse_lackey_line(const std::string& line, const std::string& file, std::uint64_t line_number, Access& out);
// Calls `fn` for every access of the stream, in order.
void read_lackey(std::istream& in, const std::string& file, const std::function<void(const Access&)>& fn);
std::vector<Access> parse_lackey(const std::string& text, const std::string& file = "<trace>");

// The line addresses an access touches: one, or more when it straddles.
inline std::uint64_t first_line(const Access& a, std::uint32_t line_bytes) { return a.address / line_bytes; }
inline std::uint64_t last_line(const Access& a, std::uint32_t line_bytes) {
  return (a.address + (a.size ? a.size : 1) - 1) / line_bytes;
}

// ---- A hierarchy of levels -----------------------------------------------------

using LevelFactory = std::function<std::unique_ptr<Level>(const LevelConfig&)>;

struct LevelStats {
  std::uint64_t hits = 0, misses = 0;
  std::uint64_t evictions = 0;           // valid lines thrown out to make room
  std::uint64_t dirty_writebacks = 0;    // of those, the ones written to the level below
  std::uint64_t back_invalidations = 0;  // lines removed because an inclusive level below evicted them
};

struct HierarchyConfig {
  // levels[0] is the first data level (L1D, or a unified L1), then L2, L3...
  std::vector<LevelConfig> levels;
  // An instruction cache beside levels[0], missing into levels[1].
  std::optional<LevelConfig> l1i;
  bool simulate_instructions = false;  // I lines: into l1i when there is one, else into levels[0]
  bool inclusive = false;              // levels[1..] hold every line above them: evicting invalidates above
  bool modify_is_load_then_store = true;  // CS:APP's csim: M = a load, then a store (which hits)
};

// What one trace access did at the first level, for csim's -v: "miss eviction hit".
struct Verbose {
  std::vector<const char*> words;
};

class Hierarchy {
 public:
  // Validates every level (std::invalid_argument naming the parameter).
  Hierarchy(HierarchyConfig config, const LevelFactory& make_level);
  void access(const Access& a, Verbose* verbose = nullptr);

  const HierarchyConfig& config() const { return config_; }
  // levels in print order: L1I (if any), then levels[0], levels[1], ...
  std::size_t level_count() const { return nodes_.size(); }
  const LevelConfig& level_config(std::size_t i) const { return nodes_[i].config; }
  const LevelStats& stats(std::size_t i) const { return nodes_[i].stats; }
  std::uint64_t memory_line_reads() const { return memory_reads_; }
  std::uint64_t memory_line_writes() const { return memory_writes_; }
  std::uint64_t count(Op op) const;
  std::uint64_t straddling() const { return straddling_; }

 private:
  struct Node {
    LevelConfig config;
    std::unique_ptr<Level> level;
    int next = -1;            // index of the level below; -1: memory
    std::vector<int> above;   // levels whose misses come here (for back-invalidation)
    LevelStats stats;
  };
  enum class Req { read, write, writeback };
  // Returns whether the line hit at `node`.
  bool request(int node, std::uint64_t line, Req req);
  void to_below(int node, std::uint64_t line, Req req);
  bool back_invalidate(int node, std::uint64_t line_at_node);
  void line_access(int first, const Access& a, bool write, Verbose* verbose);

  HierarchyConfig config_;
  std::vector<Node> nodes_;
  int first_data_ = 0, first_instr_ = -1;
  std::uint64_t memory_reads_ = 0, memory_writes_ = 0, straddling_ = 0;
  std::uint64_t ops_[4] = {0, 0, 0, 0};
};

// ---- Cachegrind's model ----------------------------------------------------------
//
// What `valgrind --tool=cachegrind --I1=.. --D1=.. --LL=..` counts (its
// cg_sim.c): I1 and D1 beside each other, LL below both; LRU, write-allocate,
// no dirty bits; one access that straddles lines is one reference, a miss if
// any of its lines missed, and on an L1 miss LL sees the whole access again.
// A modify (Lackey's M) is one data reference, counted as a read (Dr), as
// cachegrind does.
struct CachegrindCounts {
  std::uint64_t Ir = 0, I1mr = 0, ILmr = 0;
  std::uint64_t Dr = 0, D1mr = 0, DLmr = 0;
  std::uint64_t Dw = 0, D1mw = 0, DLmw = 0;
};
class CachegrindModel {
 public:
  CachegrindModel(const LevelConfig& i1, const LevelConfig& d1, const LevelConfig& ll, const LevelFactory& make_level);
  void access(const Access& a);
  const CachegrindCounts& counts() const { return counts_; }

 private:
  bool is_miss(Level& level, const Access& a);
  std::unique_ptr<Level> i1_, d1_, ll_;
  CachegrindCounts counts_;
};
// "32768,8,64" (cachegrind's --I1 syntax; 32K and 1M suffixes too) -> a level.
LevelConfig parse_geometry(const std::string& text, const std::string& name);

// ---- The command line -------------------------------------------------------------

// Runs `cache-sim` with these arguments (argv[0] excluded). Returns the exit
// code: 0, 2 for bad input (the message on `err`), 1 when a TODO stops it.
struct Implementations {
  LevelFactory reference, student;
};
int cli_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const Implementations& impls);

}  // namespace cache_sim
