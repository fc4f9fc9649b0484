// Pieces every labkit SVG writer shares (roofline.cpp, plot.cpp).
#pragma once
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

namespace labkit::svg {

inline std::string escape_xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// A tick label: fewer decimals for bigger numbers, SI suffixes past 10^4.
inline std::string fmt_num(double v) {
  const double a = std::fabs(v);
  const char* suffix = "";
  if (a >= 1e9) { v /= 1e9; suffix = "G"; }
  else if (a >= 1e6) { v /= 1e6; suffix = "M"; }
  else if (a >= 1e4) { v /= 1e3; suffix = "k"; }
  const double b = std::fabs(v);
  std::ostringstream os;
  os.precision(b >= 100 || b == std::floor(b) ? 0 : (b >= 10 ? 1 : (b >= 0.1 ? 2 : 3)));
  os << std::fixed << v << suffix;
  return os.str();
}

inline const char* colour(std::size_t i) {
  static const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                  "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
  return palette[i % (sizeof(palette) / sizeof(palette[0]))];
}

// One axis: maps data values to pixels between `from` and `to` (to < from for y).
struct Axis {
  double lo = 0, hi = 1, from = 0, to = 1;
  bool log = false;

  // Covers [min, max]: decades on a log axis, 1-2-5 steps on a linear one.
  Axis(double min, double max, double from_px, double to_px, bool log_scale) : from(from_px), to(to_px), log(log_scale) {
    if (!(max > min)) { max = min + (min == 0 ? 1 : std::fabs(min)); }
    if (log) {
      lo = std::floor(std::log10(min));
      hi = std::ceil(std::log10(max));
      if (hi == lo) hi = lo + 1;
    } else {
      const double s = step(min, max);
      lo = std::floor(min / s) * s;
      hi = std::ceil(max / s) * s;
    }
  }
  static double step(double min, double max) {
    const double raw = (max - min) / 6, mag = std::pow(10, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
      if (raw <= m * mag) return m * mag;
    return 10 * mag;
  }
  double operator()(double v) const {
    const double t = log ? (std::log10(v) - lo) / (hi - lo) : (v - lo) / (hi - lo);
    return from + t * (to - from);
  }
  std::vector<double> ticks() const {
    std::vector<double> t;
    if (log) {
      for (double e = lo; e <= hi; ++e) t.push_back(std::pow(10, e));
    } else {
      const double s = step(lo, hi);
      for (double v = lo; v <= hi + s / 2; v += s) t.push_back(std::fabs(v) < s * 1e-9 ? 0 : v);
    }
    return t;
  }
};

}  // namespace labkit::svg
