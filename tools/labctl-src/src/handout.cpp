// labctl handout: a student repository for a track, without the answer key.
//
//   labctl handout --track labs/tracks/X.toml --out DIR   writes DIR
//   labctl handout --check DIR                             proves it
//
// The handout is a new git repository with one commit (no history that
// holds the solutions): the course's framework (common/, cmake/, tools/,
// docs/, ...) and each lab of the track, and the labs they use, less what
// the lab's lab.toml withholds. A lab whose reference/ is withheld gets its
// compiled reference instead (prebuilt/lib<id>_reference.a, built here from
// the course's build tree), which add_lab() links in place of the sources:
// the reference tests and the bench's reference row still run.
#include "handout.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

#include "commands.hpp"
#include "process.hpp"
#include "results.hpp"
#include "track.hpp"

namespace labctl {

namespace {

// Text files are compared line by line; a file with a NUL byte (the
// prebuilt library, an image) is not text.
bool is_text(const std::string& content) { return content.find('\0') == std::string::npos; }

// The files of a tree, relative and '/'-separated: in a git checkout the
// files git tracks, as the working tree has them (an untracked draft of a
// solution never slips into a handout), else every file outside build/,
// out/ and .git/.
std::vector<std::string> tree_files(const fs::path& root) {
  std::vector<std::string> files;
  if (fs::exists(root / ".git")) {
    const auto r = run_process({"git", "-C", root.string(), "ls-files", "-z", "--cached"});
    if (!r.ok()) throw std::runtime_error("git ls-files in " + root.string() + " failed: " + r.output);
    std::string name;
    for (char ch : r.output) {
      if (ch != '\0') {
        name += ch;
        continue;
      }
      if (fs::is_regular_file(root / name)) files.push_back(name);  // not a deleted file, not a submodule
      name.clear();
    }
  } else {
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
      const std::string rel = fs::relative(it->path(), root).generic_string();
      if (rel == "build" || rel == "out" || rel == ".git") {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file()) files.push_back(rel);
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

// The lab folder (relative to root, with a trailing '/') of each lab.
std::map<std::string, const Lab*> lab_folders(const std::vector<Lab>& labs, const fs::path& root) {
  std::map<std::string, const Lab*> folders;
  for (const auto& lab : labs) folders[fs::relative(lab.dir, root).generic_string() + "/"] = &lab;
  return folders;
}

// The lab holding `rel` and `rel` inside its folder; {nullptr, ""} outside every lab.
std::pair<const Lab*, std::string> lab_of(const std::map<std::string, const Lab*>& folders, const std::string& rel) {
  for (const auto& [folder, lab] : folders)
    if (rel.rfind(folder, 0) == 0) return {lab, rel.substr(folder.size())};
  return {nullptr, ""};
}

// How a lab is built, which decides what its compiled reference is: a C++
// static library (add_lab), the Verilated reference model with its headers
// (add_hdl_lab), or the CUDA kernels with ptxas's report on each (add_cuda_lab).
enum class LabBuild { cpp, hdl, cuda };
LabBuild lab_build(const Lab& lab) {
  const std::string lists = read_text(lab.dir / "CMakeLists.txt");
  if (lists.find("add_cuda_lab(") != std::string::npos) return LabBuild::cuda;
  if (lists.find("add_hdl_lab(") != std::string::npos) return LabBuild::hdl;
  return LabBuild::cpp;
}

// Whether the lab keeps back its reference/ sources (a folder entry covering
// them: any file under reference/ stands for all of them).
bool withholds_reference_sources(const Lab& lab) { return withheld(lab, "reference/any.cpp"); }

std::string library_name(const Lab& lab) { return "lib" + lab.id + "_reference.a"; }

RunResult run_or_throw(const std::vector<std::string>& argv, const std::string& what) {
  RunOptions o;
  o.timeout_s = 1800;
  RunResult r = run_process(argv, o);
  if (!r.ok()) throw std::runtime_error(what + " failed (" + r.describe() + "):\n" + tail_lines(r.output, 25));
  return r;
}

// The track's labs and, transitively, the labs they use (tiny-nn links
// sgemm's reference): a handout must build.
std::vector<const Lab*> handout_labs(const Track& track, const std::vector<Lab>& all) {
  std::map<std::string, const Lab*> by_id;
  for (const auto& l : all) by_id[l.id] = &l;
  std::vector<const Lab*> chosen;
  std::vector<std::string> todo;
  for (const auto& tl : track.labs) todo.push_back(tl.lab.id);
  while (!todo.empty()) {
    const std::string id = todo.back();
    todo.pop_back();
    const Lab* lab = by_id.at(id);
    if (std::find(chosen.begin(), chosen.end(), lab) != chosen.end()) continue;
    chosen.push_back(lab);
    for (const auto& u : lab->uses) todo.push_back(u);
  }
  std::sort(chosen.begin(), chosen.end(), [](const Lab* a, const Lab* b) { return a->id < b->id; });
  return chosen;
}

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// The compiled references come from the build tree labctl runs from: it
// must be a build of the course being handed out (--root may name another).
void check_build_is_of(const Context& c) {
  std::ifstream cache(c.build_dir / "CMakeCache.txt");
  std::string line, source;
  const std::string key = "CMAKE_HOME_DIRECTORY:INTERNAL=";
  while (std::getline(cache, line))
    if (line.rfind(key, 0) == 0) source = line.substr(key.size());
  if (source.empty() || fs::weakly_canonical(source) != fs::weakly_canonical(c.root))
    throw UsageError("the compiled references are built in " + c.build_dir.string() + ", which is a build of " +
                     (source.empty() ? std::string("no CMake source tree") : source) + ", not of the course " +
                     c.root.string() + "\n  fix: run the labctl of that course's build (tools/labctl build first), "
                     "or pass --no-reference-binaries");
}

// A CUDA lab's compiled reference carries no report of its kernels'
// registers and shared memory (ptxas printed it while compiling each .cu,
// into <object>.resource-usage.txt): ship those reports, joined, beside the
// library, for add_cuda_lab()'s resource table and the bench's occupancy.
void ship_kernel_resource_usage(const Context& c, const Lab& lab, const fs::path& dest) {
  const fs::path objects = c.build_dir / fs::relative(lab.dir, c.root) / "CMakeFiles" / (lab.id + "_reference.dir");
  std::vector<fs::path> reports;
  if (fs::is_directory(objects))
    for (const auto& e : fs::recursive_directory_iterator(objects))
      if (e.is_regular_file() && e.path().string().ends_with(".cu.o.resource-usage.txt")) reports.push_back(e.path());
  if (reports.empty())
    throw std::runtime_error("no ptxas resource report (*.cu.o.resource-usage.txt) under " + objects.string() +
                             " after building " + lab.id + "_reference");
  std::sort(reports.begin(), reports.end());
  std::string joined;
  for (const auto& r : reports) joined += read_text(r);
  write_file(dest / ("lib" + lab.id + "_reference.resource-usage.txt"), joined);
}

// An HDL lab's compiled reference: the Verilated model of each top (the
// first top's library is already in `dest`; a second top's is
// lib<id>_reference_<top>.a), the header of each model's class, which the
// testbenches include, and the Verilator version the models need
// (add_hdl_lab() in cmake/AddHdlLab.cmake reads all three).
void ship_verilated_reference(const Context& c, const Lab& lab, const fs::path& dest) {
  const std::string prefix = "lib" + lab.id + "_reference_";
  for (const auto& entry : fs::directory_iterator(c.build_dir / "lib")) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && entry.path().extension() == ".a") fs::copy_file(entry.path(), dest / name);
  }
  const fs::path verilated = c.build_dir / fs::relative(lab.dir, c.root) / "verilated";
  int headers = 0;
  if (fs::is_directory(verilated))
    for (const auto& model : fs::directory_iterator(verilated)) {
      const std::string name = model.path().filename().string();  // V<top>_reference
      const std::string suffix = "_reference";
      if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
      const fs::path header = model.path() / (name + ".h");
      if (!fs::exists(header)) continue;
      fs::create_directories(dest / "include");
      fs::copy_file(header, dest / "include" / (name + ".h"));
      ++headers;
    }
  if (headers == 0)
    throw std::runtime_error("no Verilated reference header (V<top>_reference.h) under " + verilated.string() +
                             " after building " + lab.id + "_reference");
  const RunResult version = run_or_throw({"verilator", "--version"}, "verilator --version");
  std::istringstream words(version.output);
  std::string word, number;
  words >> word >> number;  // "Verilator 5.006 2023-01-22 ..."
  write_file(dest / "verilator-version.txt", number + "\n");
  write_file(dest / "README.md",
             fmt::format("# {}'s compiled reference\n\n"
                         "`{}` is the instructor's reference design of this lab, Verilated and compiled (from course "
                         "commit {}) by `labctl handout`; include/ holds the header of its model class. The RTL is not "
                         "in this repository. add_hdl_lab() links the model as `{}_reference`, so the reference "
                         "testbenches (and the bench, where the lab has one) run beside yours. It is an x86-64 Linux "
                         "static library made with Verilator {} (verilator-version.txt): a different Verilator "
                         "cannot link it, and the build then says so and leaves the reference out. Edit only "
                         "student/.\n",
                         lab.id, library_name(lab), c.git_revision(), lab.id, number));
}

}  // namespace

// ---------------------------------------------------------------- the withheld-line check

std::string normalized_line(const std::string& line) {
  const auto first = line.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const auto last = line.find_last_not_of(" \t\r");
  std::string s = line.substr(first, last - first + 1);
  if (std::none_of(s.begin(), s.end(), [](unsigned char ch) { return std::isalnum(ch); })) return "";
  return s;
}

namespace {
template <class F>
void for_each_line(const std::string& text, F f) {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) f(++n, normalized_line(line));
}
}  // namespace

std::set<std::string> secret_lines(const std::vector<std::string>& withheld_texts, const std::vector<std::string>& kept_texts) {
  std::set<std::string> secrets;
  for (const auto& t : withheld_texts)
    for_each_line(t, [&](int, const std::string& l) {
      if (!l.empty()) secrets.insert(l);
    });
  for (const auto& t : kept_texts) for_each_line(t, [&](int, const std::string& l) { secrets.erase(l); });
  return secrets;
}

std::vector<std::string> leaked_lines(const std::set<std::string>& secrets, const std::string& text) {
  std::vector<std::string> leaks;
  for_each_line(text, [&](int n, const std::string& l) {
    if (!l.empty() && secrets.count(l)) leaks.push_back(fmt::format("{}: {}", n, l));
  });
  return leaks;
}

// ---------------------------------------------------------------- labctl handout

int cmd_handout(const Context& c, const HandoutOptions& o) {
  const std::vector<Lab> all = c.labs();
  const Track track = parse_track(o.track, all, c.root);
  const fs::path out = fs::absolute(o.out);
  if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out)))
    throw UsageError("--out " + out.string() + " exists and is not empty: give a new folder for the handout");
  if (out.lexically_normal().string().rfind(c.root.lexically_normal().string() + "/", 0) == 0 &&
      out.lexically_normal().string().rfind((c.root / "build").lexically_normal().string() + "/", 0) != 0)
    throw UsageError("--out " + out.string() + " is inside the course repository: write the handout outside it "
                     "(or under build/), so the course's files and the handout's stay apart");

  const std::vector<const Lab*> labs = handout_labs(track, all);

  // 1. The course's files, less the labs outside the handout and what each lab withholds.
  std::set<const Lab*> chosen(labs.begin(), labs.end());
  const auto folders = lab_folders(all, c.root);
  std::map<std::string, int> withheld_count;
  int copied = 0;
  fs::create_directories(out);
  for (const auto& rel : tree_files(c.root)) {
    const auto [lab, inside] = lab_of(folders, rel);
    if (lab && !chosen.count(lab)) continue;
    if (lab && (withheld(*lab, inside) || inside.rfind("prebuilt/", 0) == 0)) {
      ++withheld_count[lab->id];
      continue;
    }
    fs::create_directories((out / rel).parent_path());
    fs::copy_file(c.root / rel, out / rel);
    ++copied;
  }

  // 2. The compiled reference of each lab whose reference/ sources stay behind.
  if (o.reference_binaries) check_build_is_of(c);
  const std::string commit = c.git_revision();
  std::vector<std::string> prebuilt;
  for (const Lab* lab : labs) {
    if (!o.reference_binaries || !withholds_reference_sources(*lab)) continue;
    fmt::print("labctl: building {}_reference in {}\n", lab->id, c.build_dir.string());
    run_or_throw({"cmake", "--build", c.build_dir.string(), "--target", lab->id + "_reference"},
                 "building " + lab->id + "_reference (is the lab available in " + c.build_dir.string() + "?)");
    const fs::path library = c.build_dir / "lib" / library_name(*lab);
    if (!fs::exists(library)) throw std::runtime_error(library.string() + " is missing after building it");
    const fs::path dest = out / fs::relative(lab->dir, c.root) / "prebuilt";
    fs::create_directories(dest);
    fs::copy_file(library, dest / library_name(*lab));
    if (lab_build(*lab) == LabBuild::hdl) {
      ship_verilated_reference(c, *lab, dest);
      prebuilt.push_back(lab->id);
      continue;
    }
    if (lab_build(*lab) == LabBuild::cuda) ship_kernel_resource_usage(c, *lab, dest);
    write_file(dest / "README.md",
               fmt::format("# {}'s compiled reference\n\n"
                           "`{}` is the instructor's reference solution of this lab, compiled (from course commit "
                           "{}) and placed here by `labctl handout`; its sources are not in this repository.\n"
                           "add_lab() links it as `{}_reference`, so the reference tests run and `labctl bench {}` "
                           "times the reference row beside yours. It is an x86-64 Linux static library, built with "
                           "the course's compiler: rebuild nothing here, edit only student/.\n",
                           lab->id, library_name(*lab), commit, lab->id, lab->id));
    prebuilt.push_back(lab->id);
  }

  // 3. What the handout is, for the learner who opens it.
  std::string lab_lines;
  for (const Lab* lab : labs) {
    const bool compiled = std::find(prebuilt.begin(), prebuilt.end(), lab->id) != prebuilt.end();
    lab_lines += fmt::format("- `{}` ({}): the reference is {}\n", lab->id, fs::relative(lab->dir, c.root).generic_string(),
                             compiled ? "a compiled library in prebuilt/"
                                      : withholds_reference_sources(*lab) ? "not included (no reference row in the bench)"
                                                                          : "included");
  }
  write_file(out / "HANDOUT.md",
             fmt::format("# Handout: {}\n\n"
                         "This repository is the student handout of the track `{}` ({}), made by `labctl handout` "
                         "from course commit {}. It holds the framework and these labs, without their answer keys "
                         "(the reference sources and the hidden tests):\n\n{}\n"
                         "Start with README.md and `tools/labctl test <lab>`: the tests point at the TODOs in each "
                         "lab's student/ folder, which is what you edit and what is graded.\n",
                         track.name, track.name, fs::relative(track.file, c.root).generic_string(), commit, lab_lines));

  // 4. One commit, so that no history holds what was withheld.
  const std::string outs = out.string();
  run_or_throw({"git", "-C", outs, "init", "-q"}, "git init");
  run_or_throw({"git", "-C", outs, "add", "-A", "-f"}, "git add");
  run_or_throw({"git", "-C", outs, "-c", "user.name=labctl handout", "-c", "user.email=handout@labctl.invalid", "commit",
                "-q", "-m", fmt::format("Handout of track {} (course commit {})", track.name, commit)},
               "git commit");

  fmt::print("labctl: wrote the handout of track '{}' to {}: {} files, {} labs\n", track.name, outs, copied + 1, labs.size());
  for (const Lab* lab : labs)
    fmt::print("  {:<16} withheld {} file(s){}\n", lab->id, withheld_count[lab->id],
               std::find(prebuilt.begin(), prebuilt.end(), lab->id) != prebuilt.end() ? "; reference compiled into prebuilt/"
                                                                                       : "");
  fmt::print("next: labctl handout --check {}\n", outs);
  return 0;
}

// ---------------------------------------------------------------- labctl handout --check

namespace {

// No file the course withholds, and no line found only in one.
std::vector<std::string> check_no_withheld(const Context& c, const fs::path& handout) {
  const std::vector<Lab> all = c.labs();
  const auto folders = lab_folders(all, c.root);
  std::vector<std::string> withheld_texts, kept_texts;
  for (const auto& rel : tree_files(c.root)) {
    std::string text = read_text(c.root / rel);
    if (!is_text(text)) continue;
    const auto [lab, inside] = lab_of(folders, rel);
    (lab && withheld(*lab, inside) ? withheld_texts : kept_texts).push_back(std::move(text));
  }
  const std::set<std::string> secrets = secret_lines(withheld_texts, kept_texts);

  std::vector<std::string> problems;
  for (const auto& rel : tree_files(handout)) {
    if (const auto [lab, inside] = lab_of(folders, rel); lab && withheld(*lab, inside)) {
      problems.push_back(rel + ": a file the course withholds (" + lab->id + "'s lab.toml, [handout] withhold)");
      continue;
    }
    const std::string text = read_text(handout / rel);
    if (!is_text(text)) continue;
    for (const auto& leak : leaked_lines(secrets, text)) problems.push_back(rel + ":" + leak);
  }
  return problems;
}

}  // namespace

int cmd_handout_check(const Context& c, const fs::path& handout_arg, const fs::path& work_arg) {
  const fs::path handout = fs::weakly_canonical(handout_arg);
  if (!fs::exists(handout / ".git")) throw UsageError(handout.string() + " is not a git repository made by labctl handout");
  bool ok = true;
  auto step = [&](bool passed, const std::string& what) {
    fmt::print("  [{}] {}\n", passed ? "ok" : "FAIL", what);
    ok = ok && passed;
  };
  fmt::print("labctl: checking the handout {}\n", handout.string());

  // 1. Nothing of the answer key.
  const auto problems = check_no_withheld(c, handout);
  step(problems.empty(), problems.empty() ? "no withheld file and no line found only in a withheld file of the course"
                                          : fmt::format("{} withheld line(s) or file(s):", problems.size()));
  for (std::size_t i = 0; i < problems.size() && i < 20; ++i) fmt::print("        {}\n", problems[i]);
  if (!problems.empty()) {
    fmt::print("labctl: the handout FAILS the check: it holds part of the answer key; make it again with "
               "labctl handout, or remove those lines and commit\n");
    return 1;
  }

  // 2. A fresh clone configures and builds, two levels deep like
  //    build/<preset>, so ccache's base_dir reuses the course's cache entries.
  //    CUDA and Verilator are on only where a lab needs them (systolic-
  //    array's RTL part otherwise reports itself unavailable).
  const fs::path work = work_arg.empty() ? c.build_dir / "handout-check" : fs::absolute(work_arg);
  const fs::path clone = work / "handout";
  const fs::path build = clone / "build" / "check";
  fs::remove_all(clone);
  fs::create_directories(work);
  run_or_throw({"git", "clone", "-q", handout.string(), clone.string()}, "git clone of the handout");
  const std::vector<Lab> labs = discover_labs(clone);
  auto has = [&](LabBuild kind) {
    return std::any_of(labs.begin(), labs.end(), [&](const Lab& l) { return lab_build(l) == kind; });
  };
  RunOptions quiet;
  quiet.timeout_s = 1800;
  const RunResult configured = run_process({"cmake", "-S", clone.string(), "-B", build.string(), "-G", "Ninja",
                                            "-DCMAKE_BUILD_TYPE=Release", "-DLABS_BUILD_TESTS=ON",
                                            "-DLABS_ALLOW_FETCH=OFF",
                                            has(LabBuild::cuda) ? "-DLABS_ENABLE_CUDA=ON" : "-DLABS_ENABLE_CUDA=OFF",
                                            has(LabBuild::hdl) ? "-DLABS_ENABLE_VERILATOR=ON" : "-DLABS_ENABLE_VERILATOR=OFF"},
                                           quiet);
  step(configured.ok(), "a fresh clone configures");
  if (!configured.ok()) {
    fmt::print("{}\n", tail_lines(configured.output, 20));
    return 1;
  }
  // Only the targets this configure made (an HDL lab may have no bench).
  const RunResult listed = run_process({"cmake", "--build", build.string(), "--target", "help"}, quiet);
  auto has_target = [&](const std::string& t) { return listed.output.find("\n" + t + ":") != std::string::npos; };
  std::vector<std::string> argv = {"cmake", "--build", build.string()};
  for (const auto& lab : labs) {
    argv.insert(argv.end(), {"--target", lab.id + "_test_student"});
    if (fs::exists(lab.dir / "prebuilt" / library_name(lab)))
      for (const auto& t : {lab.id + "_test_reference", lab.id + "_bench"})
        if (has_target(t)) argv.insert(argv.end(), {"--target", t});
  }
  const RunResult built = run_process(argv, quiet);
  step(built.ok(), "every lab's tests and bench build");
  if (!built.ok()) {
    fmt::print("{}\n", tail_lines(built.output, 25));
    return 1;
  }

  // 3. The untouched starter fails and points at a TODO; the compiled
  //    reference passes the tests the handout has.
  for (const auto& lab : labs) {
    RunOptions o;
    o.timeout_s = 300;
    const auto student = run_process({(build / "bin" / (lab.id + "_test_student")).string(), "--gtest_brief=1"}, o);
    step(!student.ok() && student.output.find("TODO(") != std::string::npos,
         lab.id + ": the untouched starter fails its tests and points at a TODO");
    if (!fs::exists(lab.dir / "prebuilt" / library_name(lab))) {
      fmt::print("  [--] {}: no compiled reference (a handout made with --no-reference-binaries): no reference "
                 "tests and no bench to check\n", lab.id);
    } else {
      const auto reference = run_process({(build / "bin" / (lab.id + "_test_reference")).string(), "--gtest_brief=1"}, o);
      step(reference.ok(), lab.id + ": the compiled reference (prebuilt/) passes the handout's tests");
      if (!reference.ok()) fmt::print("{}\n", tail_lines(reference.output, 15));
      if (!has_target(lab.id + "_bench")) {
        fmt::print("  [--] {}: the lab has no bench\n", lab.id);
        continue;
      }
      // labctl bench's reference row, at tiny sizes: the harness checks every
      // row's answer before it times it.
      const fs::path smoke = work / (lab.id + "-bench-smoke.json");
      fs::remove(smoke);
      const auto bench = run_process({(build / "bin" / (lab.id + "_bench")).string(), "--smoke", "--out", smoke.string()}, o);
      // A timed row, or, for a bench of deterministic counts (the HDL
      // labs' cycles per operation), a counted one.
      bool timed = false, counted = false;
      if (bench.ok() && fs::exists(smoke)) {
        const auto results = nlohmann::json::parse(read_text(smoke), nullptr, /*allow_exceptions=*/false);
        auto reference_ok = [&](const char* list) {
          bool any = false;
          if (results.is_object() && results.contains(list) && results[list].is_array())
            for (const auto& b : results[list]) any |= b.value("impl", "") == "reference" && b.value("status", "") == "ok";
          return any;
        };
        timed = reference_ok("benchmarks");
        counted = reference_ok("counts");
      }
      const bool reference_row = timed || counted;
      step(reference_row, lab.id + (timed || !counted ? ": the bench times the reference row (--smoke)"
                                                      : ": the bench counts the reference row (--smoke)"));
      if (!reference_row) fmt::print("{}\n", tail_lines(bench.output, 15));
    }
  }
  fmt::print("labctl: the handout {} the check\n", ok ? "passes" : "FAILS");
  return ok ? 0 : 1;
}

}  // namespace labctl
