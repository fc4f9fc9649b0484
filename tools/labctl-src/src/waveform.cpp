#include "waveform.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace labctl {

namespace {

std::string xml(const std::string& text) {
  std::string s;
  for (char ch : text) {
    if (ch == '&') s += "&amp;";
    else if (ch == '<') s += "&lt;";
    else if (ch == '>') s += "&gt;";
    else if (ch == '"') s += "&quot;";
    else s += ch;
  }
  return s;
}

// "00101010" -> "2a"; any x or z bit makes the whole value "x" or "z".
std::string hex_of_bits(const std::string& bits) {
  if (bits.find_first_of("xX") != std::string::npos) return "x";
  if (bits.find_first_of("zZ") != std::string::npos) return "z";
  std::string hex;
  const std::size_t pad = (4 - bits.size() % 4) % 4;
  const std::string b = std::string(pad, '0') + bits;
  for (std::size_t i = 0; i < b.size(); i += 4) {
    const int nibble = (b[i] - '0') * 8 + (b[i + 1] - '0') * 4 + (b[i + 2] - '0') * 2 + (b[i + 3] - '0');
    hex += "0123456789abcdef"[nibble & 15];
  }
  const auto first = hex.find_first_not_of('0');
  return first == std::string::npos ? "0" : hex.substr(first);
}

}  // namespace

Waveform parse_vcd(std::istream& in, const std::string& source) {
  Waveform w;
  std::map<std::string, std::size_t> index_of;  // VCD id code -> signal
  int depth = 0, kept_scope_depth = -1;
  bool definitions = true;
  std::uint64_t now = 0;
  std::string line;
  auto fail = [&](int number, const std::string& why) {
    throw std::runtime_error(fmt::format("{}:{}: {} (not a value-change dump? `labctl test LAB --trace` rewrites it)",
                                         source, number, why));
  };
  auto change = [&](int number, const std::string& id, std::string value) {
    const auto it = index_of.find(id);
    if (it == index_of.end()) return;  // a signal of an inner scope: not drawn
    if (value.empty()) fail(number, "a value change without a value");
    auto& changes = w.signals[it->second].changes;
    if (!changes.empty() && changes.back().first == now) changes.back().second = std::move(value);
    else changes.emplace_back(now, std::move(value));
  };
  for (int number = 1; std::getline(in, line); ++number) {
    std::istringstream tokens(line);
    std::string t;
    while (tokens >> t) {
      if (definitions) {
        if (t == "$timescale") {
          std::string unit;
          while (tokens >> unit && unit != "$end") w.timescale += unit;
        } else if (t == "$scope") {
          ++depth;
        } else if (t == "$upscope") {
          --depth;
        } else if (t == "$var") {
          std::string type, width, id, name;
          if (!(tokens >> type >> width >> id >> name)) fail(number, "a $var without type, width, id and name");
          if (kept_scope_depth < 0) kept_scope_depth = depth;
          if (depth != kept_scope_depth || index_of.count(id)) continue;
          index_of[id] = w.signals.size();
          Waveform::Signal s;
          s.name = name;
          try {
            s.width = std::stoi(width);
          } catch (const std::exception&) {
            fail(number, "a $var whose width '" + width + "' is not a number");
          }
          w.signals.push_back(std::move(s));
        } else if (t == "$enddefinitions") {
          definitions = false;
        }
        continue;
      }
      if (t[0] == '#') {
        try {
          now = std::stoull(t.substr(1));
        } catch (const std::exception&) {
          fail(number, "a timestamp '" + t + "' that is not a number");
        }
        w.end_time = std::max(w.end_time, now);
      } else if (t[0] == 'b' || t[0] == 'B' || t[0] == 'r' || t[0] == 'R') {
        std::string id;
        if (!(tokens >> id)) fail(number, "a vector change without its signal");
        change(number, id, t.substr(1));
      } else if (t[0] == '$') {
        continue;  // $dumpvars, $end, $comment ...
      } else if (std::string("01xXzZ").find(t[0]) != std::string::npos) {
        change(number, t.substr(1), t.substr(0, 1));
      } else {
        fail(number, "unexpected '" + t + "'");
      }
    }
  }
  if (definitions) fail(0, "no $enddefinitions");
  return w;
}

void write_waveform_svg(std::ostream& out, const Waveform& w, const std::string& title, std::size_t max_times) {
  // The window: from 0 to the max_times-th distinct timestamp (or the end).
  std::set<std::uint64_t> times;
  for (const auto& s : w.signals)
    for (const auto& c : s.changes) times.insert(c.first);
  times.insert(w.end_time);
  std::uint64_t window = w.end_time;
  if (times.size() > max_times) window = *std::next(times.begin(), static_cast<long>(max_times));
  if (window == 0) window = 1;

  const double left = 110, right = 20, top = 46, row = 30, width = 900;
  const double plot_w = width - left - right;
  const double height = top + row * static_cast<double>(w.signals.size()) + 30;
  auto X = [&](std::uint64_t t) { return left + plot_w * static_cast<double>(std::min(t, window)) / static_cast<double>(window); };

  out << fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                     "font-family=\"monospace\" font-size=\"11\">\n",
                     width, height);
  out << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  out << fmt::format("<text x=\"{}\" y=\"20\" font-family=\"sans-serif\" font-size=\"14\" font-weight=\"bold\">{}</text>\n",
                     left, xml(title));
  // "1ps" reads as "75 ps"; "10ns" as "75 x 10ns".
  const std::string unit = w.timescale.empty()    ? " time units"
                           : w.timescale == "1s"  ? " s"
                           : w.timescale[0] == '1' && w.timescale.find_first_not_of('0', 1) == 1
                               ? " " + w.timescale.substr(1)
                               : " x " + w.timescale;
  out << fmt::format("<text x=\"{}\" y=\"36\" font-family=\"sans-serif\" fill=\"#555\">time 0 to {}{}{}</text>\n", left,
                     window, xml(unit),
                     window < w.end_time ? fmt::format(" (the first {} of {} time steps)", max_times, times.size()) : "");
  for (std::size_t i = 0; i < w.signals.size(); ++i) {
    const auto& s = w.signals[i];
    const double y_hi = top + row * static_cast<double>(i) + 6, y_lo = y_hi + row - 12, y_mid = (y_hi + y_lo) / 2;
    out << fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", left - 8, y_mid + 4,
                       xml(s.width > 1 ? fmt::format("{}[{}:0]", s.name, s.width - 1) : s.name));
    // Each segment: from one change to the next (or the window's end).
    for (std::size_t k = 0; k < s.changes.size(); ++k) {
      const auto [t0, value] = s.changes[k];
      if (t0 >= window) break;
      const std::uint64_t t1 = k + 1 < s.changes.size() ? std::min(s.changes[k + 1].first, window) : window;
      const double x0 = X(t0), x1 = X(t1);
      const std::string tip = fmt::format("{} = {} at {}", s.name, s.width > 1 ? "0x" + hex_of_bits(value) : value, t0);
      if (s.width == 1) {
        auto level = [&](const std::string& v) { return v == "1" ? y_hi : v == "0" ? y_lo : y_mid; };
        const double y = level(value), y_before = k ? level(s.changes[k - 1].second) : y;
        // The edge from the previous level at x0, then the level until the next change.
        out << fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{:.1f},{:.1f} {:.1f},{:.1f} "
                           "{:.1f},{:.1f}\"><title>{}</title></polyline>\n",
                           value == "0" || value == "1" ? "#1f77b4" : "#d62728", x0, y_before, x0, y, x1, y, xml(tip));
      } else {
        const std::string hex = hex_of_bits(value);
        const bool unknown = hex == "x" || hex == "z";
        const double slant = std::min(3.0, (x1 - x0) / 2);
        out << fmt::format("<polygon fill=\"{}\" stroke=\"#2ca02c\" points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} "
                           "{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\"><title>{}</title></polygon>\n",
                           unknown ? "#f6d5d5" : "#eaf5ea", x0, y_mid, x0 + slant, y_hi, x1 - slant, y_hi, x1, y_mid,
                           x1 - slant, y_lo, x0 + slant, y_lo, xml(tip));
        if (x1 - x0 > 7.0 * static_cast<double>(hex.size()) + 6)
          out << fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", (x0 + x1) / 2, y_mid + 4,
                             hex);
      }
    }
  }
  out << "</svg>\n";
}

}  // namespace labctl
