#include "labkit/roofline.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>

#include "svg.hpp"

namespace labkit {

double Roofline::attainable(double intensity, double gbs) const {
  return std::min(peak_gflops, intensity * gbs);
}

double Roofline::attainable(double intensity) const {
  if (memory.empty()) throw std::logic_error("roofline: no memory ceiling");
  return attainable(intensity, memory.back().gbs);
}

double Roofline::ridge_point() const {
  if (memory.empty() || memory.back().gbs <= 0) throw std::logic_error("roofline: no memory ceiling");
  return peak_gflops / memory.back().gbs;
}

double Roofline::efficiency(const RooflinePoint& p, double gbs) const {
  const double a = attainable(p.intensity, gbs);
  return a > 0 ? p.gflops / a : 0;
}

using svg::escape_xml;

namespace {

// Roofline labels keep plain numbers (no k/M suffixes): they are GB/s and GFLOP/s.
std::string fmt_num(double v) {
  std::ostringstream os;
  os.precision(v >= 100 ? 0 : (v >= 10 ? 1 : 2));
  os << std::fixed << v;
  return os.str();
}

}  // namespace

void Roofline::write_svg(std::ostream& out, int width, int height) const {
  const double left = 80, right = 200, bottom = 60;
  const double top = 60 + 13.0 * static_cast<double>(notes.size());
  const double plot_w = width - left - right, plot_h = height - top - bottom;

  // Axis ranges: decades that cover the ceilings and every point.
  double x_min = 1.0 / 64, x_max = 64;
  double y_max = peak_gflops * 2, y_min = peak_gflops / 1000;
  for (const auto& p : points) {
    if (p.intensity > 0) {
      x_min = std::min(x_min, p.intensity / 2);
      x_max = std::max(x_max, p.intensity * 2);
    }
    if (p.gflops > 0) {
      y_min = std::min(y_min, p.gflops / 2);
      y_max = std::max(y_max, p.gflops * 2);
    }
  }
  for (const auto& m : memory) y_min = std::min(y_min, x_min * m.gbs);
  const double lx0 = std::floor(std::log10(x_min)), lx1 = std::ceil(std::log10(x_max));
  const double ly0 = std::floor(std::log10(y_min)), ly1 = std::ceil(std::log10(y_max));
  auto X = [&](double x) { return left + (std::log10(x) - lx0) / (lx1 - lx0) * plot_w; };
  auto Y = [&](double y) { return top + plot_h - (std::log10(y) - ly0) / (ly1 - ly0) * plot_h; };

  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << ' ' << height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  out << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  out << "<text x=\"" << left << "\" y=\"28\" font-size=\"16\" font-weight=\"bold\">"
      << escape_xml(title.empty() ? "Roofline" : title) << "</text>\n";
  out << "<text x=\"" << left << "\" y=\"44\" fill=\"#555\">dots: measured kernels; slanted lines: "
         "measured bandwidth of each memory level; flat line: measured FMA peak</text>\n";
  // What is missing from this plot and why (e.g. cache ceilings on a VM that hides its caches).
  for (std::size_t i = 0; i < notes.size(); ++i)
    out << "<text x=\"" << left << "\" y=\"" << 58 + 13 * static_cast<int>(i) << "\" fill=\"#a33\" font-size=\"11\">"
        << escape_xml(notes[i]) << "</text>\n";

  // Grid and decade labels.
  for (double e = lx0; e <= lx1; ++e) {
    const double x = X(std::pow(10, e));
    out << "<line x1=\"" << x << "\" y1=\"" << top << "\" x2=\"" << x << "\" y2=\"" << top + plot_h
        << "\" stroke=\"#eee\"/>\n";
    out << "<text x=\"" << x << "\" y=\"" << top + plot_h + 18 << "\" text-anchor=\"middle\">"
        << fmt_num(std::pow(10, e)) << "</text>\n";
  }
  for (double e = ly0; e <= ly1; ++e) {
    const double y = Y(std::pow(10, e));
    out << "<line x1=\"" << left << "\" y1=\"" << y << "\" x2=\"" << left + plot_w << "\" y2=\"" << y
        << "\" stroke=\"#eee\"/>\n";
    out << "<text x=\"" << left - 8 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">"
        << fmt_num(std::pow(10, e)) << "</text>\n";
  }
  out << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << plot_w << "\" height=\""
      << plot_h << "\" fill=\"none\" stroke=\"#333\"/>\n";
  out << "<text x=\"" << left + plot_w / 2 << "\" y=\"" << height - 15
      << "\" text-anchor=\"middle\">arithmetic intensity (flop / byte)</text>\n";
  out << "<text transform=\"translate(20," << top + plot_h / 2
      << ") rotate(-90)\" text-anchor=\"middle\">GFLOP/s</text>\n";

  // Ceilings: one slanted line per memory level, flattening at the peak.
  const double xa = std::pow(10, lx0), xb = std::pow(10, lx1);
  for (std::size_t i = 0; i < memory.size(); ++i) {
    const auto& m = memory[i];
    if (m.gbs <= 0) continue;
    const double ridge = peak_gflops / m.gbs;
    const double x_end = std::min(ridge, xb);
    const double shade = 90 + 40 * static_cast<double>(i);
    out << "<polyline fill=\"none\" stroke=\"rgb(" << shade << ',' << shade << ',' << shade
        << ")\" stroke-width=\"2\" stroke-dasharray=\"" << (i + 1 == memory.size() ? "none" : "6,3")
        << "\" points=\"" << X(xa) << ',' << Y(std::max(xa * m.gbs, std::pow(10, ly0))) << ' '
        << X(x_end) << ',' << Y(attainable(x_end, m.gbs)) << "\"/>\n";
    // Labels sit at the left end of their own line: parallel lines never share a height there.
    const double label_x = xa * 1.3;
    out << "<text x=\"" << X(label_x) << "\" y=\"" << Y(attainable(label_x, m.gbs)) - 5
        << "\" fill=\"#555\">" << escape_xml(m.name) << " " << fmt_num(m.gbs) << " GB/s</text>\n";
  }
  const double ridge_min = memory.empty() ? xa : peak_gflops / std::max_element(memory.begin(), memory.end(), [](auto& a, auto& b) { return a.gbs < b.gbs; })->gbs;
  out << "<line x1=\"" << X(std::max(ridge_min, xa)) << "\" y1=\"" << Y(peak_gflops) << "\" x2=\""
      << X(xb) << "\" y2=\"" << Y(peak_gflops) << "\" stroke=\"#333\" stroke-width=\"2\"/>\n";
  out << "<text x=\"" << X(xb) - 4 << "\" y=\"" << Y(peak_gflops) - 6 << "\" text-anchor=\"end\">"
      << escape_xml(peak_label) << " " << fmt_num(peak_gflops) << " GFLOP/s</text>\n";

  // Points, coloured by series, with a legend on the right.
  std::map<std::string, std::size_t> colour_of;
  for (const auto& p : points)
    if (!colour_of.count(p.series)) colour_of.emplace(p.series, colour_of.size());
  for (const auto& p : points) {
    if (p.intensity <= 0 || p.gflops <= 0) continue;
    const char* colour = svg::colour(colour_of[p.series]);
    out << "<circle cx=\"" << X(p.intensity) << "\" cy=\"" << Y(p.gflops) << "\" r=\"5\" fill=\""
        << colour << "\" fill-opacity=\"0.8\"><title>" << escape_xml(p.label) << ": "
        << fmt_num(p.gflops) << " GFLOP/s at " << fmt_num(p.intensity)
        << " flop/B</title></circle>\n";
  }
  double ly = top + 10;
  for (const auto& [series, idx] : colour_of) {
    out << "<circle cx=\"" << left + plot_w + 20 << "\" cy=\"" << ly << "\" r=\"5\" fill=\""
        << svg::colour(idx) << "\"/>\n";
    out << "<text x=\"" << left + plot_w + 32 << "\" y=\"" << ly + 4 << "\">" << escape_xml(series)
        << "</text>\n";
    ly += 18;
  }
  out << "</svg>\n";
}

}  // namespace labkit
