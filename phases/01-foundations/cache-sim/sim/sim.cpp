// cache-sim's machinery: geometry checks, the Lackey reader, the hierarchy,
// cachegrind's model and the transpose's miss counter. See sim.hpp.
#include "sim.hpp"

#include <cctype>
#include <istream>
#include <sstream>

namespace cache_sim {

namespace {
bool power_of_two(std::uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }
const char* policy_name(Replacement r) {
  switch (r) {
    case Replacement::lru: return "lru";
    case Replacement::fifo: return "fifo";
    case Replacement::random: return "random";
    case Replacement::plru: return "plru";
  }
  return "?";
}
std::string bytes_text(std::uint64_t b) {
  if (b >= (1u << 20) && b % (1u << 20) == 0) return std::to_string(b >> 20) + " MiB";
  if (b >= 1024 && b % 1024 == 0) return std::to_string(b >> 10) + " KiB";
  return std::to_string(b) + " B";
}
}  // namespace

void validate(const LevelConfig& c) {
  const std::string n = c.name + ": ";
  if (!power_of_two(c.line_bytes))
    throw std::invalid_argument(n + "line size = " + std::to_string(c.line_bytes) + " bytes is not a power of two");
  if (c.ways == 0) throw std::invalid_argument(n + "ways = 0: a set holds at least one line");
  if (!power_of_two(c.sets))
    throw std::invalid_argument(n + "sets = " + std::to_string(c.sets) + " is not a power of two");
  if (c.replacement == Replacement::plru && !power_of_two(c.ways))
    throw std::invalid_argument(n + "ways = " + std::to_string(c.ways) + ": tree-PLRU needs a power of two");
  if (c.sets > (std::uint64_t(1) << 40) || std::uint64_t(c.ways) * c.sets > (std::uint64_t(1) << 28))
    throw std::invalid_argument(n + "sets x ways = " + std::to_string(c.sets) + " x " + std::to_string(c.ways) +
                                " lines is more than this simulator holds (2^28)");
}

std::string describe(const LevelConfig& c) {
  std::ostringstream s;
  s << bytes_text(c.sets * c.ways * c.line_bytes) << ", "
    << (c.ways == 1 ? std::string("direct-mapped") : std::to_string(c.ways) + "-way") << ", " << c.line_bytes
    << " B lines, " << c.sets << " sets, " << policy_name(c.replacement)
    << (c.write_back ? ", write-back" : ", write-through");
  return s.str();
}

LevelConfig parse_geometry(const std::string& text, const std::string& name) {
  // size,ways,line; size may end in K or M (KiB, MiB).
  LevelConfig c;
  c.name = name;
  std::uint64_t v[3] = {0, 0, 0};
  std::size_t pos = 0;
  for (int k = 0; k < 3; ++k) {
    if (pos >= text.size() || !std::isdigit(static_cast<unsigned char>(text[pos])))
      throw std::invalid_argument(name + ": expected SIZE,WAYS,LINE (e.g. 32K,8,64 or 32768,8,64), got '" + text + "'");
    std::uint64_t x = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      x = x * 10 + (text[pos++] - '0');
      if (x > (std::uint64_t(1) << 40)) throw std::invalid_argument(name + ": number too large in '" + text + "'");
    }
    if (k == 0 && pos < text.size() && (text[pos] == 'K' || text[pos] == 'k')) x <<= 10, ++pos;
    else if (k == 0 && pos < text.size() && (text[pos] == 'M' || text[pos] == 'm')) x <<= 20, ++pos;
    v[k] = x;
    if (k < 2) {
      if (pos >= text.size() || text[pos] != ',')
        throw std::invalid_argument(name + ": expected SIZE,WAYS,LINE (e.g. 32K,8,64 or 32768,8,64), got '" + text + "'");
      ++pos;
    }
  }
  if (pos != text.size())
    throw std::invalid_argument(name + ": unexpected '" + text.substr(pos) + "' after SIZE,WAYS,LINE");
  const std::uint64_t size = v[0], ways = v[1], line = v[2];
  if (ways == 0) throw std::invalid_argument(name + ": ways = 0: a set holds at least one line");
  if (!power_of_two(line))
    throw std::invalid_argument(name + ": line size = " + std::to_string(line) + " bytes is not a power of two");
  if (ways * line > size)
    throw std::invalid_argument(name + ": ways x line = " + std::to_string(ways) + " x " + std::to_string(line) + " = " +
                                std::to_string(ways * line) + " bytes is more than the size, " + std::to_string(size) +
                                " bytes");
  if (size % (ways * line) != 0)
    throw std::invalid_argument(name + ": size " + std::to_string(size) + " is not a multiple of ways x line = " +
                                std::to_string(ways * line));
  c.ways = static_cast<std::uint32_t>(ways);
  c.line_bytes = static_cast<std::uint32_t>(line);
  c.sets = size / (ways * line);
  if (!power_of_two(c.sets))
    throw std::invalid_argument(name + ": sets = size / (ways x line) = " + std::to_string(c.sets) +
                                " is not a power of two");
  return c;
}

// ---- Lackey ---------------------------------------------------------------------

bool parse_lackey_line(const std::string& line, const std::string& file, std::uint64_t line_number, Access& out) {
  auto fail = [&](const std::string& what) -> bool {
    std::string shown = line.size() > 60 ? line.substr(0, 60) + "..." : line;
    throw TraceError(file + ":" + std::to_string(line_number) + ": " + what + ", found '" + shown + "'");
  };
  std::size_t p = 0;
  const std::size_t n = line.size();
  while (p < n && (line[p] == ' ' || line[p] == '\t')) ++p;
  if (p == n || line[p] == '\r') return false;           // blank
  if (line.compare(p, 2, "==") == 0) return false;      // valgrind's own messages
  const char op = line[p];
  if (op != 'I' && op != 'L' && op != 'S' && op != 'M')
    return fail("expected an access: I, L, S or M, then ADDRESS,SIZE (Valgrind Lackey's format)");
  out.op = static_cast<Op>(op);
  ++p;
  if (p == n || (line[p] != ' ' && line[p] != '\t')) return fail(std::string("expected a space after '") + op + "'");
  while (p < n && (line[p] == ' ' || line[p] == '\t')) ++p;
  if (p + 1 < n && line[p] == '0' && (line[p + 1] == 'x' || line[p + 1] == 'X')) p += 2;
  std::uint64_t addr = 0;
  int digits = 0;
  while (p < n && std::isxdigit(static_cast<unsigned char>(line[p]))) {
    const char c = line[p++];
    const int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::tolower(c) - 'a' + 10);
    if (++digits > 16) return fail("expected a hexadecimal address of at most 16 digits");
    addr = addr * 16 + static_cast<std::uint64_t>(d);
  }
  if (digits == 0) return fail(std::string("expected a hexadecimal address after '") + op + "'");
  if (p == n || line[p] != ',') return fail("expected ',' and a decimal size after the address");
  ++p;
  std::uint64_t size = 0;
  digits = 0;
  while (p < n && std::isdigit(static_cast<unsigned char>(line[p]))) {
    size = size * 10 + static_cast<std::uint64_t>(line[p++] - '0');
    if (++digits > 6) return fail("expected a size of at most 6 digits");
  }
  if (digits == 0) return fail("expected a decimal size after ','");
  if (size == 0) return fail("expected a size of at least 1 byte");
  while (p < n && (line[p] == ' ' || line[p] == '\t' || line[p] == '\r')) ++p;
  if (p != n) return fail("expected the end of the line after the size");
  out.address = addr;
  out.size = static_cast<std::uint32_t>(size);
  return true;
}

void read_lackey(std::istream& in, const std::string& file, const std::function<void(const Access&)>& fn) {
  std::string line;
  std::uint64_t number = 0;
  Access a;
  while (std::getline(in, line)) {
    ++number;
    if (parse_lackey_line(line, file, number, a)) fn(a);
  }
}

std::vector<Access> parse_lackey(const std::string& text, const std::string& file) {
  std::istringstream in(text);
  std::vector<Access> v;
  read_lackey(in, file, [&](const Access& a) { v.push_back(a); });
  return v;
}

// ---- The hierarchy -----------------------------------------------------------------

Hierarchy::Hierarchy(HierarchyConfig config, const LevelFactory& make_level) : config_(std::move(config)) {
  if (config_.levels.empty()) throw std::invalid_argument("a hierarchy needs at least one level");
  auto add = [&](const LevelConfig& c) {
    validate(c);
    Node node;
    node.config = c;
    node.level = make_level(c);
    nodes_.push_back(std::move(node));
    return static_cast<int>(nodes_.size() - 1);
  };
  if (config_.l1i) first_instr_ = add(*config_.l1i);
  first_data_ = add(config_.levels[0]);
  int prev = first_data_;
  for (std::size_t k = 1; k < config_.levels.size(); ++k) {
    const int id = add(config_.levels[k]);
    nodes_[prev].next = id;
    nodes_[id].above.push_back(prev);
    if (k == 1 && first_instr_ >= 0) {
      nodes_[first_instr_].next = id;
      nodes_[id].above.push_back(first_instr_);
    }
    prev = id;
  }
  if (config_.simulate_instructions && first_instr_ < 0) first_instr_ = first_data_;
}

std::uint64_t Hierarchy::count(Op op) const {
  switch (op) {
    case Op::instruction: return ops_[0];
    case Op::load: return ops_[1];
    case Op::store: return ops_[2];
    case Op::modify: return ops_[3];
  }
  return 0;
}

void Hierarchy::to_below(int node, std::uint64_t line, Req req) {
  const Node& n = nodes_[node];
  if (n.next < 0) {
    (req == Req::read ? memory_reads_ : memory_writes_)++;
    return;
  }
  // Line addresses are per level: convert through the byte address.
  const std::uint64_t byte = line * n.config.line_bytes;
  const std::uint32_t below = nodes_[n.next].config.line_bytes;
  if (below >= n.config.line_bytes) {
    request(n.next, byte / below, req);
  } else {  // a larger line above than below: every smaller line it covers
    for (std::uint64_t b = byte; b < byte + n.config.line_bytes; b += below) request(n.next, b / below, req);
  }
}

// Removes the line (given at `node`'s granularity) from every level above
// `node`. Returns whether a removed copy was dirty.
bool Hierarchy::back_invalidate(int node, std::uint64_t line_at_node) {
  bool dirty = false;
  const std::uint32_t bytes = nodes_[node].config.line_bytes;
  for (int up : nodes_[node].above) {
    Node& u = nodes_[up];
    const std::uint64_t first = line_at_node * bytes / u.config.line_bytes;
    const std::uint64_t last = (line_at_node * bytes + bytes - 1) / u.config.line_bytes;
    for (std::uint64_t l = first; l <= last; ++l) {
      bool was_dirty = false;
      if (u.level->invalidate(l, was_dirty)) {
        ++u.stats.back_invalidations;
        dirty = dirty || was_dirty;
      }
      dirty = back_invalidate(up, l) || dirty;
    }
  }
  return dirty;
}

bool Hierarchy::request(int node, std::uint64_t line, Req req) {
  Node& n = nodes_[node];
  const bool write = req != Req::read;
  // Write-through + no-write-allocate: a write updates a line that is there
  // and always goes on below; a write miss allocates nothing. A write-back
  // of a dirty line from above is a whole line, so it needs no fill.
  const bool allocate = n.config.write_back || !write;
  const Outcome o = n.level->access(line, write && n.config.write_back, allocate);
  if (o.hit) ++n.stats.hits;
  else ++n.stats.misses;
  if (o.evicted) {
    ++n.stats.evictions;
    bool dirty = o.victim_dirty;
    if (config_.inclusive && !n.above.empty()) dirty = back_invalidate(node, o.victim_line) || dirty;
    if (dirty) {
      ++n.stats.dirty_writebacks;
      to_below(node, o.victim_line, Req::writeback);
    }
  }
  if (!o.hit && allocate && req != Req::writeback) to_below(node, line, Req::read);
  if (write && !n.config.write_back) to_below(node, line, req);
  return o.hit;
}

void Hierarchy::line_access(int first, const Access& a, bool write, Verbose* verbose) {
  const Node& n = nodes_[first];
  const std::uint64_t lo = first_line(a, n.config.line_bytes), hi = last_line(a, n.config.line_bytes);
  for (std::uint64_t l = lo; l <= hi; ++l) {
    const std::uint64_t evictions = n.stats.evictions;
    const bool hit = request(first, l, write ? Req::write : Req::read);
    if (verbose) {
      verbose->words.push_back(hit ? "hit" : "miss");
      if (nodes_[first].stats.evictions != evictions) verbose->words.push_back("eviction");
    }
  }
}

void Hierarchy::access(const Access& a, Verbose* verbose) {
  if (verbose) verbose->words.clear();
  switch (a.op) {
    case Op::instruction: ++ops_[0]; break;
    case Op::load: ++ops_[1]; break;
    case Op::store: ++ops_[2]; break;
    case Op::modify: ++ops_[3]; break;
  }
  const std::uint32_t line_bytes = nodes_[first_data_].config.line_bytes;
  if (first_line(a, line_bytes) != last_line(a, line_bytes)) ++straddling_;
  switch (a.op) {
    case Op::instruction:
      if (config_.simulate_instructions) line_access(first_instr_, a, false, verbose);
      break;
    case Op::load: line_access(first_data_, a, false, verbose); break;
    case Op::store: line_access(first_data_, a, true, verbose); break;
    case Op::modify:
      if (config_.modify_is_load_then_store) line_access(first_data_, a, false, verbose);
      line_access(first_data_, a, true, verbose);
      break;
  }
}

// ---- Cachegrind's model ------------------------------------------------------------

CachegrindModel::CachegrindModel(const LevelConfig& i1, const LevelConfig& d1, const LevelConfig& ll,
                                 const LevelFactory& make_level) {
  for (const LevelConfig* c : {&i1, &d1, &ll}) {
    validate(*c);
    if (c->replacement != Replacement::lru || !c->write_back)
      throw std::invalid_argument(c->name + ": cachegrind simulates LRU, write-allocate caches only");
  }
  i1_ = make_level(i1);
  d1_ = make_level(d1);
  ll_ = make_level(ll);
}

// cg_sim.c's cachesim_ref_is_miss: every line the access touches is looked
// up (each updates LRU); the access misses when any of them did.
bool CachegrindModel::is_miss(Level& level, const Access& a) {
  const std::uint32_t line_bytes = level.config().line_bytes;
  bool miss = false;
  for (std::uint64_t l = first_line(a, line_bytes); l <= last_line(a, line_bytes); ++l)
    miss = !level.access(l, false, true).hit || miss;
  return miss;
}

void CachegrindModel::access(const Access& a) {
  switch (a.op) {
    case Op::instruction:
      ++counts_.Ir;
      if (is_miss(*i1_, a)) {
        ++counts_.I1mr;
        if (is_miss(*ll_, a)) ++counts_.ILmr;
      }
      break;
    case Op::load:
    case Op::modify:
      ++counts_.Dr;
      if (is_miss(*d1_, a)) {
        ++counts_.D1mr;
        if (is_miss(*ll_, a)) ++counts_.DLmr;
      }
      break;
    case Op::store:
      ++counts_.Dw;
      if (is_miss(*d1_, a)) {
        ++counts_.D1mw;
        if (is_miss(*ll_, a)) ++counts_.DLmw;
      }
      break;
  }
}

// ---- The transpose ----------------------------------------------------------------

TracedMatrix::TracedMatrix(int rows, int cols, std::uint64_t base, AccessRecorder* recorder)
    : rows_(rows), cols_(cols), base_(base), recorder_(recorder), data_(std::size_t(rows) * cols) {}

int TracedMatrix::get(int i, int j) const {
  if (i < 0 || i >= rows_ || j < 0 || j >= cols_)
    throw std::out_of_range("read of element (" + std::to_string(i) + ", " + std::to_string(j) + ") of a " +
                            std::to_string(rows_) + " x " + std::to_string(cols_) + " matrix");
  if (recorder_) (*recorder_)(address(i, j), false);
  return data_[std::size_t(i) * cols_ + j];
}

void TracedMatrix::set(int i, int j, int value) {
  if (i < 0 || i >= rows_ || j < 0 || j >= cols_)
    throw std::out_of_range("write of element (" + std::to_string(i) + ", " + std::to_string(j) + ") of a " +
                            std::to_string(rows_) + " x " + std::to_string(cols_) + " matrix");
  if (recorder_) (*recorder_)(address(i, j), true);
  data_[std::size_t(i) * cols_ + j] = value;
}

TransposeResult count_transpose_misses(TransposeFn fn, int M, int N) {
  // CS:APP's tracegen: A and B are static int[256][256] arrays side by side,
  // so B starts 256 KiB after A, a multiple of the cache size: A[i][j] and
  // B[i][j] fall into the same set. The base is 64-byte aligned.
  constexpr std::uint64_t kBaseA = 0x10c0c0, kBaseB = kBaseA + 256 * 256 * 4;
  // The graded cache, s = 5, E = 1, b = 5: a plain direct-mapped model (one
  // tag per set), independent of any make_level().
  constexpr int kSetBits = 5, kLineBits = 5;
  std::uint64_t tag[1 << kSetBits];
  bool valid[1 << kSetBits] = {};
  TransposeResult r;
  AccessRecorder recorder = [&](std::uint64_t address, bool store) {
    (store ? r.stores : r.loads)++;
    const std::uint64_t line = address >> kLineBits;
    const std::size_t set = line & ((1u << kSetBits) - 1);
    if (valid[set] && tag[set] == line) {
      ++r.hits;
      return;
    }
    ++r.misses;
    if (valid[set]) ++r.evictions;
    valid[set] = true;
    tag[set] = line;
  };
  TracedMatrix A(N, M, kBaseA, &recorder), B(M, N, kBaseB, &recorder);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < M; ++j) A.raw(i, j) = i * 1000 + j + 1;  // never 0, B's initial value
  fn(M, N, A, B);
  for (int j = 0; j < M; ++j)
    for (int i = 0; i < N; ++i)
      if (B.raw(j, i) != A.raw(i, j))
        throw std::runtime_error("not a transpose: B[" + std::to_string(j) + "][" + std::to_string(i) + "] = " +
                                 std::to_string(B.raw(j, i)) + ", expected A[" + std::to_string(i) + "][" +
                                 std::to_string(j) + "] = " + std::to_string(A.raw(i, j)) + " (" +
                                 std::to_string(M) + "x" + std::to_string(N) + ")");
  return r;
}

}  // namespace cache_sim
