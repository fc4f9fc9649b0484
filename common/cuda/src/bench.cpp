// labkit::cuda::Bench: validate, time with CUDA events, report, write JSON.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>

#include "labkit/cuda.hpp"
#include "labkit/machine.hpp"
#include "labkit/report.hpp"
#include "labkit/stats.hpp"
#include "labkit/todo.hpp"

namespace labkit::cuda {

struct Bench::Entry {
  BenchResult result;
  std::function<void(cudaStream_t)> run;
  std::function<std::string()> validate;
  int iterations = 1;  // calls per timed sample
};

struct Bench::CountEntry {
  CountResult result;
  std::function<double()> compute;
};

namespace {

const char* role_string(Role r) {
  switch (r) {
    case Role::baseline: return "baseline";
    case Role::reference: return "reference";
    case Role::student: return "student";
  }
  return "?";
}

// Runs student-facing code: a starter's NotImplemented becomes "todo", any
// other exception "error", each with its message as the note.
template <class F>
void guarded(F&& f, std::string& status, std::string& note) {
  try {
    f();
  } catch (const NotImplemented& e) {
    status = "todo";
    note = e.what();
  } catch (const std::exception& e) {
    status = "error";
    note = e.what();
  }
}

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
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s: %s needs a value\n", lab_.c_str(), flag);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--smoke") smoke_ = true;
    else if (a == "--quick") quick_ = true;
    else if (a == "--out") out_path_ = value("--out");
    else if (a == "--impl") impl_filter_ = value("--impl");
    else if (a == "--repetitions") repetitions_ = std::atoi(value("--repetitions").c_str());
    else if (a.rfind("--benchmark_filter=", 0) == 0) name_filter_ = a.substr(19);
    else if (a.rfind("--benchmark_", 0) == 0) continue;  // Google Benchmark flags labctl may pass: no meaning here
    else if (a == "--help" || a == "-h") {
      std::printf(
          "usage: %s [--smoke] [--quick] [--impl reference|student] [--out FILE]\n"
          "          [--repetitions N] [--benchmark_filter=REGEX]\n"
          "  Validates every entry once against the CPU reference, then times it with CUDA\n"
          "  events, repetitions interleaved at random; writes labkit.bench/1 JSON with --out.\n"
          "  Without a CUDA device: prints why, computes the resource counts, exits 0.\n",
          argv[0]);
      std::exit(0);
    } else {
      std::fprintf(stderr, "%s: unknown flag '%s' (try --help)\n", lab_.c_str(), a.c_str());
      std::exit(2);
    }
  }
  if (!impl_filter_.empty() && impl_filter_ != "reference" && impl_filter_ != "student") {
    std::fprintf(stderr, "%s: --impl must be reference or student, not '%s'\n", lab_.c_str(), impl_filter_.c_str());
    std::exit(2);
  }
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

bool Bench::wanted(const std::string& name, Role role) const {
  if (!impl_filter_.empty() && role != Role::baseline && impl_filter_ != role_string(role)) return false;
  if (!name_filter_.empty() && !std::regex_search(name, std::regex(name_filter_))) return false;
  return true;
}

void Bench::set_baseline(const std::string& kase, const std::string& impl) { baselines_.emplace_back(kase, impl); }

void Bench::add(const std::string& kase, std::int64_t size, const std::string& impl, Role role, Work work,
                std::function<void(cudaStream_t)> run, std::function<std::string()> validate) {
  const std::string name = kase + "/" + impl + "/" + std::to_string(size);
  if (!wanted(name, role)) return;
  Entry e;
  e.result.name = name;
  e.result.kase = kase;
  e.result.impl = impl;
  e.result.role = role_string(role);
  e.result.size = size;
  e.result.flops = work.flops;
  e.result.bytes = work.bytes;
  e.run = std::move(run);
  e.validate = std::move(validate);
  entries_.push_back(std::move(e));
}

void Bench::add_count(const std::string& kase, std::int64_t size, const std::string& impl, Role role,
                      const std::string& metric, std::function<double()> compute) {
  if (!impl_filter_.empty() && role != Role::baseline && impl_filter_ != role_string(role)) return;
  CountEntry c;
  c.result.kase = kase;
  c.result.size = size;
  c.result.impl = impl;
  c.result.role = role_string(role);
  c.result.metric = metric;
  c.compute = std::move(compute);
  counts_.push_back(std::move(c));
}

int Bench::run() {
  int exit_code = 0;
  const int reps = repetitions_ > 0 ? repetitions_ : smoke_ ? 1 : quick_ ? 5 : 12;

  // 1. Deterministic counts: no GPU needed.
  for (auto& c : counts_) {
    auto& r = c.result;
    guarded([&] {
      r.value = c.compute();
      r.status = "ok";
    }, r.status, r.note);
    std::printf("  count %s/%s/%lld %s = %s%.6g%s\n", r.kase.c_str(), r.impl.c_str(), static_cast<long long>(r.size),
                r.metric.c_str(), r.status == "ok" ? "" : "(", r.value,
                r.status == "ok" ? "" : (") " + r.status + ": " + r.note).c_str());
    if (r.status == "error" && r.role != "student") exit_code = 1;
  }

  nlohmann::json machine = to_json(describe_machine());
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

    // 2. Correctness before speed.
    std::printf("%s: checking %zu (case, size, implementation) entries against the CPU reference\n", lab_.c_str(),
                entries_.size());
    std::string broken;
    for (auto& e : entries_) {
      auto& r = e.result;
      if (!broken.empty()) {
        r.status = "error";
        r.note = "not run: the CUDA context was lost earlier (" + broken + ")";
        continue;
      }
      guarded([&] {
        const std::string problem = e.validate ? e.validate() : "";
        r.status = problem.empty() ? "ok" : "wrong";
        r.note = problem;
      }, r.status, r.note);
      if (r.status == "error") {
        if (const auto why = context_broken(); !why.empty()) broken = r.name + ": " + why;
      }
      if (r.status != "ok") {
        std::printf("  %-32s %s: %s\n", r.name.c_str(), r.status.c_str(), r.note.c_str());
        if (r.role != "student") exit_code = 1;
      }
    }
    std::printf("Disposition: %s\n", exit_code == 0 ? "Passed" : "Failed (a baseline or reference is wrong)");

    // 3. Calibrate: enough calls per sample that a sample lasts target_ms,
    //    so event resolution (~0.5 us) and launch gaps do not dominate.
    const double target_ms = smoke_ ? 0.2 : quick_ ? 1.0 : 4.0;
    std::vector<Entry*> timed;
    EventTimer timer;
    for (auto& e : entries_) {
      if (e.result.status != "ok" || !broken.empty()) continue;
      guarded([&] {
        e.run(stream_);  // warm-up: first-launch costs (module load, cuBLAS heuristics)
        timer.start(stream_);
        e.run(stream_);
        timer.stop(stream_);
        const double ms = std::max(1e-4, static_cast<double>(timer.elapsed_ms()));
        e.iterations = static_cast<int>(std::clamp(std::ceil(target_ms / ms), 1.0, 10000.0));
      }, e.result.status, e.result.note);
      if (e.result.status == "ok") timed.push_back(&e);
    }

    // 4. Measure: every repetition visits every entry, in a fresh random order.
    const bool tty = isatty(2);
    std::mt19937_64 rng(12345);
    for (int rep = 0; rep < reps && broken.empty(); ++rep) {
      std::shuffle(timed.begin(), timed.end(), rng);
      for (Entry* e : timed) {
        if (e->result.status != "ok") continue;
        guarded([&] {
          timer.start(stream_);
          for (int i = 0; i < e->iterations; ++i) e->run(stream_);
          timer.stop(stream_);
          e->result.samples_ns.push_back(timer.elapsed_ms() * 1e6 / e->iterations);
        }, e->result.status, e->result.note);
        if (e->result.status == "error") {
          if (const auto why = context_broken(); !why.empty()) broken = e->result.name + ": " + why;
        }
      }
      if (tty) std::fprintf(stderr, "\r  measuring: %d/%d repetitions", rep + 1, reps);
    }
    if (tty) std::fprintf(stderr, "\n");
    if (!broken.empty()) {
      std::printf("%s: the CUDA context was lost (%s); later measurements are missing\n", lab_.c_str(), broken.c_str());
      exit_code = 1;
    }
    for (auto& e : entries_) {
      auto& r = e.result;
      if (r.status == "ok" && r.samples_ns.empty()) {
        r.status = "error";
        r.note = "no samples";
      }
      if (r.status == "ok") r.summary = summarize(r.samples_ns);
    }

    // 5. Ratios over each case's baseline, same size.
    for (const auto& e : entries_) {
      const auto& r = e.result;
      if (r.status != "ok") continue;
      for (const auto& [kase, base] : baselines_) {
        if (kase != r.kase || r.impl == base) continue;
        for (const auto& b : entries_)
          if (b.result.kase == kase && b.result.impl == base && b.result.size == r.size && b.result.status == "ok")
            ratios.push_back({r.kase, r.size, r.impl, base, ratio_interval(b.result.samples_ns, r.samples_ns)});
      }
    }

    // 6. The table.
    std::printf("\n%-10s %10s %-20s %12s %10s %9s %6s %24s  %s\n", "case", "size", "impl", "median", "GFLOP/s", "GB/s",
                "%peak", "vs baseline [95% CI]", "noise");
    bool unstable = false;
    for (const auto& e : entries_) {
      const auto& r = e.result;
      if (r.status != "ok") {
        std::printf("%-10s %10lld %-20s %12s\n", r.kase.c_str(), static_cast<long long>(r.size), r.impl.c_str(),
                    r.status == "todo" ? "TODO" : r.status.c_str());
        continue;
      }
      char versus[64] = "";
      for (const auto& x : ratios)
        if (x.kase == r.kase && x.size == r.size && x.impl == r.impl)
          std::snprintf(versus, sizeof versus, "%.2fx %s [%.2f, %.2f]", x.speedup.estimate, x.baseline.c_str(),
                        x.speedup.lo, x.speedup.hi);
      // Percent of the data-sheet bandwidth, for kernels that move more
      // bytes than they compute flops (the memory-bound ones).
      char peak[16] = "";
      if (r.bytes > 0 && r.intensity() <= 4 && d.peak_bandwidth_gbs > 0)
        std::snprintf(peak, sizeof peak, "%.0f%%", 100 * r.gbs() / d.peak_bandwidth_gbs);
      const double rel = r.summary.relative_mad();
      unstable |= rel > 0.05 && !smoke_;
      std::printf("%-10s %10lld %-20s %9.2f us %10.1f %9.1f %6s %24s  ±%.1f%%%s\n", r.kase.c_str(),
                  static_cast<long long>(r.size), r.impl.c_str(), r.summary.median / 1e3, r.gflops(), r.gbs(), peak,
                  versus, 100 * rel, rel > 0.05 && !smoke_ ? " unstable" : "");
    }
    std::printf("\n%%peak: GB/s over the data-sheet bandwidth (%.0f GB/s, from the memory clock and bus width).\n",
                d.peak_bandwidth_gbs);
    if (unstable)
      std::printf("Rows marked unstable vary by more than 5%% (median absolute deviation): another process may\n"
                  "share the GPU, or its clocks changed; raise --repetitions.\n");
  }

  if (!out_path_.empty()) {
    nlohmann::json j = {{"schema", kBenchSchema}, {"lab", lab_}, {"machine", machine},
                        {"mode", smoke_ ? "smoke" : quick_ ? "quick" : "full"}, {"repetitions", reps}};
    j["benchmarks"] = nlohmann::json::array();
    for (const auto& e : entries_) j["benchmarks"].push_back(to_json(e.result));
    j["ratios"] = nlohmann::json::array();
    for (const auto& x : ratios) j["ratios"].push_back(to_json(x));
    j["counts"] = nlohmann::json::array();
    for (const auto& c : counts_) j["counts"].push_back(to_json(c.result));
    const std::filesystem::path out(out_path_);
    if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
    std::ofstream f(out);
    f << j.dump(1) << "\n";
    if (!f) {
      std::fprintf(stderr, "%s: cannot write %s\n", lab_.c_str(), out_path_.c_str());
      return 2;
    }
    std::printf("\nwrote %s\n", out_path_.c_str());
  }
  return exit_code;
}

}  // namespace labkit::cuda
