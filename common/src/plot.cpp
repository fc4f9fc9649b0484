#include "labkit/plot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "svg.hpp"

namespace labkit {
using svg::escape_xml;
using svg::fmt_num;

namespace {

constexpr double kLeft = 80, kRight = 190, kTop = 50, kBottom = 60;

void open_svg(std::ostream& out, int width, int height, const std::string& title) {
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << ' ' << height << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << kLeft << "\" y=\"28\" font-size=\"16\" font-weight=\"bold\">" << escape_xml(title) << "</text>\n";
}

// Horizontal grid lines and labels for the y axis, the frame, and the y label.
void y_axis(std::ostream& out, const svg::Axis& y, double plot_w, const std::string& label) {
  for (double v : y.ticks()) {
    out << "<line x1=\"" << kLeft << "\" y1=\"" << y(v) << "\" x2=\"" << kLeft + plot_w << "\" y2=\"" << y(v)
        << "\" stroke=\"#eee\"/>\n<text x=\"" << kLeft - 8 << "\" y=\"" << y(v) + 4 << "\" text-anchor=\"end\">"
        << fmt_num(v) << "</text>\n";
  }
  const double plot_h = y.from - y.to;
  out << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << plot_w << "\" height=\"" << plot_h
      << "\" fill=\"none\" stroke=\"#333\"/>\n<text transform=\"translate(20," << kTop + plot_h / 2
      << ") rotate(-90)\" text-anchor=\"middle\">" << escape_xml(label) << "</text>\n";
}

void legend_entry(std::ostream& out, double plot_w, std::size_t i, const std::string& name) {
  const double y = kTop + 10 + 20 * static_cast<double>(i), x = kLeft + plot_w + 16;
  out << "<rect x=\"" << x << "\" y=\"" << y - 6 << "\" width=\"12\" height=\"12\" fill=\"" << svg::colour(i)
      << "\"/>\n<text x=\"" << x + 18 << "\" y=\"" << y + 4 << "\">" << escape_xml(name) << "</text>\n";
}

bool usable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

}  // namespace

void LinePlot::write_svg(std::ostream& out, int width, int height) const {
  const double plot_w = width - kLeft - kRight, plot_h = height - kTop - kBottom;
  double x_min = std::numeric_limits<double>::max(), x_max = -x_min, y_min = x_min, y_max = -x_min;
  for (const auto& s : series)
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!usable(s.x[i], log_x) || !usable(s.y[i], log_y)) continue;
      x_min = std::min(x_min, s.x[i]), x_max = std::max(x_max, s.x[i]);
      y_min = std::min(y_min, s.y[i]), y_max = std::max(y_max, s.y[i]);
    }
  if (x_min > x_max) x_min = y_min = 1, x_max = y_max = 10;  // nothing to draw: an empty frame
  if (!log_y && y_min > 0 && y_min < 0.5 * y_max) y_min = 0;     // start linear axes at zero when it costs little
  const svg::Axis x(x_min, x_max, kLeft, kLeft + plot_w, log_x), y(y_min, y_max, kTop + plot_h, kTop, log_y);

  open_svg(out, width, height, title);
  for (double v : x.ticks())
    out << "<line x1=\"" << x(v) << "\" y1=\"" << kTop << "\" x2=\"" << x(v) << "\" y2=\"" << kTop + plot_h
        << "\" stroke=\"#eee\"/>\n<text x=\"" << x(v) << "\" y=\"" << kTop + plot_h + 18
        << "\" text-anchor=\"middle\">" << fmt_num(v) << "</text>\n";
  out << "<text x=\"" << kLeft + plot_w / 2 << "\" y=\"" << height - 15 << "\" text-anchor=\"middle\">"
      << escape_xml(x_label) << "</text>\n";
  y_axis(out, y, plot_w, y_label);
  for (std::size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    out << "<polyline fill=\"none\" stroke=\"" << svg::colour(k) << "\" stroke-width=\"2\" points=\"";
    std::size_t drawn = 0;
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
      if (usable(s.x[i], log_x) && usable(s.y[i], log_y)) out << (drawn++ ? " " : "") << x(s.x[i]) << ',' << y(s.y[i]);
    out << "\"/>\n";
    if (drawn == 1)  // a single point is invisible as a line
      for (std::size_t i = 0; i < s.x.size(); ++i)
        if (usable(s.x[i], log_x) && usable(s.y[i], log_y))
          out << "<circle cx=\"" << x(s.x[i]) << "\" cy=\"" << y(s.y[i]) << "\" r=\"3\" fill=\"" << svg::colour(k) << "\"/>\n";
    legend_entry(out, plot_w, k, s.name);
  }
  out << "</svg>\n";
}

void BarChart::write_svg(std::ostream& out, int width, int height) const {
  const double plot_w = width - kLeft - kRight, plot_h = height - kTop - kBottom;
  double y_min = log_y ? std::numeric_limits<double>::max() : 0, y_max = log_y ? 0 : 1e-300;
  for (const auto& g : groups)
    for (double v : g.values)
      if (usable(v, log_y)) y_min = std::min(y_min, v), y_max = std::max(y_max, v);
  if (y_min > y_max) y_min = 1, y_max = 10;
  const svg::Axis y(y_min, y_max, kTop + plot_h, kTop, log_y);
  const double base = log_y ? y(std::pow(10, y.lo)) : y(std::max(0.0, y.lo));

  open_svg(out, width, height, title);
  y_axis(out, y, plot_w, y_label);
  const double slot = plot_w / std::max<std::size_t>(1, categories.size());
  const double bar = 0.8 * slot / std::max<std::size_t>(1, groups.size());
  for (std::size_t c = 0; c < categories.size(); ++c) {
    const double x0 = kLeft + slot * static_cast<double>(c) + 0.1 * slot;
    for (std::size_t g = 0; g < groups.size(); ++g) {
      if (c >= groups[g].values.size() || !usable(groups[g].values[c], log_y)) continue;
      const double v = groups[g].values[c], top = y(v);
      out << "<rect x=\"" << x0 + bar * static_cast<double>(g) << "\" y=\"" << std::min(top, base) << "\" width=\""
          << bar * 0.92 << "\" height=\"" << std::fabs(base - top) << "\" fill=\"" << svg::colour(g) << "\"><title>"
          << escape_xml(groups[g].name + ", " + categories[c]) << ": " << fmt_num(v) << "</title></rect>\n";
    }
    out << "<text x=\"" << x0 + 0.4 * slot << "\" y=\"" << kTop + plot_h + 18 << "\" text-anchor=\"middle\">"
        << escape_xml(categories[c]) << "</text>\n";
  }
  for (std::size_t g = 0; g < groups.size(); ++g) legend_entry(out, plot_w, g, groups[g].name);
  out << "</svg>\n";
}

}  // namespace labkit
