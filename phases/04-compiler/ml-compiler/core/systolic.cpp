// The systolic-array backend: each Gemm, MatMul and Conv of a shaped graph
// becomes a layer of the systolic-array lab's topology (SCALE-Sim's conv
// form: a GEMM is a 1 x 1 convolution over an M x 1 image with K channels and
// N filters), simulated on the configured array by that lab's model.
#include <cstdio>
#include <sstream>

#include <systolic.hpp>

#include "ml_compiler.hpp"

namespace ml_compiler {

std::vector<SystolicLayer> systolic_layers(const Graph& g, const std::string& config_path, std::string* topology_csv) {
  systolic_array::Config cfg;
  if (!config_path.empty()) {
    try {
      cfg = systolic_array::read_config(config_path);
    } catch (const std::exception& e) {
      throw InputError(e.what());
    }
  } else {
    cfg.array = {32, 32};
    cfg.dataflow = systolic_array::Dataflow::os;
  }
  std::vector<SystolicLayer> out;
  std::ostringstream csv;
  csv << "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n";
  for (const Node& n : g.nodes) {
    if (n.op != "Gemm" && n.op != "MatMul" && n.op != "Conv") continue;
    SystolicLayer s;
    s.node = n.name;
    s.op = n.op;
    systolic_array::Layer layer;
    const Shape& y = g.shapes.at(n.outputs[0]);
    if (n.op == "Conv") {
      const Shape& x = g.shapes.at(n.inputs[0]);
      const Shape& w = g.shapes.at(n.inputs[1]);
      const auto pads = n.attr_ints("pads", {0, 0, 0, 0}), st = n.attr_ints("strides", {1, 1});
      layer.name = n.name;
      layer.ifmap_h = x[2] + pads[0] + pads[2];  // the padded image, as SCALE-Sim sees it
      layer.ifmap_w = x[3] + pads[1] + pads[3];
      layer.filter_h = w[2];
      layer.filter_w = w[3];
      layer.channels = w[1];
      layer.num_filters = w[0];
      layer.stride_h = st[0];
      layer.stride_w = st[1];
      s.repeats = x[0];  // one image at a time
    } else {
      const Shape& a = g.shapes.at(n.inputs[0]);
      const bool ta = n.op == "Gemm" && n.attr_i("transA", 0);
      const auto M = y[y.size() - 2], N = y.back(), K = ta ? a[a.size() - 2] : a.back();
      layer = systolic_array::gemm_layer(n.name, M, N, K);
      s.repeats = numel(y) / (M * N);  // a batched MatMul runs one GEMM per batch entry
    }
    const auto gemm = layer.gemm();
    s.M = gemm.M;
    s.N = gemm.N;
    s.K = gemm.K;
    const auto r = systolic_array::simulate_layer(cfg, layer, systolic_array::Mode::analytical);
    s.cycles = r.compute.total_cycles * s.repeats;
    s.util_pct = r.compute.overall_util_pct;
    s.ifmap_sram_reads = r.ifmap.sram_accesses * s.repeats;
    s.filter_sram_reads = r.filter.sram_accesses * s.repeats;
    s.ofmap_sram_writes = r.ofmap.sram_accesses * s.repeats;
    csv << layer.name << ", " << layer.ifmap_h << ", " << layer.ifmap_w << ", " << layer.filter_h << ", "
        << layer.filter_w << ", " << layer.channels << ", " << layer.num_filters << ", " << layer.stride_h << ",\n";
    out.push_back(s);
  }
  if (topology_csv) *topology_csv = csv.str();
  return out;
}

std::string systolic_table(const std::vector<SystolicLayer>& layers) {
  std::ostringstream s;
  char line[256];
  std::snprintf(line, sizeof line, "%-28s %-7s %5s %6s %6s %6s %12s %7s %12s %12s %12s\n", "node", "op", "x", "M", "N",
                "K", "cycles", "util%", "ifmap_rd", "filter_rd", "ofmap_wr");
  s << line;
  std::int64_t cycles = 0;
  for (const auto& l : layers) {
    std::snprintf(line, sizeof line, "%-28s %-7s %5lld %6lld %6lld %6lld %12lld %7.1f %12lld %12lld %12lld\n",
                  l.node.substr(0, 28).c_str(), l.op.c_str(), static_cast<long long>(l.repeats),
                  static_cast<long long>(l.M), static_cast<long long>(l.N), static_cast<long long>(l.K),
                  static_cast<long long>(l.cycles), l.util_pct, static_cast<long long>(l.ifmap_sram_reads),
                  static_cast<long long>(l.filter_sram_reads), static_cast<long long>(l.ofmap_sram_writes));
    s << line;
    cycles += l.cycles;
  }
  s << "total cycles: " << cycles << "\n";
  return s.str();
}

}  // namespace ml_compiler
