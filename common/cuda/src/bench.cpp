// labkit::cuda::Bench: validate, time with CUDA events, report, write JSON.
// What it shares with labkit::Harness (flags, counts, validation, the
// re-measuring rounds, ratios, JSON) is in labkit/bench_core.hpp; here is
// what is particular to the GPU: the device, CUDA-event timing, the table.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "labkit/bench_core.hpp"
#include "labkit/cuda.hpp"
#include "labkit/machine.hpp"
#include "labkit/report.hpp"

namespace labkit::cuda {

struct Bench::Entry : bench::Entry {
  std::function<void(cudaStream_t)> run;
  int iterations = 1;  // calls per timed sample
};

namespace {

using bench::guarded;

// After a kernel faults (illegal address, misaligned access) the CUDA
// context is unusable: every later call fails with the same error. Detect
// it, so one broken kernel is reported as the cause instead of every entry.
std::string context_broken() {
  cudaGetLastError();
  const cudaError_t e = cudaDeviceSynchronize();
  if (e == cudaSuccess) return "";
  return std::string(cudaGetErrorString(e)) + " (" + cudaGetErrorName(e) + ")";
}

}  // namespace

Bench::Bench(std::string lab, int argc, char** argv) : lab_(std::move(lab)) {
  flags_ = bench::parse_flags_or_exit(
      lab_, argc, argv,
      "[--smoke] [--quick] [--impl reference|student] [--out FILE]\n"
      "          [--repetitions N] [--benchmark_filter=REGEX]\n"
      "  Validates every entry once against the CPU reference, then times it with CUDA\n"
      "  events, repetitions interleaved at random; writes labkit.bench/1 JSON with --out.\n"
      "  Without a CUDA device: prints why, computes the resource counts, exits 0.\n");
  // Other --benchmark_* flags (labctl may pass Google Benchmark's) mean nothing here.
  const auto& status = device_status();
  if (!status.available) {
    no_device_reason_ = status.reason;
    return;
  }
  try {
    device_ = query_device(0);
    LABKIT_CUDA_CHECK(cudaSetDevice(0));
    LABKIT_CUDA_CHECK(cudaStreamCreate(&stream_));
    has_device_ = true;
  } catch (const std::exception& e) {
    no_device_reason_ = e.what();
  }
}

Bench::~Bench() {
  if (stream_) cudaStreamDestroy(stream_);
}

void Bench::set_baseline(const std::string& kase, const std::string& impl) { baselines_.emplace_back(kase, impl); }

void Bench::add(const std::string& kase, std::int64_t size, const std::string& impl, Role role, Work work,
                std::function<void(cudaStream_t)> run, std::function<std::string()> validate) {
  if (!bench::impl_selected(flags_, role)) return;
  Entry e;
  e.result = bench::make_result(kase, size, impl, role, work);
  if (!bench::name_selected(flags_, e.result.name)) return;
  e.run = std::move(run);
  e.validate = std::move(validate);
  entries_.push_back(std::move(e));
}

void Bench::add_count(const std::string& kase, std::int64_t size, const std::string& impl, Role role,
                      const std::string& metric, std::function<double()> compute) {
  if (bench::impl_selected(flags_, role)) counts_.push_back(bench::make_count(kase, size, impl, role, metric, std::move(compute)));
}

int Bench::run() {
  const int reps = flags_.reps();
  // 1. Deterministic counts: no GPU needed.
  int exit_code = bench::compute_counts(counts_);

  nlohmann::json machine = to_json(describe_machine());
  // A Debug build or a powersave governor slows the host side of every launch:
  // said once, when something is timed, and kept in the JSON.
  const std::vector<std::string> warnings = has_device_ ? bench::warn_about_machine(lab_, machine)
                                                        : std::vector<std::string>{};
  std::vector<BenchResult> results;
  std::vector<RatioResult> ratios;
  if (!has_device_) {
    std::printf("%s: no CUDA device: %s\n", lab_.c_str(), no_device_reason_.c_str());
    std::printf("%s: nothing is timed without a GPU; the counts above need none.\n", lab_.c_str());
    machine["gpu"] = {{"available", false}, {"reason", no_device_reason_}};
    entries_.clear();  // the JSON lists no benchmarks: nothing was measured
  } else {
    const auto& d = device_;
    std::printf("%s: %s\n", lab_.c_str(), describe(d).c_str());
    machine["gpu"] = {{"available", true},
                      {"name", d.name},
                      {"arch", "sm_" + std::to_string(d.arch())},
                      {"sm_count", d.sm_count},
                      {"sm_clock_khz", d.sm_clock_khz},
                      {"memory_bytes", d.global_memory_bytes},
                      {"memory_clock_khz", d.memory_clock_khz},
                      {"memory_bus_width_bits", d.memory_bus_width_bits},
                      {"peak_bandwidth_gbs", d.peak_bandwidth_gbs},
                      {"l2_cache_bytes", d.l2_cache_bytes},
                      {"driver_version", d.driver_version},
                      {"runtime_version", d.runtime_version}};

    // 2. Correctness before speed; a kernel that breaks the context stops it.
    std::string broken;
    bench::CheckStyle style;
    style.against = "the CPU reference";
    style.name_width = 32;
    style.context_lost = context_broken;
    exit_code = bench::validate_entries(lab_, bench::entry_pointers(entries_), exit_code, style, &broken);
    bench::skip_lone_baselines(bench::entry_pointers(entries_));

    // 3. Calibrate: enough calls per sample that a sample lasts target_ms,
    //    so event resolution (~0.5 us) and launch gaps do not dominate.
    const double target_ms = flags_.smoke ? 0.2 : flags_.quick ? 1.0 : 4.0;
    std::vector<Entry*> timed;
    EventTimer timer;
    for (auto& e : entries_) {
      if (e.result.status != BenchStatus::ok || !broken.empty()) continue;
      guarded([&] {
        e.run(stream_);  // warm-up: first-launch costs (module load, cuBLAS heuristics)
        timer.start(stream_);
        e.run(stream_);
        timer.stop(stream_);
        const double ms = std::max(1e-4, static_cast<double>(timer.elapsed_ms()));
        e.iterations = static_cast<int>(std::clamp(std::ceil(target_ms / ms), 1.0, 10000.0));
      }, e.result.status, e.result.note);
      if (e.result.status == BenchStatus::ok) timed.push_back(&e);
    }

    // 4. Measure: in each round, every repetition visits every entry of the
    //    round, in a fresh random order; full runs then re-measure noisy rows.
    const bool tty = isatty(2);
    std::mt19937_64 rng(12345);
    std::vector<const BenchResult*> rows;
    for (Entry* e : timed) rows.push_back(&e->result);
    auto measure = [&](const std::vector<std::size_t>& which) {
      std::vector<Entry*> order;
      for (std::size_t i : which) order.push_back(timed[i]);
      for (int rep = 0; rep < reps && broken.empty(); ++rep) {
        std::shuffle(order.begin(), order.end(), rng);
        for (Entry* e : order) {
          if (e->result.status != BenchStatus::ok) continue;
          guarded([&] {
            timer.start(stream_);
            for (int i = 0; i < e->iterations; ++i) e->run(stream_);
            timer.stop(stream_);
            e->result.samples_ns.push_back(timer.elapsed_ms() * 1e6 / e->iterations);
          }, e->result.status, e->result.note);
          if (e->result.status == BenchStatus::error) {
            if (const auto why = context_broken(); !why.empty()) broken = e->result.name + ": " + why;
          }
        }
        if (tty) std::fprintf(stderr, "\r  measuring: %d/%d repetitions", rep + 1, reps);
      }
      if (tty) std::fprintf(stderr, "\n");
    };
    bench::measure_in_rounds(flags_, baselines_, rows, measure, [&] { return !broken.empty(); });
    if (!broken.empty()) {
      std::printf("%s: the CUDA context was lost (%s); later measurements are missing\n", lab_.c_str(), broken.c_str());
      exit_code = 1;
    }
    for (const auto& e : entries_) results.push_back(e.result);
    bench::summarize_rows(results, "no samples");

    // 5. Ratios over each case's baseline, same size.
    ratios = bench::compute_ratios(results, baselines_);

    // 6. The table.
    // Widths from the cells, as in the CPU table: a long case or impl name
    // keeps the columns in line.
    std::vector<std::vector<std::string>> cells{
        {"case", "size", "impl", "median", "GFLOP/s", "GB/s", "%peak", "vs baseline [95% CI]", "noise"}};
    const std::vector<bool> right{false, true, false, true, true, true, true, true, false};
    auto format = [](const char* fmt, auto... args) {
      char buf[128];
      std::snprintf(buf, sizeof buf, fmt, args...);
      return std::string(buf);
    };
    bool unstable = false;
    for (const auto& r : results) {
      std::vector<std::string> row{r.kase, std::to_string(r.size), r.impl};
      if (r.status != BenchStatus::ok) {
        row.push_back(r.status == BenchStatus::todo ? "TODO" : status_name(r.status));
        cells.push_back(std::move(row));
        continue;
      }
      std::string versus;
      if (const auto* x = bench::ratio_for(ratios, r))
        versus = format("%.2fx %s [%.2f, %.2f]", x->speedup.estimate, x->baseline.c_str(), x->speedup.lo, x->speedup.hi);
      // Percent of the data-sheet bandwidth, for kernels that move more
      // bytes than they compute flops (the memory-bound ones).
      std::string peak;
      if (r.bytes > 0 && r.intensity() <= 4 && d.peak_bandwidth_gbs > 0)
        peak = format("%.0f%%", 100 * r.gbs() / d.peak_bandwidth_gbs);
      const bool row_unstable = bench::unstable(r, flags_);
      unstable |= row_unstable;
      row.insert(row.end(), {format("%.2f us", r.summary.median / 1e3), format("%.1f", r.gflops()),
                             format("%.1f", r.gbs()), peak, versus,
                             format("±%.1f%%%s", 100 * r.summary.relative_mad(), row_unstable ? " unstable" : "")});
      cells.push_back(std::move(row));
    }
    std::printf("\n%s", bench::aligned_columns(cells, right).c_str());
    std::printf("\n%%peak: GB/s over the data-sheet bandwidth (%.0f GB/s, from the memory clock and bus width).\n",
                d.peak_bandwidth_gbs);
    std::printf("vs baseline: the baseline's 10th-percentile time over this row's (docs/measurement.md).\n");
    if (unstable)
      std::printf("Rows marked unstable vary by more than 5%% (median absolute deviation): another process may\n"
                  "share the GPU, or its clocks changed; raise --repetitions.\n");
  }

  if (const int rc = bench::write_bench_json(lab_, flags_, std::move(machine), results, ratios, counts_, warnings))
    return rc;
  return exit_code;
}

}  // namespace labkit::cuda
