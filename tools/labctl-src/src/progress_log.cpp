#include "progress_log.hpp"

#include "test_summary.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <labkit/machine.hpp>
#include <map>
#include <regex>
#include <set>

#include "measure.hpp"
#include "results.hpp"

namespace labctl {

using nlohmann::json;

namespace {

std::string utc_now_iso() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Distinct n of every "TODO(n)" in failing tests' messages: the starter's
// stubs (C++) and the HDL testbenches both name the TODO a failure is about.
std::vector<int> todos_in_failures(const std::vector<labkit::TestResult>& tests, const std::string& suite_prefix) {
  static const std::regex todo(R"(TODO\((\d+)\))");
  std::set<int> numbers;
  for (const auto& t : tests) {
    if (t.passed || t.skipped || t.suite.rfind(suite_prefix, 0) != 0) continue;
    for (std::sregex_iterator it(t.message.begin(), t.message.end(), todo), end; it != end; ++it)
      numbers.insert(std::stoi((*it)[1].str()));
  }
  return {numbers.begin(), numbers.end()};
}

// A target's value recorded only when it was measured (not a TODO, not missing).
json target_record(const std::string& name, const std::string& impl, std::string_view metric, double value,
                   double threshold, const std::string& status) {
  json t = {{"target", name}, {"impl", impl}, {"metric", std::string(metric)}, {"value", value}, {"threshold", threshold}};
  if (!status.empty()) t["status"] = status;
  return t;
}

}  // namespace

std::string display_time(const std::string& iso) {
  if (iso.size() < 16 || iso[10] != 'T') return iso;
  std::string s = iso.substr(0, 16) + " UTC";
  s[10] = ' ';
  return s;
}

fs::path progress_log_path(const Context& c) { return c.out_dir / "progress.jsonl"; }

bool append_progress(const Context& c, json record) {
  record["schema"] = kProgressSchema;
  record["time"] = utc_now_iso();
  record["revision"] = c.git_revision();
  const fs::path file = progress_log_path(c);
  const std::string line = record.dump() + "\n";
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  // One write() with O_APPEND: concurrent labctl processes append whole lines.
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const int err = errno;
  if (fd >= 0) ok = (::close(fd) == 0) && ok;
  if (!ok)
    fmt::print(stderr, "labctl: warning: could not append to the progress log {}: {} (labctl progress will miss this "
                       "{}; check that the folder is writable)\n",
               file.string(), std::strerror(err), record.value("command", "record"));
  return ok;
}

std::vector<int> todo_stubs_left(const Lab& lab) {
  std::set<int> numbers;
  std::error_code ec;
  const fs::path student = lab.dir / "student";
  if (!fs::is_directory(student, ec)) return {};
  for (auto it = fs::recursive_directory_iterator(student, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    for (int n : todo_numbers(read_text(it->path()))) numbers.insert(n);
  }
  return {numbers.begin(), numbers.end()};
}

void record_test(const Context& c, const Lab& lab, const std::string& impl, bool passed) {
  json r = {{"command", "test"}, {"lab", lab.id}, {"impl", impl}, {"passed", passed}};
  if (impl == "student") r["todos"] = todo_stubs_left(lab);
  append_progress(c, std::move(r));
}

void record_bench(const Context& c, const Lab& lab, const std::string& impl) {
  try {
    labkit::LabResults results;
    read_bench_json(c.lab_out(lab) / "bench.json", results);
    // Roofline fractions need the machine's measured limits: those cached by
    // `labctl machine` or `run`, if they are this machine's.
    std::optional<labkit::MachineLimits> limits;
    if (std::ifstream in(c.out_dir / "machine.json"); in) {
      try {
        auto m = labkit::limits_from_json(json::parse(in));
        if (m.info.fingerprint == results.machine.value("fingerprint", "")) limits = std::move(m);
      } catch (const std::exception&) {
        // a stale or partial cache: roofline fractions are simply not recorded
      }
    }
    json targets = json::array();
    for (const auto& t : lab.targets)
      for (const auto& target_impl : t.impls) {
        if (!impl.empty() && target_impl != impl) continue;
        const Measured m = measure({t.metric, t.kase, target_impl, t.baseline, t.size}, results, limits ? &*limits : nullptr);
        if (m.status == Measured::Status::ok)
          targets.push_back(target_record(t.name, target_impl, metric_name(t.metric), m.value, t.at_least, ""));
      }
    append_progress(c, {{"command", "bench"}, {"lab", lab.id}, {"impl", impl.empty() ? "all" : impl},
                        {"machine", results.machine.value("fingerprint", "")}, {"targets", targets}});
  } catch (const std::exception& e) {
    fmt::print(stderr, "labctl: warning: the progress log misses this bench of {}: {}\n", lab.id, e.what());
  }
}

void record_run(const Context& c, const Lab& lab, const labkit::LabResults& results) {
  json tests = json::object();
  for (const std::string impl : {"reference", "student"}) {
    int passed = 0, failed = 0, skipped = 0;
    for (const auto& t : results.tests)
      if (t.suite.rfind(impl + ".", 0) == 0) (t.skipped ? skipped : t.passed ? passed : failed)++;
    tests[impl] = {{"passed", passed}, {"failed", failed}, {"skipped", skipped},
                   {"todos", todos_in_failures(results.tests, impl + ".")}};
  }
  json targets = json::array();
  for (const auto& t : results.targets) {
    if (t.status == labkit::TargetStatus::todo || t.status == labkit::TargetStatus::unavailable) continue;
    targets.push_back(target_record(t.name, t.impl, t.metric, t.value, t.threshold, labkit::status_name(t.status)));
  }
  // A target still at TODO counts against "targets met": keep its name with no value.
  json todo_targets = json::array();
  for (const auto& t : results.targets)
    if (t.impl == "student" && t.status == labkit::TargetStatus::todo) todo_targets.push_back(t.name);
  append_progress(c, {{"command", "run"}, {"lab", lab.id}, {"impl", "both"}, {"tests", tests}, {"targets", targets},
                      {"targets_todo", todo_targets}, {"machine", results.machine.value("fingerprint", "")}});
}

void record_grade(const Context& c, const fs::path& grade_json) {
  try {
    std::ifstream in(grade_json);
    if (!in) throw std::runtime_error("cannot read " + grade_json.string());
    const json grade = json::parse(in);
    const json& meta = grade.at("labkit");
    struct LabScore {
      double score = 0, max_score = 0;
      int hidden = 0;
    };
    std::map<std::string, LabScore> by_lab;
    for (const auto& t : grade.at("tests")) {
      const std::string lab = t.at("labkit").value("lab", "");
      auto& s = by_lab[lab];
      // As the grade's own summary line: visible tasks count, hidden ones wait.
      if (t.value("visibility", "visible") != "visible") {
        ++s.hidden;
        continue;
      }
      s.score += t.value("score", 0.0);
      s.max_score += t.value("max_score", 0.0);
    }
    const std::string track = meta.contains("track") ? meta["track"].value("name", "") : "";
    for (const auto& [lab, s] : by_lab)
      append_progress(c, {{"command", "grade"}, {"lab", lab}, {"impl", meta.value("impl", "student")}, {"track", track},
                          {"score", s.score}, {"max_score", s.max_score}, {"hidden_tasks", s.hidden},
                          {"grade_json", fs::absolute(grade_json).string()}});
  } catch (const std::exception& e) {
    fmt::print(stderr, "labctl: warning: the progress log misses this grade: {}\n", e.what());
  }
}

std::vector<json> read_progress_log(const fs::path& file, std::vector<std::string>* warnings) {
  std::vector<json> records;
  std::ifstream in(file);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("schema", "") != kProgressSchema || !j.contains("lab")) {
      if (warnings)
        warnings->push_back(fmt::format("{}:{}: not a {} record (a line cut short by a crash?); skipped", file.string(),
                                        number, kProgressSchema));
      continue;
    }
    records.push_back(std::move(j));
  }
  return records;
}

LabProgress summarize_progress(const std::string& lab, const std::vector<json>& records) {
  LabProgress p;
  p.lab = lab;
  std::optional<bool> tests_passed;  // the student's latest test outcome
  std::map<std::string, BestResult> best;
  auto consider = [&](const json& t, const json& record) {
    if (t.value("impl", "") != "student" || !t.contains("value")) return;
    const std::string name = t.value("target", "");
    const double value = t.value("value", 0.0);
    auto it = best.find(name);
    if (it == best.end() || value > it->second.value)  // every metric is "higher is better" (at_least)
      best[name] = {name, t.value("metric", ""), value, record.value("time", ""), record.value("command", "")};
  };
  for (const auto& r : records) {
    if (r.value("lab", "") != lab) continue;
    ++p.records;
    const std::string command = r.value("command", "");
    p.last_command = command;
    p.last_time = r.value("time", "");
    if (command == "test" && r.value("impl", "") == "student") {
      tests_passed = r.value("passed", false);
      p.tests = *tests_passed ? "passed" : "failed";
      p.todos = r.value("todos", std::vector<int>{});
    } else if (command == "run") {
      const json s = r.contains("tests") ? r["tests"].value("student", json::object()) : json::object();
      const int passed = s.value("passed", 0), failed = s.value("failed", 0);
      tests_passed = failed == 0 && passed > 0;
      p.tests = fmt::format("{}/{} passed", passed, passed + failed);
      p.todos = s.value("todos", std::vector<int>{});
      p.targets_met = 0;
      p.targets_total = static_cast<int>(r.value("targets_todo", json::array()).size());
      for (const auto& t : r.value("targets", json::array())) {
        if (t.value("impl", "") != "student") continue;
        ++p.targets_total;
        p.targets_met += t.value("status", "") == "met";
        consider(t, r);
      }
    } else if (command == "bench") {
      for (const auto& t : r.value("targets", json::array())) consider(t, r);
    } else if (command == "grade" && r.value("impl", "") == "student") {
      p.graded = true;
      p.score = r.value("score", 0.0);
      p.max_score = r.value("max_score", 0.0);
      p.grade_time = r.value("time", "");
    }
  }
  for (auto& [name, b] : best) p.best.push_back(b);
  if (p.records == 0) p.state = "not started";
  else if (!tests_passed) p.state = "not tested yet";
  else if (!*tests_passed) p.state = p.todos.empty() ? "tests failing" : "TODOs left";
  else if (p.targets_total > 0 && p.targets_met == p.targets_total) p.state = "targets met";
  else p.state = "tests pass";
  return p;
}

json to_json(const LabProgress& p) {
  json best = json::array();
  for (const auto& b : p.best)
    best.push_back({{"target", b.target}, {"metric", b.metric}, {"value", b.value}, {"time", b.time}, {"command", b.command}});
  json j = {{"lab", p.lab}, {"state", p.state}, {"tests", p.tests}, {"todos", p.todos}, {"targets_met", p.targets_met},
            {"targets_total", p.targets_total}, {"best", best}, {"records", p.records},
            {"last_command", p.last_command}, {"last_time", p.last_time}};
  j["grade"] = p.graded ? json{{"score", p.score}, {"max_score", p.max_score}, {"time", p.grade_time}} : json(nullptr);
  return j;
}

int cmd_progress(const Context& c, const std::vector<std::string>& ids, bool as_json) {
  std::vector<Lab> labs;
  if (ids.empty()) labs = c.labs();
  else
    for (const auto& id : ids) labs.push_back(c.find_lab(id));
  const fs::path file = progress_log_path(c);
  std::vector<std::string> warnings;
  const auto records = read_progress_log(file, &warnings);
  for (const auto& w : warnings) fmt::print(stderr, "labctl: warning: {}\n", w);

  if (as_json) {
    json arr = json::array();
    for (const auto& lab : labs) arr.push_back(to_json(summarize_progress(lab.id, records)));
    fmt::print("{}\n", json{{"schema", "labctl.progress-summary/1"}, {"log", file.string()}, {"labs", arr}}.dump(2));
    return 0;
  }
  fmt::print("Progress of your student/ code, from {} ({} records)\n\n", file.string(), records.size());
  fmt::print("{:<18} {:<22} {:<16} {:<9} {:<13} {}\n", "lab", "state", "tests", "targets", "grade", "last");
  for (const auto& lab : labs) {
    const LabProgress p = summarize_progress(lab.id, records);
    std::string state = p.state;
    if (p.records == 0 && !c.availability(lab).first) state = "unavailable here";  // labctl list says why
    if (state == "TODOs left") {
      std::string numbers;
      for (int n : p.todos) numbers += (numbers.empty() ? "" : ",") + std::to_string(n);
      state += " (" + numbers + ")";
    }
    const std::string targets = p.targets_total ? fmt::format("{}/{} met", p.targets_met, p.targets_total) : "";
    const std::string grade = p.graded ? fmt::format("{:g}/{:g}", p.score, p.max_score) : "";
    const std::string last = p.records ? display_time(p.last_time) + " " + p.last_command : "";
    fmt::print("{:<18} {:<22} {:<16} {:<9} {:<13} {}\n", lab.id, state, p.tests, targets, grade, last);
    for (const auto& b : p.best)
      fmt::print("    best  {:<52} {:>9}  {} ({})\n", b.target,
                 format_metric(parse_metric(b.metric).value_or(Metric::gflops), b.value), display_time(b.time), b.command);
  }
  if (std::any_of(labs.begin(), labs.end(), [&](const Lab& l) { return !c.availability(l).first; }))
    fmt::print("\nA lab unavailable here lacks a requirement: `labctl list` names it and the install step.\n");
  if (records.empty())
    fmt::print("\nNothing recorded yet: labctl test, bench, run and grade add to the log as you work.\n");
  return 0;
}

}  // namespace labctl
