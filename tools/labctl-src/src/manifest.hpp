// lab.toml: what a lab is, what it needs, and what it must reach.
// The schema is documented in docs/authoring.md; every error names the file,
// the line and the fix.
#pragma once
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace labctl {

namespace fs = std::filesystem;

// An error in a file the user can fix: printed as "FILE:LINE: what. Fix: how".
struct FileError : std::runtime_error {
  FileError(const fs::path& file, int line, const std::string& what, const std::string& fix);
  fs::path file;
  int line;
};

// What a target or a perf task measures (lab.toml `metric`).
enum class Metric { speedup, gflops, gbs, roofline_fraction };
std::optional<Metric> parse_metric(std::string_view name);
std::string_view metric_name(Metric m);

struct Target {
  std::string name;
  Metric metric = Metric::speedup;
  std::string kase;       // bench case
  long long size = 0;
  std::string baseline;   // for speedup
  double at_least = 0;
  int threads = 1;        // threads the measured code runs on: judged only with that many cores free
  std::vector<std::string> impls;  // which implementations it applies to
  int line = 0;
};

// What a task scores: passing tests, a measured ratio or rate, a
// deterministic count, or what synthesis reports of a design (synth: Fmax or
// cells from Yosys and nextpnr-ice40, once the design passes its tests).
// `unknown` only until the manifest is validated.
enum class TaskKind { unknown, test, perf, count, synth };
std::string_view kind_name(TaskKind k);  // "test", "perf", "count", "synth" (as lab.toml writes them)
TaskKind parse_kind(std::string_view name);  // unknown for anything else

// A graded task (issue: grading). Tests give per-test partial credit; perf and
// count tasks are scored on a curve between `zero` and `full`.
struct Task {
  std::string id, name;
  TaskKind kind = TaskKind::unknown;
  std::string filter = "*";  // test: GoogleTest filter; synth: the tests that must pass before it is synthesized
  bool partial = true;       // test: credit per passing test
  std::string metric;      // perf: speedup|gflops|gbs|roofline_fraction; count: the bench's count name;
                           // synth: fmax_mhz|luts|flip_flops|ram_blocks|logic_cells
  std::string design;      // synth: the [[synth]] top it synthesizes
  std::string kase;
  long long size = 0;
  std::string baseline;
  double full = 0, zero = 0;
  std::string curve = "linear";  // linear | proportional
  double points = 0;
  std::string visibility = "visible";  // visible | hidden | after_due
  // perf: how many threads the measured code runs on. A task of more than one
  // is judged only when the grader finds that many cores free around it.
  int threads = 1;
  int line = 0;
};

// One design `labctl synth` synthesizes (lab.toml [[synth]], docs/authoring.md,
// "Synthesis"): its top module and RTL files, relative to the lab folder.
struct SynthDesign {
  std::string top;
  std::vector<std::string> reference;  // the reference's files
  std::vector<std::string> student;    // the learner's (default: reference/X -> student/X)
  std::vector<std::pair<std::string, long long>> params;  // top-level parameters (chparam)
  int line = 0;
};

struct Lab {
  std::string id, title, module, summary;
  int phase = 0;
  std::vector<std::string> layers;
  std::vector<std::string> requires_features;
  // Labs whose code this one links (`uses = ["sgemm"]`): configured first,
  // and where one is unavailable, so is this lab. discover_labs() checks
  // that each exists and that they form no cycle.
  std::vector<std::string> uses;
  std::vector<std::string> packages;  // Debian packages its tests need (lab.toml `packages`)
  int uses_line = 0;
  std::vector<Target> targets;
  std::vector<Task> tasks;
  // [handout] withhold: what `labctl handout` leaves out of the student
  // repository, as paths relative to the lab folder ("reference/" a folder,
  // "tests/x.cpp" a file). The default is the answer key: the reference
  // sources and the hidden tests (docs/authoring.md, "Handouts").
  std::vector<std::string> withhold = {"reference/", "tests/hidden/"};
  int withhold_line = 0;
  std::vector<SynthDesign> synth;   // [[synth]]: what `labctl synth` synthesizes
  double time_limit_s = 120;        // [grading] per test or bench process
  double memory_limit_mb = 4096;    // [grading] address-space limit per process
  fs::path dir;       // the lab folder
  fs::path manifest;  // its lab.toml
  std::string phase_dir;  // e.g. 01-foundations
};

// The phases of the roadmap and their folder names.
struct Phase {
  int number;
  const char* dir;
  const char* name;
};
const std::vector<Phase>& phases();

Lab parse_manifest(const fs::path& lab_toml);

// Whether `rel` (a path relative to the lab folder, '/'-separated) is one
// the lab's [handout] withhold names: a folder entry ("reference/") covers
// everything under it, a file entry only that file.
bool withheld(const Lab& lab, const std::string& rel);

// Reads a task table over `base` (track overrides start from the lab's task).
Task parse_task(const fs::path& file, const toml::table& table, int line, Task base = {});
// Shared by lab.toml [[tasks]] and track overrides: checks a task's fields.
void validate_task(const fs::path& file, const Task& t);
// What a synth task may score: a key of labctl synth's JSON for one design
// (fmax_mhz is its fmax_min_mhz, the slowest clock's).
const std::vector<std::string>& synth_metrics();
// Every lab under root/phases, sorted by phase then id. Throws FileError on
// the first malformed manifest, and on a `uses` that names no lab or closes
// a cycle.
std::vector<Lab> discover_labs(const fs::path& root);
// Checks every lab's `uses` against the others: each names a lab in `labs`,
// and no chain of uses leads back to where it started. Throws FileError.
void check_uses(const std::vector<Lab>& labs);

}  // namespace labctl
