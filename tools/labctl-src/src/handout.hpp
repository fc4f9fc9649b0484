// labctl handout: the student repository of a track, without the answer key
// (docs/instructors.md, "Handing out a track"). Each lab's lab.toml says what
// it withholds ([handout] withhold, default reference/ and tests/hidden/);
// the reference is shipped compiled, as prebuilt/lib<id>_reference.a, the
// way CS:APP's handouts ship csim-ref instead of its source.
#pragma once
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "context.hpp"

namespace labctl {

struct HandoutOptions {
  fs::path track;                  // labs/tracks/NAME.toml
  fs::path out;                    // the new repository (must not exist, or be empty)
  bool reference_binaries = true;  // false: no prebuilt/ (no reference tests, no bench)
};

// labctl handout --track FILE --out DIR
int cmd_handout(const Context& c, const HandoutOptions& o);
// labctl handout --check DIR [--work W]: no withheld line, builds from a
// fresh clone, the untouched starter fails (and the prebuilt reference passes).
int cmd_handout_check(const Context& c, const fs::path& handout, const fs::path& work);

// ---- the withheld-line check, pure so that it can be tested alone

// A line as the check compares it: without leading and trailing blanks.
// Lines with no letter or digit ("}", "});", "") are never secret.
std::string normalized_line(const std::string& line);
// The lines of the withheld texts that appear in none of the kept texts.
std::set<std::string> secret_lines(const std::vector<std::string>& withheld_texts,
                                   const std::vector<std::string>& kept_texts);
// "LINE: text" for each line of `text` that is secret.
std::vector<std::string> leaked_lines(const std::set<std::string>& secrets, const std::string& text);

}  // namespace labctl
