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
//      count tasks by deterministic values, on the manifest's curve;
// and writes grade.json (a superset of Gradescope's results.json), junit.xml
// and summary.md. A compile error, crash, hang or OOM costs only the affected
// lab's tasks; grading always finishes.
#include "grade.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <map>

#include <chrono>
#include <fstream>
#include <random>
#include <labkit/machine.hpp>
#include <labkit/report.hpp>
#include <labkit/stats.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "process.hpp"
#include "progress.hpp"
#include "results.hpp"
#include "track.hpp"
#include "untrusted.hpp"

namespace labctl {

using nlohmann::json;

namespace {

struct TaskGrade {
  std::string lab, task_id, name, kind, visibility;
  double score = 0, max_score = 0;
  std::string output;
  std::string status;        // passed, failed, partial, error
  json measurement = json::object();
};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
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
    const auto rel = fs::relative(e.path(), src);
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
    const auto rel = fs::relative(it->path(), dest);
    if (rel == keep) {
      it.disable_recursion_pending();
      continue;
    }
    if (!wanted.count(rel)) extra.push_back(it->path());
  }
  for (const auto& p : extra) fs::remove_all(p);
}

double curve_score(const Task& t, double value, double points) {
  double fraction;
  if (t.curve == "proportional") {
    fraction = value < t.zero ? 0 : std::min(1.0, value / t.full);
  } else {
    fraction = (value - t.zero) / (t.full - t.zero);  // works for lower-is-better too (full < zero)
  }
  return points * std::clamp(fraction, 0.0, 1.0);
}

std::string fmt_value(const Task& t, double v) {
  if (t.metric == "speedup") return fmt::format("{:.2f}x", v);
  if (t.metric == "roofline_fraction") return fmt::format("{:.0f}%", 100 * v);
  return fmt::format("{:.4g}", v);
}

// First compiler error lines of a build log, for the report.
std::string compile_errors(const std::string& log) {
  std::stringstream ss(log);
  std::string line, out;
  int n = 0;
  while (std::getline(ss, line) && n < 12)
    if (line.find("error") != std::string::npos) {
      out += line + "\n";
      ++n;
    }
  return out.empty() ? tail_lines(log, 12) : out;
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

}  // namespace

int cmd_grade(const Context& c, const GradeOptions& o) {
  if (o.impl != "student" && o.impl != "reference") throw UsageError("--impl must be student or reference");
  if (o.repetitions < 1) throw UsageError("--repetitions must be at least 1");
  if (o.out.empty()) throw UsageError("--out DIR is required: where grade.json, junit.xml and summary.md go");
  const fs::path submission = fs::weakly_canonical(o.submission.empty() ? c.root : o.submission);
  if (!fs::is_directory(submission)) throw UsageError("--submission " + submission.string() + " is not a folder");

  // The track is checked before any heavy work: a malformed one exits 2 at once.
  const Track checked = parse_track(o.track, c.labs());
  const auto start = std::chrono::steady_clock::now();
  const fs::path work = o.work.empty() ? c.root / "build" / "grade" : o.work;
  // The build sits two levels inside the tree, as build/<preset> does in a
  // checkout: with ccache's base_dir (cmake/Ccache.cmake) the compiler sees
  // the same relative paths, so the pristine build reuses the main build's
  // cache entries.
  const fs::path stage = work / "stage", tree = work / "tree";
  const fs::path build = tree / "build" / "grade";
  fs::create_directories(o.out);

  // 1. The pristine tree: the instructor's course at --base (default: the
  //    course checkout's HEAD). The submission's history never chooses it: a
  //    clone reset to an older course commit is graded with today's tests and
  //    thresholds. Only student/ folders are taken from the submission.
  const std::string ref = o.base.empty() ? "HEAD" : o.base;
  std::string commit = "uncommitted", pristine_base = "the course checkout as it is (no git)";
  {
    Progress p("grade: preparing the pristine tree");
    fs::remove_all(stage);
    fs::create_directories(stage);
    const auto rev = run_process({"git", "-C", c.root.string(), "rev-parse", "--verify", "--quiet", ref + "^{commit}"});
    if (!rev.ok() && !o.base.empty())
      throw UsageError("--base " + o.base + " is not a commit of the course repository " + c.root.string());
    if (rev.ok()) {
      pristine_base = "the course at " + ref;
      commit = rev.output.substr(0, rev.output.find('\n'));
      const auto r = run_process({"sh", "-c", "git -C \"$0\" archive --format=tar \"$2\" | tar -x -C \"$1\"", c.root.string(),
                                  stage.string(), commit});
      if (!r.ok()) throw std::runtime_error("git archive failed: " + r.output);
    } else {
      for (const auto& e : fs::directory_iterator(c.root)) {
        const auto name = e.path().filename().string();
        if (name == "build" || name == "out" || name == ".git") continue;
        fs::copy(e.path(), stage / name, fs::copy_options::recursive);
      }
    }
    p.finish(commit.substr(0, 12) + " (" + pristine_base + ")");
  }
  const Track track = parse_track(o.track, discover_labs(stage));
  // A fresh seed per grade unless one is given to reproduce a grade: nothing
  // the student has (the track file, the course) determines it. Student code
  // can still read it while it runs (LABKIT_SEED is in its environment).
  const std::uint64_t seed = o.seed ? *o.seed : std::random_device{}() % 1000000007ull;
  const auto now_epoch = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const bool past_due = track.due_epoch != 0 && now_epoch >= track.due_epoch;

  // 2. The submission's student/ folders on top; every other difference is reported and ignored.
  std::vector<std::string> edits;
  std::map<std::string, std::string> lab_failure;  // lab id -> why all its tasks score 0
  auto protected_path = [&](const fs::path& rel) {
    const std::string s = rel.generic_string();
    if (s.rfind("common/", 0) == 0 || s.rfind("cmake/", 0) == 0 || s.rfind("tools/", 0) == 0 ||
        s == "CMakeLists.txt" || s == "CMakePresets.json" || s == "phases/CMakeLists.txt")
      return true;
    for (const auto& tl : track.labs) {
      const std::string dir = fs::relative(tl.lab.dir, stage).generic_string() + "/";
      if (s.rfind(dir, 0) == 0 && s.rfind(dir + "student/", 0) != 0) return true;
    }
    return false;
  };
  {
    for (const auto& e : fs::recursive_directory_iterator(stage)) {
      if (!e.is_regular_file()) continue;
      const auto rel = fs::relative(e.path(), stage);
      if (!protected_path(rel)) continue;
      const auto theirs = submission / rel;
      // A submission of only student/ folders has no protected files at all: not an edit.
      if (!fs::exists(theirs)) {
        if (fs::is_directory(theirs.parent_path())) edits.push_back("deleted: " + rel.generic_string());
      }
      else if (!same_content(e.path(), theirs)) edits.push_back("modified: " + rel.generic_string());
    }
    for (const auto& tl : track.labs) {
      const fs::path rel_dir = fs::relative(tl.lab.dir, stage);
      if (!fs::is_directory(submission / rel_dir)) continue;
      for (const auto& e : fs::recursive_directory_iterator(submission / rel_dir)) {
        const auto rel = fs::relative(e.path(), submission);
        if (e.is_regular_file() && protected_path(rel) && !fs::exists(stage / rel))
          edits.push_back("added: " + rel.generic_string());
      }
    }
  }
  for (const auto& tl : track.labs) {
    const fs::path rel_student = fs::relative(tl.lab.dir, stage) / "student";
    if (o.impl == "student") {
      if (!fs::is_directory(submission / rel_student)) {
        lab_failure[tl.lab.id] = "the submission has no " + rel_student.generic_string() + " folder";
        continue;
      }
      fs::remove_all(stage / rel_student);
      fs::copy(submission / rel_student, stage / rel_student, fs::copy_options::recursive);
    }
  }
  sync_tree(stage, tree, "build");

  // Without root, these are bind-mounted read-only for student code: the
  // course checkout (and the grader in it), the work folder, the results
  // folder that holds this grade's output (other students' on Slurm) and the
  // folder of submissions.
  const Sandbox box = make_sandbox({c.root, work, fs::absolute(o.out).parent_path(), submission.parent_path()});
  const std::string isolation_note = box.network + "; " + box.filesystem;
  json untrusted_checks = json::object();  // lab id -> problems found in its student objects

  // 3. Configure once (incremental afterwards).
  RunOptions quiet;
  quiet.timeout_s = 1800;
  if (!fs::exists(build / "build.ninja")) {
    Progress p("grade: configuring");
    const auto r = run_process({"cmake", "-S", tree.string(), "-B", build.string(), "-G", "Ninja",
                                "-DCMAKE_BUILD_TYPE=Release", "-DLABS_ALLOW_FETCH=OFF", "-DLABS_BUILD_TESTS=ON"}, quiet);
    p.finish(r.ok() ? "done" : "failed");
    if (!r.ok())
      for (const auto& tl : track.labs) lab_failure.emplace(tl.lab.id, "configure failed:\n" + tail_lines(r.output, 20));
  }

  std::vector<TaskGrade> grades;
  json lab_reports = json::array();
  const auto machine = labkit::describe_machine();
  int lab_index = 0;
  for (const auto& tl : track.labs) {
    const Lab& lab = tl.lab;
    ++lab_index;
    const std::string step = fmt::format("grade [{}/{}] {}", lab_index, track.labs.size(), lab.id);
    const fs::path lab_out = o.out / lab.id;
    fs::create_directories(lab_out);
    double total_points = 0;
    for (const auto& t : lab.tasks) total_points += t.points;
    const double scale = tl.points ? *tl.points / total_points : 1.0;
    const double limit = o.time_limit_s > 0 ? o.time_limit_s : lab.time_limit_s;
    RunOptions sandbox = box.base;
    sandbox.timeout_s = limit;
    sandbox.memory_limit_bytes = static_cast<std::uint64_t>(lab.memory_limit_mb * 1024 * 1024);
    sandbox.clean_env = true;
    sandbox.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"LANG", "C"},
                   {"LABKIT_SEED", std::to_string(seed)}, {"LABKIT_GIT_REVISION", commit.substr(0, 12)},
                   // Idle OpenMP threads sleep instead of spinning: on a machine where
                   // something else holds a core, spinning threads at every barrier
                   // made a two-thread GEMM eight times slower than one thread.
                   {"OMP_WAIT_POLICY", "passive"}};
    auto sandboxed = [&](std::vector<std::string> argv) {
      argv.insert(argv.begin(), box.prefix.begin(), box.prefix.end());
      return argv;
    };
    // Runs one untrusted process in a fresh private folder (its HOME, TMPDIR
    // and working directory); `reports` are copied from there to lab_out.
    auto run_untrusted = [&](std::vector<std::string> argv, RunOptions opts,
                             const std::vector<std::pair<std::string, fs::path>>& reports = {}) {
      const fs::path priv = private_folder(work, box);
      opts.cwd = priv;
      opts.env["HOME"] = opts.env["TMPDIR"] = priv.string();
      argv = sandboxed(argv);
      for (auto& a : argv)
        if (a.find("@PRIVATE@") != std::string::npos) a.replace(a.find("@PRIVATE@"), 9, priv.string());
      const auto r = run_process(argv, opts);
      for (const auto& [name, to] : reports) {
        fs::remove(to);
        take_report(priv / name, to);
      }
      fs::remove_all(priv);
      return r;
    };

    std::map<std::string, std::string> failure;  // kind -> reason (test / bench)
    if (lab_failure.count(lab.id)) failure["test"] = failure["bench"] = lab_failure[lab.id];

    bool has_tests = false, has_bench = false;
    for (const auto& t : lab.tasks) (t.kind == "test" ? has_tests : has_bench) = true;

    // Build this lab's targets only: a compile error here costs only this lab.
    // First the student library (compiled, linked into nothing yet) and the
    // reference tests (the expected test list); the student's objects are
    // read before anything that contains them is linked or run.
    auto build_targets = [&](const std::vector<std::string>& targets) {
      if (targets.empty() || failure.count("test")) return;
      std::vector<std::string> argv = {"cmake", "--build", build.string()};
      for (const auto& t : targets) argv.insert(argv.end(), {"--target", t});
      const auto r = run_process(argv, quiet);
      std::ofstream(lab_out / "build.log", std::ios::app) << r.output;
      if (!r.ok()) failure["test"] = failure["bench"] = "compile error:\n" + compile_errors(r.output);
    };
    fs::remove(lab_out / "build.log");
    if (!failure.count("test")) {
      Progress p(step + ": building");
      std::vector<std::string> first;
      if (o.impl == "student" && run_process({"ninja", "-C", build.string(), "-t", "query", lab.id + "_student"}).ok())
        first.insert(first.end(), {lab.id + "_student", lab.id + "_reference"});  // the reference's calls are sanctioned
      if (has_tests && o.impl != "reference") first.push_back(lab.id + "_test_reference");
      build_targets(first);

      // Student code is read before it runs: its objects (as this grader
      // built them) and its HDL sources must follow the rules of untrusted.hpp.
      if (o.impl == "student" && !failure.count("test")) {
        std::vector<std::string> problems;
        const fs::path archive = build / "lib" / ("lib" + lab.id + "_student.a");
        if (fs::exists(archive))
          problems = check_student_archive(
                         archive, cached_harness(work / "harness" / (lab.id + ".json"),
                                                 build / "lib" / ("lib" + lab.id + "_reference.a"),
                                                 build / fs::relative(lab.dir, stage) / "CMakeFiles" / (lab.id + "_test_reference.dir"),
                                                 build / "bin" / (lab.id + "_test_reference")))
                         .problems;
        for (const auto& problem : check_hdl_sources(tl.lab.dir / "student")) problems.push_back(problem);
        untrusted_checks[lab.id] = problems;
        if (!problems.empty()) {
          std::string why = "rejected before running: the student code breaks the grading rules (docs/instructors.md, "
                            "\"Threat model\"):";
          for (const auto& problem : problems) why += "\n- " + problem;
          failure["test"] = failure["bench"] = why;
        }
      }
      std::vector<std::string> then;
      if (has_tests) then.push_back(lab.id + "_test_" + o.impl);
      if (has_bench) then.push_back(lab.id + "_bench");
      build_targets(then);
      p.finish(failure.empty() ? "ok" : failure["test"].rfind("rejected", 0) == 0 ? "rejected" : "compile error");
    }

    // Tests.
    std::map<std::string, labkit::TestResult> tests;        // by full name, as the test process reported
    std::vector<std::string> expected_tests, listed_tests;  // the reference build's list; the graded binary's
    const auto reference_exe = (build / "bin" / (lab.id + "_test_reference")).string();
    auto list_with = [&](std::vector<std::string> argv) { return run_untrusted(std::move(argv), sandbox); };
    if (has_tests && !failure.count("test")) {
      Progress p(step + ": tests");
      const fs::path json_file = lab_out / "tests.json";
      const auto exe = (build / "bin" / (lab.id + "_test_" + o.impl)).string();
      std::string error;
      expected_tests = list_tests(reference_exe, list_with, error);
      if (error.empty()) listed_tests = list_tests(exe, list_with, error);
      const auto r = error.empty() ? run_untrusted({exe, "--gtest_output=json:@PRIVATE@/tests.json"}, sandbox,
                                                   {{"tests.json", json_file}})
                                   : RunResult{};
      std::ofstream(lab_out / "tests.log") << r.output;
      if (!error.empty()) {
        failure["test"] = error;
        p.finish("failed");
      } else if (r.timed_out || r.signal != 0 || !fs::exists(json_file)) {
        failure["test"] = "the test program " + r.describe(limit) + "\n" + tail_lines(r.output, 10);
        p.finish(r.describe(limit));
      } else {
        for (auto& t : read_gtest_json(json_file, r, limit)) tests[t.suite + "." + t.name] = t;
        // A report that shows no failure from a process that says otherwise
        // was not written by GoogleTest's normal ending: nothing in it counts.
        bool any_failure = false;
        for (const auto& [name, t] : tests) any_failure |= !t.passed && !t.skipped;
        if (!r.ok() && !any_failure) {
          failure["test"] = "the test program " + r.describe(limit) + " although its report shows no failure; no test counts\n" +
                            tail_lines(r.output, 10);
          tests.clear();
        }
        p.finish(fmt::format("{} tests", tests.size()));
      }
    }
    // A skip counts only when the reference build skips the same test here
    // with the same reason (no CUDA device, an instruction set this CPU
    // lacks): a reason the harness gives, not one student code chose.
    std::map<std::string, std::string> reference_skips;
    {
      std::string skipped_filter;
      for (const auto& [name, t] : tests)
        if (t.skipped) skipped_filter += (skipped_filter.empty() ? "" : ":") + name;
      if (!skipped_filter.empty()) {
        const fs::path ref_json = lab_out / "tests-reference-skips.json";
        const auto r = run_untrusted({reference_exe, "--gtest_filter=" + skipped_filter, "--gtest_output=json:@PRIVATE@/r.json"},
                                     sandbox, {{"r.json", ref_json}});
        for (const auto& t : read_gtest_json(ref_json, r, limit))
          if (t.skipped) reference_skips[t.suite + "." + t.name] = t.message;
      }
    }

    // Benchmark: one process, the implementation and its baselines interleaved.
    json bench_json;
    auto run_bench_for = [&](const std::vector<const Task*>& tasks, int repetitions, json& into) -> std::string {
      std::string names;
      for (const Task* t : tasks) {
        std::string impls = o.impl;
        if (!t->baseline.empty()) impls += "|" + t->baseline;
        names += (names.empty() ? "" : "|") + fmt::format("{}/({})/{}", t->kase, impls, t->size);
      }
      const fs::path file = lab_out / "bench.json";
      const auto exe = (build / "bin" / (lab.id + "_bench")).string();
      RunOptions bench_opts = sandbox;
      bench_opts.timeout_s = limit * 3;  // benchmarks repeat on purpose
      const auto r = run_untrusted({exe, "--impl", o.impl, "--out", "@PRIVATE@/bench.json", "--repetitions",
                                    std::to_string(repetitions), "--benchmark_filter=^(" + names + ")(/.*)?$"},
                                   bench_opts, {{"bench.json", file}});
      std::ofstream(lab_out / "bench.log", std::ios::app) << r.output;
      if (!r.ok() && !fs::exists(file)) return "the benchmark " + r.describe(bench_opts.timeout_s) + "\n" + tail_lines(r.output, 10);
      std::ifstream in(file);
      into = json::parse(in);
      return "";
    };
    std::vector<const Task*> bench_tasks;
    for (const auto& t : lab.tasks)
      if (t.kind != "test") bench_tasks.push_back(&t);
    if (!bench_tasks.empty() && !failure.count("bench")) {
      Progress p(step + ": benchmark");
      fs::remove(lab_out / "bench.log");
      if (auto err = run_bench_for(bench_tasks, o.repetitions, bench_json); !err.empty()) failure["bench"] = err;
      p.finish(failure.count("bench") ? "failed" : "done");
    }

    auto find_bench = [&](const json& j, const Task& t, const std::string& impl) -> json {
      for (const auto& b : j.value("benchmarks", json::array()))
        if (b.value("case", "") == t.kase && b.value("impl", "") == impl && b.value("size", 0ll) == t.size) return b;
      return json();
    };

    // Score each task.
    json lab_report = {{"id", lab.id}, {"failure", failure.empty() ? json() : json(failure)}};
    for (const auto& t : lab.tasks) {
      TaskGrade g;
      g.lab = lab.id;
      g.task_id = t.id;
      g.name = lab.id + ": " + t.name;
      g.kind = t.kind;
      g.visibility = t.visibility;
      g.max_score = t.points * scale;
      const std::string kind_key = t.kind == "test" ? "test" : "bench";
      if (failure.count(kind_key)) {
        g.status = "error";
        g.output = failure[kind_key];
      } else if (t.kind == "test") {
        const TestVerdict v = judge_test_task(t.filter, expected_tests, listed_tests, tests, reference_skips);
        int passed = v.passed;
        const int total = v.total;
        const std::string& failed_list = v.failed_list;
        const std::string& list_diff = v.list_diff;
        if (total == 0) {
          g.status = "error";
          g.output = "no test of the reference build matched the filter '" + t.filter + "'";
        } else if (!list_diff.empty()) {
          g.status = "failed";
          g.output = "the test list differs from the grader's reference build:" + list_diff;
          passed = 0;
        } else {
          g.score = t.partial ? g.max_score * passed / total : (passed == total ? g.max_score : 0);
          g.status = passed == total ? "passed" : passed ? "partial" : "failed";
          g.output = fmt::format("{}/{} tests passed{}", passed, total, failed_list.empty() ? "" : "\n" + failed_list);
        }
        g.measurement = {{"passed", passed}, {"total", total}};
      } else if (t.kind == "count") {
        bool found = false;
        for (const auto& cnt : bench_json.value("counts", json::array())) {
          if (cnt.value("case", "") != t.kase || cnt.value("impl", "") != o.impl || cnt.value("metric", "") != t.metric ||
              cnt.value("size", 0ll) != t.size)
            continue;
          found = true;
          const double v = cnt.value("value", 0.0);
          if (cnt.value("status", "") != "ok") {
            g.status = "failed";
            g.output = cnt.value("status", "") + ": " + cnt.value("note", "");
          } else {
            g.score = curve_score(t, v, g.max_score);
            g.status = g.score >= g.max_score - 1e-9 ? "passed" : g.score > 0 ? "partial" : "failed";
            g.output = fmt::format("{} = {:.6g} (full credit at {:.6g}, none at {:.6g}; deterministic)", t.metric, v, t.full, t.zero);
          }
          g.measurement = {{"metric", t.metric}, {"value", v}, {"deterministic", true}};
        }
        if (!found) {
          g.status = "error";
          g.output = "the benchmark reported no count " + t.metric + " for " + t.kase + "/" + o.impl;
        }
      } else {  // perf
        json measured = bench_json;
        int attempts = 1;
        struct Measurement {
          double value = 0;
          labkit::Interval interval;
          json doc;  // the whole benchmark output of that measurement
          bool straddles = false;
        } best;
        double best_score = -1;
        double most_cores_free = 0;  // threaded tasks: the freest machine any measurement saw
        for (;; ++attempts) {
          const json b = find_bench(measured, t, o.impl);
          if (b.is_null()) {
            g.status = "error";
            g.output = fmt::format("the benchmark has no {}/{}/{}", t.kase, o.impl, t.size);
            break;
          }
          if (b.value("status", "") != "ok") {
            g.status = "failed";
            g.output = b.value("status", "") + ": " + b.value("note", "");
            break;
          }
          labkit::Interval interval;
          double value = 0;
          const auto bench = labkit::bench_from_json(b);
          if (t.metric == "speedup") {
            const json base = find_bench(measured, t, t.baseline);
            if (base.is_null() || base.value("status", "") != "ok") {
              g.status = "error";
              g.output = "the baseline '" + t.baseline + "' was not measured";
              break;
            }
            interval = labkit::speedup_interval(labkit::bench_from_json(base).samples_ns, bench.samples_ns);
            value = interval.estimate;
          } else if (t.metric == "gflops" || t.metric == "gbs" || t.metric == "roofline_fraction") {
            // Throughput interval: flops (or bytes) over each resampled median time.
            const double work = t.metric == "gbs" ? bench.bytes : bench.flops;
            const labkit::Statistic rate = [work](std::span<const double> s) { return work / labkit::median(s); };
            interval = labkit::bootstrap_interval(bench.samples_ns, rate);
            value = interval.estimate;
            if (t.metric == "roofline_fraction") {
              // Uses the cached machine limits when present; otherwise a quick probe.
              static std::optional<labkit::MachineLimits> limits;
              if (!limits) {
                labkit::MeasureOptions mo;
                mo.quick = true;
                limits = labkit::measure_machine(mo);
              }
              const double attainable = std::min(limits->peak_one_core.gflops,
                                                 bench.intensity() * limits->bandwidth_for(static_cast<std::uint64_t>(bench.bytes)));
              interval = {value / attainable, interval.lo / attainable, interval.hi / attainable};
              value = interval.estimate;
            }
          }
          const bool straddles = interval.straddles(t.full) || interval.straddles(t.zero);
          const double score = curve_score(t, value, g.max_score);
          // The grader probes the cores in its own process, after the
          // student's has ended: student code cannot make the machine look
          // busier or freer than it was.
          if (t.threads > 1) most_cores_free = std::max(most_cores_free, labkit::cores_free(t.threads));
          // Keep the best-scoring measurement: noise and neighbours only ever
          // slow a run down, so the best one is closest to what the code can do.
          if (score >= best_score) {
            best_score = score;
            best = {value, interval, measured, straddles};
          }
          if ((straddles || score < g.max_score - 1e-9) && attempts < 3) {
            // Short of full credit, or the data cannot tell which side of a
            // threshold the truth is on: measure again, longer, before deciding.
            json again;
            if (run_bench_for({&t}, o.repetitions * (attempts + 1), again).empty()) {
              measured = again;
              continue;
            }
          }
          value = best.value;
          interval = best.interval;
          const bool still_straddles = best.straddles;
          g.score = best_score;
          g.status = g.score >= g.max_score - 1e-9 ? "passed" : g.score > 0 ? "partial" : "failed";
          g.output = fmt::format("{} = {} [95% CI {}, {}] (full credit at {}, none at {}; {} measurement{}{})", t.metric,
                                 fmt_value(t, value), fmt_value(t, interval.lo), fmt_value(t, interval.hi),
                                 fmt_value(t, t.full), fmt_value(t, t.zero), attempts, attempts > 1 ? "s" : "",
                                 still_straddles ? ", interval still straddles a threshold" : "");
          g.measurement = {{"metric", t.metric}, {"value", value},
                           {"interval", {{"lo", interval.lo}, {"hi", interval.hi}, {"confidence", 0.95}}},
                           {"attempts", attempts},
                           {"samples_ns", find_bench(best.doc, t, o.impl).value("samples_ns", json::array())}};
          if (t.metric == "speedup")
            g.measurement["baseline_samples_ns"] = find_bench(best.doc, t, t.baseline).value("samples_ns", json::array());
          if (t.threads > 1) {
            g.measurement["threads"] = t.threads;
            g.measurement["cores_free"] = most_cores_free;
            // Short of full credit while a core was taken by something else
            // every time: the score is a lower bound, not a verdict.
            if (g.score < g.max_score - 1e-9 && most_cores_free < labkit::kFreeCoresToJudge * t.threads) {
              g.status = "busy";
              g.output += fmt::format(
                  "\nnot judged: only {:.2f} of the {} cores this task runs on were free in any of its measurements "
                  "(something else was running); this score is a lower bound: regrade on an idle machine",
                  most_cores_free, t.threads);
            }
          }
          break;
        }
      }
      grades.push_back(g);
    }
    lab_reports.push_back(lab_report);
  }

  // 4. Reports.
  double score = 0, max_score = 0, visible_score = 0, visible_max = 0;
  int hidden_pending = 0;
  json regrade = json::array();  // tasks measured only while the machine was busy
  for (const auto& g : grades)
    if (g.status == "busy") regrade.push_back(g.lab + "/" + g.task_id);
  auto shown = [&](const TaskGrade& g) { return g.visibility == "visible" || (g.visibility == "after_due" && past_due); };
  for (const auto& g : grades) {
    score += g.score;
    max_score += g.max_score;
    if (shown(g)) {
      visible_score += g.score;
      visible_max += g.max_score;
    } else {
      ++hidden_pending;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  json tests_json = json::array();
  for (const auto& g : grades) {
    tests_json.push_back({{"name", g.name}, {"score", g.score}, {"max_score", g.max_score}, {"output", g.output},
                          {"visibility", gradescope_visibility(g.visibility)}, {"tags", {g.lab, g.kind}},
                          {"status", g.status == "passed" ? "passed" : "failed"},
                          {"labkit", {{"lab", g.lab}, {"task", g.task_id}, {"kind", g.kind}, {"result", g.status},
                                      {"measurement", g.measurement}}}});
  }
  std::string summary_line = fmt::format("Track '{}', {} implementation: {:.2f} / {:.2f} on visible tasks", track.name,
                                         o.impl, visible_score, visible_max);
  if (hidden_pending) summary_line += fmt::format("; {} hidden task{} pending", hidden_pending, hidden_pending == 1 ? "" : "s");
  if (!regrade.empty())
    summary_line += fmt::format("; {} threaded task{} not judged (cores busy): regrade on an idle machine", regrade.size(),
                                regrade.size() == 1 ? "" : "s");
  json grade = {
      {"score", score},
      {"max_score", max_score},
      {"output", summary_line + (edits.empty() ? "" : fmt::format("\n{} edit(s) to protected files were ignored.", edits.size()))},
      {"visibility", "visible"},
      {"stdout_visibility", "visible"},
      {"execution_time", seconds},
      {"tests", tests_json},
      {"labkit", {{"schema", "labkit.grade/1"},
                  {"track", {{"name", track.name}, {"file", o.track.string()}, {"due", track.due.value_or("")}}},
                  {"impl", o.impl},
                  {"seed", seed},
                  {"commit", commit},
                  {"pristine_base", pristine_base},
                  {"visible_score", visible_score},
                  {"visible_max_score", visible_max},
                  {"hidden_tasks_pending", hidden_pending},
                  {"protected_edits", edits},
                  {"seed_source", o.seed ? "--seed" : "random (fresh for this grade)"},
                  {"base", ref},
                  {"isolation", isolation_note},
                  {"network", box.network},
                  {"filesystem", box.filesystem},
                  {"untrusted_checks", untrusted_checks},
                  {"regrade", regrade},
                  {"labs", lab_reports},
                  {"machine", labkit::to_json(machine)}}}};
  std::ofstream(o.out / "grade.json") << grade.dump(2) << "\n";

  // results.json for Gradescope (ci/gradescope/run_autograder): the score
  // students see is the visible one until the track's due date, so hidden
  // tasks cannot be read off the difference; after it (Gradescope's "Regrade
  // all submissions") the score of record includes every task. Hidden tasks
  // keep Gradescope's own visibility, and nothing of labkit's superset
  // (measurements, per-lab failures) is in it.
  {
    json gs_tests = json::array();
    for (const auto& t : tests_json) {
      json e = t;
      e.erase("labkit");
      gs_tests.push_back(e);
    }
    json results = {
        {"score", past_due ? score : visible_score},
        {"max_score", max_score},
        {"output", summary_line + (past_due ? "" : fmt::format("\nThe score shown is the visible tasks' score{}.",
                                                                hidden_pending ? "; hidden tasks count after the due date" : ""))},
        {"visibility", "visible"},
        {"stdout_visibility", "hidden"},
        {"execution_time", seconds},
        {"tests", gs_tests},
        {"extra_data", {{"labkit_total_score", score}, {"labkit_max_score", max_score}, {"hidden_included", past_due},
                        {"seed", seed}, {"commit", commit}, {"base", ref}, {"isolation", isolation_note},
                        {"protected_edits", edits}, {"untrusted_checks", untrusted_checks}}}};
    std::ofstream(o.out / "results.json") << results.dump(2) << "\n";
  }

  // JUnit: hidden tasks appear as skipped, never as passed.
  {
    std::ofstream x(o.out / "junit.xml");
    x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" << labkit::xml_escape(track.name) << "\">\n";
    for (const auto& tl : track.labs) {
      int n = 0, failures = 0, skipped = 0;
      for (const auto& g : grades)
        if (g.lab == tl.lab.id) {
          ++n;
          if (!shown(g)) ++skipped;
          else if (g.status != "passed") ++failures;
        }
      x << "  <testsuite name=\"" << labkit::xml_escape(tl.lab.id) << "\" tests=\"" << n << "\" failures=\"" << failures
        << "\" errors=\"0\" skipped=\"" << skipped << "\">\n";
      for (const auto& g : grades) {
        if (g.lab != tl.lab.id) continue;
        x << "    <testcase classname=\"" << labkit::xml_escape(g.lab) << "\" name=\"" << labkit::xml_escape(g.task_id)
          << "\">";
        if (!shown(g)) x << "<skipped message=\"hidden task: result pending\"/>";
        else if (g.status != "passed")
          x << "<failure message=\"" << labkit::xml_escape(fmt::format("{:.2f}/{:.2f}", g.score, g.max_score)) << "\">"
            << labkit::xml_escape(g.output) << "</failure>";
        x << "<system-out>" << labkit::xml_escape(shown(g) ? g.output : "hidden") << "</system-out></testcase>\n";
      }
      x << "  </testsuite>\n";
    }
    x << "</testsuites>\n";
  }

  // Markdown summary (a CI job summary) and the terminal table.
  std::ostringstream md;
  md << "# Grade: " << track.name << "\n\n" << summary_line << ".\n\n";
  md << "| lab | task | kind | score | result |\n|---|---|---|---:|---|\n";
  fmt::print("\n{:<14} {:<34} {:<6} {:>13}  {}\n", "lab", "task", "kind", "score", "result");
  for (const auto& g : grades) {
    if (!shown(g)) continue;
    std::string first_line = g.output.substr(0, g.output.find('\n'));
    md << "| " << g.lab << " | " << g.task_id << " | " << g.kind << " | " << fmt::format("{:.2f} / {:.2f}", g.score, g.max_score)
       << " | " << g.status << ": " << std::regex_replace(first_line, std::regex("\\|"), "/") << " |\n";
    fmt::print("{:<14} {:<34} {:<6} {:>13}  {}: {}\n", g.lab, g.task_id, g.kind,
               fmt::format("{:.1f}/{:.1f}", g.score, g.max_score), g.status, first_line.substr(0, 90));
  }
  if (hidden_pending) {
    md << "\n" << hidden_pending << " hidden task" << (hidden_pending == 1 ? "" : "s") << " pending.\n";
    fmt::print("{} hidden task{} pending\n", hidden_pending, hidden_pending == 1 ? "" : "s");
  }
  for (const auto& g : grades)
    if (shown(g) && g.status != "passed" && g.output.find('\n') != std::string::npos)
      md << "\n<details><summary>" << g.lab << " / " << g.task_id << "</summary>\n\n```\n" << g.output << "\n```\n</details>\n";
  if (!edits.empty()) {
    md << "\n## Edits to protected files (ignored)\n\n";
    fmt::print("\n{} edit(s) to protected files were ignored (only student/ folders are graded):\n", edits.size());
    for (const auto& e : edits) {
      md << "- " << e << "\n";
      fmt::print("  {}\n", e);
    }
  }
  md << "\nSeed " << seed << ", commit " << commit.substr(0, 12) << ", " << isolation_note << ", machine "
     << machine.cpu_model << " (" << machine.fingerprint << ").\n";
  std::ofstream(o.out / "summary.md") << md.str();
  fmt::print("\n{}\nwrote {}, {} and {} ({:.0f} s)\n", summary_line, (o.out / "grade.json").string(),
             (o.out / "junit.xml").string(), (o.out / "summary.md").string(), seconds);
  return 0;
}

}  // namespace labctl
