// The design-space sweep: every array shape x dataflow over a topology,
// written as CSV and as an SVG of cycles, utilization and SRAM traffic.
#include <labkit/plot.hpp>

#include <cmath>
#include <map>
#include <sstream>

#include "systolic.hpp"

namespace systolic_array {

std::vector<SweepPoint> sweep(const Config& base, const std::vector<Layer>& layers, const std::vector<ArrayShape>& shapes,
                              Mode mode) {
  std::vector<SweepPoint> out;
  for (const ArrayShape& s : shapes)
    for (Dataflow df : kAllDataflows) {
      Config cfg = base;
      cfg.array = s;
      cfg.dataflow = df;
      SweepPoint p;
      p.array = s;
      p.dataflow = df;
      double busy_pe_cycles = 0, util_weighted = 0, map_weighted = 0;
      for (const Layer& l : layers) {
        const LayerResult r = simulate_layer(cfg, l, mode);
        p.total_cycles += r.compute.total_cycles;
        p.stall_cycles += r.stall_cycles;
        p.macs += r.compute.macs;
        p.sram_reads += r.ifmap.sram_accesses + r.filter.sram_accesses;
        p.sram_writes += r.ofmap.sram_accesses;
        p.dram_reads += r.ifmap.dram_accesses + r.filter.dram_accesses;
        p.dram_writes += r.ofmap.dram_accesses;
        // Layer means weighted by the layer's cycles, so the network's number
        // is what the array does over the whole run.
        const double t = static_cast<double>(r.compute.total_cycles);
        busy_pe_cycles += t;
        util_weighted += r.compute.compute_util_pct * t;
        map_weighted += r.compute.mapping_eff_pct * t;
      }
      p.overall_util_pct = 100.0 * static_cast<double>(p.macs) /
                           (static_cast<double>(p.total_cycles) * s.rows * static_cast<double>(s.cols));
      p.compute_util_pct = util_weighted / busy_pe_cycles;
      p.mapping_eff_pct = map_weighted / busy_pe_cycles;
      out.push_back(p);
    }
  return out;
}

void write_sweep_csv(std::ostream& out, const std::vector<SweepPoint>& points) {
  out << "rows,cols,pes,dataflow,total_cycles,stall_cycles,macs,overall_util_pct,compute_util_pct,mapping_eff_pct,"
         "sram_reads,sram_writes,dram_reads,dram_writes\n";
  for (const auto& p : points)
    out << p.array.rows << "," << p.array.cols << "," << p.array.rows * p.array.cols << ","
        << dataflow_name(p.dataflow) << "," << p.total_cycles << "," << p.stall_cycles << "," << p.macs << ","
        << py_float(p.overall_util_pct) << "," << py_float(p.compute_util_pct) << "," << py_float(p.mapping_eff_pct)
        << "," << p.sram_reads << "," << p.sram_writes << "," << p.dram_reads << "," << p.dram_writes << "\n";
}

void write_sweep_svg(std::ostream& out, const std::vector<SweepPoint>& points, const std::string& title) {
  // Three grouped bar charts stacked in one SVG: one category per array
  // shape, one bar per dataflow.
  std::vector<std::string> categories;
  std::map<std::string, size_t> index;
  for (const auto& p : points) {
    const std::string name = std::to_string(p.array.rows) + "x" + std::to_string(p.array.cols);
    if (index.emplace(name, categories.size()).second) categories.push_back(name);
  }
  auto chart = [&](const std::string& what, const std::string& unit, bool log_y, auto value) {
    labkit::BarChart c;
    c.title = title + ": " + what;
    c.y_label = unit;
    c.log_y = log_y;
    c.categories = categories;
    for (Dataflow df : kAllDataflows) {
      labkit::BarGroup g;
      g.name = dataflow_name(df);
      g.values.assign(categories.size(), 0.0);
      for (const auto& p : points)
        if (p.dataflow == df)
          g.values[index[std::to_string(p.array.rows) + "x" + std::to_string(p.array.cols)]] = value(p);
      c.groups.push_back(g);
    }
    std::ostringstream s;
    c.write_svg(s, 760, 300);
    std::string svg = s.str();
    // Strip the XML prolog and the outer <svg> so the three nest in one file.
    const size_t open = svg.find("<svg");
    const size_t body = svg.find('>', open) + 1;
    const size_t close = svg.rfind("</svg>");
    return svg.substr(body, close - body);
  };
  const std::string a = chart("total cycles", "cycles", true, [](const SweepPoint& p) { return double(p.total_cycles); });
  const std::string b = chart("overall utilization", "% of PE-cycles doing a MAC", false,
                              [](const SweepPoint& p) { return p.overall_util_pct; });
  const std::string c = chart("SRAM traffic (reads + writes)", "words", true,
                              [](const SweepPoint& p) { return double(p.sram_reads + p.sram_writes); });
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"900\" viewBox=\"0 0 760 900\">\n"
      << "<g>" << a << "</g>\n<g transform=\"translate(0,300)\">" << b << "</g>\n<g transform=\"translate(0,600)\">"
      << c << "</g>\n</svg>\n";
}

}  // namespace systolic_array
