// cache-sim: the interface of the memory-hierarchy lab.
//
// Two things are yours to write (student/):
//   1. make_level(): one set-associative cache level, its lookup and its
//      replacement policies (LRU, FIFO, random, tree-PLRU);
//   2. transpose(): a matrix transpose with few misses on a 1 KiB
//      direct-mapped cache (s = 5, E = 1, b = 5), CS:APP's part B.
// Everything else (the Lackey trace reader, the levels stacked into a
// hierarchy, write policies, inclusion, the cache-sim command line, the
// cachegrind-compatible model) is in sim/ and uses whichever level you hand it.
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace cache_sim {

enum class Replacement { lru, fifo, random, plru };

// One level's shape and policy. Size = sets x ways x line_bytes.
struct LevelConfig {
  std::string name = "L1";
  std::uint64_t sets = 1;        // a power of two (1 = fully associative)
  std::uint32_t ways = 1;        // lines per set (1 = direct-mapped); a power of two for plru
  std::uint32_t line_bytes = 64; // a power of two
  Replacement replacement = Replacement::lru;
  std::uint64_t seed = 1;        // random replacement: the SplitMix64 seed
  bool write_back = true;        // true: write-back + write-allocate; false: write-through + no-write-allocate
};

// Throws std::invalid_argument naming the parameter that is impossible
// ("L2: sets = 48 is not a power of two").
void validate(const LevelConfig& c);
// "32 KiB, 8-way, 64 B lines, 64 sets, lru, write-back"
std::string describe(const LevelConfig& c);

// The random policy's generator, fixed so that every implementation draws
// the same victims: SplitMix64 (Steele, Lea and Flood, 2014). A level seeds
// one with LevelConfig::seed and draws once per eviction from a full set:
// victim way = next() % ways.
struct SplitMix64 {
  std::uint64_t state;
  explicit SplitMix64(std::uint64_t seed) : state(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

// What one access to a level did.
struct Outcome {
  bool hit = false;
  bool evicted = false;            // a valid line was thrown out to make room
  std::uint64_t victim_line = 0;   // its line address (address / line_bytes), when evicted
  bool victim_dirty = false;       // it had been written since it was filled
};

// One set-associative level. `line` is a line address (byte address /
// line_bytes); its set is line % sets.
class Level {
 public:
  virtual ~Level() = default;
  // Looks `line` up. A hit updates the policy's state (LRU: most recent) and,
  // when `write` is true, sets the line's dirty bit. A miss with `allocate`
  // fills the line (dirty when `write`), into the lowest-numbered empty way of
  // its set, or else over the victim the policy picks; a miss without
  // `allocate` changes nothing.
  virtual Outcome access(std::uint64_t line, bool write, bool allocate) = 0;
  // Removes `line` if present (an inclusive lower level evicted it). Returns
  // whether it was present, and sets `was_dirty`.
  virtual bool invalidate(std::uint64_t line, bool& was_dirty) = 0;
  virtual const LevelConfig& config() const = 0;
};

// ---- The transpose (CS:APP cache lab, part B) --------------------------------

// Receives every element access of a traced matrix: byte address, and whether it is a store.
using AccessRecorder = std::function<void(std::uint64_t address, bool store)>;

// A rows x cols matrix of int, row-major, at a fixed simulated address; every
// element read or written is reported to the recorder at the address it has
// (base + 4 * (i * cols + j)), as Valgrind would see it. The values live in
// an ordinary vector beside it.
class TracedMatrix {
 public:
  TracedMatrix(int rows, int cols, std::uint64_t base, AccessRecorder* recorder);
  int rows() const { return rows_; }
  int cols() const { return cols_; }
  std::uint64_t address(int i, int j) const { return base_ + 4u * (std::uint64_t(i) * cols_ + j); }
  // A read: one load.
  int get(int i, int j) const;
  // A write: one store.
  void set(int i, int j, int value);

 private:
  // Untraced access, for setting up and checking: not for the transpose.
  friend struct TransposeResult count_transpose_misses(void (*)(int, int, const TracedMatrix&, TracedMatrix&), int, int);
  int& raw(int i, int j) { return data_[std::size_t(i) * cols_ + j]; }
  int raw(int i, int j) const { return data_[std::size_t(i) * cols_ + j]; }

  int rows_, cols_;
  std::uint64_t base_;
  AccessRecorder* recorder_;
  std::vector<int> data_;
};

// Simulates transpose(M, N, A, B) (A is N x M, B becomes M x N) on the graded
// cache: s = 5, E = 1, b = 5 (32 sets of one 32-byte line: 1 KiB), with A and
// B 256 KiB apart as in CS:APP's tracegen (A at 0x10c0c0: 64-byte aligned,
// not at set 0, like a static array in .bss). Only A's and B's elements are
// traced: locals are taken to live in registers. Returns the misses; throws
// std::runtime_error naming the first wrong element when B is not A's transpose.
using TransposeFn = void (*)(int M, int N, const TracedMatrix& A, TracedMatrix& B);
struct TransposeResult {
  std::uint64_t hits = 0, misses = 0, evictions = 0, loads = 0, stores = 0;
};
// The cache is a plain direct-mapped model of its own, so the transpose is
// graded the same whatever state your make_level() is in.
TransposeResult count_transpose_misses(TransposeFn fn, int M, int N);

// ---- What you write ------------------------------------------------------------

namespace reference {
std::unique_ptr<Level> make_level(const LevelConfig& c);
// B[j][i] = A[i][j] for the three graded shapes (32x32, 64x64, 61x67), any other by blocks.
void transpose(int M, int N, const TracedMatrix& A, TracedMatrix& B);
// The plain row-by-row loop: the baseline the misses are compared with.
void transpose_naive(int M, int N, const TracedMatrix& A, TracedMatrix& B);
}  // namespace reference

namespace student {
std::unique_ptr<Level> make_level(const LevelConfig& c);
void transpose(int M, int N, const TracedMatrix& A, TracedMatrix& B);
}  // namespace student

}  // namespace cache_sim
