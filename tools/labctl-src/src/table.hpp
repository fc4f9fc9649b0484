// Plain-text tables for the terminal. Column widths come from the cells
// themselves, so a long lab id or target name never pushes the columns after
// it out of line; a column with a wrap width breaks long cells between words
// (never inside one). The functions return text, so tests can compare it.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace labctl {

struct Column {
  std::string header;
  bool right = false;      // right-align (numbers)
  std::size_t wrap = 0;    // 0: never wrap; otherwise wrap wider cells at spaces, continuation lines indented by 2
};

using TableRow = std::vector<std::string>;

// The table as lines, each starting with `indent`, columns two spaces apart,
// no trailing spaces. A row with fewer cells than columns is padded with
// empty cells. An empty header row is left out when every header is empty.
std::string render_table(const std::vector<Column>& columns, const std::vector<TableRow>& rows,
                         const std::string& indent = "");

// Width on a terminal: UTF-8 code points, not counting ANSI color sequences.
std::size_t display_width(std::string_view text);

// `text` split into lines of at most `width` columns, at spaces; a word wider
// than `width` gets a line of its own, whole.
std::vector<std::string> wrap_words(std::string_view text, std::size_t width);

// `text` cut to at most `width` columns at the last space that fits, with
// `more` appended when anything was cut (a word is never cut in half).
std::string elide_words(std::string_view text, std::size_t width, std::string_view more = " ...");

}  // namespace labctl
