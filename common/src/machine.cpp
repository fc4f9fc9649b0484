#include "labkit/machine.hpp"

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "labkit/clock.hpp"
#include "labkit/cpu.hpp"
#include "labkit/memory.hpp"
#include "peak_kernels.hpp"


namespace labkit {
namespace {

// Starts `threads` threads that wait at a barrier, then each run `work`;
// returns the wall time from the first one starting to the last one
// finishing. The workers take the timestamps themselves: a coordinating
// thread that is descheduled after the barrier would start its clock late
// and overstate the speed.
double run_threads_ns(int threads, const std::function<void(int)>& work) {
  std::barrier start(threads);
  std::vector<std::int64_t> begin(static_cast<std::size_t>(threads)), end(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      begin[static_cast<std::size_t>(t)] = now_ns();
      work(t);
      end[static_cast<std::size_t>(t)] = now_ns();
    });
  }
  for (auto& th : pool) th.join();
  return static_cast<double>(*std::max_element(end.begin(), end.end()) - *std::min_element(begin.begin(), begin.end()));
}

using FmaKernel = double (*)(std::uint64_t, float);
using ReadKernel = float (*)(const float*, std::size_t);

struct Kernels {
  FmaKernel fma;
  ReadKernel read;
  int lanes;
  const char* name;
};

Kernels pick_kernels() {
  switch (best_isa()) {
    case Isa::avx512:
      if (detail::fma_chains_avx512(1, 1.f) > 0)
        return {detail::fma_chains_avx512, detail::read_sum_avx512, detail::kLanesAvx512, "avx512"};
      [[fallthrough]];
    case Isa::avx2:
      if (detail::fma_chains_avx2(1, 1.f) > 0)
        return {detail::fma_chains_avx2, detail::read_sum_avx2, detail::kLanesAvx2, "avx2"};
      [[fallthrough]];
    default:
      return {detail::fma_chains_generic, detail::read_sum_generic, detail::kLanesGeneric,
              "generic"};
  }
}

}  // namespace

double estimate_clock_ghz() {
#if defined(__x86_64__) || defined(__aarch64__)
  // A chain of dependent adds retires one per cycle on every core labkit
  // targets, so adds per nanosecond approximates the clock in GHz.
  auto chain = [](std::uint64_t rounds) {
    std::uint64_t x = 0;
    for (std::uint64_t i = 0; i < rounds; ++i) {
#if defined(__x86_64__)
      asm volatile(
          "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
          "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
          "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
          "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
          : "+r"(x));
#else
      asm volatile(
          "add %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\t"
          "add %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\t"
          "add %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\t"
          "add %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1"
          : "+r"(x));
#endif
    }
    do_not_optimize(x);
  };
  // Many short runs, keeping the fastest: on a VM an interrupted or
  // descheduled run reads low, and an under-read clock would overstate the
  // flops per cycle of everything measured against it.
  const std::uint64_t rounds = 1'000'000;  // 16 M adds, ~5 ms at 3.5 GHz
  chain(rounds * 4);                       // warm up the clock
  double best = 0;
  for (int rep = 0; rep < 40; ++rep) {
    const auto t0 = now_ns();
    chain(rounds);
    const double ns = static_cast<double>(now_ns() - t0);
    best = std::max(best, static_cast<double>(rounds * 16) / ns);
  }
  return best;
#else
  return 0;
#endif
}

PeakResult measure_fma_peak(int threads, double seconds) {
  const Kernels k = pick_kernels();
  // Calibrate the iteration count on one thread so one run lasts `seconds`.
  std::uint64_t iterations = 1 << 16;
  for (;;) {
    const auto t0 = now_ns();
    k.fma(iterations, 1.0f);
    const double ns = static_cast<double>(now_ns() - t0);
    if (ns > 2e7) {
      iterations = static_cast<std::uint64_t>(static_cast<double>(iterations) * seconds * 1e9 / ns);
      break;
    }
    iterations *= 4;
  }
  PeakResult best;
  best.threads = threads;
  best.isa = k.name;
  // Best of several short runs: a peak is what the core can do when nothing
  // else runs on it, and short runs are more likely to find such a window.
  for (int rep = 0; rep < 6; ++rep) {
    std::atomic<double> flops{0};
    const double ns = run_threads_ns(threads, [&](int t) {
      const double f = k.fma(iterations, 1.0f + static_cast<float>(t));
      double cur = flops.load();
      while (!flops.compare_exchange_weak(cur, cur + f)) {
      }
    });
    best.gflops = std::max(best.gflops, flops.load() / ns);
  }
  return best;
}

double measure_read_bandwidth(std::uint64_t bytes, int threads, bool quick) {
  const Kernels k = pick_kernels();
  const std::size_t per_thread = std::max<std::size_t>(128, (bytes / sizeof(float) / threads) / 128 * 128);
  // Beyond the caches, the bandwidth one buffer gets depends on the physical
  // pages behind it (on a VM, two 64 MiB buffers timed turn about differed by
  // 25%). Reading several buffers in turn measures what a typical buffer
  // gets, which is what a lab's DRAM-sized arrays will see; labs' benches
  // rotate through copies the same way. The buffers sit on 2 MiB pages, as
  // the labs' DRAM-sized arrays do (labkit/memory.hpp), so that the ceiling
  // and the kernels under it see the same kind of memory.
  const std::size_t buffer_bytes = per_thread * sizeof(float);
  const int copies = buffer_bytes >= (16u << 20) ? static_cast<int>(std::clamp<std::size_t>((512u << 20) / buffer_bytes, 1, 4)) : 1;
  std::vector<std::vector<PageBuffer>> buffers(static_cast<std::size_t>(threads));
  for (auto& mine : buffers)
    for (int c = 0; c < copies; ++c) {
      mine.emplace_back(buffer_bytes);
      std::fill_n(mine.back().as<float>(), per_thread, 1.0f);
    }
  const double bytes_per_pass = static_cast<double>(per_thread) * sizeof(float) * threads;
  auto read_passes = [&](int passes) {
    return run_threads_ns(threads, [&](int t) {
      const auto& mine = buffers[static_cast<std::size_t>(t)];
      for (int p = 0; p < passes; ++p) do_not_optimize(k.read(mine[static_cast<std::size_t>(p % copies)].as<float>(), per_thread));
    });
  };
  // Enough passes that one timing lasts a few milliseconds at least, and
  // visits every copy.
  const double target_ns = quick ? 2e6 : 1e7;
  int passes = copies;
  for (;;) {
    const double ns = read_passes(passes);
    if (ns >= target_ns || passes >= (1 << 20)) break;
    passes *= 2;
  }
  double best = 0;
  for (int rep = 0; rep < (quick ? 3 : 7); ++rep) best = std::max(best, bytes_per_pass * passes / read_passes(passes));
  return best;
}

int runnable_threads(const std::filesystem::path& proc_stat) {
  std::ifstream in(proc_stat);
  std::string key;
  while (in >> key) {
    if (key == "procs_running") {
      long long n = -1;
      in >> n;
      return in ? static_cast<int>(n) : -1;
    }
    in.ignore(1 << 20, '\n');
  }
  return -1;
}

double cores_free(int threads) {
  const double one = measure_fma_peak(1, 0.02).gflops;
  // While the probe's `threads` threads run, count the threads other
  // programs keep runnable (/proc/stat's procs_running, minus the probe's
  // threads and this sampler). The throughput ratio alone misleads on an
  // oversubscribed machine: with a spinning neighbour and builds beside it,
  // the one-thread probe is slowed as much as each of the two, and two
  // threads still read as 2.0 cores.
  std::atomic<bool> done{false};
  std::vector<int> others;
  std::thread sampler([&] {
    for (int n; !done && (n = runnable_threads("/proc/stat")) >= 0;) {
      others.push_back(std::max(0, n - threads - 1));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  const double all = measure_fma_peak(threads, 0.02).gflops;
  done = true;
  sampler.join();
  double free = one > 0 ? std::min<double>(threads, all / one) : threads;
  if (!others.empty()) {  // no /proc/stat: the ratio is all there is
    std::nth_element(others.begin(), others.begin() + static_cast<std::ptrdiff_t>(others.size() / 2), others.end());
    const int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    free = std::min(free, static_cast<double>(std::max(0, cpus - others[others.size() / 2])));
  }
  return free;
}

double MachineLimits::bandwidth_for(std::uint64_t bytes) const {
  for (const auto& p : bandwidth)
    if (p.bytes >= bytes) return p.gbs;
  return bandwidth.empty() ? 0 : bandwidth.back().gbs;
}

MachineLimits measure_machine(const MeasureOptions& options) {
  MachineLimits m;
  m.info = describe_machine();
  m.quick = options.quick;
  std::vector<std::uint64_t> sizes;
  const std::uint64_t max_bytes = options.quick ? std::min<std::uint64_t>(options.max_bytes, 64ull << 20)
                                                : options.max_bytes;
  for (std::uint64_t b = 16ull << 10; b <= max_bytes; b *= 2) sizes.push_back(b);
  const int total = static_cast<int>(sizes.size()) + 4;
  int done = 0;
  auto step = [&](const char* what) {
    if (options.progress) options.progress(what, done, total);
    ++done;
  };

  step("clock estimate");
  m.clock_ghz = estimate_clock_ghz();
  step("fp32 FMA peak, one core");
  m.peak_one_core = measure_fma_peak(1, options.quick ? 0.03 : 0.1);
  // Estimate the clock again right after the peak run and keep the higher
  // reading: an under-read clock would overstate flops per cycle.
  m.clock_ghz = std::max(m.clock_ghz, estimate_clock_ghz());
  step("fp32 FMA peak, all cores");
  m.peak_all_cores = measure_fma_peak(m.info.logical_cpus, options.quick ? 0.03 : 0.1);

  // Theoretical peak: two FMA pipes per core (true of every x86 core since
  // Haswell and Zen 2, and of big Arm cores' 128-bit pipes counted as lanes)
  // times the vector lanes times 2 flops. AMD Zen 4 runs 512-bit ops on
  // 256-bit pipes, so it counts 8 lanes per pipe.
  int lanes = m.peak_one_core.isa == std::string("avx512") ? 16
              : m.peak_one_core.isa == std::string("avx2")  ? 8
                                                              : 4;
  std::string basis = "2 FMA pipes x " + std::to_string(lanes) + " fp32 lanes x 2 flops x clock";
  if (lanes == 16 && m.info.vendor == "AuthenticAMD" && m.info.cpu_family == 25) {
    lanes = 8;
    basis = "AMD Zen 4: 2 FMA pipes x 8 fp32 lanes (512-bit ops run as two 256-bit halves) x 2 flops x clock";
  }
  if (m.clock_ghz > 0) {
    m.theoretical_gflops_one_core = m.clock_ghz * 2 * lanes * 2;
    m.peak_one_core.flops_per_cycle = m.peak_one_core.gflops / m.clock_ghz;
    m.peak_all_cores.flops_per_cycle = m.peak_all_cores.gflops / m.clock_ghz / m.info.logical_cpus;
  }
  m.theoretical_basis = basis;

  for (auto b : sizes) {
    step("read bandwidth");
    m.bandwidth.push_back({b, measure_read_bandwidth(b, 1, options.quick)});
  }
  step("DRAM bandwidth, all cores");
  m.dram_gbs_all_cores = measure_read_bandwidth(max_bytes, m.info.logical_cpus, options.quick);
  if (options.progress) options.progress("done", total, total);
  return m;
}

nlohmann::json to_json(const MachineInfo& m) {
  nlohmann::json caches = nlohmann::json::array();
  for (const auto& c : m.caches)
    caches.push_back({{"level", c.level}, {"type", c.type}, {"bytes", c.bytes}, {"line_bytes", c.line_bytes},
                      {"shared_by_cpus", c.shared_by_cpus}, {"source", c.source}});
  nlohmann::json unknown = nlohmann::json::array();
  for (const auto& f : m.unknown) unknown.push_back({{"fact", f.fact}, {"reason", f.reason}, {"cost", f.cost}});
  return {{"cpu_model", m.cpu_model}, {"vendor", m.vendor}, {"cpu_family", m.cpu_family},
          {"logical_cpus", m.logical_cpus}, {"isa_flags", m.isa_flags}, {"best_isa", m.best_isa},
          {"caches", caches}, {"compiler", m.compiler}, {"cxx_flags", m.cxx_flags},
          {"build_type", m.build_type}, {"git_revision", m.git_revision}, {"os", m.os},
          {"cpu_governor", m.cpu_governor}, {"fingerprint", m.fingerprint}, {"sources", m.sources},
          {"unknown", unknown}};
}

nlohmann::json to_json(const MachineLimits& m) {
  nlohmann::json bw = nlohmann::json::array();
  for (const auto& p : m.bandwidth) bw.push_back({{"bytes", p.bytes}, {"gbs", p.gbs}});
  return {{"schema", "labkit.machine/1"},
          {"machine", to_json(m.info)},
          {"clock_ghz_estimate", m.clock_ghz},
          {"peak_gflops_fp32", {{"one_core", m.peak_one_core.gflops},
                                {"all_cores", m.peak_all_cores.gflops},
                                {"threads_all_cores", m.peak_all_cores.threads},
                                {"kernel_isa", m.peak_one_core.isa},
                                {"flops_per_cycle_one_core", m.peak_one_core.flops_per_cycle},
                                {"flops_per_cycle_per_core_all_cores", m.peak_all_cores.flops_per_cycle}}},
          {"theoretical_gflops_fp32_one_core", m.theoretical_gflops_one_core},
          {"theoretical_basis", m.theoretical_basis},
          {"bandwidth_gbs", bw},
          {"dram_gbs_all_cores", m.dram_gbs_all_cores},
          {"quick", m.quick}};
}

MachineLimits limits_from_json(const nlohmann::json& j) {
  MachineLimits m;
  const auto& mi = j.at("machine");
  m.info.cpu_model = mi.value("cpu_model", "");
  m.info.vendor = mi.value("vendor", "");
  m.info.cpu_family = mi.value("cpu_family", -1);
  m.info.logical_cpus = mi.value("logical_cpus", 0);
  m.info.isa_flags = mi.value("isa_flags", "");
  m.info.best_isa = mi.value("best_isa", "");
  m.info.compiler = mi.value("compiler", "");
  m.info.cxx_flags = mi.value("cxx_flags", "");
  m.info.build_type = mi.value("build_type", "");
  m.info.git_revision = mi.value("git_revision", "");
  m.info.os = mi.value("os", "");
  m.info.cpu_governor = mi.value("cpu_governor", "");
  m.info.fingerprint = mi.value("fingerprint", "");
  for (const auto& c : mi.value("caches", nlohmann::json::array()))
    m.info.caches.push_back({c.value("level", 0), c.value("type", ""), c.value("bytes", std::uint64_t{0}),
                             c.value("line_bytes", 0), c.value("shared_by_cpus", 0), c.value("source", "")});
  m.info.sources = mi.value("sources", std::map<std::string, std::string>{});
  for (const auto& f : mi.value("unknown", nlohmann::json::array()))
    m.info.unknown.push_back({f.value("fact", ""), f.value("reason", ""), f.value("cost", "")});
  m.clock_ghz = j.value("clock_ghz_estimate", 0.0);
  const auto& peak = j.at("peak_gflops_fp32");
  m.peak_one_core = {peak.value("one_core", 0.0), 1, peak.value("kernel_isa", ""),
                     peak.value("flops_per_cycle_one_core", 0.0)};
  m.peak_all_cores = {peak.value("all_cores", 0.0), peak.value("threads_all_cores", 1),
                      peak.value("kernel_isa", ""), peak.value("flops_per_cycle_per_core_all_cores", 0.0)};
  m.theoretical_gflops_one_core = j.value("theoretical_gflops_fp32_one_core", 0.0);
  m.theoretical_basis = j.value("theoretical_basis", "");
  for (const auto& p : j.at("bandwidth_gbs")) m.bandwidth.push_back({p.at("bytes"), p.at("gbs")});
  m.dram_gbs_all_cores = j.value("dram_gbs_all_cores", 0.0);
  m.quick = j.value("quick", false);
  return m;
}

}  // namespace labkit
