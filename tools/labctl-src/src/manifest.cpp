#include "manifest.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <toml++/toml.h>

namespace labctl {

FileError::FileError(const fs::path& f, int l, const std::string& what, const std::string& fix)
    : std::runtime_error(f.string() + (l > 0 ? ":" + std::to_string(l) : "") + ": " + what +
                         (fix.empty() ? "" : "\n  fix: " + fix)),
      file(f),
      line(l) {}

const std::vector<Phase>& phases() {
  static const std::vector<Phase> list = {
      {1, "01-foundations", "Foundations: C++, parallel computing, digital design, CUDA"},
      {2, "02-architecture", "Computer architecture and systems"},
      {3, "03-ml-systems", "Neural networks, frameworks and edge AI"},
      {4, "04-inference", "FPGA development, deep-learning inference optimization and compilers"},
      {5, "05-chip-design", "AI chip design and GPU infrastructure"},
  };
  return list;
}

namespace {

const std::set<std::string> kKnownKeys = {"id", "title", "phase", "module", "layers", "requires", "uses",
                                          "packages", "summary", "targets", "tasks", "grading", "handout",
                                          "synth"};
const std::set<std::string> kTaskKeys = {"id", "name", "kind", "filter", "partial", "metric", "case", "size",
                                         "baseline", "full", "zero", "curve", "points", "visibility", "threads",
                                         "design"};
const std::set<std::string> kMetrics = {"speedup", "gflops", "gbs", "roofline_fraction"};
}  // namespace

std::optional<Metric> parse_metric(std::string_view name) {
  if (name == "speedup") return Metric::speedup;
  if (name == "gflops") return Metric::gflops;
  if (name == "gbs") return Metric::gbs;
  if (name == "roofline_fraction") return Metric::roofline_fraction;
  return std::nullopt;
}

std::string_view metric_name(Metric m) {
  switch (m) {
    case Metric::speedup: return "speedup";
    case Metric::gflops: return "gflops";
    case Metric::gbs: return "gbs";
    case Metric::roofline_fraction: return "roofline_fraction";
  }
  return "?";
}

namespace {
const std::set<std::string> kFeatures = {"Verilator", "CUDA", "Eigen3", "TBB", "OpenMP", "MPI"};

int line_of(const toml::node* n) { return n ? static_cast<int>(n->source().begin.line) : 0; }

// `threads` of a target or a task: how many threads the measured code runs on.
int read_threads(const fs::path& path, const toml::node& n, const std::string& what) {
  if (!n.is_integer() || n.as_integer()->get() < 1)
    throw FileError(path, line_of(&n), "'threads' must be a whole number of at least 1",
                    "write threads = 2 for a " + what + " whose code runs on two threads");
  return static_cast<int>(n.as_integer()->get());
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out;
}

}  // namespace

namespace {

// id, title, module, summary and phase, each checked against the folder.
void read_identity(const fs::path& path, const toml::table& t, Lab& lab) {
  auto require_string = [&](const char* key, std::string& out, const char* example) {
    const auto* n = t.get(key);
    if (!n) throw FileError(path, 0, std::string("missing required key '") + key + "'", std::string("add ") + example);
    if (!n->is_string() || n->as_string()->get().empty())
      throw FileError(path, line_of(n), std::string("'") + key + "' must be a non-empty string", std::string("write ") + example);
    out = n->as_string()->get();
  };
  require_string("id", lab.id, "id = \"my-lab\"");
  require_string("title", lab.title, "title = \"What the lab builds\"");
  require_string("module", lab.module, "module = \"C++ and Parallel Computing\"");
  if (const auto* n = t.get("summary"); n && n->is_string()) lab.summary = n->as_string()->get();

  if (!std::regex_match(lab.id, std::regex("[a-z][a-z0-9-]*")))
    throw FileError(path, line_of(t.get("id")), "id '" + lab.id + "' may use only a-z, 0-9 and '-'",
                    "rename it, e.g. id = \"simd-dot\"");
  if (lab.id != lab.dir.filename().string())
    throw FileError(path, line_of(t.get("id")),
                    "id '" + lab.id + "' differs from the folder name '" + lab.dir.filename().string() + "'",
                    "make them the same");

  const auto* phase = t.get("phase");
  if (!phase) throw FileError(path, 0, "missing required key 'phase'", "add phase = 1 (a number 1-5)");
  if (!phase->is_integer() || phase->as_integer()->get() < 1 || phase->as_integer()->get() > 5)
    throw FileError(path, line_of(phase), "'phase' must be an integer from 1 to 5", "write e.g. phase = 1");
  lab.phase = static_cast<int>(phase->as_integer()->get());
  // A phase may have several folders (05-chip-design, 05-gpu-infra): the
  // folder's number is what must agree, as the build checks it.
  const auto& expected_dir = phases()[static_cast<std::size_t>(lab.phase - 1)].dir;
  if (lab.phase_dir.substr(0, 3) != std::string(expected_dir).substr(0, 3))
    throw FileError(path, line_of(phase),
                    "phase = " + std::to_string(lab.phase) + " but the lab sits in phases/" + lab.phase_dir,
                    std::string("move the lab to phases/") + expected_dir + " or fix 'phase'");

}

// layers, requires and uses.
void read_requirements(const fs::path& path, const toml::table& t, Lab& lab) {
  const auto* layers = t.get("layers");
  if (!layers || !layers->is_array() || layers->as_array()->empty())
    throw FileError(path, line_of(layers), "'layers' must be a non-empty array of stack layers",
                    "write e.g. layers = [\"L3\", \"L4\"] (see docs/stack.md)");
  for (const auto& l : *layers->as_array()) {
    const auto s = l.value<std::string>();
    if (!s || !std::regex_match(*s, std::regex("L[1-8]")))
      throw FileError(path, line_of(&l), "layer must be one of \"L1\" .. \"L8\"", "see docs/stack.md for the layers");
    lab.layers.push_back(*s);
  }
  if (const auto* req = t.get("requires")) {
    if (!req->is_array()) throw FileError(path, line_of(req), "'requires' must be an array", "write requires = [\"Eigen3\"]");
    for (const auto& r : *req->as_array()) {
      const auto s = r.value<std::string>();
      if (!s || !kFeatures.count(*s))
        throw FileError(path, line_of(&r), "unknown requirement", "use names from the configure summary: " + join(kFeatures));
      if (std::find(lab.requires_features.begin(), lab.requires_features.end(), *s) != lab.requires_features.end())
        throw FileError(path, line_of(&r), "'" + *s + "' is listed twice in 'requires'", "list it once");
      lab.requires_features.push_back(*s);
    }
  }
  // Debian packages the lab's tests use beyond the build's (valgrind for
  // cache-sim's cachegrind check): tools/labctl installs them with the rest.
  if (const auto* packages = t.get("packages")) {
    if (!packages->is_array())
      throw FileError(path, line_of(packages), "'packages' must be an array of Debian package names",
                      "write packages = [\"valgrind\"]");
    for (const auto& p : *packages->as_array()) {
      const auto s = p.value<std::string>();
      if (!s || !std::regex_match(*s, std::regex("[a-z0-9][a-z0-9+.-]+")))
        throw FileError(path, line_of(&p), "'packages' lists Debian package names (a-z, 0-9, '+', '.', '-'), in double quotes",
                        "write packages = [\"valgrind\"]");
      lab.packages.push_back(*s);
    }
  }
  // The build reads requires and uses too (cmake/LabManifest.cmake), and
  // tools/labctl reads packages, each only as an array on one line: say so
  // here rather than at configure.
  for (const char* key : {"requires", "uses", "packages"}) {
    const auto* n = t.get(key);
    if (n && n->is_array() && !n->as_array()->empty() &&
        n->as_array()->back().source().begin.line != n->source().begin.line)
      throw FileError(path, line_of(n), std::string("'") + key + "' spans several lines",
                      std::string("write it on one line, e.g. ") + key + " = [\"a\", \"b\"]: the build reads it line by line");
  }
  if (const auto* uses = t.get("uses")) {
    lab.uses_line = line_of(uses);
    if (!uses->is_array())
      throw FileError(path, line_of(uses), "'uses' must be an array of lab ids", "write uses = [\"sgemm\"]");
    for (const auto& u : *uses->as_array()) {
      const auto s = u.value<std::string>();
      if (!s || !std::regex_match(*s, std::regex("[a-z][a-z0-9-]*")))
        throw FileError(path, line_of(&u), "'uses' lists lab ids: a-z, 0-9 and '-', in double quotes",
                        "write uses = [\"sgemm\"]");
      if (*s == lab.id) throw FileError(path, line_of(&u), "the lab uses itself", "list only other labs in 'uses'");
      if (std::find(lab.uses.begin(), lab.uses.end(), *s) != lab.uses.end())
        throw FileError(path, line_of(&u), "'" + *s + "' is listed twice in 'uses'", "list it once");
      lab.uses.push_back(*s);
    }
  }
}

// One [[targets]] entry.
Target read_target(const fs::path& path, const toml::node& node) {
  const auto& tt = *node.as_table();
  Target tg;
  tg.line = line_of(&node);
  const int line = tg.line;
  auto str = [&](const char* key, bool required) {
    const auto* n = tt.get(key);
    if (!n) {
      if (required) throw FileError(path, line, std::string("target is missing '") + key + "'", "see docs/authoring.md, section Targets");
      return std::string();
    }
    if (!n->is_string()) throw FileError(path, line_of(n), std::string("'") + key + "' must be a string", "quote it");
    return n->as_string()->get();
  };
  tg.name = str("name", true);
  const std::string metric = str("metric", true);
  tg.kase = str("case", true);
  tg.baseline = str("baseline", false);
  if (const auto m = parse_metric(metric)) tg.metric = *m;
  else throw FileError(path, line_of(tt.get("metric")), "unknown metric '" + metric + "'", "use one of: " + join(kMetrics));
  if (tg.metric == Metric::speedup && tg.baseline.empty())
    throw FileError(path, line, "a speedup target needs 'baseline'", "add baseline = \"scalar\" (an implementation in the bench)");
  const auto* size = tt.get("size");
  if (!size || !size->is_integer() || size->as_integer()->get() < 0)
    throw FileError(path, line_of(size ? size : &node), "target needs an integer 'size'", "add size = 4096 (a size the bench runs)");
  tg.size = size->as_integer()->get();
  const auto* at_least = tt.get("at_least");
  if (!at_least || !(at_least->is_number()))
    throw FileError(path, line_of(at_least ? at_least : &node), "target needs a number 'at_least'", "add at_least = 2.0");
  tg.at_least = at_least->value<double>().value();
  if (const auto* threads = tt.get("threads")) tg.threads = read_threads(path, *threads, "target");
  if (const auto* impls = tt.get("impl")) {
    if (!impls->is_array()) throw FileError(path, line_of(impls), "'impl' must be an array", "write impl = [\"reference\", \"student\"]");
    for (const auto& i : *impls->as_array()) tg.impls.push_back(i.value<std::string>().value_or(""));
  } else {
    tg.impls = {"reference", "student"};
  }
  return tg;
}

// [[targets]], [grading] and [[tasks]].
void read_goals(const fs::path& path, const toml::table& t, Lab& lab) {
  if (const auto* targets = t.get("targets")) {
    if (!targets->is_array_of_tables())
      throw FileError(path, line_of(targets), "'targets' must be an array of tables", "write each as [[targets]]");
    for (const auto& node : *targets->as_array()) lab.targets.push_back(read_target(path, node));
  }
  if (const auto* grading = t.get("grading")) {
    if (!grading->is_table()) throw FileError(path, line_of(grading), "'grading' must be a table", "write [grading]");
    for (const auto& [key, node] : *grading->as_table()) {
      const std::string k(key.str());
      if ((k != "time_limit_s" && k != "memory_limit_mb") || !node.is_number())
        throw FileError(path, line_of(&node), "unknown or non-numeric [grading] key '" + k + "'",
                        "use time_limit_s = 120 and memory_limit_mb = 4096");
      (k == "time_limit_s" ? lab.time_limit_s : lab.memory_limit_mb) = node.value<double>().value();
    }
  }
  if (const auto* tasks = t.get("tasks")) {
    if (!tasks->is_array_of_tables())
      throw FileError(path, line_of(tasks), "'tasks' must be an array of tables", "write each as [[tasks]]");
    std::set<std::string> ids;
    for (const auto& node : *tasks->as_array()) {
      Task task = parse_task(path, *node.as_table(), line_of(&node));
      if (!ids.insert(task.id).second)
        throw FileError(path, task.line, "a second task with id '" + task.id + "'", "task ids must be unique within a lab");
      validate_task(path, task);
      lab.tasks.push_back(task);
    }
  }
}

// [handout]: withhold = ["reference/", "tests/hidden/"] (the default).
void read_handout(const fs::path& path, const toml::table& t, Lab& lab) {
  const auto* handout = t.get("handout");
  if (!handout) return;
  if (!handout->is_table()) throw FileError(path, line_of(handout), "'handout' must be a table", "write [handout]");
  for (const auto& [key, node] : *handout->as_table())
    if (key.str() != "withhold")
      throw FileError(path, line_of(&node), "unknown [handout] key '" + std::string(key.str()) + "'",
                      "[handout] takes only withhold = [\"reference/\", \"tests/hidden/\"]");
  const auto* withhold = handout->as_table()->get("withhold");
  if (!withhold) return;
  lab.withhold_line = line_of(withhold);
  if (!withhold->is_array())
    throw FileError(path, line_of(withhold), "'withhold' must be an array of paths in the lab folder",
                    "write withhold = [\"reference/\", \"tests/hidden/\"]");
  lab.withhold.clear();
  for (const auto& w : *withhold->as_array()) {
    const auto s = w.value<std::string>();
    const std::string fix = "name a folder (ending in '/') or a file inside the lab folder, e.g. \"reference/\"";
    if (!s || s->empty() || s->front() == '/' || s->front() == '.' || s->find("..") != std::string::npos || s->find('\\') != std::string::npos)
      throw FileError(path, line_of(&w), "withhold entries are relative paths inside the lab folder", fix);
    // What the handout must keep to build and to be worked on: an entry may
    // not cover one of these, nor lie inside a kept folder.
    for (const std::string kept : {"student/", "include/", "lab.toml", "CMakeLists.txt", "README.md"}) {
      const bool covers = s->back() == '/' ? kept.rfind(*s, 0) == 0 : *s == kept;
      const bool inside = kept.back() == '/' && s->rfind(kept, 0) == 0;
      if (covers || inside)
        throw FileError(path, line_of(&w), "withhold = \"" + *s + "\" would take " + kept + " out of the handout",
                        "the handout needs student/, include/, lab.toml, CMakeLists.txt and README.md; withhold only "
                        "the answer key (reference/, tests/hidden/, a solution file)");
    }
    lab.withhold.push_back(*s);
  }
}

}  // namespace

bool withheld(const Lab& lab, const std::string& rel) {
  for (const auto& w : lab.withhold) {
    if (w.back() == '/' ? rel.rfind(w, 0) == 0 : rel == w) return true;
  }
  return false;
}

// [[synth]]: top = "adder_tree", reference = ["reference/adder_tree.sv"],
// optional student = [...] and params = { W = 16 }.
void read_synth(const fs::path& path, const toml::table& t, Lab& lab) {
  const auto* synth = t.get("synth");
  if (!synth) return;
  const std::string example = "write [[synth]] tables: top = \"fifo\", reference = [\"reference/fifo.sv\"] (docs/authoring.md, \"Synthesis\")";
  if (!synth->is_array_of_tables()) throw FileError(path, line_of(synth), "'synth' must be an array of tables", example);
  for (const auto& node : *synth->as_array()) {
    const auto& st = *node.as_table();
    SynthDesign d;
    d.line = line_of(&node);
    for (const auto& [key, value] : st)
      if (key.str() != "top" && key.str() != "reference" && key.str() != "student" && key.str() != "params")
        throw FileError(path, line_of(&value), "unknown [[synth]] key '" + std::string(key.str()) + "'",
                        "use only top, reference, student and params");
    const auto* top = st.get("top");
    if (!top || !top->is_string() || !std::regex_match(top->as_string()->get(), std::regex("[A-Za-z_][A-Za-z0-9_$]*")))
      throw FileError(path, top ? line_of(top) : d.line, "[[synth]] needs top = the name of the top module, in double quotes", example);
    d.top = top->as_string()->get();
    auto files = [&](const char* key, std::vector<std::string>& out) {
      const auto* n = st.get(key);
      if (!n) return;
      if (!n->is_array() || n->as_array()->empty())
        throw FileError(path, line_of(n), std::string("'") + key + "' must be a non-empty array of RTL files", example);
      for (const auto& f : *n->as_array()) {
        const auto s = f.value<std::string>();
        if (!s || s->empty() || fs::path(*s).is_absolute() || s->find("..") != std::string::npos)
          throw FileError(path, line_of(&f), std::string("'") + key + "' lists files relative to the lab folder", example);
        // Whether the file exists is labctl synth's question: a student
        // handout withholds reference/, and its manifest must still load.
        out.push_back(*s);
      }
    };
    files("reference", d.reference);
    if (d.reference.empty()) throw FileError(path, d.line, "[[synth]] " + d.top + " lists no 'reference' files", example);
    files("student", d.student);
    if (d.student.empty())
      for (const auto& f : d.reference) d.student.push_back(f.rfind("reference/", 0) == 0 ? "student/" + f.substr(10) : f);
    if (const auto* params = st.get("params")) {
      if (!params->is_table()) throw FileError(path, line_of(params), "'params' must be a table of integers", "write params = { N = 2 }");
      for (const auto& [key, value] : *params->as_table()) {
        if (!value.is_integer()) throw FileError(path, line_of(&value), "'params' values must be integers", "write params = { N = 2 }");
        d.params.emplace_back(std::string(key.str()), value.as_integer()->get());
      }
    }
    lab.synth.push_back(std::move(d));
  }
}

Lab parse_manifest(const fs::path& path) {
  toml::table t;
  try {
    t = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw FileError(path, static_cast<int>(e.source().begin.line), std::string(e.description()),
                    "correct the TOML syntax at that line (docs/authoring.md shows a complete lab.toml)");
  }
  Lab lab;
  lab.manifest = path;
  lab.dir = path.parent_path();
  lab.phase_dir = lab.dir.parent_path().filename().string();
  for (const auto& [key, node] : t) {
    if (!kKnownKeys.count(std::string(key.str())))
      throw FileError(path, line_of(&node), "unknown key '" + std::string(key.str()) + "'",
                      "remove it, or use one of: " + join(kKnownKeys));
  }
  read_identity(path, t, lab);
  read_requirements(path, t, lab);
  read_goals(path, t, lab);
  read_handout(path, t, lab);
  read_synth(path, t, lab);
  // A synth task names a design of this lab's [[synth]] tables.
  for (const auto& task : lab.tasks) {
    if (task.kind != TaskKind::synth) continue;
    std::string tops;
    for (const auto& d : lab.synth) tops += (tops.empty() ? "" : ", ") + d.top;
    if (std::none_of(lab.synth.begin(), lab.synth.end(), [&](const SynthDesign& d) { return d.top == task.design; }))
      throw FileError(path, task.line, "task '" + task.id + "': design '" + task.design + "' is not a [[synth]] top of this lab",
                      tops.empty() ? "add a [[synth]] table with top = \"" + task.design + "\" (docs/authoring.md, \"Synthesis\")"
                                   : "name one of: " + tops);
  }
  return lab;
}

Task parse_task(const fs::path& path, const toml::table& tt, int line, Task task) {
  task.line = line;
  for (const auto& [key, node] : tt)
    if (!kTaskKeys.count(std::string(key.str())))
      throw FileError(path, line_of(&node), "unknown task key '" + std::string(key.str()) + "'",
                      "use only: " + join(kTaskKeys));
  auto str = [&](const char* key, std::string& out) {
    if (const auto* n = tt.get(key)) {
      if (!n->is_string()) throw FileError(path, line_of(n), std::string("'") + key + "' must be a string", "quote it");
      out = n->as_string()->get();
    }
  };
  auto num = [&](const char* key, double& out) {
    if (const auto* n = tt.get(key)) {
      if (!n->is_number()) throw FileError(path, line_of(n), std::string("'") + key + "' must be a number", std::string("write e.g. ") + key + " = 2.0");
      out = n->value<double>().value();
    }
  };
  str("id", task.id);
  str("name", task.name);
  if (tt.get("kind")) {
    std::string kind;
    str("kind", kind);
    task.kind = parse_kind(kind);
  }
  str("filter", task.filter);
  str("metric", task.metric);
  str("design", task.design);
  str("case", task.kase);
  str("baseline", task.baseline);
  str("curve", task.curve);
  str("visibility", task.visibility);
  num("full", task.full);
  num("zero", task.zero);
  num("points", task.points);
  if (const auto* n = tt.get("size")) {
    if (!n->is_integer()) throw FileError(path, line_of(n), "'size' must be an integer", "write e.g. size = 4096");
    task.size = n->as_integer()->get();
  }
  if (const auto* n = tt.get("threads")) task.threads = read_threads(path, *n, "task");
  if (const auto* n = tt.get("partial")) {
    if (!n->is_boolean()) throw FileError(path, line_of(n), "'partial' must be true or false", "write partial = true");
    task.partial = n->as_boolean()->get();
  }
  if (task.name.empty()) task.name = task.id;
  return task;
}

std::string_view kind_name(TaskKind k) {
  switch (k) {
    case TaskKind::test: return "test";
    case TaskKind::perf: return "perf";
    case TaskKind::count: return "count";
    case TaskKind::synth: return "synth";
    case TaskKind::unknown: break;
  }
  return "unknown";
}

TaskKind parse_kind(std::string_view name) {
  if (name == "test") return TaskKind::test;
  if (name == "perf") return TaskKind::perf;
  if (name == "count") return TaskKind::count;
  if (name == "synth") return TaskKind::synth;
  return TaskKind::unknown;
}

const std::vector<std::string>& synth_metrics() {
  static const std::vector<std::string> m = {"fmax_mhz", "luts", "flip_flops", "ram_blocks", "logic_cells"};
  return m;
}

void validate_task(const fs::path& path, const Task& t) {
  const int line = t.line;
  if (t.id.empty() || !std::regex_match(t.id, std::regex("[a-z0-9][a-z0-9_-]*")))
    throw FileError(path, line, "task needs an 'id' of a-z, 0-9, '-' and '_'", "add id = \"dot-speedup\"");
  if (t.kind == TaskKind::unknown)
    throw FileError(path, line, "task '" + t.id + "': kind must be test, perf, count or synth", "write kind = \"test\"");
  if (!(t.points > 0)) throw FileError(path, line, "task '" + t.id + "' needs points > 0", "add points = 10");
  if (t.visibility != "visible" && t.visibility != "hidden" && t.visibility != "after_due")
    throw FileError(path, line, "task '" + t.id + "': visibility must be visible, hidden or after_due", "write visibility = \"visible\"");
  if (t.kind == TaskKind::test) {
    // A test task is scored by its passing tests: a threshold would be ignored.
    if (t.full != 0 || t.zero != 0 || t.curve != "linear" || !t.baseline.empty() || !t.metric.empty() || !t.kase.empty() ||
        t.threads != 1 || !t.design.empty())
      throw FileError(path, line, "task '" + t.id + "' is a test task and has perf keys (full, zero, curve, baseline, metric, case, threads or design)",
                      "a test task takes filter, partial, points, visibility and name; remove the others or make it kind = \"perf\"");
    return;
  }
  if (t.kind == TaskKind::synth) {
    // Scored on what labctl synth reports of one design, after the tests of `filter` pass.
    if (!t.kase.empty() || t.size != 0 || !t.baseline.empty() || t.threads != 1 || !t.partial)
      throw FileError(path, line, "task '" + t.id + "' is a synth task and has bench keys (case, size, baseline, threads or partial)",
                      "a synth task takes design, metric, filter, full, zero, curve, points, visibility and name");
    const auto& metrics = synth_metrics();
    if (t.design.empty() || std::find(metrics.begin(), metrics.end(), t.metric) == metrics.end()) {
      std::string names;
      for (const auto& m : metrics) names += (names.empty() ? "" : ", ") + m;
      throw FileError(path, line, "task '" + t.id + "' needs design = a [[synth]] top and metric = one of " + names,
                      "write e.g. design = \"adder_tree\" and metric = \"fmax_mhz\" (docs/authoring.md, \"Synthesis\")");
    }
  } else if (!t.design.empty()) {
    throw FileError(path, line, "task '" + t.id + "': 'design' belongs to synth tasks", "remove it, or make it kind = \"synth\"");
  } else if (t.kase.empty() || t.metric.empty())
    throw FileError(path, line, "task '" + t.id + "' needs 'metric' and 'case'", "see docs/instructors.md, section Tasks");
  if (t.kind == TaskKind::perf && !kMetrics.count(t.metric))
    throw FileError(path, line, "task '" + t.id + "': unknown metric '" + t.metric + "'", "use one of: " + join(kMetrics));
  if (t.kind == TaskKind::perf && parse_metric(t.metric) == Metric::speedup && t.baseline.empty())
    throw FileError(path, line, "task '" + t.id + "': a speedup needs 'baseline'", "add baseline = \"scalar\"");
  if (t.curve != "linear" && t.curve != "proportional")
    throw FileError(path, line, "task '" + t.id + "': curve must be linear or proportional", "write curve = \"linear\"");
  if (t.full == t.zero)
    throw FileError(path, line, "task '" + t.id + "': 'full' and 'zero' must differ",
                    "full credit at or beyond 'full', none beyond 'zero' (full < zero means lower is better)");
  if (t.curve == "proportional" && !(t.full > 0 && t.zero >= 0 && t.zero < t.full))
    throw FileError(path, line, "task '" + t.id + "': a proportional curve needs 0 <= zero < full", "use curve = \"linear\" for lower-is-better metrics");
}

std::vector<Lab> discover_labs(const fs::path& root) {
  std::vector<Lab> labs;
  std::set<std::string> seen;
  const fs::path phases_dir = root / "phases";
  if (!fs::is_directory(phases_dir)) return labs;
  for (const auto& phase : fs::directory_iterator(phases_dir)) {
    if (!phase.is_directory()) continue;
    for (const auto& dir : fs::directory_iterator(phase.path())) {
      const auto manifest = dir.path() / "lab.toml";
      if (!fs::exists(manifest)) continue;
      Lab lab = parse_manifest(manifest);
      if (!seen.insert(lab.id).second)
        throw FileError(manifest, 0, "a second lab with id '" + lab.id + "'", "lab ids must be unique");
      labs.push_back(std::move(lab));
    }
  }
  std::sort(labs.begin(), labs.end(), [](const Lab& a, const Lab& b) {
    return std::tie(a.phase, a.id) < std::tie(b.phase, b.id);
  });
  check_uses(labs);
  return labs;
}

void check_uses(const std::vector<Lab>& labs) {
  std::map<std::string, const Lab*> by_id;
  std::string known;
  for (const auto& l : labs) {
    by_id[l.id] = &l;
    known += (known.empty() ? "" : ", ") + l.id;
  }
  for (const auto& l : labs)
    for (const auto& u : l.uses)
      if (!by_id.count(u))
        throw FileError(l.manifest, l.uses_line, "uses '" + u + "', but no lab has that id", "use the id of a lab under phases/: " + known);
  // Depth-first search; a lab met again while still on the path closes a cycle.
  std::map<std::string, int> state;  // 0 unvisited, 1 on the path, 2 done
  std::vector<std::string> path;
  std::function<void(const Lab&)> visit = [&](const Lab& l) {
    state[l.id] = 1;
    path.push_back(l.id);
    for (const auto& u : l.uses) {
      if (state[u] == 1) {
        std::string cycle;
        for (auto it = std::find(path.begin(), path.end(), u); it != path.end(); ++it) cycle += *it + " -> ";
        throw FileError(l.manifest, l.uses_line, "the labs' 'uses' form a cycle: " + cycle + u,
                        "a lab can use only labs that do not use it back; move the shared code into one of them or into common/");
      }
      if (state[u] == 0) visit(*by_id.at(u));
    }
    path.pop_back();
    state[l.id] = 2;
  };
  for (const auto& l : labs)
    if (state[l.id] == 0) visit(l);
}

}  // namespace labctl
