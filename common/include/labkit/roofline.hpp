// labkit/roofline.hpp: the roofline model and its plot.
//
// attainable(I) = min(peak, I x bandwidth) for a kernel of arithmetic
// intensity I flop/byte. A kernel left of the ridge point (peak / bandwidth) is
// memory-bound: only moving fewer bytes makes it faster. Right of it, it is
// compute-bound. Several memory ceilings (L1, L2, DRAM) show which level of the
// hierarchy a kernel's working set lives in.
#pragma once
#include <ostream>
#include <string>
#include <vector>

namespace labkit {

struct MemoryCeiling {
  std::string name;  // "L1", "L2", "DRAM"
  double gbs = 0;
};

struct RooflinePoint {
  std::string label;   // shown as the marker's tooltip (SVG <title>)
  std::string series;  // points of one series share a colour (e.g. an implementation)
  double intensity = 0;  // flop per byte
  double gflops = 0;     // measured
};

struct Roofline {
  std::string title;
  double peak_gflops = 0;           // compute ceiling
  std::string peak_label = "fp32 FMA peak";
  std::vector<MemoryCeiling> memory;  // at least one; the last is the slowest (DRAM)
  std::vector<RooflinePoint> points;
  // Shown under the title: what the plot lacks and why ("cache ceilings not drawn: ...").
  std::vector<std::string> notes;

  // Attainable GFLOP/s at an intensity under one memory ceiling.
  double attainable(double intensity, double gbs) const;
  // Under the slowest (last) ceiling.
  double attainable(double intensity) const;
  // Intensity where the slowest ceiling meets the peak.
  double ridge_point() const;
  // Fraction of the attainable performance a point reaches under `gbs`.
  double efficiency(const RooflinePoint& p, double gbs) const;

  // A self-contained SVG (log-log axes, ceilings, labelled points, legend).
  void write_svg(std::ostream& out, int width = 900, int height = 560) const;
};

}  // namespace labkit
