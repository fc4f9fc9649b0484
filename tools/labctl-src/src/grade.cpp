// The grader. For each lab of a track it
//   1. builds the submission's student/ sources on top of a pristine copy of
//      the course at the instructor's commit (--base, default the course
//      checkout's HEAD; never the submission's history), so edited tests,
//      manifests, harnesses or build files change nothing (each edit is
//      reported);
//   2. checks the student objects it built (untrusted.hpp: no static
//      initializers, no symbols outside the student namespace, no calls that
//      end the process or open files), then runs tests and benchmarks in
//      child processes with a time limit, a memory limit, an empty
//      environment, no network, and as an unprivileged user with a private
//      folder where the OS allows, and a fresh random seed;
//   3. scores test tasks by passing tests, perf tasks by ratios measured in
//      one process (re-measured when the interval straddles a threshold), and
//      count tasks by deterministic values, and synth tasks by what Yosys and
//      nextpnr report of the student's RTL once its tests pass (synthesized
//      in the sandbox too), on the manifest's curve: the rules are pure
//      functions in scoring.hpp, the metrics those of `labctl run`
//      (measure.hpp) and `labctl synth` (synth.hpp);
// and writes grade.json (a superset of Gradescope's results.json), junit.xml
// and summary.md. A compile error, crash, hang or OOM costs only the affected
// lab's tasks; grading always finishes.
#include "grade.hpp"
#include "progress_log.hpp"

#include <fmt/format.h>
#include <labkit/bench_core.hpp>
#include <labkit/machine.hpp>
#include <labkit/report.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <list>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include "build_errors.hpp"
#include "commands.hpp"
#include "load.hpp"
#include "measure.hpp"
#include "process.hpp"
#include "progress.hpp"
#include "results.hpp"
#include "runner.hpp"
#include "scoring.hpp"
#include "synth.hpp"
#include "table.hpp"
#include "track.hpp"
#include "untrusted.hpp"

namespace labctl {

using nlohmann::json;

namespace {

// How a submission's rejection starts in the report (tests look for it).
constexpr const char* kRejected =
    "rejected before running: the student code breaks the grading rules (docs/instructors.md, \"Threat model\"):";

// `path` relative to `base`, for a path that lies under it as spelled (one
// from iterating `base`, or base / something): lexically, without
// fs::relative's realpath of both, which walked every folder of the path with
// readlink for each of the course's files, several times per grade, and
// which would follow a symbolic link the path names.
fs::path under(const fs::path& path, const fs::path& base) {
  fs::path rel = path.lexically_relative(base);
  if (rel.empty() || *rel.begin() == "..") rel = fs::relative(path, base);  // spelled differently: resolve both
  return rel;
}

bool same_content(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  if (!fs::exists(b, ec) || fs::file_size(a, ec) != fs::file_size(b, ec)) return false;
  return read_text(a) == read_text(b);
}

// Makes `dest` hold exactly the files of `src`, rewriting only what changed
// so that the build stays incremental (timestamps of equal files are kept).
// The top-level folder `keep` (the build inside the tree) is left alone.
void sync_tree(const fs::path& src, const fs::path& dest, const fs::path& keep) {
  fs::create_directories(dest);
  std::set<fs::path> wanted;
  for (const auto& e : fs::recursive_directory_iterator(src)) {
    const auto rel = under(e.path(), src);
    wanted.insert(rel);
    const auto target = dest / rel;
    if (e.is_directory()) {
      fs::create_directories(target);
    } else if (e.is_regular_file() && !same_content(e.path(), target)) {
      fs::create_directories(target.parent_path());
      fs::copy_file(e.path(), target, fs::copy_options::overwrite_existing);
    }
  }
  std::vector<fs::path> extra;
  for (auto it = fs::recursive_directory_iterator(dest); it != fs::recursive_directory_iterator(); ++it) {
    const auto rel = under(it->path(), dest);
    if (rel == keep) {
      it.disable_recursion_pending();
      continue;
    }
    if (!wanted.count(rel)) extra.push_back(it->path());
  }
  for (const auto& p : extra) fs::remove_all(p);
}

// Full names of the tests a GoogleTest binary holds, listed by the grader.
std::vector<std::string> list_tests(const std::string& exe, const std::function<RunResult(std::vector<std::string>)>& run,
                                    std::string& error) {
  const auto r = run({exe, "--gtest_list_tests"});
  if (!r.ok()) {
    error = "listing the tests of " + fs::path(exe).filename().string() + " failed: " + r.describe() + "\n" + tail_lines(r.output, 5);
    return {};
  }
  return parse_gtest_list(r.output);
}

const char* gradescope_visibility(const std::string& v) {
  if (v == "hidden") return "hidden";
  if (v == "after_due") return "after_due_date";
  return "visible";
}

// ---------------------------------------------------------------- 1. the tree to build

// The instructor's course at --base (default: the course checkout's HEAD),
// exported into `stage`. The submission's history never chooses it: a clone
// reset to an older course commit is graded with today's tests and thresholds.
struct Pristine {
  std::string ref;                                             // what --base named
  std::string commit = "uncommitted";                          // the commit exported
  std::string base = "the course checkout as it is (no git)";  // in words, for the report
};

Pristine export_course(const Context& c, const GradeOptions& o, const fs::path& stage) {
  Progress p("grade: preparing the pristine tree");
  Pristine out;
  out.ref = o.base.empty() ? "HEAD" : o.base;
  fs::remove_all(stage);
  fs::create_directories(stage);
  const auto rev = run_process({"git", "-C", c.root.string(), "rev-parse", "--verify", "--quiet", out.ref + "^{commit}"});
  if (!rev.ok() && !o.base.empty())
    throw UsageError("--base " + o.base + " is not a commit of the course repository " + c.root.string());
  if (rev.ok()) {
    out.base = "the course at " + out.ref;
    out.commit = rev.output.substr(0, rev.output.find('\n'));
    const auto r = run_process({"sh", "-c", "git -C \"$0\" archive --format=tar \"$2\" | tar -x -C \"$1\"",
                                c.root.string(), stage.string(), out.commit});
    if (!r.ok()) throw std::runtime_error("git archive failed: " + r.output);
  } else {
    for (const auto& e : fs::directory_iterator(c.root)) {
      const auto name = e.path().filename().string();
      if (name == "build" || name == "out" || name == ".git") continue;
      fs::copy(e.path(), stage / name, fs::copy_options::recursive);
    }
  }
  p.finish(out.commit.substr(0, 12) + " (" + out.base + ")");
  return out;
}

// Files only the course decides: the framework, the build, and everything
// of a graded lab outside its student/ folder.
bool protected_path(const Track& track, const fs::path& stage, const fs::path& rel) {
  const std::string s = rel.generic_string();
  if (s.rfind("common/", 0) == 0 || s.rfind("cmake/", 0) == 0 || s.rfind("tools/", 0) == 0 || s == "CMakeLists.txt" ||
      s == "CMakePresets.json" || s == "phases/CMakeLists.txt")
    return true;
  for (const auto& tl : track.labs) {
    const std::string dir = under(tl.lab.dir, stage).generic_string() + "/";
    if (s.rfind(dir, 0) == 0 && s.rfind(dir + "student/", 0) != 0) return true;
  }
  return false;
}

// What a handout (labctl handout) leaves out of a lab or adds to it: the
// files its lab.toml withholds, and prebuilt/ (the compiled reference). A
// submission made from a handout lacks the one and holds the other, and
// neither is an edit: the grader builds the course's own files anyway.
// `rel`'s path inside its lab, or nullopt outside the track's labs.
std::optional<std::string> inside_track_lab(const Track& track, const fs::path& stage, const fs::path& rel,
                                            const Lab** lab) {
  const std::string s = rel.generic_string();
  for (const auto& tl : track.labs) {
    const std::string dir = under(tl.lab.dir, stage).generic_string() + "/";
    if (s.rfind(dir, 0) != 0) continue;
    *lab = &tl.lab;
    return s.substr(dir.size());
  }
  return std::nullopt;
}
bool withheld_by_handout(const Track& track, const fs::path& stage, const fs::path& rel) {
  const Lab* lab = nullptr;
  const auto inside = inside_track_lab(track, stage, rel, &lab);
  return inside && withheld(*lab, *inside);
}
bool added_by_handout(const Track& track, const fs::path& stage, const fs::path& rel) {
  const Lab* lab = nullptr;
  const auto inside = inside_track_lab(track, stage, rel, &lab);
  return inside && inside->rfind("prebuilt/", 0) == 0;
}

// Every edit the submission made to a protected file ("modified: path",
// "deleted: ...", "added: ..."): reported, and ignored.
std::vector<std::string> protected_edits(const Track& track, const fs::path& stage, const fs::path& submission) {
  std::vector<std::string> edits;
  for (const auto& e : fs::recursive_directory_iterator(stage)) {
    if (!e.is_regular_file()) continue;
    const auto rel = under(e.path(), stage);
    if (!protected_path(track, stage, rel)) continue;
    // A handout's withheld files are missing by design (a different one is still an edit).
    if (withheld_by_handout(track, stage, rel) && !fs::exists(submission / rel)) continue;
    const auto theirs = submission / rel;
    // A submission of only student/ folders has no protected files at all: not an edit.
    if (!fs::exists(theirs)) {
      if (fs::is_directory(theirs.parent_path())) edits.push_back("deleted: " + rel.generic_string());
    } else if (!same_content(e.path(), theirs)) {
      edits.push_back("modified: " + rel.generic_string());
    }
  }
  for (const auto& tl : track.labs) {
    const fs::path rel_dir = under(tl.lab.dir, stage);
    if (!fs::is_directory(submission / rel_dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(submission / rel_dir)) {
      const auto rel = under(e.path(), submission);
      if (e.is_regular_file() && protected_path(track, stage, rel) && !fs::exists(stage / rel) &&
          !added_by_handout(track, stage, rel))
        edits.push_back("added: " + rel.generic_string());
    }
  }
  return edits;
}

// Copies the folder `from` (a submission's student/) to `to`, plain files
// and folders only: a symbolic link could make the grader, which may run as
// root, copy any file it can read (another student's results, the course's
// hidden tests) into the tree the student's code is built from. Returns ""
// or why the folder was refused (`shown` names it in the report).
std::string copy_plain_files(const fs::path& from, const fs::path& to, const fs::path& shown) {
  std::vector<std::string> refused;
  fs::create_directories(to);
  for (auto it = fs::recursive_directory_iterator(from); it != fs::recursive_directory_iterator(); ++it) {
    const auto rel = it->path().lexically_relative(from);  // fs::relative would follow a link
    const auto status = it->symlink_status();
    if (fs::is_directory(status)) fs::create_directories(to / rel);
    else if (fs::is_regular_file(status)) fs::copy_file(it->path(), to / rel, fs::copy_options::overwrite_existing);
    else refused.push_back((shown / rel).generic_string() + (fs::is_symlink(status) ? " is a symbolic link" : " is not a plain file"));
  }
  if (refused.empty()) return "";
  std::string why = std::string(kRejected) + " a submission holds plain files and folders only (copy the file itself in its place)";
  for (const auto& r : refused) why += "\n- " + r;
  return why;
}

// The submission's student/ folders over the course's; a lab without one
// fails as a whole (lab id -> why).
std::map<std::string, std::string> overlay_student_folders(const Track& track, const fs::path& stage,
                                                           const fs::path& submission) {
  std::map<std::string, std::string> missing;
  for (const auto& tl : track.labs) {
    const fs::path rel_student = fs::relative(tl.lab.dir, stage) / "student";
    if (!fs::is_directory(submission / rel_student)) {
      missing[tl.lab.id] = "the submission has no " + rel_student.generic_string() + " folder";
      continue;
    }
    fs::remove_all(stage / rel_student);
    if (auto why = copy_plain_files(submission / rel_student, stage / rel_student, rel_student); !why.empty())
      missing[tl.lab.id] = why;
  }
  return missing;
}

// ---------------------------------------------------------------- 2. one lab

// What every lab's grading shares.
struct GradeSession {
  GradeSession(const Context& context, const GradeOptions& options) : c(context), o(options) {}
  const Context& c;
  const GradeOptions& o;
  fs::path work, stage, tree, build;
  Sandbox box;
  Pristine pristine;
  std::uint64_t seed = 0;
  RunOptions quiet;  // the grader's own steps (cmake, ninja): trusted, long limit
  std::map<std::string, std::string> lab_failure;  // lab id -> why all its tasks score 0
  json untrusted_checks = json::object();           // lab id -> problems found in its student objects
  std::optional<labkit::MachineLimits> limits;      // measured the first time a roofline task needs them
};

RunResult run_configure(const GradeSession& s) {
  return run_process({"cmake", "-S", s.tree.string(), "-B", s.build.string(), "-G", "Ninja",
                      "-DCMAKE_BUILD_TYPE=Release", "-DLABS_ALLOW_FETCH=OFF", "-DLABS_BUILD_TESTS=ON"},
                     s.quiet);
}

// `cmake --build` of the pristine tree with `targets` (and ninja's `extra`).
// A course update can change what the build files themselves need
// (Verilator's model lists are made by targets that link labkit_hdl, built
// with the old flags before build.ninja is regenerated): when ninja cannot
// regenerate build.ninja, configure from scratch and try once more. The
// returned output holds every attempt.
RunResult run_build(const GradeSession& s, const std::vector<std::string>& targets,
                    const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {"cmake", "--build", s.build.string()};
  for (const auto& t : targets) argv.insert(argv.end(), {"--target", t});
  if (!extra.empty()) {
    argv.push_back("--");
    argv.insert(argv.end(), extra.begin(), extra.end());
  }
  RunResult r = run_process(argv, s.quiet);
  if (r.ok() || r.output.find("rebuilding 'build.ninja'") == std::string::npos) return r;
  std::string log = r.output + "\n[grader: reconfiguring]\n";
  const RunResult configured = run_configure(s);
  log += configured.output;
  if (configured.ok()) r = run_process(argv, s.quiet);
  r.output = log + r.output;
  return r;
}

// Configures the build of the pristine tree once (incremental afterwards).
void configure_build(GradeSession& s, const Track& track) {
  if (fs::exists(s.build / "build.ninja")) return;
  Progress p("grade: configuring");
  const auto r = run_configure(s);
  p.finish(r.ok() ? "done" : "failed");
  if (!r.ok())
    for (const auto& tl : track.labs) s.lab_failure.emplace(tl.lab.id, "configure failed:\n" + tail_lines(r.output, 20));
}

// Grades one lab: build, check the student code, run the tests and the
// bench in the sandbox, then score each task (scoring.hpp).
class LabGrader {
 public:
  LabGrader(GradeSession& s, const TrackLab& tl, const std::string& step)
      : s_(s), lab_(tl.lab), step_(step), out_(s.o.out / tl.lab.id) {
    fs::create_directories(out_);
    double total = 0;
    for (const auto& t : lab_.tasks) total += t.points;
    scale_ = tl.points ? *tl.points / total : 1.0;
    limit_ = s.o.time_limit_s > 0 ? s.o.time_limit_s : lab_.time_limit_s;
    sandbox_ = s.box.base;
    sandbox_.timeout_s = limit_;
    sandbox_.memory_limit_bytes = static_cast<std::uint64_t>(lab_.memory_limit_mb * 1024 * 1024);
    set_grading_env(sandbox_, s.seed, s.pristine.commit);
    if (auto it = s.lab_failure.find(lab_.id); it != s.lab_failure.end())
      evidence_.failure["test"] = evidence_.failure["bench"] = it->second;
    for (const auto& t : lab_.tasks)  // a synth task needs the tests too: they decide whether it is synthesized
      (t.kind == TaskKind::test || t.kind == TaskKind::synth ? has_tests_ : has_bench_) = true;
  }

  std::vector<TaskGrade> grade() {
    build();
    if (has_tests_ && !failed("test")) run_tests();
    find_reference_skips();
    run_synthesis();
    std::vector<const Task*> bench_tasks;
    for (const auto& t : lab_.tasks)
      if (t.kind == TaskKind::perf || t.kind == TaskKind::count) bench_tasks.push_back(&t);
    if (auto why = bench_skip_reason(evidence_)) {
      evidence_.failure["bench"] = *why;
    } else if (!bench_tasks.empty()) {
      Progress p(step_ + ": benchmark");
      fs::remove(out_ / "bench.log");
      if (auto err = run_bench(bench_tasks, s_.o.repetitions, evidence_.bench, evidence_.bench_cores_free); !err.empty())
        evidence_.failure["bench"] = err;
      p.finish(failed("bench") ? "failed" : "done");
    }
    std::vector<TaskGrade> grades;
    for (const auto& t : lab_.tasks) {
      TaskGrade g = score(t, t.points * scale_);
      g.lab = lab_.id;
      g.task_id = t.id;
      g.name = lab_.id + ": " + t.name;
      g.kind = kind_name(t.kind);
      g.visibility = t.visibility;
      g.max_score = t.points * scale_;
      grades.push_back(std::move(g));
    }
    return grades;
  }

  // What build() builds before the student code is checked (nothing that
  // contains student code but its own library), and after.
  std::vector<std::string> targets_before_check() const {
    if (s_.o.impl != "student") return {};
    std::vector<std::string> first;
    // The reference first: it builds whatever the student library needs
    // (labkit, generated headers) without compiling a student source.
    if (has_student_library()) first.push_back(lab_.id + "_reference");  // the reference's calls are sanctioned
    if (has_tests_) first.push_back(lab_.id + "_test_reference");
    return first;
  }
  // Asked once: prebuild() and build() both need it. (An HDL lab whose
  // student RTL does not compile has no student library.)
  bool has_student_library() const {
    if (!has_student_library_)
      has_student_library_ = run_process({"ninja", "-C", s_.build.string(), "-t", "query", lab_.id + "_student"}).ok();
    return *has_student_library_;
  }
  std::vector<std::string> targets_after_check() const {
    std::vector<std::string> then;
    if (has_tests_) then.push_back(lab_.id + "_test_" + s_.o.impl);
    if (has_bench_) then.push_back(lab_.id + "_bench");
    return then;
  }
  bool failed_before_build() const { return failed("test"); }

  json report() const {
    return {{"id", lab_.id}, {"failure", evidence_.failure.empty() ? json() : json(evidence_.failure)}};
  }

 private:
  bool failed(const char* kind) const { return evidence_.failure.count(kind) > 0; }
  void fail(const std::string& why) { evidence_.failure["test"] = evidence_.failure["bench"] = why; }

  // Runs one untrusted process in a fresh private folder (its HOME, TMPDIR
  // and working directory); `reports` are copied from there to the lab's output.
  RunResult run_untrusted(std::vector<std::string> argv, RunOptions opts,
                          const std::vector<std::pair<std::string, fs::path>>& reports = {}) {
    const fs::path priv = private_folder(s_.work, s_.box);
    opts.cwd = priv;
    opts.env["HOME"] = opts.env["TMPDIR"] = priv.string();
    argv.insert(argv.begin(), s_.box.prefix.begin(), s_.box.prefix.end());
    for (auto& a : argv)
      if (a.find("@PRIVATE@") != std::string::npos) a.replace(a.find("@PRIVATE@"), 9, priv.string());
    const auto r = run_process(argv, opts);
    for (const auto& [name, to] : reports) {
      fs::remove(to);
      take_report(priv / name, to);
    }
    fs::remove_all(priv);
    return r;
  }

  // The sandbox as runner.hpp's Launcher: children write their reports in
  // their private folder, and only plain files come back.
  Launcher untrusted() {
    return {"@PRIVATE@", [this](std::vector<std::string> argv, const RunOptions& opts,
                                const std::vector<std::pair<std::string, fs::path>>& reports) {
              return run_untrusted(std::move(argv), opts, reports);
            }};
  }

  // Builds some of this lab's targets: a compile error costs only this lab.
  void build_targets(const std::vector<std::string>& targets) {
    if (targets.empty() || failed("test")) return;
    const RunResult r = run_build(s_, targets);
    std::ofstream(out_ / "build.log", std::ios::app) << r.output;
    if (!r.ok()) fail("compile error:\n" + compile_error_lines(r.output, s_.tree));
  }

  // First the student library (compiled, linked into nothing yet) and the
  // reference tests (the expected test list); the student's objects are read
  // before anything that contains them is linked or run.
  void build() {
    fs::remove(out_ / "build.log");
    if (failed("test")) return;
    Progress p(step_ + ": building");
    const bool student = s_.o.impl == "student";
    // RTL first, before Verilator and the compiler see it: a $c or
    // `systemc_ block would paste its text into C++, whose compile errors
    // (an #include of any file, say) the student reads in the build log.
    if (student) check_rtl();
    if (!failed("test")) build_targets(targets_before_check());
    // The student's C++ is compiled by the grader alone first: what it
    // #includes and what its assembly holds, before the build log (whose
    // compile errors the student reads) or an object sees it.
    if (student && has_student_library() && !failed("test")) check_student_sources();
    if (student && has_student_library()) build_targets({lab_.id + "_student"});
    if (student && !failed("test")) check_student_code();
    build_targets(targets_after_check());
    p.finish(!failed("test") ? "ok" : evidence_.failure["test"].rfind("rejected", 0) == 0 ? "rejected" : "compile error");
  }

  // The student's HDL sources, before anything is built from them.
  void check_rtl() {
    judge(check_hdl_sources(lab_.dir / "student"));
  }

  void check_student_sources() {
    const fs::path rel = fs::relative(lab_.dir, s_.stage);
    const fs::path student_dir = fs::weakly_canonical(s_.tree / rel / "student");
    const fs::path tree = fs::weakly_canonical(s_.tree);
    const fs::path lab_dir = tree / rel;
    // Every lab's reference and hidden tests, and what this lab's handout withholds.
    const auto secret = [&](const fs::path& file) {
      if (file.string().rfind(tree.string() + "/", 0) != 0) return false;
      const std::string r = fs::relative(file, tree).generic_string();
      if (r.rfind("phases/", 0) == 0 &&
          (r.find("/reference/") != std::string::npos || r.find("/tests/hidden/") != std::string::npos))
        return true;
      return file.string().rfind(lab_dir.string() + "/", 0) == 0 &&
             withheld(lab_, fs::relative(file, lab_dir).generic_string());
    };
    judge(check_student_compiles(student_compiles(s_.build, lab_.id + "_student", student_dir), s_.build, student_dir,
                                 secret, s_.work / "source-check"));
  }

  // What one check of the student's code found goes into grade.json's
  // untrusted_checks, after what the earlier checks found (an empty list
  // when nothing); anything found rejects the submission.
  void judge(const std::vector<std::string>& problems) {
    auto& recorded = s_.untrusted_checks[lab_.id];
    if (recorded.is_null()) recorded = json::array();
    for (const auto& p : problems) recorded.push_back(p);
    if (!problems.empty()) reject(problems);
  }

  void reject(const std::vector<std::string>& problems) {
    std::string why = kRejected;
    for (const auto& problem : problems) why += "\n- " + problem;
    fail(why);
  }

  // Student code is read before it runs: its objects (as this grader built
  // them) must follow the rules of untrusted.hpp.
  void check_student_code() {
    std::vector<std::string> problems;
    const fs::path lib = s_.build / "lib";
    const fs::path archive = lib / ("lib" + lab_.id + "_student.a");
    if (fs::exists(archive)) {
      const fs::path objects = s_.build / fs::relative(lab_.dir, s_.stage) / "CMakeFiles" / (lab_.id + "_test_reference.dir");
      const Harness harness = cached_harness(s_.work / "harness" / (lab_.id + ".json"),
                                             lib / ("lib" + lab_.id + "_reference.a"), objects,
                                             s_.build / "bin" / (lab_.id + "_test_reference"));
      problems = check_student_archive(archive, harness).problems;
    }
    judge(problems);
  }

  std::string exe(const std::string& name) const { return (s_.build / "bin" / (lab_.id + name)).string(); }

  void run_tests() {
    Progress p(step_ + ": tests");
    const fs::path json_file = out_ / "tests.json";
    auto list_with = [&](std::vector<std::string> argv) {
      RunResult r = run_untrusted(std::move(argv), sandbox_);
      evidence_.tests_hung |= r.timed_out;  // e.g. a static initializer that never returns
      return r;
    };
    std::string error;
    evidence_.expected_tests = list_tests(exe("_test_reference"), list_with, error);
    if (error.empty()) evidence_.listed_tests = list_tests(exe("_test_" + s_.o.impl), list_with, error);
    if (!error.empty()) {
      evidence_.failure["test"] = error;
      p.finish("failed");
      return;
    }
    const TestRun run = run_gtest(untrusted(), exe("_test_" + s_.o.impl), json_file, sandbox_);
    const RunResult& r = run.process;
    std::ofstream(out_ / "tests.log") << r.output;
    if (r.timed_out || r.signal != 0 || !fs::exists(json_file)) {
      evidence_.tests_hung = r.timed_out;
      evidence_.failure["test"] = "the test program " + r.describe(limit_) + "\n" + tail_lines(r.output, 10);
      p.finish(r.describe(limit_));
      return;
    }
    auto& tests = evidence_.tests;
    for (const auto& t : run.tests) tests[t.suite + "." + t.name] = t;
    // A report that shows no failure from a process that says otherwise
    // was not written by GoogleTest's normal ending: nothing in it counts.
    bool any_failure = false;
    for (const auto& [name, t] : tests) any_failure |= !t.passed && !t.skipped;
    if (!r.ok() && !any_failure) {
      evidence_.failure["test"] = "the test program " + r.describe(limit_) +
                                  " although its report shows no failure; no test counts\n" + tail_lines(r.output, 10);
      tests.clear();
    }
    p.finish(fmt::format("{} tests", tests.size()));
  }

  // A skip counts only when the reference build skips the same test here
  // with the same reason (no CUDA device, an instruction set this CPU
  // lacks): a reason the harness gives, not one student code chose.
  void find_reference_skips() {
    std::string skipped_filter;
    for (const auto& [name, t] : evidence_.tests)
      if (t.skipped) skipped_filter += (skipped_filter.empty() ? "" : ":") + name;
    if (skipped_filter.empty()) return;
    const fs::path ref_json = out_ / "tests-reference-skips.json";
    const TestRun run = run_gtest(untrusted(), exe("_test_reference"), ref_json, sandbox_,
                                  {"--gtest_filter=" + skipped_filter});
    for (const auto& t : run.tests)
      if (t.skipped) evidence_.reference_skips[t.suite + "." + t.name] = t.message;
  }

  // Synth tasks: each design they name, from the RTL graded (checked by
  // check_rtl() before anything was built), through Yosys and nextpnr-ice40
  // as `labctl synth` runs them, in the sandbox like any process that reads
  // student input. Only a design whose tasks' tests passed: the others score
  // 0 without it (scoring.hpp, synth_gate).
  void run_synthesis() {
    std::vector<const SynthDesign*> designs;
    for (const auto& t : lab_.tasks) {
      if (t.kind != TaskKind::synth || !synth_gate(t, evidence_).empty()) continue;
      for (const auto& d : lab_.synth)
        if (d.top == t.design && std::find(designs.begin(), designs.end(), &d) == designs.end()) designs.push_back(&d);
    }
    if (designs.empty()) return;
    const SynthTools tools = find_synth_tools();
    evidence_.synth_unavailable = tools.missing();
    if (!tools.yosys) return;
    Progress p(step_ + ": synthesis");
    const fs::path lab_tree = s_.tree / fs::relative(lab_.dir, s_.stage);
    const std::string tree_prefix = s_.tree.string() + "/";
    for (const SynthDesign* d : designs) {
      std::vector<std::string> files;
      for (const auto& f : s_.o.impl == "reference" ? d->reference : d->student) files.push_back((lab_tree / f).string());
      nlohmann::json r = synthesize(untrusted(), tools, *d, files, SynthOptions{}, out_ / "synth" / d->top, sandbox_);
      // Yosys names the files as the grader's tree has them: relative, as in labctl synth.
      if (r.contains("message")) {
        std::string m = r["message"];
        for (auto at = m.find(tree_prefix); at != std::string::npos; at = m.find(tree_prefix, at)) m.erase(at, tree_prefix.size());
        r["message"] = m;
      }
      evidence_.synth[d->top] = std::move(r);
    }
    p.finish("done");
  }

  // One bench process: the implementation and its baselines interleaved,
  // only the rows `tasks` need. Returns "" or why it failed. `cores_free`:
  // the cores' worth nothing else used while it ran (CpuWindow).
  std::string run_bench(const std::vector<const Task*>& tasks, int repetitions, labkit::LabResults& into,
                        std::optional<double>& cores_free) {
    labkit::bench::Flags flags;
    flags.impl = s_.o.impl;
    flags.repetitions = repetitions;
    std::string rows;
    for (const Task* t : tasks)
      rows += (rows.empty() ? "" : "|") + fmt::format("{}/({}{})/{}", t->kase, s_.o.impl,
                                                      t->baseline.empty() ? "" : "|" + t->baseline, t->size);
    flags.filter = "^(" + rows + ")(/.*)?$";
    RunOptions opts = sandbox_;
    opts.timeout_s = limit_ * 3;  // benchmarks repeat on purpose
    const CpuWindow window;
    BenchRun run = run_bench_process(untrusted(), exe("_bench"), flags, {}, out_ / "bench.json", opts);
    cores_free = window.cores_free(run.process.cpu_seconds);
    std::ofstream(out_ / "bench.log", std::ios::app) << run.process.output;
    if (!run.error.empty()) return run.error;
    into = std::move(run.results);
    return "";
  }

  TaskGrade score(const Task& t, double max_score) {
    if (t.kind == TaskKind::test) return score_test_task(t, max_score, evidence_);
    if (t.kind == TaskKind::count) return score_count_task(t, max_score, evidence_, s_.o.impl);
    if (t.kind == TaskKind::synth) return score_synth_task(t, max_score, evidence_);
    if (auto it = evidence_.failure.find("bench"); it != evidence_.failure.end()) {
      TaskGrade g;
      g.output = it->second;
      return g;
    }
    // Perf: measured again (longer) while short of full credit or undecided.
    std::vector<PerfAttempt> attempts;
    const labkit::LabResults* measured = &evidence_.bench;  // the first run, then each run again
    std::optional<double> window_free = evidence_.bench_cores_free;
    labkit::LabResults again;
    for (;;) {
      attempts.push_back(perf_attempt(measure(query(t), *measured, limits_for(t)), cores_free(t, window_free)));
      if (!measure_again(t, max_score, attempts)) break;
      const int repetitions = s_.o.repetitions * (static_cast<int>(attempts.size()) + 1);
      if (!run_bench({&t}, repetitions, again, window_free).empty()) break;
      measured = &again;
    }
    return score_perf_task(t, max_score, attempts);
  }

  MetricQuery query(const Task& t) const {
    return {parse_metric(t.metric).value_or(Metric::speedup), t.kase, s_.o.impl, t.baseline, t.size};
  }

  // The cores a threaded measurement had: the fewer of what the grader's
  // own probe finds after the bench (student code cannot make it read freer
  // than it is) and what the rest of the machine used while the bench ran
  // (a neighbour that held a core for part of the run and had left by the
  // probe: ctest's builds beside the grading test were seen to cost sgemm's
  // two-thread speedup 40% with the probe reading both cores free).
  static double cores_free(const Task& t, std::optional<double> during_bench) {
    if (t.threads <= 1) return 0;
    return std::min(labkit::cores_free(t.threads), during_bench.value_or(t.threads));
  }

  // Roofline tasks: the machine limits labctl run cached for this machine
  // and build, else a quick probe now (announced, and cached like run's).
  const labkit::MachineLimits* limits_for(const Task& t) {
    if (parse_metric(t.metric) != Metric::roofline_fraction) return nullptr;
    if (!s_.limits) s_.limits = machine_limits(s_.c, /*quick=*/true, /*force=*/false);
    return &*s_.limits;
  }

  GradeSession& s_;
  const Lab& lab_;
  std::string step_;
  fs::path out_;
  double scale_ = 1, limit_ = 0;
  RunOptions sandbox_;
  LabEvidence evidence_;
  bool has_tests_ = false, has_bench_ = false;
  mutable std::optional<bool> has_student_library_;
};

// Builds what every lab can build before its student code is checked (and,
// grading the reference, everything) in one build on all cores: lab by lab,
// the builds ran mostly one job at a time. -k 0: a compile error in one lab
// stops none of the others; each lab's own build step then finds its
// targets built, or meets its error again and reports it as that lab's.
void prebuild(GradeSession& s, const std::list<LabGrader>& labs) {
  std::vector<std::string> targets;
  for (const auto& lab : labs) {
    if (lab.failed_before_build()) continue;
    for (const auto& t : lab.targets_before_check()) targets.push_back(t);
    if (s.o.impl == "reference")
      for (const auto& t : lab.targets_after_check()) targets.push_back(t);
  }
  if (targets.empty()) return;
  Progress p("grade: building every lab");
  const RunResult r = run_build(s, targets, {"-k", "0"});
  std::ofstream(s.o.out / "prebuild.log") << r.output;
  p.finish(r.ok() ? "done" : "some labs failed to build (each lab's report says why)");
}

// ---------------------------------------------------------------- 3. reports

struct GradeOutcome {
  GradeOutcome(const Track& t, const GradeSession& s) : track(t), session(s) {}
  const Track& track;
  const GradeSession& session;
  std::vector<TaskGrade> grades;
  json lab_reports = json::array();
  std::vector<std::string> edits;
  GradeTotals totals;
  bool past_due = false;
  double seconds = 0;
  std::string summary_line;
  std::string isolation;
};

std::string summary_line(const Track& track, const std::string& impl, const GradeTotals& t) {
  std::string line = fmt::format("Track '{}', {} implementation: {:.2f} / {:.2f} on visible tasks", track.name, impl,
                                 t.visible_score, t.visible_max);
  if (t.hidden_pending)
    line += fmt::format("; {} hidden task{} pending", t.hidden_pending, t.hidden_pending == 1 ? "" : "s");
  if (!t.regrade.empty())
    line += fmt::format("; {} threaded task{} not judged (cores busy): regrade on an idle machine", t.regrade.size(),
                        t.regrade.size() == 1 ? "" : "s");
  return line;
}

// Gradescope's test entries, with labkit's measurements under "labkit".
json task_entries(const GradeOutcome& g) {
  json tests = json::array();
  for (const auto& t : g.grades) {
    tests.push_back({{"name", t.name}, {"score", t.score}, {"max_score", t.max_score}, {"output", t.output},
                     {"visibility", gradescope_visibility(t.visibility)}, {"tags", {t.lab, t.kind}},
                     {"status", t.status == TaskStatus::passed ? "passed" : "failed"},
                     {"labkit", {{"lab", t.lab}, {"task", t.task_id}, {"kind", t.kind},
                                 {"result", status_name(t.status)}, {"measurement", t.measurement}}}});
  }
  return tests;
}

// grade.json: a superset of Gradescope's results.json.
void write_grade_json(const GradeOutcome& g, const json& tests) {
  const GradeSession& s = g.session;
  const std::string edits_note =
      g.edits.empty() ? "" : fmt::format("\n{} edit(s) to protected files were ignored.", g.edits.size());
  const json grade = {
      {"score", g.totals.score},
      {"max_score", g.totals.max_score},
      {"output", g.summary_line + edits_note},
      {"visibility", "visible"},
      {"stdout_visibility", "visible"},
      {"execution_time", g.seconds},
      {"tests", tests},
      {"labkit", {{"schema", "labkit.grade/1"},
                  {"track", {{"name", g.track.name}, {"file", s.o.track.string()}, {"due", g.track.due.value_or("")}}},
                  {"impl", s.o.impl},
                  {"seed", s.seed},
                  {"commit", s.pristine.commit},
                  {"pristine_base", s.pristine.base},
                  {"visible_score", g.totals.visible_score},
                  {"visible_max_score", g.totals.visible_max},
                  {"hidden_tasks_pending", g.totals.hidden_pending},
                  {"protected_edits", g.edits},
                  {"seed_source", s.o.seed ? "--seed" : "random (fresh for this grade)"},
                  {"base", s.pristine.ref},
                  {"isolation", g.isolation},
                  {"network", s.box.network},
                  {"filesystem", s.box.filesystem},
                  {"untrusted_checks", s.untrusted_checks},
                  {"regrade", g.totals.regrade},
                  {"labs", g.lab_reports},
                  {"machine", labkit::to_json(labkit::describe_machine())}}}};
  std::ofstream(s.o.out / "grade.json") << grade.dump(2) << "\n";
}

// results.json for Gradescope (ci/gradescope/run_autograder): the score
// students see is the visible one until the track's due date, so hidden
// tasks cannot be read off the difference; after it (Gradescope's "Regrade
// all submissions") the score of record includes every task. Hidden tasks
// keep Gradescope's own visibility, and nothing of labkit's superset
// (measurements, per-lab failures) is in it.
void write_gradescope_results(const GradeOutcome& g, const json& tests) {
  const GradeSession& s = g.session;
  json gs_tests = json::array();
  for (const auto& t : tests) {
    json e = t;
    e.erase("labkit");
    gs_tests.push_back(e);
  }
  const std::string shown_note =
      g.past_due ? ""
                 : fmt::format("\nThe score shown is the visible tasks' score{}.",
                               g.totals.hidden_pending ? "; hidden tasks count after the due date" : "");
  const json results = {
      {"score", g.past_due ? g.totals.score : g.totals.visible_score},
      {"max_score", g.totals.max_score},
      {"output", g.summary_line + shown_note},
      {"visibility", "visible"},
      {"stdout_visibility", "hidden"},
      {"execution_time", g.seconds},
      {"tests", gs_tests},
      {"extra_data", {{"labkit_total_score", g.totals.score}, {"labkit_max_score", g.totals.max_score},
                      {"hidden_included", g.past_due}, {"seed", s.seed}, {"commit", s.pristine.commit},
                      {"base", s.pristine.ref}, {"isolation", g.isolation}, {"protected_edits", g.edits},
                      {"untrusted_checks", s.untrusted_checks}}}};
  std::ofstream(s.o.out / "results.json") << results.dump(2) << "\n";
}

// JUnit: hidden tasks appear as skipped, never as passed.
void write_grade_junit(const GradeOutcome& g) {
  std::ofstream x(g.session.o.out / "junit.xml");
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" << labkit::xml_escape(g.track.name) << "\">\n";
  for (const auto& tl : g.track.labs) {
    int n = 0, failures = 0, skipped = 0;
    for (const auto& t : g.grades)
      if (t.lab == tl.lab.id) {
        ++n;
        if (!shown(t, g.past_due)) ++skipped;
        else if (t.status != TaskStatus::passed) ++failures;
      }
    x << "  <testsuite name=\"" << labkit::xml_escape(tl.lab.id) << "\" tests=\"" << n << "\" failures=\"" << failures
      << "\" errors=\"0\" skipped=\"" << skipped << "\">\n";
    for (const auto& t : g.grades) {
      if (t.lab != tl.lab.id) continue;
      const bool visible = shown(t, g.past_due);
      x << "    <testcase classname=\"" << labkit::xml_escape(t.lab) << "\" name=\"" << labkit::xml_escape(t.task_id)
        << "\">";
      if (!visible) x << "<skipped message=\"hidden task: result pending\"/>";
      else if (t.status != TaskStatus::passed)
        x << "<failure message=\"" << labkit::xml_escape(fmt::format("{:.2f}/{:.2f}", t.score, t.max_score)) << "\">"
          << labkit::xml_escape(t.output) << "</failure>";
      x << "<system-out>" << labkit::xml_escape(visible ? t.output : "hidden") << "</system-out></testcase>\n";
    }
    x << "  </testsuite>\n";
  }
  x << "</testsuites>\n";
}

// summary.md (a CI job summary) and the terminal table.
void write_grade_summary(const GradeOutcome& g) {
  const GradeSession& s = g.session;
  std::ostringstream md;
  md << "# Grade: " << g.track.name << "\n\n" << g.summary_line << ".\n\n";
  md << "| lab | task | kind | score | result |\n|---|---|---|---:|---|\n";
  std::vector<TableRow> rows;  // the terminal table: widths from the cells, results wrapped between words
  for (const auto& t : g.grades) {
    if (!shown(t, g.past_due)) continue;
    const std::string first_line = t.output.substr(0, t.output.find('\n'));
    md << "| " << t.lab << " | " << t.task_id << " | " << t.kind << " | "
       << fmt::format("{:.2f} / {:.2f}", t.score, t.max_score) << " | " << status_name(t.status) << ": "
       << std::regex_replace(first_line, std::regex("\\|"), "/") << " |\n";
    rows.push_back({t.lab, t.task_id, t.kind, fmt::format("{:.1f}/{:.1f}", t.score, t.max_score),
                    elide_words(fmt::format("{}: {}", status_name(t.status), first_line), 3 * 72,
                                " ... (summary.md has all of it)")});
  }
  fmt::print("\n{}", render_table({{"lab"}, {"task"}, {"kind"}, {"score", true}, {"result", false, 72}}, rows));
  if (const int hidden = g.totals.hidden_pending) {
    md << "\n" << hidden << " hidden task" << (hidden == 1 ? "" : "s") << " pending.\n";
    fmt::print("{} hidden task{} pending\n", hidden, hidden == 1 ? "" : "s");
  }
  for (const auto& t : g.grades)
    if (shown(t, g.past_due) && t.status != TaskStatus::passed && t.output.find('\n') != std::string::npos)
      md << "\n<details><summary>" << t.lab << " / " << t.task_id << "</summary>\n\n```\n" << t.output
         << "\n```\n</details>\n";
  if (!g.edits.empty()) {
    md << "\n## Edits to protected files (ignored)\n\n";
    fmt::print("\n{} edit(s) to protected files were ignored (only student/ folders are graded):\n", g.edits.size());
    for (const auto& e : g.edits) {
      md << "- " << e << "\n";
      fmt::print("  {}\n", e);
    }
  }
  const auto machine = labkit::describe_machine();
  md << "\nSeed " << s.seed << ", commit " << s.pristine.commit.substr(0, 12) << ", " << g.isolation << ", machine "
     << machine.cpu_model << " (" << machine.fingerprint << ").\n";
  std::ofstream(s.o.out / "summary.md") << md.str();
}

void check_options(const GradeOptions& o) {
  if (o.impl != "student" && o.impl != "reference") throw UsageError("--impl must be student or reference");
  if (o.repetitions < 1) throw UsageError("--repetitions must be at least 1");
  if (o.out.empty()) throw UsageError("--out DIR is required: where grade.json, junit.xml and summary.md go");
}

}  // namespace

void set_grading_env(RunOptions& options, std::uint64_t seed, const std::string& commit) {
  options.clean_env = true;
  options.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}};
  set_measurement_env(options, commit.substr(0, 12), seed);
}

int cmd_grade(const Context& c, const GradeOptions& o) {
  check_options(o);
  const fs::path submission = fs::weakly_canonical(o.submission.empty() ? c.root : o.submission);
  if (!fs::is_directory(submission)) throw UsageError("--submission " + submission.string() + " is not a folder");
  // The track is checked before any heavy work: a malformed one exits 2 at once.
  parse_track(o.track, c.labs());
  const auto start = std::chrono::steady_clock::now();

  // The build sits two levels inside the tree, as build/<preset> does in a
  // checkout: with ccache's base_dir (cmake/Ccache.cmake) the compiler sees
  // the same relative paths, so the pristine build reuses the main build's
  // cache entries.
  GradeSession s(c, o);
  // Absolute: student programs run in a private folder, where a relative
  // --work (e.g. build/grade) named nothing ("cannot execute", exit 127).
  s.work = fs::absolute(o.work.empty() ? c.root / "build" / "grade" : o.work);
  s.stage = s.work / "stage";
  s.tree = s.work / "tree";
  s.build = s.tree / "build" / "grade";
  s.quiet.timeout_s = 1800;
  fs::create_directories(o.out);

  // 1. The pristine tree, the submission's student/ folders on top; every
  //    other difference is reported and ignored.
  s.pristine = export_course(c, o, s.stage);
  const Track track = parse_track(o.track, discover_labs(s.stage), c.root);
  // A fresh seed per grade unless one is given to reproduce a grade: nothing
  // the student has (the track file, the course) determines it. Student code
  // can still read it while it runs (LABKIT_SEED is in its environment).
  s.seed = o.seed ? *o.seed : std::random_device{}() % 1000000007ull;
  GradeOutcome g(track, s);
  g.edits = protected_edits(track, s.stage, submission);
  if (o.impl == "student") s.lab_failure = overlay_student_folders(track, s.stage, submission);
  sync_tree(s.stage, s.tree, "build");

  // Without root, these are bind-mounted read-only for student code: the
  // course checkout (and the grader in it), the work folder, the results
  // folder that holds this grade's output (other students' on Slurm) and the
  // folder of submissions.
  s.box = make_sandbox({c.root, s.work, fs::absolute(o.out).parent_path(), submission.parent_path()});
  g.isolation = s.box.network + "; " + s.box.filesystem;
  configure_build(s, track);

  // 2. Each lab: build, check, run, score.
  std::list<LabGrader> labs;
  int index = 0;
  for (const auto& tl : track.labs)
    labs.emplace_back(s, tl, fmt::format("grade [{}/{}] {}", ++index, track.labs.size(), tl.lab.id));
  prebuild(s, labs);
  for (auto& lab : labs) {
    for (auto& t : lab.grade()) g.grades.push_back(std::move(t));
    g.lab_reports.push_back(lab.report());
  }

  // 3. Reports.
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  g.past_due = track.due_epoch != 0 && now.count() >= track.due_epoch;
  g.totals = grade_totals(g.grades, g.past_due);
  g.summary_line = summary_line(track, o.impl, g.totals);
  g.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const json tests = task_entries(g);
  write_grade_json(g, tests);
  if (submission == c.root) record_grade(c, o.out / "grade.json");  // the learner's own tree: into their progress log
  write_gradescope_results(g, tests);
  write_grade_junit(g);
  write_grade_summary(g);
  fmt::print("\n{}\nwrote {}, {} and {} ({:.0f} s)\n", g.summary_line, (o.out / "grade.json").string(),
             (o.out / "junit.xml").string(), (o.out / "summary.md").string(), g.seconds);
  return 0;
}

}  // namespace labctl
