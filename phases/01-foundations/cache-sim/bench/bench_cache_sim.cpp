// cache-sim's bench:
//   transpose/misses   CS:APP part B: misses of each transpose on the graded
//                      cache (s = 5, E = 1, b = 5); deterministic counts,
//                      graded by lab.toml's count tasks. Size = M x N.
//   simulate           the simulator's speed: a synthetic trace (a strided
//                      sweep plus random accesses) through a 32 KiB 8-way
//                      L1 and a 1 MiB 16-way L2, LRU, with each
//                      implementation's make_level(). Size = accesses.
#include <labkit/check.hpp>
#include <labkit/harness.hpp>

#include <memory>
#include <random>
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
  return h.run();
}
