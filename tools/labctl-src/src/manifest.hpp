// lab.toml: what a lab is, what it needs, and what it must reach.
// The schema is documented in docs/authoring.md; every error names the file,
// the line and the fix.
#pragma once
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace labctl {

namespace fs = std::filesystem;

// An error in a file the user can fix: printed as "FILE:LINE: what. Fix: how".
struct FileError : std::runtime_error {
  FileError(const fs::path& file, int line, const std::string& what, const std::string& fix);
  fs::path file;
  int line;
};

struct Target {
  std::string name;
  std::string metric;     // speedup | gflops | gbs | roofline_fraction
  std::string kase;       // bench case
  long long size = 0;
  std::string baseline;   // for speedup
  double at_least = 0;
  std::vector<std::string> impls;  // which implementations it applies to
  int line = 0;
};

struct Lab {
  std::string id, title, module, summary;
  int phase = 0;
  std::vector<std::string> layers;
  std::vector<std::string> requires_features;
  std::vector<Target> targets;
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
// Every lab under root/phases, sorted by phase then id. Throws FileError on
// the first malformed manifest.
std::vector<Lab> discover_labs(const fs::path& root);

}  // namespace labctl
