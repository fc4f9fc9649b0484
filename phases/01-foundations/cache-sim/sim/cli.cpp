// The cache-sim command line: CS:APP's csim flags, a hierarchy of levels,
// and cachegrind's model. `cache-sim --help` prints the usage below.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <labkit/todo.hpp>
#include <sstream>

#include "sim.hpp"

namespace cache_sim {
namespace {

const char* kUsage =
    "usage: cache-sim [options] TRACE        (a Valgrind Lackey trace; '-' reads stdin)\n"
    "\n"
    "CS:APP's csim (one level; I lines ignored; M = a load and a store):\n"
    "  -s S          2^S sets\n"
    "  -E E          E lines per set\n"
    "  -b B          2^B-byte lines\n"
    "  -t TRACE      the trace\n"
    "  -v            one line per access: 'L 10,1 miss eviction'\n"
    "  prints        hits:H misses:M evictions:E\n"
    "\n"
    "A hierarchy (SIZE,WAYS,LINE; SIZE in bytes or with K or M):\n"
    "  --L1 32K,8,64     the first data level (a unified L1 with --instructions and no --L1I)\n"
    "  --L1I 32K,8,64    an instruction cache beside it (implies --instructions)\n"
    "  --L2 1M,16,64     --L3 ...: the levels below\n"
    "  --instructions    simulate I lines too\n"
    "  --policy P        lru (default), fifo, random or plru, every level\n"
    "  --seed N          random replacement's seed (level k uses N + k)\n"
    "  --write-through   write-through + no-write-allocate (default: write-back + write-allocate)\n"
    "  --inclusive       L2 and below hold every line above them (default: non-inclusive)\n"
    "\n"
    "Cachegrind's model (LRU, write-allocate; prints its summary counts):\n"
    "  --cachegrind --I1=32768,8,64 --D1=32768,8,64 --LL=1048576,16,64\n"
    "\n"
    "  --json          the counts as JSON\n"
    "  --impl NAME     reference (default) or student: whose cache level simulates\n"
    "exit status: 0, or 2 for a malformed trace line (FILE:LINE: what was expected) or an impossible geometry\n";

struct Options {
  bool csim = false, verbose = false, json = false, cachegrind = false, instructions = false;
  bool write_through = false, inclusive = false;
  int s = -1, E = -1, b = -1;
  std::vector<LevelConfig> levels;
  std::optional<LevelConfig> l1i;
  std::optional<LevelConfig> cg_i1, cg_d1, cg_ll;
  Replacement policy = Replacement::lru;
  std::uint64_t seed = 1;
  std::string impl = "reference";
  std::string trace;
};

struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

std::uint64_t parse_number(const std::string& flag, const std::string& v, std::uint64_t max) {
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 12)
    throw UsageError(flag + ": expected a non-negative integer, got '" + v + "'");
  const std::uint64_t x = std::stoull(v);
  if (x > max) throw UsageError(flag + ": " + v + " is more than " + std::to_string(max));
  return x;
}

Options parse(const std::vector<std::string>& args) {
  Options o;
  std::optional<LevelConfig> l[4];  // L1, L2, L3, L4
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i], value;
    const bool has_eq = a.rfind("--", 0) == 0 && a.find('=') != std::string::npos;
    if (has_eq) value = a.substr(a.find('=') + 1), a = a.substr(0, a.find('='));
    auto next = [&]() -> std::string {
      if (has_eq) return value;
      if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
      return args[++i];
    };
    if (a == "-h" || a == "--help") throw UsageError("");
    else if (a == "-v") o.verbose = true;
    else if (a == "-s") o.s = static_cast<int>(parse_number("-s", next(), 40)), o.csim = true;
    else if (a == "-E") o.E = static_cast<int>(parse_number("-E", next(), 1u << 20)), o.csim = true;
    else if (a == "-b") o.b = static_cast<int>(parse_number("-b", next(), 30)), o.csim = true;
    else if (a == "-t") o.trace = next();
    else if (a == "--json") o.json = true;
    else if (a == "--cachegrind") o.cachegrind = true;
    else if (a == "--instructions") o.instructions = true;
    else if (a == "--write-through") o.write_through = true;
    else if (a == "--inclusive") o.inclusive = true;
    else if (a == "--seed") o.seed = parse_number("--seed", next(), ~std::uint64_t(0) >> 1);
    else if (a == "--impl") {
      o.impl = next();
      if (o.impl != "reference" && o.impl != "student") throw UsageError("--impl: expected reference or student");
    } else if (a == "--policy") {
      const std::string p = next();
      if (p == "lru") o.policy = Replacement::lru;
      else if (p == "fifo") o.policy = Replacement::fifo;
      else if (p == "random") o.policy = Replacement::random;
      else if (p == "plru") o.policy = Replacement::plru;
      else throw UsageError("--policy: expected lru, fifo, random or plru, got '" + p + "'");
    } else if (a == "--L1I") o.l1i = parse_geometry(next(), "L1I"), o.instructions = true;
    else if (a.size() == 4 && a.rfind("--L", 0) == 0 && a[3] >= '1' && a[3] <= '4')
      l[a[3] - '1'] = parse_geometry(next(), a.substr(2) == "L1" ? "L1D" : a.substr(2));
    else if (a == "--I1") o.cg_i1 = parse_geometry(next(), "I1");
    else if (a == "--D1") o.cg_d1 = parse_geometry(next(), "D1");
    else if (a == "--LL") o.cg_ll = parse_geometry(next(), "LL");
    else if (!a.empty() && a[0] == '-' && a != "-") throw UsageError("unknown option '" + a + "'");
    else if (o.trace.empty()) o.trace = a;
    else throw UsageError("one trace only: '" + o.trace + "' and '" + a + "'");
  }
  if (o.trace.empty()) throw UsageError("no trace given (-t TRACE or TRACE)");
  if (o.csim) {
    if (o.s < 0 || o.E < 0 || o.b < 0) throw UsageError("csim mode needs all of -s, -E and -b");
    if (o.E == 0) throw UsageError("-E: E = 0: a set holds at least one line");
    LevelConfig c;
    c.name = "L1";
    c.sets = std::uint64_t(1) << o.s;
    c.ways = static_cast<std::uint32_t>(o.E);
    c.line_bytes = 1u << o.b;
    o.levels.push_back(c);
  } else if (o.cachegrind) {
    if (!o.cg_i1 || !o.cg_d1 || !o.cg_ll) throw UsageError("--cachegrind needs --I1, --D1 and --LL");
  } else {
    for (int k = 0; k < 4; ++k) {
      if (!l[k]) {
        for (int m = k + 1; m < 4; ++m)
          if (l[m]) throw UsageError("--L" + std::to_string(m + 1) + " given without --L" + std::to_string(k + 1));
        break;
      }
      o.levels.push_back(*l[k]);
    }
    if (o.levels.empty()) throw UsageError("no cache: give -s -E -b, or --L1 (and --L2 ...), or --cachegrind");
  }
  for (std::size_t k = 0; k < o.levels.size(); ++k) {
    o.levels[k].replacement = o.policy;
    o.levels[k].seed = o.seed + k;
    o.levels[k].write_back = !o.write_through;
  }
  if (o.l1i) o.l1i->replacement = o.policy, o.l1i->seed = o.seed + 100, o.l1i->write_back = !o.write_through;
  return o;
}

// Runs `fn` over every access of the trace file.
void each_access(const std::string& path, const std::function<void(const Access&)>& fn) {
  if (path == "-") return read_lackey(std::cin, "<stdin>", fn);
  std::ifstream in(path);
  if (!in) throw TraceError(path + ": cannot open the trace");
  read_lackey(in, path, fn);
}

std::string hex(std::uint64_t x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(x));
  return buf;
}

int run_cachegrind(const Options& o, const LevelFactory& make, std::ostream& out) {
  CachegrindModel m(*o.cg_i1, *o.cg_d1, *o.cg_ll, make);
  each_access(o.trace, [&](const Access& a) { m.access(a); });
  const CachegrindCounts& c = m.counts();
  if (o.json) {
    out << "{\"model\": \"cachegrind\", \"Ir\": " << c.Ir << ", \"I1mr\": " << c.I1mr << ", \"ILmr\": " << c.ILmr
        << ", \"Dr\": " << c.Dr << ", \"D1mr\": " << c.D1mr << ", \"DLmr\": " << c.DLmr << ", \"Dw\": " << c.Dw
        << ", \"D1mw\": " << c.D1mw << ", \"DLmw\": " << c.DLmw << "}\n";
  } else {
    out << "I1: " << describe(*o.cg_i1) << "\nD1: " << describe(*o.cg_d1) << "\nLL: " << describe(*o.cg_ll) << "\n"
        << "events: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw\n"
        << "summary: " << c.Ir << ' ' << c.I1mr << ' ' << c.ILmr << ' ' << c.Dr << ' ' << c.D1mr << ' ' << c.DLmr
        << ' ' << c.Dw << ' ' << c.D1mw << ' ' << c.DLmw << "\n";
  }
  return 0;
}

int run_hierarchy(const Options& o, const LevelFactory& make, std::ostream& out) {
  HierarchyConfig hc;
  hc.levels = o.levels;
  hc.l1i = o.l1i;
  hc.simulate_instructions = o.instructions && !o.csim;
  hc.inclusive = o.inclusive;
  hc.modify_is_load_then_store = true;
  Hierarchy h(hc, make);
  Verbose v;
  each_access(o.trace, [&](const Access& a) {
    if (o.verbose && !o.json) {
      h.access(a, &v);
      if (a.op == Op::instruction && !hc.simulate_instructions) return;
      out << static_cast<char>(a.op) << ' ' << hex(a.address) << ',' << a.size;
      for (const char* w : v.words) out << ' ' << w;
      out << '\n';
    } else {
      h.access(a);
    }
  });
  if (o.json) {
    out << "{\n  \"accesses\": {\"I\": " << h.count(Op::instruction) << ", \"L\": " << h.count(Op::load)
        << ", \"S\": " << h.count(Op::store) << ", \"M\": " << h.count(Op::modify)
        << ", \"straddling\": " << h.straddling() << "},\n  \"levels\": [\n";
    for (std::size_t k = 0; k < h.level_count(); ++k) {
      const LevelConfig& c = h.level_config(k);
      const LevelStats& s = h.stats(k);
      out << "    {\"name\": \"" << c.name << "\", \"sets\": " << c.sets << ", \"ways\": " << c.ways
          << ", \"line_bytes\": " << c.line_bytes << ", \"hits\": " << s.hits << ", \"misses\": " << s.misses
          << ", \"evictions\": " << s.evictions << ", \"dirty_writebacks\": " << s.dirty_writebacks
          << ", \"back_invalidations\": " << s.back_invalidations << "}" << (k + 1 < h.level_count() ? "," : "")
          << "\n";
    }
    out << "  ],\n  \"memory\": {\"line_reads\": " << h.memory_line_reads()
        << ", \"line_writes\": " << h.memory_line_writes() << "}\n}\n";
    return 0;
  }
  if (o.csim) {
    const LevelStats& s = h.stats(0);
    out << "hits:" << s.hits << " misses:" << s.misses << " evictions:" << s.evictions << "\n";
    return 0;
  }
  out << "trace " << o.trace << ": " << h.count(Op::instruction) << " I, " << h.count(Op::load) << " L, "
      << h.count(Op::store) << " S, " << h.count(Op::modify) << " M (" << h.straddling() << " straddle a line)\n";
  char row[256];
  std::snprintf(row, sizeof row, "%-5s %12s %12s %12s %12s %10s  %s\n", "level", "hits", "misses", "evictions",
                "writebacks", "miss rate", "geometry");
  out << row;
  for (std::size_t k = 0; k < h.level_count(); ++k) {
    const LevelStats& s = h.stats(k);
    const double total = double(s.hits + s.misses);
    std::snprintf(row, sizeof row, "%-5s %12llu %12llu %12llu %12llu %9.2f%%  %s\n", h.level_config(k).name.c_str(),
                  static_cast<unsigned long long>(s.hits), static_cast<unsigned long long>(s.misses),
                  static_cast<unsigned long long>(s.evictions), static_cast<unsigned long long>(s.dirty_writebacks),
                  total > 0 ? 100.0 * s.misses / total : 0.0, describe(h.level_config(k)).c_str());
    out << row;
    if (s.back_invalidations) out << "      (" << s.back_invalidations << " lines back-invalidated by inclusion)\n";
  }
  out << "memory: " << h.memory_line_reads() << " line reads, " << h.memory_line_writes() << " line writes"
      << (o.inclusive ? " (inclusive)" : " (non-inclusive)") << "\n";
  return 0;
}

}  // namespace

int cli_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const Implementations& impls) {
  try {
    const Options o = parse(args);
    const LevelFactory& make = o.impl == "student" ? impls.student : impls.reference;
    if (!make) throw UsageError("--impl " + o.impl + ": not built into this program");
    return o.cachegrind ? run_cachegrind(o, make, out) : run_hierarchy(o, make, out);
  } catch (const UsageError& e) {
    if (!*e.what()) {  // --help
      out << kUsage;
      return 0;
    }
    err << "cache-sim: " << e.what() << "\n\n" << kUsage;
    return 2;
  } catch (const TraceError& e) {
    err << e.what() << "\n";
    return 2;
  } catch (const std::invalid_argument& e) {  // an impossible geometry, naming the parameter
    err << "cache-sim: " << e.what() << "\n";
    return 2;
  } catch (const labkit::NotImplemented& e) {
    err << "cache-sim: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace cache_sim
