// cache-sim's bench:
//   transpose/misses   CS:APP part B: misses of each transpose on the graded
//                      cache (s = 5, E = 1, b = 5); deterministic counts,
//                      graded by lab.toml's count tasks. Size = M x N.
//   simulate           the simulator's speed: a synthetic trace (a strided
//                      sweep plus random accesses) through a 32 KiB 8-way
//                      L1 and a 1 MiB 16-way L2, LRU, with each
//                      implementation's make_level(). Size = accesses.
//   replay             a Lackey trace of `cache-sim_kernels matmul-naive`
//                      replayed by cache-sim's cachegrind model (read from
//                      the file every call) against `valgrind
//                      --tool=cachegrind` running the program again, same
//                      geometry; each row is first checked to give
//                      cachegrind's counts. Full runs only, when valgrind is
//                      installed. Size = trace lines.
#include <labkit/check.hpp>
#include <labkit/harness.hpp>
#include <labkit/paths.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <unistd.h>
#include <string>
#include <vector>

#include "cache_sim.hpp"
#include "sim.hpp"

namespace cs = cache_sim;

namespace {

std::vector<cs::Access> synthetic_trace(std::size_t n) {
  std::vector<cs::Access> v;
  v.reserve(n);
  std::mt19937_64 rng(labkit::seed());
  for (std::size_t i = 0; i < n; ++i) {
    cs::Access a;
    a.op = i % 4 == 3 ? cs::Op::store : cs::Op::load;
    a.size = 8;
    // Three quarters a sweep over 256 KiB with a 40-byte stride, a quarter
    // random over 4 MiB: hits in L1, in L2, and misses in both.
    a.address = i % 4 ? (i * 40) % (256 << 10) : rng() % (4 << 20);
    v.push_back(a);
  }
  return v;
}

cs::HierarchyConfig two_levels() {
  cs::HierarchyConfig h;
  h.levels = {cs::parse_geometry("32K,8,64", "L1D"), cs::parse_geometry("1M,16,64", "L2")};
  return h;
}

const char* kI1 = "16384,4,64";
const char* kD1 = "8192,2,64";
const char* kLL = "65536,8,64";

// cachegrind.out's summary line, as event -> count.
std::map<std::string, std::uint64_t> cachegrind_summary(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> events;
  std::map<std::string, std::uint64_t> counts;
  for (std::string line; std::getline(in, line);) {
    std::istringstream s(line);
    std::string key;
    s >> key;
    if (key == "events:")
      for (std::string e; s >> e;) events.push_back(e);
    if (key == "summary:")
      for (const auto& e : events) s >> counts[e];
  }
  return counts;
}

// The replay rows; returns the files to remove afterwards.
std::vector<std::filesystem::path> add_replay(labkit::Harness& h) {
  namespace fs = std::filesystem;
  const std::string bin = labkit::executable_dir();
  const fs::path program = fs::path(bin) / "cache-sim_kernels";
  if (bin.empty() || !fs::exists(program) || std::system("valgrind --version > /dev/null 2>&1") != 0) {
    std::fprintf(stderr, "replay: skipped (needs valgrind, apt-get install valgrind, and %s)\n", program.c_str());
    return {};
  }
  const std::string tag = fs::temp_directory_path() / ("cache-sim-bench-" + std::to_string(::getpid()));
  const fs::path trace = tag + ".trace", cg_out = tag + ".cachegrind";
  const std::string run = program.string() + " matmul-naive > /dev/null";
  std::fprintf(stderr, "progress: tracing %s under Lackey\n", run.c_str());
  if (std::system(("valgrind --tool=lackey --trace-mem=yes --log-file=" + trace.string() + " " + run).c_str()) != 0) {
    std::fprintf(stderr, "replay: skipped (Lackey failed on %s)\n", program.c_str());
    return {trace};
  }
  std::int64_t lines = 0;
  {
    std::ifstream in(trace);
    for (std::string l; std::getline(in, l);) ++lines;
  }
  const std::string cachegrind = std::string("valgrind --tool=cachegrind --cache-sim=yes --I1=") + kI1 + " --D1=" + kD1 +
                                 " --LL=" + kLL + " --cachegrind-out-file=" + cg_out.string() + " " + run + " 2> /dev/null";
  h.set_baseline("replay", "cachegrind");
  h.add("replay", lines, "cachegrind", labkit::Role::baseline, {double(lines), 0.0},
        [=] { labkit::do_not_optimize(std::system(cachegrind.c_str())); },
        [=]() -> std::string { return std::system(cachegrind.c_str()) == 0 ? "" : "cachegrind failed: " + cachegrind; });
  auto replay = [=](const cs::LevelFactory& make) {
    cs::CachegrindModel m(cs::parse_geometry(kI1, "I1"), cs::parse_geometry(kD1, "D1"), cs::parse_geometry(kLL, "LL"),
                          make);
    std::ifstream in(trace);
    cs::read_lackey(in, trace.string(), [&](const cs::Access& a) { m.access(a); });
    return m.counts();
  };
  const struct {
    const char* name;
    labkit::Role role;
    cs::LevelFactory make;
  } impls[] = {{"reference", labkit::Role::reference, cs::reference::make_level},
               {"student", labkit::Role::student, cs::student::make_level}};
  for (const auto& impl : impls) {
    const cs::LevelFactory make = impl.make;
    h.add("replay", lines, impl.name, impl.role, {double(lines), 0.0},
          [=] { labkit::do_not_optimize(replay(make).D1mr); },
          [=]() -> std::string {
            const cs::CachegrindCounts c = replay(make);
            auto want = cachegrind_summary(cg_out);
            if (want.empty() && std::system(cachegrind.c_str()) == 0) want = cachegrind_summary(cg_out);
            const std::pair<const char*, std::uint64_t> got[] = {{"I1mr", c.I1mr}, {"ILmr", c.ILmr}, {"D1mr", c.D1mr},
                                                                 {"DLmr", c.DLmr}, {"D1mw", c.D1mw}, {"DLmw", c.DLmw}};
            for (const auto& [event, value] : got)
              if (!want.count(event) || want[event] != value)
                return std::string(event) + " = " + std::to_string(value) + ", cachegrind counts " +
                       (want.count(event) ? std::to_string(want[event]) : std::string("nothing"));
            return "";
          });
  }
  return {trace, cg_out};
}

}  // namespace

int main(int argc, char** argv) {
  labkit::Harness h("cache-sim", argc, argv);

  const struct {
    int M, N;
  } shapes[] = {{32, 32}, {64, 64}, {61, 67}};
  for (const auto& s : shapes) {
    const std::int64_t size = std::int64_t(s.M) * s.N;
    const int M = s.M, N = s.N;
    auto misses = [=](cs::TransposeFn fn) {
      return [=] { return double(cs::count_transpose_misses(fn, M, N).misses); };
    };
    h.add_count("transpose", size, "naive", labkit::Role::baseline, "misses", misses(cs::reference::transpose_naive));
    h.add_count("transpose", size, "reference", labkit::Role::reference, "misses", misses(cs::reference::transpose));
    h.add_count("transpose", size, "student", labkit::Role::student, "misses", misses(cs::student::transpose));
  }

  for (const std::int64_t n : h.sizes({1 << 20}, {1 << 12})) {
    auto trace = std::make_shared<const std::vector<cs::Access>>(synthetic_trace(std::size_t(n)));
    // The reference's L1 misses on this trace: what every implementation must report.
    auto l1_misses = [trace](const cs::LevelFactory& make) {
      cs::Hierarchy sim(two_levels(), make);
      for (const auto& a : *trace) sim.access(a);
      return sim.stats(0).misses;
    };
    const auto expected = std::make_shared<std::uint64_t>(0);
    const struct {
      const char* name;
      labkit::Role role;
      cs::LevelFactory make;
    } impls[] = {{"reference", labkit::Role::reference, cs::reference::make_level},
                 {"student", labkit::Role::student, cs::student::make_level}};
    for (const auto& impl : impls) {
      const cs::LevelFactory make = impl.make;
      // Work: one "flop" per simulated access, so the table's GFLOP/s column
      // reads as billions of accesses per second; no bytes.
      h.add("simulate", n, impl.name, impl.role, {double(n), 0.0},
            [=] { labkit::do_not_optimize(l1_misses(make)); },
            [=]() -> std::string {
              if (*expected == 0) *expected = l1_misses(cs::reference::make_level);
              const std::uint64_t got = l1_misses(make);
              return got == *expected ? std::string()
                                      : "L1 misses " + std::to_string(got) + ", the reference counts " +
                                            std::to_string(*expected);
            });
    }
  }
  // The replay rows cost a Lackey run (about a second) before anything is
  // measured: only in full runs, and only when --benchmark_filter (the
  // grader's, for example) can select them.
  bool replay_selected = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--benchmark_filter=", 0) == 0) replay_selected = a.find("replay") != std::string::npos;
  }
  std::vector<std::filesystem::path> scratch;
  if (!h.smoke() && replay_selected) scratch = add_replay(h);
  const int rc = h.run();
  for (const auto& f : scratch) std::remove(f.c_str());
  return rc;
}
