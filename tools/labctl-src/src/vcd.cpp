#include "vcd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace labctl {

namespace {

std::vector<std::string> tokens_of(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string t; in >> t;) out.push_back(t);
  return out;
}

bool is_scalar_value(char c) { return std::string_view("01xXzZ").find(c) != std::string_view::npos; }

}  // namespace

const VcdSignal* Vcd::find(const std::string& name_or_path) const {
  for (const auto& s : signals)
    if (s.path() == name_or_path) return &s;
  for (const auto& s : signals)
    if (s.name == name_or_path) return &s;
  // "fifo.wr_ptr": a path below the top scope, as the table shows it.
  for (const auto& s : signals)
    if (s.path().size() > name_or_path.size() &&
        s.path().compare(s.path().size() - name_or_path.size(), name_or_path.size(), name_or_path) == 0 &&
        s.path()[s.path().size() - name_or_path.size() - 1] == '.')
      return &s;
  return nullptr;
}

std::optional<std::string> Vcd::value_at(const VcdSignal& s, std::uint64_t time) const {
  const VcdTrace& t = traces.at(s.trace);
  // The last change at or before `time`.
  auto it = std::upper_bound(t.begin(), t.end(), time, [](std::uint64_t x, const auto& c) { return x < c.first; });
  if (it == t.begin()) return std::nullopt;
  return std::prev(it)->second;
}

Vcd parse_vcd(std::istream& in) {
  Vcd vcd;
  std::vector<std::string> scopes;
  std::map<std::string, std::size_t> trace_of_code;
  bool in_header = true;
  std::uint64_t now = 0;
  std::string line;
  int line_no = 0;
  // A header keyword's tokens up to its $end may span lines.
  std::vector<std::string> pending;
  auto fail = [&](const std::string& why) { throw VcdError(fmt::format("line {}: {}", line_no, why)); };
  auto record = [&](const std::string& code, std::string value) {
    const auto it = trace_of_code.find(code);
    if (it == trace_of_code.end()) fail("value change for undeclared identifier code '" + code + "'");
    auto& t = vcd.traces[it->second];
    if (!t.empty() && t.back().first == now) t.back().second = std::move(value);  // the last change of a time step wins
    else t.emplace_back(now, std::move(value));
  };

  while (std::getline(in, line)) {
    ++line_no;
    auto toks = tokens_of(line);
    if (in_header) {
      pending.insert(pending.end(), toks.begin(), toks.end());
      // Handle every complete "$keyword ... $end" group collected so far.
      while (!pending.empty()) {
        const auto end = std::find(pending.begin(), pending.end(), "$end");
        if (pending.front() == "$enddefinitions") {
          if (end == pending.end()) break;
          in_header = false;
          pending.erase(pending.begin(), end + 1);
          break;
        }
        if (end == pending.end()) break;
        std::vector<std::string> group(pending.begin(), end);
        pending.erase(pending.begin(), end + 1);
        const std::string& kw = group.front();
        if (kw == "$timescale") {
          for (std::size_t i = 1; i < group.size(); ++i) vcd.timescale += group[i];
        } else if (kw == "$scope") {
          if (group.size() < 3) fail("$scope without a name");
          scopes.push_back(group[2]);
        } else if (kw == "$upscope") {
          if (scopes.empty()) fail("$upscope without a $scope");
          scopes.pop_back();
        } else if (kw == "$var") {
          // $var <type> <width> <code> <name> [<range>] $end
          if (group.size() < 5) fail("$var needs a type, a width, a code and a name");
          VcdSignal s;
          try {
            s.width = std::stoi(group[2]);
          } catch (const std::exception&) {
            fail("$var width '" + group[2] + "' is not a number");
          }
          s.code = group[3];
          s.name = group[4];
          for (std::size_t i = 0; i < scopes.size(); ++i) s.scope += (i ? "." : "") + scopes[i];
          auto [it, added] = trace_of_code.emplace(s.code, vcd.traces.size());
          if (added) vcd.traces.emplace_back();
          s.trace = it->second;
          vcd.signals.push_back(std::move(s));
        } else if (kw[0] != '$') {
          fail("'" + kw + "' in the header: expected a $keyword");
        }
        // $date, $version, $comment and other keywords carry nothing we need.
      }
      if (in_header) continue;
      toks.assign(pending.begin(), pending.end());  // what followed $enddefinitions on its line
      pending.clear();
    }
    for (std::size_t i = 0; i < toks.size(); ++i) {
      const std::string& t = toks[i];
      if (t[0] == '#') {
        try {
          now = std::stoull(t.substr(1));
        } catch (const std::exception&) {
          fail("'" + t + "' is not a time");
        }
        vcd.end_time = std::max(vcd.end_time, now);
      } else if (t[0] == '$') {
        if (t == "$comment")  // skip to its $end
          while (i < toks.size() && toks[i] != "$end") ++i;
        // $dumpvars, $dumpall, $dumpon, $dumpoff and their $end: values follow as usual.
      } else if (t[0] == 'b' || t[0] == 'B' || t[0] == 'r' || t[0] == 'R') {
        if (i + 1 >= toks.size()) fail("'" + t + "' has no identifier code after it");
        record(toks[i + 1], t.substr(1));
        ++i;
      } else if (is_scalar_value(t[0]) && t.size() > 1) {
        record(t.substr(1), std::string(1, static_cast<char>(std::tolower(static_cast<unsigned char>(t[0])))));
      } else {
        fail("'" + t + "' is not a value change or a time");
      }
    }
  }
  if (in_header) throw VcdError("no $enddefinitions: the file ends inside its header (is it a VCD, and complete?)");
  return vcd;
}

std::string format_vcd_value(const std::string& bits, int width) {
  if (bits.empty()) return "?";
  std::string b;
  for (char c : bits) b += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (b.find_first_not_of("01xz") != std::string::npos) return bits;  // a real value
  if (b.find('x') != std::string::npos) return "x";
  if (b.find('z') != std::string::npos) return "z";
  if (width <= 1 && b.size() == 1) return b;
  // Hexadecimal digits from the bottom, then the leading zeros off.
  std::string hex;
  for (std::size_t end = b.size(); end > 0;) {
    const std::size_t start = end >= 4 ? end - 4 : 0;
    int v = 0;
    for (std::size_t i = start; i < end; ++i) v = v * 2 + (b[i] == '1');
    hex.insert(hex.begin(), "0123456789abcdef"[v]);
    end = start;
  }
  hex.erase(0, std::min(hex.find_first_not_of('0'), hex.size() - 1));
  // As the testbenches' messages write values: decimal below 10, hexadecimal above.
  if (hex.size() == 1 && hex[0] <= '9') return hex;
  return "0x" + hex;
}

std::uint64_t cycle_time(std::uint64_t cycle, bool clocked) {
  if (!clocked) return 10 * cycle;
  return cycle == 0 ? 0 : 10 * cycle - 5;
}

bool is_clocked(const Vcd& vcd) {
  for (const auto& s : vcd.signals)
    if (s.name == "clk" && s.width == 1 && s.scope.find('.') == std::string::npos) return true;
  return false;
}

std::pair<std::uint64_t, std::uint64_t> cycle_span(const Vcd& vcd) {
  std::uint64_t first_time = vcd.end_time;
  for (const auto& t : vcd.traces)
    if (!t.empty()) first_time = std::min(first_time, t.front().first);
  const bool clocked = is_clocked(vcd);
  // The first cycle whose sample time the dump covers, and the last.
  // (Cycle 0 is the state before the first edge, dumped at time 0.)
  std::uint64_t first = !clocked || first_time == 0 ? (first_time + 9) / 10 : (first_time + 5 + 9) / 10;
  std::uint64_t last = clocked ? (vcd.end_time + 5) / 10 : vcd.end_time / 10;
  if (last < first) last = first;
  return {first, last};
}

WaveTable wave_table(const Vcd& vcd, std::uint64_t first, std::uint64_t last, std::optional<std::uint64_t> mark,
                     const std::vector<std::string>& wanted) {
  WaveTable table;
  const bool clocked = is_clocked(vcd);
  std::vector<const VcdSignal*> rows;
  if (!wanted.empty()) {
    for (const auto& name : wanted) {
      const VcdSignal* s = vcd.find(name);
      if (!s) {
        std::string known;
        for (const auto& x : vcd.signals) known += (known.empty() ? "" : ", ") + x.path();
        throw VcdError("no signal '" + name + "' in the waveform; it has: " + known);
      }
      rows.push_back(s);
    }
  } else {
    // The top scope's ports first (Verilator's TOP), then what the modules
    // below hold that the top does not show (registers, internal wires).
    std::string top;
    for (const auto& s : vcd.signals)
      if (top.empty() || s.scope.size() < top.size()) top = s.scope;
    // Parameters (WIDTH, DEPTH: upper case and never changing) are left out.
    auto is_parameter = [&](const VcdSignal& s) {
      const bool upper = std::none_of(s.name.begin(), s.name.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); });
      return upper && vcd.traces[s.trace].size() <= 1;
    };
    std::set<std::string> shown;
    if (clocked) shown.insert("clk");  // 1 at every sample: a row that says nothing
    for (const auto& s : vcd.signals)
      if (s.scope == top && shown.insert(s.name).second) rows.push_back(&s);
    for (const auto& s : vcd.signals)
      if (s.scope != top && !is_parameter(s) && shown.insert(s.name).second) rows.push_back(&s);
  }

  auto label = [&](const VcdSignal& s) {
    // Below TOP, the path from the design's module on: "fifo.wr_ptr".
    const auto dot = s.scope.find('.');
    return dot == std::string::npos ? s.name : s.scope.substr(dot + 1) + "." + s.name;
  };
  std::size_t label_w = 5;  // "cycle"
  for (const auto* s : rows) label_w = std::max(label_w, label(*s).size());
  std::vector<std::vector<std::string>> cells(rows.size());
  std::vector<std::size_t> col_w;
  for (std::uint64_t c = first; c <= last; ++c) {
    table.cycles.push_back(c);
    std::size_t w = std::to_string(c).size() + (mark && *mark == c ? 1 : 0);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const auto v = vcd.value_at(*rows[r], cycle_time(c, clocked));
      cells[r].push_back(v ? format_vcd_value(*v, rows[r]->width) : "-");
      w = std::max(w, cells[r].back().size());
    }
    col_w.push_back(w);
  }
  std::string out = fmt::format("{:<{}}", "cycle", label_w);
  for (std::size_t i = 0; i < table.cycles.size(); ++i) {
    const std::uint64_t c = table.cycles[i];
    out += fmt::format("  {:>{}}", (mark && *mark == c ? "*" : "") + std::to_string(c), col_w[i]);
  }
  out += "\n";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    table.rows.push_back(label(*rows[r]));
    out += fmt::format("{:<{}}", table.rows.back(), label_w);
    for (std::size_t i = 0; i < cells[r].size(); ++i) out += fmt::format("  {:>{}}", cells[r][i], col_w[i]);
    out += "\n";
  }
  table.text = std::move(out);
  return table;
}

}  // namespace labctl
