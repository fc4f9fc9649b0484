#include "build_errors.hpp"

#include <fmt/format.h>

#include <regex>
#include <sstream>
#include <vector>

#include "results.hpp"

namespace labctl {

namespace {

namespace fs = std::filesystem;

// Verilator: "%Error: <file>:<line>:<col>: <message>" (also %Error-UNSUPPORTED:,
// and %Warning-WIDTH: when warnings are fatal).
const std::regex kVerilator(R"(^%(Error|Warning)(-[A-Z0-9_]+)?: ([^:\s][^:]*):(\d+):(?:(\d+):)? (.*)$)");
// GCC and Clang: "<file>:<line>:<col>: error: <message>" (or "fatal error:").
const std::regex kCompiler(R"(^([^:\s][^:]*):(\d+):(?:(\d+):)? (?:fatal )?error: (.*)$)");

// GCC's "<file>:<line>:<col>: note: in expansion of macro ..." and "required from here".
const std::regex kUsedFrom(R"(^([^:\s][^:]*):(\d+):(?:(\d+):)? (?:note: in expansion of macro|\s*required from here).*$)");

std::string relative_to(const std::string& file, const fs::path& root, const fs::path& build_dir) {
  std::error_code ec;
  fs::path p(file);
  if (!p.is_absolute() && !build_dir.empty()) p = (build_dir / p).lexically_normal();
  if (!p.is_absolute() || root.empty()) return file;
  const auto rel = fs::relative(p, root, ec);
  if (ec || rel.empty() || rel.native().rfind("..", 0) == 0) return file;
  return rel.string();
}

}  // namespace

std::optional<BuildError> first_build_error(std::string_view log, const fs::path& root, const fs::path& build_dir) {
  std::istringstream lines{std::string(log)};
  std::optional<BuildError> first_warning;  // a fatal warning only counts when no error came
  std::optional<BuildError> compiler_error;  // found; the notes after it may move it to the learner's line
  for (std::string line; std::getline(lines, line);) {
    if (compiler_error) {
      std::smatch m;
      if (std::regex_match(line, m, kCompiler) || std::regex_match(line, m, kVerilator)) break;
      if (std::regex_match(line, m, kUsedFrom)) {
        const std::string file = relative_to(m[1].str(), root, build_dir);
        if (file.find("student/") != std::string::npos) {
          compiler_error->file = file;
          compiler_error->line = std::stoi(m[2].str());
          compiler_error->column = m[3].matched ? std::stoi(m[3].str()) : 0;
          break;
        }
      }
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::smatch m;
    if (std::regex_match(line, m, kVerilator)) {
      BuildError e{relative_to(m[3].str(), root, build_dir), std::stoi(m[4].str()), m[5].matched ? std::stoi(m[5].str()) : 0,
                   m[6].str(), "Verilator"};
      if (m[1] == "Error") return e;
      if (!first_warning) {
        e.message = m[1].str() + m[2].str() + ": " + e.message;  // "Warning-WIDTH: ..." names the lint rule
        first_warning = e;
      }
    } else if (std::regex_match(line, m, kCompiler)) {
      compiler_error = BuildError{relative_to(m[1].str(), root, build_dir), std::stoi(m[2].str()),
                                  m[3].matched ? std::stoi(m[3].str()) : 0, m[4].str(), "compiler"};
      if (compiler_error->file.find("student/") != std::string::npos) break;
    }
  }
  if (compiler_error) return compiler_error;
  return first_warning;
}

std::string describe_build_failure(std::string_view log, const fs::path& root, const fs::path& build_dir) {
  const auto e = first_build_error(log, root, build_dir);
  if (!e)
    return "labctl: the build failed (the first error is above, after the first 'FAILED:' line); "
           "fix it, then run the same command again";
  std::string where = fmt::format("{}:{}", e->file, e->line);
  if (e->column) where += fmt::format(":{}", e->column);
  std::string message = e->message;
  if (message.size() > 200) message = message.substr(0, 197) + "...";
  std::string next = "fix that line, then run the same command again";
  if (e->file.find("/student/") != std::string::npos)
    next = "fix that line of your code, then run the same command again";
  if (e->tool == "Verilator") next += " (Verilator's full message is above)";
  return fmt::format("labctl: build failed: {}: {}\nlabctl: {}", where, message, next);
}

std::string compile_error_lines(const std::string& log, const fs::path& root) {
  std::stringstream ss(log);
  std::string line, out;
  int n = 0;
  while (std::getline(ss, line) && n < 12)
    if (line.find("error") != std::string::npos) {
      out += line + "\n";
      ++n;
    }
  if (out.empty()) out = tail_lines(log, 12);
  if (root.empty()) return out;
  const std::string prefix = root.string() + "/";
  for (std::size_t at = out.find(prefix); at != std::string::npos; at = out.find(prefix, at)) out.erase(at, prefix.size());
  return out;
}

}  // namespace labctl
