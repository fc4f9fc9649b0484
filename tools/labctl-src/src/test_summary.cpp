#include "test_summary.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <regex>
#include <sstream>
#include <tuple>

namespace labctl {

namespace fs = std::filesystem;

namespace {

// How much of a group's first failure is shown: enough for a labkit check
// (one line) or an EXPECT_EQ of two scalars (five lines and the test's note).
constexpr std::size_t kMessageLines = 6;
constexpr std::size_t kLineChars = 200;
constexpr std::size_t kGroupsShown = 6;

// A stub the test ran into: labkit::NotImplemented's text, "file:line: TODO(n): what".
struct Todo {
  std::string file;
  int line = 0;
  int number = 0;
  std::string what;
};

// The TODO a failure message carries, if any (GoogleTest quotes the
// exception's text: "C++ exception with description "...: TODO(1): ..." thrown").
bool find_todo(const std::string& message, Todo& todo) {
  static const std::regex re(R"re(([^\s"']+):(\d+): TODO\((\d+)\): ([^"\n]*))re");
  std::smatch m;
  if (!std::regex_search(message, m, re)) return false;
  todo.file = m[1].str();
  todo.line = std::stoi(m[2].str());
  todo.number = std::stoi(m[3].str());
  todo.what = m[4].str();
  return true;
}

// GoogleTest starts each failure with the line that failed ("path:line", or
// "unknown file" for an exception): a test file's line, not the line to edit.
bool is_location_line(const std::string& line) {
  static const std::regex re(R"(\S+:\d+)");
  return line == "unknown file" || std::regex_match(line, re);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Every "../../x" or absolute path into the repository in `text`, relative to the root.
std::string paths_from_root(const std::string& text, const fs::path& root, const fs::path& build_dir) {
  static const std::regex path_re(R"((?:\.\./)+[\w.+/-]+|/[\w.+/-]+)");
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), path_re);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    out += text.substr(last, static_cast<std::size_t>(m.position()) - last);
    out += path_from_root(m.str(), root, build_dir);
    last = static_cast<std::size_t>(m.position() + m.length());
  }
  return out + text.substr(last);
}

std::string shortened(const std::string& line) {
  if (line.size() <= kLineChars) return line;
  return line.substr(0, kLineChars - 3) + "...";
}

// The first failure of a test (a test may fail several checks; the message
// holds them one after another, each from its location line), without its
// location line: at most kMessageLines lines, paths relative to the root.
std::vector<std::string> first_failure(const std::string& message, const fs::path& root, const fs::path& build_dir) {
  const auto lines = split_lines(message);
  std::size_t i = 0;
  if (i < lines.size() && is_location_line(lines[i])) ++i;
  std::vector<std::string> body;
  std::size_t more = 0;
  for (; i < lines.size() && !is_location_line(lines[i]); ++i) {
    if (lines[i].empty()) continue;
    if (body.size() < kMessageLines) body.push_back(shortened(paths_from_root(lines[i], root, build_dir)));
    else ++more;
  }
  if (more) body.push_back(fmt::format("({} more line{} in the log)", more, more == 1 ? "" : "s"));
  return body;
}

std::string plural(std::size_t n, const std::string& word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

std::string file_list(const TestSummaryInput& in) {
  std::vector<std::string> names;
  for (const auto& f : in.code_files) names.push_back(path_from_root(f.string(), in.root, in.root));
  std::sort(names.begin(), names.end());
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? in.impl + "/" : s;
}

// A --gtest_filter that selects a group's tests: "DotLengths.Saxpy" ->
// "*DotLengths*.Saxpy*" (matches "Lengths/DotLengths.Saxpy/n37" and "Typed/0.Sum").
std::string gtest_filter(const std::string& group) {
  const auto dot = group.find('.');
  return "*" + group.substr(0, dot) + "*." + group.substr(dot + 1) + "*";
}

struct Group {
  std::string name;          // DotLengths.Saxpy
  std::vector<std::string> tests;  // full names of its failing tests, in run order
  std::string first_message;
};

}  // namespace

std::string path_from_root(const std::string& path, const fs::path& root, const fs::path& build_dir) {
  const fs::path p(path);
  const fs::path full = (p.is_absolute() ? p : build_dir / p).lexically_normal();
  const fs::path rel = full.lexically_relative(root.lexically_normal());
  if (rel.empty() || *rel.begin() == "..") return path;
  return rel.generic_string();
}

std::string first_message_line(const std::string& message, const fs::path& root, const fs::path& build_dir) {
  for (const auto& line : split_lines(message))
    if (!line.empty() && !is_location_line(line)) return paths_from_root(line, root, build_dir);
  return "";
}

std::vector<int> todo_numbers(const std::string& source) {
  static const std::regex re(R"(LABKIT_TODO\(\s*(\d+)\s*,)");
  std::vector<int> numbers;
  for (auto it = std::sregex_iterator(source.begin(), source.end(), re); it != std::sregex_iterator(); ++it)
    numbers.push_back(std::stoi((*it)[1].str()));
  return numbers;
}

std::string test_group(const std::string& suite, const std::string& name) {
  // Value-parameterized: "Prefix/Suite" and "Name/param"; typed: "Suite/0".
  std::string s = suite;
  if (auto slash = s.find('/'); slash != std::string::npos) {
    const std::string after = s.substr(slash + 1);
    const bool typed_index = !after.empty() && std::all_of(after.begin(), after.end(), ::isdigit);
    s = typed_index ? s.substr(0, slash) : after;
  }
  const std::string n = name.substr(0, name.find('/'));
  return s + "." + n;
}

std::vector<std::string> next_steps(const TestSummaryInput& in) {
  std::size_t total = 0, failed = 0, skipped = 0;
  // TODOs in order of their number (then place); groups in the order their first failure ran.
  std::map<std::tuple<int, std::string, int>, std::pair<Todo, std::size_t>> todos;
  std::vector<Group> groups;
  for (const auto& t : in.tests) {
    ++total;
    if (t.skipped) ++skipped;
    if (t.passed || t.skipped) continue;
    ++failed;
    Todo todo;
    if (find_todo(t.message, todo)) {
      todo.file = path_from_root(todo.file, in.root, in.build_dir);
      auto& entry = todos[{todo.number, todo.file, todo.line}];
      if (entry.second++ == 0) entry.first = todo;
      continue;
    }
    const std::string name = test_group(t.suite, t.name);
    auto g = std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.name == name; });
    if (g == groups.end()) {
      groups.push_back({name, {}, t.message});
      g = groups.end() - 1;
    }
    g->tests.push_back(t.suite + "." + t.name);
  }
  if (failed == 0) return {};

  std::size_t at_todos = 0;
  for (const auto& [key, entry] : todos) at_todos += entry.second;

  std::vector<std::string> out;
  const std::string tally = fmt::format("{} of {} fail{}{}", failed, plural(total, "test"), failed == 1 ? "s" : "",
                                        skipped ? fmt::format(" ({} skipped)", skipped) : "");
  if (!todos.empty()) {
    out.push_back(fmt::format("labctl: {} ({}): {}; {} at {} still to write. Start with the first; each line is "
                              "the place to edit and what to write there:",
                              in.lab, in.impl, tally, at_todos == failed ? "all" : std::to_string(at_todos),
                              todos.size() == 1 ? "a TODO" : plural(todos.size(), "TODO")));
    for (const auto& [key, entry] : todos) {
      const Todo& t = entry.first;
      out.push_back(fmt::format("  {}:{}: TODO({}): {}  [{}]", t.file, t.line, t.number, t.what,
                                plural(entry.second, "failing test")));
    }
    // A TODO that only runs after another (a kernel that calls a packing
    // stub first) fails no test yet; say so rather than leave a gap unexplained.
    std::vector<int> numbers = in.todos_in_code;
    std::sort(numbers.begin(), numbers.end());
    numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
    std::vector<std::string> unreached;
    for (int n : numbers)
      if (std::none_of(todos.begin(), todos.end(), [n](const auto& e) { return std::get<0>(e.first) == n; }))
        unreached.push_back(fmt::format("TODO({})", n));
    if (unreached.size() == 1)
      out.push_back(fmt::format("  ({}: no test reaches it yet; it runs after code that is still a TODO)",
                                unreached[0]));
    else if (!unreached.empty())
      out.push_back(fmt::format("  ({}: no test reaches them yet; they run after code that is still a TODO)",
                                fmt::join(unreached, ", ")));
  }
  if (!groups.empty()) {
    if (todos.empty())
      out.push_back(fmt::format("labctl: {} ({}): {}, in {}. {}, so the bug is in {}; what each group's first "
                                "failure says:",
                                in.lab, in.impl, tally, plural(groups.size(), "test group"),
                                in.todos_in_code.empty() ? "No TODO is left" : "No failing test ran into a TODO",
                                file_list(in)));
    else
      out.push_back(fmt::format("labctl: {} reached no TODO: {} code already written, in {}:",
                                plural(failed - at_todos, "other failing test"),
                                failed - at_todos == 1 ? "it tests" : "they test", file_list(in)));
    for (std::size_t i = 0; i < groups.size() && i < kGroupsShown; ++i) {
      const Group& g = groups[i];
      const std::string& first = g.tests.front();
      const bool one_plain_test = g.tests.size() == 1 && first == g.name;
      out.push_back(one_plain_test ? fmt::format("  {} fails:", g.name)
                                   : fmt::format("  {}: {}; the first, {}:", g.name,
                                                 plural(g.tests.size(), "failing test"), first));
      for (const auto& line : first_failure(g.first_message, in.root, in.build_dir)) out.push_back("      " + line);
    }
    if (groups.size() > kGroupsShown)
      out.push_back(fmt::format("  ... and {} more (in the log)", plural(groups.size() - kGroupsShown, "failing group")));
  }
  std::string footer = "labctl: the full output is in " + in.log_file;
  if (!groups.empty() && !in.test_binary.empty() && groups.front().name != "binary.process")
    footer += fmt::format("; to run the first group alone: {} --gtest_filter='{}'", in.test_binary,
                          gtest_filter(groups.front().name));
  out.push_back(footer);
  return out;
}

}  // namespace labctl
