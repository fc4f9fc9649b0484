#include "track.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>

namespace labctl {

namespace {
int line_of(const toml::node* n) { return n ? static_cast<int>(n->source().begin.line) : 0; }
const std::set<std::string> kTestOnlyKeys = {"filter", "partial"};
const std::set<std::string> kThresholdKeys = {"full", "zero", "curve", "baseline"};

// The course folder `p` sits in: the nearest folder at or above it that holds phases/.
std::optional<fs::path> enclosing_tree(const fs::path& p) {
  std::error_code ec;  // a folder that is not there is no tree: checks do not throw
  const fs::path start = fs::weakly_canonical(p, ec);
  if (ec) return std::nullopt;
  for (fs::path dir = start; !dir.empty(); dir = dir.parent_path()) {
    if (fs::is_directory(dir / "phases", ec)) return dir;
    if (dir == dir.parent_path()) break;
  }
  return std::nullopt;
}

// phases/<NN-name>/<id>, relative to `tree`, when that folder has a lab.toml
// (where discover_labs() would find lab `id`).
std::optional<fs::path> lab_folder_in(const fs::path& tree, const std::string& id) {
  std::error_code ec;
  for (const auto& phase : fs::directory_iterator(tree / "phases", ec))
    if (fs::exists(phase.path() / id / "lab.toml", ec)) return fs::relative(phase.path() / id, tree, ec);
  return std::nullopt;
}

// The track names a lab the parsed tree lacks. When the checkout has it, the
// parsed tree is the grader's copy of the committed course (git archive of
// HEAD or --base), and the lab is new and not committed yet: say that, since
// `labctl list` shows the lab and "no lab in this tree" reads as a typo.
[[noreturn]] void throw_no_such_lab(const fs::path& file, int line, const std::string& id, const std::string& known,
                                    const fs::path& checkout) {
  std::vector<fs::path> trees;
  if (!checkout.empty()) trees.push_back(checkout);
  std::error_code ec;
  for (const auto& from : {fs::absolute(file, ec).parent_path(), fs::current_path(ec)})
    if (auto tree = enclosing_tree(from)) trees.push_back(*tree);
  for (const auto& tree : trees)
    if (const auto folder = lab_folder_in(tree, id))
      throw FileError(file, line,
                      "lab '" + id + "' is in the working tree (" + folder->string() +
                          ") but not committed; labctl grade builds the course as committed (git archive of HEAD or --base)",
                      "commit it: git add " + folder->string() + " && git commit (or pass --base a commit that has it)");
  throw FileError(file, line, "no lab '" + id + "' in this tree", "use one of: " + known);
}
}  // namespace

Track parse_track(const fs::path& file, const std::vector<Lab>& labs, const fs::path& checkout) {
  if (!fs::exists(file)) throw FileError(file, 0, "no such track file", "pass a file from labs/tracks/, e.g. --track labs/tracks/software-ml.toml");
  toml::table t;
  try {
    t = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw FileError(file, static_cast<int>(e.source().begin.line), std::string(e.description()),
                    "correct the TOML syntax at that line (docs/instructors.md has a worked example)");
  }
  Track track;
  track.file = file;
  static const std::set<std::string> keys = {"name", "description", "due", "labs"};
  for (const auto& [key, node] : t)
    if (!keys.count(std::string(key.str())))
      throw FileError(file, line_of(&node), "unknown key '" + std::string(key.str()) + "'", "use name, description, due and [[labs]]");
  const auto* name = t.get("name");
  if (!name || !name->is_string())
    throw FileError(file, line_of(name), "a track needs a 'name' string", "add name = \"My course, autumn term\"");
  track.name = name->as_string()->get();
  if (const auto* d = t.get("description"); d && d->is_string()) track.description = d->as_string()->get();
  if (const auto* due = t.get("due")) {
    if (!due->is_date_time())
      throw FileError(file, line_of(due), "'due' must be a TOML date-time with a time zone",
                      "write e.g. due = 2027-01-15T23:59:00Z (no quotes)");
    const auto dt = due->as_date_time()->get();
    if (!dt.offset)
      throw FileError(file, line_of(due), "'due' needs a time zone", "append Z (UTC) or an offset like +01:00");
    // Days from civil (Howard Hinnant's algorithm), to epoch seconds.
    int y = dt.date.year;
    const unsigned m = dt.date.month, d = dt.date.day;
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const std::int64_t days = static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
    track.due_epoch = days * 86400 + dt.time.hour * 3600 + dt.time.minute * 60 + dt.time.second - dt.offset->minutes * 60;
    std::ostringstream os;
    os << *due->as_date_time();
    track.due = os.str();
  }
  const auto* list = t.get("labs");
  if (!list || !list->is_array_of_tables() || list->as_array()->empty())
    throw FileError(file, line_of(list), "a track needs at least one [[labs]] entry", "add [[labs]] with id = \"simd-dot\"");
  std::set<std::string> seen;
  for (const auto& node : *list->as_array()) {
    const auto& lt = *node.as_table();
    const int line = line_of(&node);
    for (const auto& [key, n] : lt)
      if (key.str() != "id" && key.str() != "points" && key.str() != "tasks")
        throw FileError(file, line_of(&n), "unknown key '" + std::string(key.str()) + "' in [[labs]]", "use id, points and [labs.tasks.<task-id>]");
    const auto* id = lt.get("id");
    if (!id || !id->is_string()) throw FileError(file, line, "[[labs]] entry needs an 'id'", "add id = \"simd-dot\"");
    const std::string lab_id = id->as_string()->get();
    const Lab* found = nullptr;
    std::string known;
    for (const auto& l : labs) {
      if (l.id == lab_id) found = &l;
      known += (known.empty() ? "" : ", ") + l.id;
    }
    if (!found) throw_no_such_lab(file, line_of(id), lab_id, known, checkout);
    if (!seen.insert(lab_id).second) throw FileError(file, line_of(id), "lab '" + lab_id + "' listed twice", "list each lab once");
    if (found->tasks.empty())
      throw FileError(file, line_of(id), "lab '" + lab_id + "' has no [[tasks]] to grade",
                      "add tasks to " + found->manifest.string() + " (docs/instructors.md)");
    TrackLab tl{*found, std::nullopt};
    if (const auto* p = lt.get("points")) {
      if (!p->is_number() || !(p->value<double>().value() > 0))
        throw FileError(file, line_of(p), "'points' must be a positive number", "write e.g. points = 100");
      tl.points = p->value<double>().value();
    }
    if (const auto* overrides = lt.get("tasks")) {
      if (!overrides->is_table()) throw FileError(file, line_of(overrides), "'tasks' must be a table of task overrides", "write [labs.tasks.<task-id>]");
      for (const auto& [task_id, over] : *overrides->as_table()) {
        auto it = std::find_if(tl.lab.tasks.begin(), tl.lab.tasks.end(), [&](const Task& x) { return x.id == task_id.str(); });
        if (it == tl.lab.tasks.end()) {
          std::string ids;
          for (const auto& x : tl.lab.tasks) ids += (ids.empty() ? "" : ", ") + x.id;
          throw FileError(file, line_of(&over), "lab '" + lab_id + "' has no task '" + std::string(task_id.str()) + "'", "task ids: " + ids);
        }
        if (!over.is_table()) throw FileError(file, line_of(&over), "a task override must be a table", "write [labs.tasks." + std::string(task_id.str()) + "]");
        for (const auto& [k, v] : *over.as_table()) {
          const std::string key(k.str());
          if (key == "id" || key == "kind" || key == "metric" || key == "case" || key == "size" || key == "threads" ||
              key == "design")
            throw FileError(file, line_of(&v), "a track may not change a task's '" + key + "'",
                            "override only points, full, zero, curve, visibility, baseline, filter, partial, name");
          // A test task is scored by passing tests: a threshold on it would be
          // ignored, so it is a mistake to report, not to accept.
          if (it->kind == TaskKind::test && kThresholdKeys.count(key))
            throw FileError(file, line_of(&v),
                            "'" + key + "' is a threshold, and task '" + it->id + "' of lab '" + lab_id + "' is a test task",
                            "a test task takes points, visibility, filter, partial and name; thresholds (full, zero, curve, "
                            "baseline) belong to perf and count tasks");
          if (it->kind != TaskKind::test && kTestOnlyKeys.count(key))
            throw FileError(file, line_of(&v), "'" + key + "' applies to test tasks, and '" + it->id + "' is a " + std::string(kind_name(it->kind)) + " task",
                            "override points, visibility, name or the thresholds full, zero, curve, baseline");
        }
        Task t2 = parse_task(file, *over.as_table(), line_of(&over), *it);
        t2.line = line_of(&over);
        validate_task(file, t2);
        if (t2.kind != TaskKind::test && t2.curve == "proportional" && !(t2.zero >= 0 && t2.zero < t2.full))
          throw FileError(file, t2.line, fmt::format("task '{}': a proportional curve needs 0 <= zero < full (zero = {}, full = {})",
                                                     t2.id, t2.zero, t2.full),
                          "set zero between 0 and full, or use curve = \"linear\"");
        *it = t2;
      }
    }
    track.labs.push_back(std::move(tl));
  }
  return track;
}

int cmd_track_check(const Context& c, const fs::path& file) {
  const Track track = parse_track(file, c.labs());
  fmt::print("track '{}' ({}){}\n", track.name, file.string(), track.due ? ", due " + *track.due : std::string(", no due date"));
  fmt::print("{:<16} {:<26} {:<5} {:>7}  {:<10} {}\n", "lab", "task", "kind", "points", "visibility", "scored by");
  double total = 0, visible = 0;
  std::size_t tasks = 0;
  for (const auto& tl : track.labs) {
    double lab_points = 0;
    for (const auto& t : tl.lab.tasks) lab_points += t.points;
    const double scale = tl.points ? *tl.points / lab_points : 1.0;
    for (const auto& t : tl.lab.tasks) {
      ++tasks;
      const double points = t.points * scale;
      total += points;
      if (t.visibility == "visible") visible += points;
      std::string how;
      if (t.kind == TaskKind::test) {
        how = fmt::format("tests matching '{}'{}", t.filter, t.partial ? ", credit per test" : ", all or nothing");
      } else if (t.kind == TaskKind::synth) {
        how = fmt::format("{} of {} (labctl synth) once tests '{}' pass: full credit at {:g}, none at {:g} ({})", t.metric,
                          t.design, t.filter, t.full, t.zero, t.curve);
      } else {
        how = fmt::format("{}{}: full credit at {:g}, none at {:g} ({})", t.metric, t.baseline.empty() ? "" : " over " + t.baseline,
                          t.full, t.zero, t.curve);
        if (t.threads > 1) how += fmt::format(", {} threads: judged with {} cores free", t.threads, t.threads);
      }
      fmt::print("{:<16} {:<26} {:<5} {:>7.2f}  {:<10} {}\n", tl.lab.id, t.id, kind_name(t.kind), points, t.visibility, how);
    }
  }
  fmt::print("ok: {} lab{}, {} tasks, {:.2f} points ({:.2f} visible before the due date)\n", track.labs.size(),
             track.labs.size() == 1 ? "" : "s", tasks, total, visible);
  return 0;
}

}  // namespace labctl
