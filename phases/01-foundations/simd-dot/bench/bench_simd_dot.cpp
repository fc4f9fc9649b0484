// simd-dot benchmark: every step of the ladder, the reference and your
// student/ code, timed in one process with interleaved repetitions.
//
//   tools/labctl bench simd-dot            # or build/default/bin/simd-dot_bench --help
//
// Sizes are chosen to land in different levels of the memory hierarchy: the
// two arrays together take 16 KiB (inside a 32 KiB L1), 512 KiB (inside L2),
// or 64 MiB (beyond the caches, in DRAM), so the same kernel meets three
// different rooflines.
//
// In L1 and L2 each version is compared with the scalar loop (cases `dot` and
// `saxpy`). In DRAM the question changes: not "how much faster than scalar"
// but "how close to the memory bandwidth". So the DRAM-sized rows form their
// own cases, `dot-dram` and `saxpy-dram`, compared with `stream`: the same
// bytes moved by the plainest loop the compiler can vectorize, timed in the
// same run. Both sides of that ratio are bound by memory, so it holds still
// while this kind of machine's bandwidth drifts from minute to minute (a
// ratio to the compute-bound scalar loop swung by 20-30% between runs).
#include <labkit/check.hpp>
#include <labkit/harness.hpp>
#include <labkit/memory.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "simd_dot.hpp"

namespace ref = simd_dot::reference;
namespace stu = simd_dot::student;

namespace {

using DotFn = float (*)(const float*, const float*, std::size_t);
using SaxpyFn = void (*)(float, const float*, float*, std::size_t);

struct Inputs {
  std::vector<float> x, y;
  double dot_expected = 0, dot_sum_abs = 0;
  explicit Inputs(std::size_t n) : x(n), y(n) {
    // Graders set LABKIT_SEED, so inputs differ from the ones a student tuned on.
    std::mt19937_64 rng(labkit::seed() + n);
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    for (auto& v : x) v = d(rng);
    for (auto& v : y) v = d(rng);
    for (std::size_t i = 0; i < n; ++i) {
      dot_expected += static_cast<double>(x[i]) * y[i];
      dot_sum_abs += std::abs(static_cast<double>(x[i]) * y[i]);
    }
  }
};

// x and y in one page-aligned allocation, y starting 2 KiB past a page boundary.
//
// The allocation sits on 2 MiB pages (labkit::PageBuffer). The L2 cache is
// indexed by physical address, and 4 KiB pages land wherever the kernel finds
// room, so how evenly a 512 KiB working set spreads over the L2's sets (and
// so how many conflict misses it takes) changed from one run to the next:
// the L2-sized speedups moved by 10-19% between runs. One 2 MiB page is
// physically contiguous, so the working set spreads the same way every run.
struct AlignedPair {
  static constexpr std::size_t kPage = 4096;
  labkit::PageBuffer storage;
  float* x;
  float* y;
  static std::size_t x_bytes(std::size_t n) { return (n * sizeof(float) + kPage - 1) / kPage * kPage; }
  AlignedPair(const std::vector<float>& x_in, const std::vector<float>& y_in)
      : storage(x_bytes(x_in.size()) + kPage / 2 + y_in.size() * sizeof(float)),
        x(storage.as<float>()),
        y(storage.as<float>(x_bytes(x_in.size()) + kPage / 2)) {
    std::copy(x_in.begin(), x_in.end(), x);
    std::copy(y_in.begin(), y_in.end(), y);
  }
};

// The tests' bounds (tests/test_support.hpp; labkit/check.hpp cites them).
std::string check_dot(DotFn f, const Inputs& in) {
  const double got = f(in.x.data(), in.y.data(), in.x.size());
  const double bound = labkit::dot_error_bound_probabilistic(in.x.size(), in.dot_sum_abs) + labkit::kUnderflowSlack;
  return labkit::within(got, in.dot_expected, bound, {"dot", labkit::Where::kScalar}).message;
}

std::string check_saxpy(SaxpyFn f, const Inputs& in) {
  std::vector<float> y = in.y;
  f(0.5f, in.x.data(), y.data(), y.size());
  std::vector<double> expected(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) expected[i] = 0.5 * in.x[i] + in.y[i];
  return labkit::within(y, expected,
                        [&](std::size_t i) {
                          return labkit::axpy_error_bound(0.5 * in.x[i], in.y[i]) + labkit::kUnderflowSlack;
                        },
                        {"saxpy: y"})
      .message;
}

// The `stream` baselines: the DRAM rows' bytes, moved with as little work as
// possible. Integer operations vectorize without reassociating float sums;
// target_clones builds them for the widest vector ISA this CPU has.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SIMD_DOT_WIDEST __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SIMD_DOT_WIDEST
#endif

// Reads x and y once, as dot does.
SIMD_DOT_WIDEST std::uint32_t stream_read(const std::uint32_t* x, const std::uint32_t* y, std::size_t n) {
  std::uint32_t acc = 0;
  for (std::size_t i = 0; i < n; ++i) acc ^= x[i] ^ y[i];
  return acc;
}

// Reads x and reads and writes y once, as saxpy does. `mask` is 0 at run
// time, so y keeps its values (the saxpy rows share these buffers); the
// compiler cannot know that, so every load and store stays.
SIMD_DOT_WIDEST void stream_update(const std::uint32_t* x, std::uint32_t* y, std::size_t n, std::uint32_t mask) {
  for (std::size_t i = 0; i < n; ++i) y[i] ^= x[i] & mask;
}

}  // namespace

int main(int argc, char** argv) {
  labkit::Harness h("simd-dot", argc, argv);
  h.set_baseline("dot", "scalar");
  h.set_baseline("saxpy", "scalar");
  h.set_baseline("dot-dram", "stream");
  h.set_baseline("saxpy-dram", "stream");

  struct Impl {
    const char* name;
    labkit::Role role;
    DotFn dot;
    SaxpyFn saxpy;
    bool available;
  };
  const std::vector<Impl> impls = {
      {"scalar", labkit::Role::baseline, ref::dot_scalar, ref::saxpy_scalar, true},
      {"auto", labkit::Role::reference, ref::dot_auto, ref::saxpy_auto, true},
      {"avx2", labkit::Role::reference, ref::dot_avx2, ref::saxpy_avx2, ref::has_avx2()},
      {"avx512", labkit::Role::reference, ref::dot_avx512, ref::saxpy_avx512, ref::has_avx512()},
      {"reference", labkit::Role::reference, ref::dot, ref::saxpy, true},
      {"student", labkit::Role::student, stu::dot, stu::saxpy, true},
  };

  for (const std::int64_t size : h.sizes({2048, 65536, 8 << 20}, {33, 1000})) {
    const auto n = static_cast<std::size_t>(size);
    auto in = std::make_shared<Inputs>(n);
    // saxpy updates y in place on every call (a small `a` keeps it finite).
    // Its y sits at a fixed distance from x: 2 KiB past a 4 KiB boundary. A
    // load and an earlier store whose addresses agree in their low 12 bits
    // look dependent to the core ("4K aliasing"), so where malloc happens to
    // put y relative to x can change saxpy's speed from one run to the next.
    // Fixing the layout makes runs comparable.
    //
    // DRAM-sized rows rotate through several copies of the arrays. On this
    // kind of machine (a VM) the bandwidth one 64 MiB buffer gets depends on
    // the physical pages behind it: two buffers in one process, timed turn
    // about, differed by 25%. One buffer per run made the DRAM speedups swing
    // by 20-30% from run to run; each timed sample now spans eight buffers.
    const bool dram = n * 2 * sizeof(float) >= (16u << 20);
    const int copies = dram ? 8 : 1;
    auto work = std::make_shared<std::vector<std::unique_ptr<AlignedPair>>>();
    for (int c = 0; c < copies; ++c) work->push_back(std::make_unique<AlignedPair>(in->x, in->y));
    auto next = [work, turn = std::size_t{0}]() mutable -> AlignedPair& { return *(*work)[turn++ % work->size()]; };
    const std::string dot_case = dram ? "dot-dram" : "dot", saxpy_case = dram ? "saxpy-dram" : "saxpy";
    if (dram) {
      auto bits = [](float* p) { return reinterpret_cast<std::uint32_t*>(p); };
      h.add(dot_case, size, "stream", labkit::Role::baseline, {0, 8.0 * size},
            [next, n, bits]() mutable {
              auto& p = next();
              labkit::do_not_optimize(stream_read(bits(p.x), bits(p.y), n));
            },
            {});
      h.add(saxpy_case, size, "stream", labkit::Role::baseline, {0, 12.0 * size},
            [next, n, bits, zero = std::uint32_t{0}]() mutable {
              auto& p = next();
              labkit::do_not_optimize(zero);  // an opaque 0: y keeps its values
              stream_update(bits(p.x), bits(p.y), n, zero);
              labkit::clobber_memory();
            },
            {});
    }
    for (const auto& impl : impls) {
      if (!impl.available) continue;
      const DotFn dot = impl.dot;
      const SaxpyFn saxpy = impl.saxpy;
      h.add(dot_case, size, impl.name, impl.role, {2.0 * size, 8.0 * size},
            [next, dot, n]() mutable {
              auto& p = next();
              labkit::do_not_optimize(dot(p.x, p.y, n));
            },
            [in, dot] { return check_dot(dot, *in); });
      h.add(saxpy_case, size, impl.name, impl.role, {2.0 * size, 12.0 * size},
            [next, saxpy, n]() mutable {
              auto& p = next();
              saxpy(1e-3f, p.x, p.y, n);
              labkit::clobber_memory();
            },
            [in, saxpy] { return check_saxpy(saxpy, *in); });
    }
  }
  return h.run();
}
