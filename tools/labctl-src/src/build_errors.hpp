// The first compile error of a failed build, as one line a learner can act on.
//
// A failed `cmake --build` prints pages: ninja's "FAILED:" line with the whole
// Verilator or compiler command (thousands of characters), the tool's own
// messages, and "ninja: build stopped". What the learner needs is the first
// `file:line:col: message` (Verilator's "%Error: file:line:col: ..." or the
// compiler's "file:line:col: error: ..."), with the path made relative to the
// repository, and what to do next.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace labctl {

struct BuildError {
  std::string file;     // relative to the repository root when inside it
  int line = 0;
  int column = 0;       // 0 when the tool gave none
  std::string message;  // "syntax error, unexpected endmodule"
  std::string tool;     // "Verilator" or "compiler"
};

// The first error in `log` (Verilator's or the C++ compiler's), or nothing
// when the log holds no `file:line: message` error (a link error, say).
// Relative paths (the compiler's, run by ninja in the build folder) are read
// against `build_dir`. An error inside a header or macro that a learner's file
// (a path with /student/) used is reported at the learner's line.
std::optional<BuildError> first_build_error(std::string_view log, const std::filesystem::path& root,
                                            const std::filesystem::path& build_dir = {});

// The labctl line for a failed build: where the first error is and what to do.
std::string describe_build_failure(std::string_view log, const std::filesystem::path& root,
                                   const std::filesystem::path& build_dir = {});

// The report's lines for a failed build: its first 12 lines that mention
// "error" (else its last 12), with every "<root>/" removed. Through ccache
// (base_dir) the compiler names ../../phases/...; without it CMake's
// absolute paths reach its messages, and these read phases/... instead of
// telling a student where the grader's tree is.
std::string compile_error_lines(const std::string& log, const std::filesystem::path& root);

}  // namespace labctl
