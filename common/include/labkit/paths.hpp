// labkit/paths.hpp: where the running program is.
#pragma once
#include <filesystem>
#include <string>
#include <system_error>

namespace labkit {

// The folder of the running executable (build/<preset>/bin for every lab
// program, beside the tools and data the build puts there), read from
// /proc/self/exe; "" where that link cannot be read (callers then say what
// they could not find, rather than guess a folder).
inline std::string executable_dir() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

}  // namespace labkit
