// Where things are: the source tree, the build tree labctl lives in, out/.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "manifest.hpp"

namespace labctl {

struct Context {
  fs::path root;       // source tree (holds phases/, CMakePresets.json)
  fs::path build_dir;  // build/<preset>
  fs::path bin_dir;    // build/<preset>/bin
  fs::path out_dir;    // out/ (results, reports, plots)
  bool color = false;

  static Context detect(const std::string& root_override);
  std::vector<Lab> labs() const { return discover_labs(root); }
  // The lab with this id, or a FileError-style message listing the known ids.
  Lab find_lab(const std::string& id) const;
  fs::path executable(const std::string& name) const { return bin_dir / name; }
  // available, or why not (with the step that fixes it).
  std::pair<bool, std::string> availability(const Lab& lab) const;
  fs::path lab_out(const Lab& lab) const { return out_dir / lab.id; }
  std::string git_revision() const;
};

// A whole file as it is on disk ("" when it cannot be read): one reader for
// every command that compares, copies or parses files.
std::string read_text(const fs::path& file);

// A plain user error: printed as "labctl: <message>", exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace labctl
