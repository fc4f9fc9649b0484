#include "table.hpp"

#include <algorithm>

namespace labctl {

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto ch = static_cast<unsigned char>(text[i]);
    if (ch == 0x1b && i + 1 < text.size() && text[i + 1] == '[') {
      // ESC [ parameters final-byte: a color, zero columns wide.
      i += 2;
      while (i < text.size() && !(text[i] >= '@' && text[i] <= '~')) ++i;
      continue;
    }
    if ((ch & 0xC0) != 0x80) ++width;  // count lead bytes only, not UTF-8 continuation bytes
  }
  return width;
}

std::vector<std::string> wrap_words(std::string_view text, std::size_t width) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = text.find_first_not_of(' ', pos);
    if (start == std::string_view::npos) break;
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(start, end - start);
    if (!line.empty() && display_width(line) + 1 + display_width(word) > width) {
      lines.push_back(line);
      line.clear();
    }
    if (!line.empty()) line += ' ';
    line += word;
    pos = end;
  }
  if (!line.empty() || lines.empty()) lines.push_back(line);
  return lines;
}

std::string elide_words(std::string_view text, std::size_t width, std::string_view more) {
  if (display_width(text) <= width) return std::string(text);
  std::string kept;
  for (const auto& line : wrap_words(text, width > more.size() ? width - more.size() : 1)) {
    if (!kept.empty()) break;  // only the first line fits
    kept = line;
  }
  if (display_width(kept) + more.size() > width) {
    // One word wider than everything: keep it whole rather than cut it.
    const auto end = text.find(' ', text.find_first_not_of(' '));
    kept = std::string(text.substr(0, end));
  }
  return kept + std::string(more);
}

std::string render_table(const std::vector<Column>& columns, const std::vector<TableRow>& rows,
                         const std::string& indent) {
  const std::size_t n = columns.size();
  // Every cell as its lines (one, unless its column wraps).
  std::vector<std::vector<std::vector<std::string>>> cells;
  const bool has_header = std::any_of(columns.begin(), columns.end(), [](const Column& c) { return !c.header.empty(); });
  auto split = [&](const std::string& text, std::size_t col) {
    const std::size_t wrap = columns[col].wrap;
    if (!wrap || display_width(text) <= wrap) return std::vector<std::string>{text};
    auto lines = wrap_words(text, wrap);
    for (std::size_t k = 1; k < lines.size(); ++k) lines[k] = "  " + lines[k];  // a hanging indent marks a continuation
    return lines;
  };
  if (has_header) {
    std::vector<std::vector<std::string>> header;
    for (std::size_t c = 0; c < n; ++c) header.push_back({columns[c].header});
    cells.push_back(std::move(header));
  }
  for (const auto& row : rows) {
    std::vector<std::vector<std::string>> r;
    for (std::size_t c = 0; c < n; ++c) r.push_back(split(c < row.size() ? row[c] : "", c));
    cells.push_back(std::move(r));
  }
  std::vector<std::size_t> width(n, 0);
  for (const auto& row : cells)
    for (std::size_t c = 0; c < n; ++c)
      for (const auto& line : row[c]) width[c] = std::max(width[c], display_width(line));

  std::string out;
  for (const auto& row : cells) {
    std::size_t height = 0;
    for (const auto& cell : row) height = std::max(height, cell.size());
    for (std::size_t k = 0; k < height; ++k) {
      std::string line = indent;
      for (std::size_t c = 0; c < n; ++c) {
        const std::string text = k < row[c].size() ? row[c][k] : "";
        const std::string pad(width[c] - display_width(text), ' ');
        if (c) line += "  ";
        line += columns[c].right ? pad + text : text + pad;
      }
      line.erase(line.find_last_not_of(' ') + 1);
      out += line + "\n";
    }
  }
  return out;
}

}  // namespace labctl
