// cache-sim_mountain: the memory mountain of the machine at hand.
//
//   build/default/bin/cache-sim_mountain [--quick | --smoke] [--out-dir DIR]
//
// 1. Read bandwidth over working-set size x stride (CS:APP's memory
//    mountain): sum every stride-th 8-byte word of a buffer of that size,
//    again and again; GB/s = words read x 8 bytes / time. Best of 2.
// 2. Load-to-use latency: chase pointers through a random cyclic
//    permutation of the buffer's 64-byte lines, so that each load's address
//    depends on the one before and no prefetcher can guess it; ns and
//    cycles per load, on 2 MiB pages (labkit::PageBuffer asks for them) and,
//    on Linux, on 4 KiB pages (madvise MADV_NOHUGEPAGE), to show TLB reach.
// Writes DIR/mountain.svg and DIR/latency.svg (default DIR: out/cache-sim),
// with the cache sizes labkit reports marked. Times are this machine's, now:
// nothing here is graded.
#include <labkit/clock.hpp>
#include <labkit/machine.hpp>
#include <labkit/memory.hpp>
#include <labkit/plot.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace {

// Reads every stride-th word of n words; four sums so the adds overlap.
__attribute__((noinline)) std::uint64_t read_stride(const std::uint64_t* p, std::size_t n, std::size_t stride) {
  std::uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t i = 0;
  for (; i + 3 * stride < n; i += 4 * stride) s0 += p[i], s1 += p[i + stride], s2 += p[i + 2 * stride], s3 += p[i + 3 * stride];
  for (; i < n; i += stride) s0 += p[i];
  return s0 + s1 + s2 + s3;
}

double best_of_2(const std::function<void()>& fn, std::int64_t min_ns) {
  double best = 1e300;
  for (int r = 0; r < 2; ++r) best = std::min(best, labkit::time_per_call_ns(fn, min_ns));
  return best;
}

// Links the buffer's lines into one random cycle (Sattolo's algorithm) and
// returns the time per load of a chase of `steps` loads, in ns.
double chase_ns(std::byte* base, std::size_t bytes, std::int64_t steps, std::uint64_t seed) {
  constexpr std::size_t kLine = 64;
  const std::size_t lines = bytes / kLine;
  std::vector<std::uint32_t> order(lines);
  for (std::size_t i = 0; i < lines; ++i) order[i] = static_cast<std::uint32_t>(i);
  std::mt19937_64 rng(seed);
  for (std::size_t i = lines - 1; i > 0; --i) std::swap(order[i], order[rng() % i]);
  for (std::size_t i = 0; i < lines; ++i)
    *reinterpret_cast<void**>(base + order[i] * kLine) = base + order[(i + 1) % lines] * kLine;
  void* p = base;
  for (std::size_t i = 0; i < lines; ++i) p = *static_cast<void**>(p);  // one lap to warm the caches and TLB
  double best = 1e300;
  for (int r = 0; r < 3; ++r) {
    const std::int64_t t0 = labkit::now_ns();
    for (std::int64_t i = 0; i < steps; ++i) p = *static_cast<void**>(p);
    best = std::min(best, double(labkit::now_ns() - t0) / double(steps));
  }
  labkit::do_not_optimize(p);
  return best;
}

// A buffer on 4 KiB pages: mmap'd, with huge pages refused.
struct SmallPages {
  std::byte* data = nullptr;
  std::size_t size = 0;
  explicit SmallPages(std::size_t bytes) : size(bytes) {
#if defined(__linux__)
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    madvise(p, bytes, MADV_NOHUGEPAGE);
    data = static_cast<std::byte*>(p);
    std::memset(data, 0, bytes);
#endif
  }
  ~SmallPages() {
#if defined(__linux__)
    if (data) munmap(data, size);
#endif
  }
};

std::string size_text(std::uint64_t b) {
  return b >= (1u << 20) ? std::to_string(b >> 20) + "M" : std::to_string(b >> 10) + "K";
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, smoke = false;
  std::filesystem::path out_dir = "out/cache-sim";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") quick = true;
    else if (a == "--smoke") smoke = true;
    else if (a == "--out-dir" && i + 1 < argc) out_dir = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--quick | --smoke] [--out-dir DIR]\n", argv[0]);
      return 2;
    }
  }
  const labkit::MachineInfo m = labkit::describe_machine();
  const double ghz = smoke ? 0.0 : labkit::estimate_clock_ghz();
  std::printf("machine: %s, clock about %.2f GHz (estimated)\n", m.cpu_model.c_str(), ghz);
  std::vector<std::pair<std::string, std::uint64_t>> marks;
  for (int level = 1; level <= 3; ++level)
    if (const std::uint64_t b = labkit::data_cache_bytes(m, level)) {
      marks.emplace_back("L" + std::to_string(level) + " " + size_text(b), b);
      std::printf("L%d data cache: %s\n", level, size_text(b).c_str());
    }
  if (marks.empty()) std::printf("cache sizes: unknown (labkit found no source); the plots carry no marks\n");

  const std::uint64_t max_bytes = smoke ? (64u << 10) : quick ? (16u << 20) : (64u << 20);
  const std::int64_t min_ns = smoke ? 100'000 : quick ? 500'000 : 1'000'000;
  std::vector<std::uint64_t> sizes;
  for (std::uint64_t b = 16u << 10; b <= max_bytes; b *= 2) sizes.push_back(b);
  const std::size_t strides[] = {1, 2, 4, 8, 16, 32};  // in 8-byte words; 8 = one 64-byte line

  // 1. The mountain.
  labkit::PageBuffer buf(max_bytes);
  auto* words = buf.as<std::uint64_t>();
  for (std::size_t i = 0; i < max_bytes / 8; ++i) words[i] = i;
  labkit::LinePlot mountain;
  mountain.title = "Read bandwidth: working set x stride (" + m.cpu_model + ")";
  mountain.x_label = "working set (bytes)";
  mountain.y_label = "GB/s (useful 8-byte words)";
  mountain.log_x = true;
  std::printf("\nread bandwidth, GB/s (rows: working set; columns: stride in 8-byte words)\n%8s", "");
  for (std::size_t s : strides) std::printf(" %8zu", s);
  std::printf("\n");
  std::vector<std::vector<double>> gbs(sizes.size());
  double top = 0;
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    const std::size_t n = sizes[k] / 8;
    std::printf("%8s", size_text(sizes[k]).c_str());
    for (std::size_t s : strides) {
      const double ns = best_of_2([&] { labkit::do_not_optimize(read_stride(words, n, s)); }, min_ns);
      gbs[k].push_back(double((n + s - 1) / s) * 8.0 / ns);
      top = std::max(top, gbs[k].back());
      std::printf(" %8.1f", gbs[k].back());
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  for (std::size_t j = 0; j < std::size(strides); ++j) {
    labkit::Series s;
    s.name = "stride " + std::to_string(strides[j]) + (strides[j] == 1 ? " word" : " words");
    for (std::size_t k = 0; k < sizes.size(); ++k) s.x.push_back(double(sizes[k])), s.y.push_back(gbs[k][j]);
    mountain.series.push_back(s);
  }
  for (const auto& [name, b] : marks) mountain.series.push_back({name, {double(b), double(b)}, {0.0, top}});

  // 2. Latency.
  std::vector<std::uint64_t> lat_sizes;
  const std::uint64_t max_lat = smoke ? (64u << 10) : quick ? (32u << 20) : (64u << 20);
  for (std::uint64_t b = 4u << 10; b <= max_lat; b *= 2) lat_sizes.push_back(b);
  labkit::PageBuffer huge(max_lat);
  SmallPages small(max_lat);
  labkit::LinePlot latency;
  latency.title = "Load-to-use latency, random pointer chase (" + m.cpu_model + ")";
  latency.x_label = "working set (bytes)";
  latency.y_label = "ns per load";
  latency.log_x = latency.log_y = true;
  labkit::Series on_huge{"2 MiB pages", {}, {}}, on_small{"4 KiB pages", {}, {}};
  std::printf("\nload-to-use latency, random chase over 64-byte lines\n%8s %12s %8s %12s %8s\n", "", "2M pages ns",
              "cycles", "4K pages ns", "cycles");
  double worst = 0;
  for (const std::uint64_t b : lat_sizes) {
    const std::int64_t steps = smoke ? 10'000 : std::max<std::int64_t>(200'000, std::int64_t(b / 64) / 2);
    const double h = chase_ns(huge.data(), b, quick ? steps / 2 : steps, b);
    on_huge.x.push_back(double(b)), on_huge.y.push_back(h);
    std::printf("%8s %12.2f %8.1f", size_text(b).c_str(), h, h * ghz);
    if (small.data) {
      const double s = chase_ns(small.data, b, quick ? steps / 2 : steps, b);
      on_small.x.push_back(double(b)), on_small.y.push_back(s);
      worst = std::max(worst, s);
      std::printf(" %12.2f %8.1f", s, s * ghz);
    }
    worst = std::max(worst, h);
    std::printf("\n");
    std::fflush(stdout);
  }
  latency.series.push_back(on_huge);
  if (!on_small.x.empty()) latency.series.push_back(on_small);
  for (const auto& [name, b] : marks) latency.series.push_back({name, {double(b), double(b)}, {0.5, worst}});

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  std::ofstream mountain_file(out_dir / "mountain.svg");
  mountain.write_svg(mountain_file);
  std::ofstream lat_file(out_dir / "latency.svg");
  latency.write_svg(lat_file);
  std::printf("\nwrote %s and %s\n", (out_dir / "mountain.svg").c_str(), (out_dir / "latency.svg").c_str());
  return 0;
}
