// Small SVG charts for lab reports: a line plot (loss curves, sweeps) and a
// grouped bar chart (one bar per series in each category). Plain SVG 1.1, no
// scripts, so they render in browsers, GitHub and VS Code.
#pragma once
#include <ostream>
#include <string>
#include <vector>

namespace labkit {

struct Series {
  std::string name;
  std::vector<double> x, y;  // same length; a line through the points in order
};

struct LinePlot {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;  // log axes need positive values (others are skipped)
  std::vector<Series> series;
  void write_svg(std::ostream& out, int width = 760, int height = 440) const;
};

struct BarGroup {
  std::string name;            // legend entry
  std::vector<double> values;  // one per category
};

struct BarChart {
  std::string title, y_label;
  bool log_y = false;
  std::vector<std::string> categories;
  std::vector<BarGroup> groups;
  void write_svg(std::ostream& out, int width = 760, int height = 440) const;
};

}  // namespace labkit
