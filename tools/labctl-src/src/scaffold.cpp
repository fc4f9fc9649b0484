// labctl new: a lab folder from tools/templates/lab, ready to build and test.
#include <fmt/format.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "commands.hpp"

namespace labctl {

namespace {
std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
  return s;
}
}  // namespace

int cmd_new(const Context& c, const std::string& id, int phase, const std::string& title) {
  if (!std::regex_match(id, std::regex("[a-z][a-z0-9-]*")))
    throw UsageError("lab id '" + id + "' may use only a-z, 0-9 and '-', starting with a letter (e.g. my-kernel)");
  if (phase < 1 || phase > 5) throw UsageError("--phase must be 1 to 5 (see docs/stack.md)");
  for (const auto& lab : c.labs())
    if (lab.id == id) throw UsageError("a lab '" + id + "' exists already in " + lab.dir.string());
  const fs::path templ = c.root / "tools" / "templates" / "lab";
  if (!fs::is_directory(templ)) throw UsageError("template folder missing: " + templ.string());
  const fs::path dest = c.root / "phases" / phases()[static_cast<std::size_t>(phase - 1)].dir / id;
  const std::string ns = replace_all(id, "-", "_");
  const std::map<std::string, std::string> vars = {
      {"@ID@", id}, {"@NS@", ns}, {"@PHASE@", std::to_string(phase)},
      {"@TITLE@", title.empty() ? "New lab: " + id : title}};
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(templ)) {
    if (!entry.is_regular_file()) continue;
    std::string rel = fs::relative(entry.path(), templ).string();
    for (const auto& [k, v] : vars) rel = replace_all(rel, k, v);
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    std::string body = text.str();
    for (const auto& [k, v] : vars) body = replace_all(body, k, v);
    const fs::path out = dest / rel;
    fs::create_directories(out.parent_path());
    std::ofstream(out) << body;
    ++files;
  }
  fmt::print("created {} ({} files)\n", fs::relative(dest, c.root).string(), files);
  fmt::print("next: tools/labctl build, then tools/labctl test {} --impl reference\n", id);
  fmt::print("      edit {}/README.md and lab.toml (docs/authoring.md explains every field; [[tasks]]: \"Grading tasks\")\n",
             fs::relative(dest, c.root).string());
  // labctl grade builds the course from git (git archive of HEAD or --base):
  // a lab only in the working tree is not there.
  fmt::print("      commit the lab before grading it: labctl grade builds the committed course\n");
  return 0;
}

}  // namespace labctl
