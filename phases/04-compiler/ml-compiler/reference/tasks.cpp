// The reference: constant folding, the Conv+BatchNorm fold, liveness
// intervals, and the tiled matmul schedule.
#include <cmath>

#include "ml_compiler.hpp"

namespace ml_compiler::reference {

int fold_constants(Graph& g) {
  int folded = 0;
  std::vector<Node> kept;
  for (Node& n : g.nodes) {
    bool all_constant = !n.inputs.empty();
    for (const auto& in : n.inputs) all_constant &= in.empty() || g.is_constant(in);
    bool is_output = false;
    for (const auto& o : g.outputs) is_output |= o.name == n.outputs[0];
    if (!all_constant || is_output) {
      kept.push_back(std::move(n));
      continue;
    }
    std::vector<const Constant*> args;
    for (const auto& in : n.inputs) args.push_back(in.empty() ? nullptr : &g.initializers.at(in));
    g.initializers[n.outputs[0]] = evaluate_node(n, args);
    ++folded;
  }
  g.nodes = std::move(kept);
  return folded;
}

int fold_conv_batchnorm(Graph& g) {
  int folded = 0;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& conv = g.nodes[i];
    if (conv.op != "Conv" || !g.is_constant(conv.inputs[1])) continue;
    const auto uses = g.use_counts();
    if (uses.at(conv.outputs[0]) != 1) continue;
    std::size_t j = i + 1;
    while (j < g.nodes.size() && (g.nodes[j].inputs.empty() || g.nodes[j].inputs[0] != conv.outputs[0])) ++j;
    if (j == g.nodes.size() || g.nodes[j].op != "BatchNormalization") continue;
    const Node& bn = g.nodes[j];
    bool params_constant = true;
    for (int p = 1; p < 5; ++p) params_constant &= g.is_constant(bn.inputs[p]);
    if (!params_constant) continue;
    // BN(y) = gamma (y - mean) / sqrt(var + eps) + beta = s y + (beta - s mean),
    // s = gamma / sqrt(var + eps); y = W x + b, so W' = s W and b' = s (b - mean) + beta.
    const Constant& w = g.initializers.at(conv.inputs[1]);
    const auto& gamma = g.initializers.at(bn.inputs[1]).data;
    const auto& beta = g.initializers.at(bn.inputs[2]).data;
    const auto& mean = g.initializers.at(bn.inputs[3]).data;
    const auto& var = g.initializers.at(bn.inputs[4]).data;
    const float eps = bn.attr_f("epsilon", 1e-5f);
    const std::int64_t O = w.shape[0], per = numel(w.shape) / O;
    Constant nw = w, nb;
    nb.shape = {O};
    nb.data.assign(static_cast<std::size_t>(O), 0.0f);
    for (std::int64_t o = 0; o < O; ++o) {
      const float s = gamma[o] / std::sqrt(var[o] + eps);
      for (std::int64_t e = 0; e < per; ++e) nw.data[o * per + e] *= s;
      const float b = conv.inputs.size() > 2 && !conv.inputs[2].empty() ? g.initializers.at(conv.inputs[2]).data[o] : 0.0f;
      nb.data[o] = s * (b - mean[o]) + beta[o];
    }
    Node fused = conv;
    const std::string wname = g.fresh_name(conv.name + "_bn_weight"), bname = g.fresh_name(conv.name + "_bn_bias");
    g.initializers[wname] = std::move(nw);
    g.initializers[bname] = std::move(nb);
    fused.inputs.resize(3);
    fused.inputs[1] = wname;
    fused.inputs[2] = bname;
    fused.outputs[0] = bn.outputs[0];
    g.nodes[i] = fused;
    g.nodes.erase(g.nodes.begin() + static_cast<std::ptrdiff_t>(j));
    ++folded;
  }
  if (folded) eliminate_dead_code(g);
  return folded;
}

std::vector<Interval> liveness(const Graph& g) {
  std::vector<Interval> out;
  std::map<std::string, std::size_t> at;
  auto add = [&](const std::string& v, int first) {
    at[v] = out.size();
    out.push_back({v, first, first, numel(g.shapes.at(v)) * 4});
  };
  for (const auto& in : g.inputs) add(in.name, -1);
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const int step = static_cast<int>(i);
    for (const auto& in : g.nodes[i].inputs)
      if (!in.empty() && at.count(in)) out[at[in]].last = step;
    add(g.nodes[i].outputs[0], step);
  }
  for (const auto& o : g.outputs)
    if (at.count(o.name)) out[at[o.name]].last = static_cast<int>(g.nodes.size());
  return out;
}

void tile_matmul(LoopNest& nest, const MatmulSchedule& s) {
  // i j k  ->  i_o j_o k_o i_i k_i j_i: a block of C (ti x tj) stays in cache
  // while k_o walks a tk-deep slab of A and B; the innermost loop runs along
  // j, unit stride in B and C, and vectorizes.
  //
  // With a register tile (mr x nr) the cache block is cut once more:
  //   i_o j_o k_o i_i_o j_i_o k_i i_i_i j_i_i
  // and the mr x nr piece of C lives in a local array (cache_write) for the
  // whole k_i loop: each step of k_i loads mr values of A and nr of B and
  // does mr x nr multiply-adds in registers, without touching C in memory.
  const std::string i = s.ti > 0 ? "i_i" : "i", j = s.tj > 0 ? "j_i" : "j", k = s.tk > 0 ? "k_i" : "k";
  std::vector<std::string> order;
  if (s.ti > 0) nest.split("i", s.ti), order.push_back("i_o");
  if (s.tj > 0) nest.split("j", s.tj), order.push_back("j_o");
  if (s.tk > 0) nest.split("k", s.tk), order.push_back("k_o");
  if (s.mr > 0 && s.nr > 0) {
    nest.split(i, s.mr);
    nest.split(j, s.nr);
    for (const std::string& v : {i + "_o", j + "_o", k, i + "_i", j + "_i"}) order.push_back(v);
    nest.reorder(order);
    nest.cache_write(j + "_o");
    nest.unroll(i + "_i", static_cast<int>(s.mr));
    nest.vectorize(j + "_i");
  } else {
    for (const std::string& v : {i, k, j}) order.push_back(v);
    nest.reorder(order);
    nest.vectorize(j);
    if (s.unroll > 0) nest.unroll(k, s.unroll);
  }
  if (s.parallel) nest.parallel(order.front());
}

const Impl& impl() {
  static const Impl i{fold_constants, fold_conv_batchnorm, liveness, tile_matmul};
  return i;
}

}  // namespace ml_compiler::reference
