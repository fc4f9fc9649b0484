// labkit/bench_core.hpp: what the two benchmark runners share.
//
// labkit::Harness (labkit/harness.hpp: CPU code, timed by Google Benchmark)
// and labkit::cuda::Bench (labkit/cuda.hpp: GPU code, timed with CUDA events)
// differ in how they time one repetition and in the tables they print.
// Everything else lives here once, so the two behave alike:
//   flags        --smoke --quick --impl --out --repetitions --benchmark_filter
//                --help, plus each runner's own (the CPU harness's --verbose)
//   roles        role_name(), the --impl and --benchmark_filter selection
//   counts       deterministic metrics, computed once and printed
//   validation   every entry checked once before anything is timed, with
//                NotImplemented as "todo" and other exceptions as "error"
//   rounds       the first measuring round, then up to 3 more of the speedups
//                whose interval is still wide (docs/measurement.md)
//   results      summaries, speedups over each case's baseline, the unstable
//                mark, and the labkit.bench/1 JSON
//   warnings     a build that is not Release, a CPU governor that is not
//                "performance": printed once per run, kept in the JSON
// Labs use Harness or Bench; this header is for those two and their tests.
#pragma once
#include <cstdint>
#include <functional>
// Declarations only: a lab's bench (through harness.hpp) does not parse
// nlohmann/json; bench_core.cpp and what calls bench_json() include it.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "labkit/result_types.hpp"
#include "labkit/todo.hpp"

namespace labkit {

enum class Role { baseline, reference, student };
const char* role_name(Role r);

struct Work {
  double flops = 0;  // floating-point (or integer) operations per call
  double bytes = 0;  // bytes that must move between memory and the core per call
};

}  // namespace labkit

namespace labkit::bench {

// (case, the implementation every other one in that case is compared to)
using Baselines = std::vector<std::pair<std::string, std::string>>;

// ---------------------------------------------------------------- flags

struct Flags {
  bool smoke = false, quick = false;
  std::string out_path;     // --out FILE: write labkit.bench/1 JSON there
  std::string impl;         // --impl: "", "reference" or "student" (baselines always run)
  std::string filter;       // --benchmark_filter=REGEX, on case/impl/size
  int repetitions = 0;      // --repetitions N; 0: the mode's default
  std::vector<std::string> benchmark_flags;  // every --benchmark_* flag as given, the filter too

  const char* mode() const { return smoke ? "smoke" : quick ? "quick" : "full"; }
  // Repetitions per round: --repetitions, else 1 (smoke), 5 (quick) or 12.
  int reps() const { return repetitions > 0 ? repetitions : smoke ? 1 : quick ? 5 : 12; }
  // Repetitions per round for a row whose one call took `one_call_s`: reps(),
  // except in a full run without --repetitions, where a row that would spend
  // more than kLongRowBudgetS per round gets just enough to fill it, and at
  // least quick's 5. Twelve samples of a 0.7 s call (sgemm's ikj at n = 2048)
  // add 8 s to a bench for an interval far narrower than anyone reads.
  int reps_for_row(double one_call_s) const;
  bool trims_long_rows() const { return repetitions == 0 && !smoke && !quick; }
};
inline constexpr double kLongRowBudgetS = 3.0;

// A runner's own flags: returns true when it took `flag` (the CPU harness's --verbose).
using ExtraFlag = std::function<bool(const std::string& flag)>;

// Parses the arguments after the program name. Returns "" or what is wrong
// ("--impl must be reference or student, not 'x'"); sets `help` and stops at
// --help or -h.
std::string parse_flags(const std::vector<std::string>& args, Flags& flags, bool& help,
                        const ExtraFlag& extra = {});

// The inverse of parse_flags: the arguments that parse back to `flags`. The
// one way labctl (and anyone else) writes a bench's command line, so the two
// sides cannot drift apart (tests/test_bench_core.cpp round-trips it).
std::vector<std::string> to_args(const Flags& flags);

// For a runner's constructor: parses argv, or prints "<lab>: <problem>" and
// exits 2, or prints "usage: <program> <usage>" and exits 0 for --help.
Flags parse_flags_or_exit(const std::string& lab, int argc, char** argv, const std::string& usage,
                          const ExtraFlag& extra = {});

// --impl: a baseline always runs, a reference or student only when chosen.
bool impl_selected(const Flags& flags, Role role);
// --benchmark_filter: a regex searched anywhere in `name`; "" and "all" take
// everything, as in Google Benchmark.
bool name_selected(const Flags& flags, const std::string& name);

// ---------------------------------------------------------------- guarded calls

// Runs student-facing code: a starter's NotImplemented becomes "todo", any
// other exception "error", each with its message as the note.
template <class F>
void guarded(F&& fn, BenchStatus& status, std::string& note) {
  try {
    fn();
  } catch (const NotImplemented& todo) {
    status = BenchStatus::todo;
    note = todo.what();
  } catch (const std::exception& ex) {
    status = BenchStatus::error;
    note = ex.what();
  }
}

// ---------------------------------------------------------------- counts

struct Count {
  CountResult result;
  std::function<double()> compute;
};

Count make_count(const std::string& kase, std::int64_t size, const std::string& impl, Role role,
                 const std::string& metric, std::function<double()> compute);

// Computes every count (never timed) and prints it. Returns 1 when a
// baseline's or reference's count threw something other than NotImplemented.
int compute_counts(std::vector<Count>& counts);

std::vector<CountResult> count_results(const std::vector<Count>& counts);

// ---------------------------------------------------------------- validation

// The part of a runner's entry that does not depend on how it is timed; the
// runner's own entry type derives from it and adds the call to time.
struct Entry {
  BenchResult result;
  std::function<std::string()> validate;  // "" or what is wrong
};

// The result an entry starts with: name case/impl/size, role, work per call.
BenchResult make_result(const std::string& kase, std::int64_t size, const std::string& impl, Role role, Work work);

template <class E>
std::vector<Entry*> entry_pointers(std::vector<E>& entries) {
  std::vector<Entry*> out;
  out.reserve(entries.size());
  for (auto& e : entries) out.push_back(&e);
  return out;
}

struct CheckStyle {
  const char* against = "the reference";  // the heading: "checking N entries against <this>"
  int name_width = 28;                    // the name column of the lines for entries that are not ok
  // Asked after an entry's validation threw (status "error"): "" while the
  // device still works, else why not (a lost CUDA context). Then every later
  // entry becomes "error", "not run: ...", without being called.
  std::function<std::string()> context_lost;
};

// Validates every entry once, before anything is timed; prints the entries
// that are not ok, then a "Correctness check:" line that says whether the timings can be trusted.
// Returns `exit_code`, or 1 when a baseline or reference is not ok. `lost`
// gets "<entry>: <why>" when style.context_lost reported a lost context.
int validate_entries(const std::string& lab, const std::vector<Entry*>& entries, int exit_code,
                     const CheckStyle& style = {}, std::string* lost = nullptr);

// A baseline is timed only to be compared with: when no other entry of its
// case and size passed validation (a starter's TODO, a wrong answer, or none
// selected by --impl), it becomes "skipped" and is not timed. A grader timing
// an untouched starter then spends nothing on baselines. Returns how many.
int skip_lone_baselines(const std::vector<Entry*>& entries);

// ---------------------------------------------------------------- rounds

// Re-measuring rounds (full mode only): a speedup whose 95% interval is wider
// than kWantedHalfWidth of its estimate on either side is measured again, both
// sides of it, up to kExtraRounds times, the widest first. All extra rounds
// together get kExtraBudget of the first round's time, each row counted at
// the first round's average time per row: a round that would not fit
// measures the widest speedups that do, and is the last.
inline constexpr double kWantedHalfWidth = 0.03;
inline constexpr int kExtraRounds = 3;
inline constexpr double kExtraBudget = 0.5;

// Both sides of every speedup over `baselines` whose interval is still wider
// than ±wanted_half_width of its estimate: indices into `rows`, each once,
// the widest speedup (relative to its estimate) first, then the order found.
// Rows that are not "ok" or have fewer than 3 samples are left alone.
std::vector<std::size_t> noisy_rows(const std::vector<const BenchResult*>& rows, const Baselines& baselines,
                                    double wanted_half_width = kWantedHalfWidth);

// One measuring round of every row, then the re-measuring rounds: prints
// "progress: re-measuring N noisy rows (round R of at most 3)" to stderr and
// calls measure(the noisy_rows() indices). `measure` adds samples to the rows
// it is given (their samples_ns must be current when it returns). `stop`,
// when given and true, ends the rounds (a lost CUDA context). Returns how
// many extra rounds ran.
int measure_in_rounds(const Flags& flags, const Baselines& baselines, const std::vector<const BenchResult*>& rows,
                      const std::function<void(const std::vector<std::size_t>&)>& measure,
                      const std::function<bool()>& stop = {});

// ---------------------------------------------------------------- results

// Summarizes every "ok" row's samples; an "ok" row without any becomes
// "error" with `no_samples_note`.
void summarize_rows(std::vector<BenchResult>& rows, const std::string& no_samples_note);

// Each "ok" row's speedup over its case's baseline at the same size (baseline
// median / row median, with a bootstrap interval), in row order.
std::vector<RatioResult> compute_ratios(const std::vector<BenchResult>& rows, const Baselines& baselines);
// The speedup to show in `row`'s line of a table, or nullptr.
const RatioResult* ratio_for(const std::vector<RatioResult>& ratios, const BenchResult& row);

// Lines of text with each column as wide as its widest cell (counted in
// characters, so "±" is one), two spaces between columns, right-aligned where
// `right_aligned[c]`, trailing spaces cut. Every bench table prints through it.
std::string aligned_columns(const std::vector<std::vector<std::string>>& cells, const std::vector<bool>& right_aligned);

// The CPU harness's results table: one line per row (case, size, impl,
// median, GFLOP/s, GB/s, speedup with its 95% interval, noise), each column
// as wide as its widest cell. `any_unstable` (optional) is set when a row is
// marked unstable. Returns the text, so tests compare it.
std::string results_table(const std::vector<BenchResult>& rows, const std::vector<RatioResult>& ratios,
                          const Flags& flags, bool* any_unstable = nullptr);

// A row varies by more than 5% (relative MAD): shown as "unstable", never in smoke mode.
inline constexpr double kUnstableRelativeMad = 0.05;
inline bool unstable(const BenchResult& row, const Flags& flags) {
  return !flags.smoke && row.summary.relative_mad() > kUnstableRelativeMad;
}

// labkit.bench/1: `machine` is to_json(describe_machine()), plus whatever the
// runner adds (the GPU bench's "gpu" object); "repetitions" is per round;
// "warnings" is `warnings` (measurement_warnings(), as printed), [] when none.
nlohmann::json bench_json(const std::string& lab, const Flags& flags, nlohmann::json machine,
                          const std::vector<BenchResult>& rows, const std::vector<RatioResult>& ratios,
                          const std::vector<Count>& counts, const std::vector<std::string>& warnings = {});
// Writes bench_json() to flags.out_path (nothing without --out) and prints
// "wrote FILE". Returns 0, or 2 when the file cannot be written.
int write_bench_json(const std::string& lab, const Flags& flags, nlohmann::json machine,
                     const std::vector<BenchResult>& rows, const std::vector<RatioResult>& ratios,
                     const std::vector<Count>& counts, const std::vector<std::string>& warnings = {});

// ---------------------------------------------------------------- warnings

// What makes this run's times unlike a tuned machine's, each with its remedy,
// as google/benchmark and nanobench warn: a build type other than Release
// (asserts on, less optimization: every time is slower, and speedups can
// differ), and a CPU frequency governor other than "performance" (the clock
// changes between repetitions). A governor of "unknown" or "" (VMs and
// containers hide cpufreq) gives no warning: machine.unknown already lists it.
std::vector<std::string> measurement_warnings(const std::string& build_type, const std::string& cpu_governor);
// measurement_warnings() of `machine` (a to_json(describe_machine()) object:
// its "build_type" and "cpu_governor"), each printed once to stderr as
// "<lab>: warning: <text>". Returns them, for the JSON. Runners call it once,
// before they measure.
std::vector<std::string> warn_about_machine(const std::string& lab, const nlohmann::json& machine);

}  // namespace labkit::bench
