// Graph passes: shape inference, dead code, common subexpressions, fusion,
// layout choice, and printing. Constant folding and the Conv+BatchNorm fold
// are the learner's (reference/passes.cpp, student/passes.cpp).
#include <algorithm>
#include <set>
#include <sstream>

#include "internal.hpp"

namespace ml_compiler {

void infer_shapes(Graph& g, const std::map<std::string, Shape>& input_shapes) {
  g.shapes.clear();
  for (auto& in : g.inputs) {
    auto it = input_shapes.find(in.name);
    if (it != input_shapes.end()) {
      in.shape = it->second;
      in.known_shape = true;
    }
    if (!in.known_shape)
      throw InputError("graph input '" + in.name +
                       "' has no fixed shape in the model; fix: give its shape (onnx-run takes it from the .npy file)");
    g.shapes[in.name] = in.shape;
  }
  for (const auto& [k, v] : g.initializers) g.shapes[k] = v.shape;
  for (const Node& n : g.nodes) {
    std::vector<Shape> in;
    std::vector<const Constant*> consts;
    for (const auto& i : n.inputs) {
      if (i.empty()) continue;
      auto it = g.shapes.find(i);
      if (it == g.shapes.end())
        throw InputError("node '" + n.name + "' (" + n.op + ") reads '" + i +
                         "', which no earlier node, input or initializer defines (the graph is not in topological "
                         "order, or is incomplete)");
      in.push_back(it->second);
      auto c = g.initializers.find(i);
      consts.push_back(c == g.initializers.end() ? nullptr : &c->second);
    }
    if (n.outputs.size() != 1 && !(n.op == "BatchNormalization" && !n.outputs.empty()))
      throw InputError("node '" + n.name + "' (" + n.op + ") has " + std::to_string(n.outputs.size()) +
                       " outputs; this compiler supports one (BatchNormalization in inference mode)");
    g.shapes[n.outputs[0]] = detail::output_shape(n, in, consts);
  }
  for (auto& o : g.outputs) {
    auto it = g.shapes.find(o.name);
    if (it == g.shapes.end()) throw InputError("graph output '" + o.name + "' is not produced by any node");
    o.shape = it->second;
    o.known_shape = true;
  }
}

int eliminate_dead_code(Graph& g) {
  std::set<std::string> live;
  for (const auto& o : g.outputs) live.insert(o.name);
  std::vector<bool> keep(g.nodes.size(), false);
  for (int i = static_cast<int>(g.nodes.size()) - 1; i >= 0; --i) {
    const Node& n = g.nodes[i];
    for (const auto& o : n.outputs)
      if (live.count(o)) keep[i] = true;
    if (keep[i]) live.insert(n.inputs.begin(), n.inputs.end());
  }
  int removed = 0;
  std::vector<Node> nodes;
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    if (keep[i]) nodes.push_back(std::move(g.nodes[i]));
    else ++removed;
  g.nodes = std::move(nodes);
  for (auto it = g.initializers.begin(); it != g.initializers.end();)
    if (!live.count(it->first)) {
      it = g.initializers.erase(it);
      ++removed;
    } else {
      ++it;
    }
  return removed;
}

namespace {
std::string attr_key(const Attr& a) {
  std::ostringstream s;
  s << a.kind << ':' << a.f << ':' << a.i << ':' << a.s << ':';
  for (auto v : a.ints) s << v << ',';
  for (auto v : a.floats) s << v << ',';
  s << shape_str(a.t.shape);
  for (auto v : a.t.data) s << v << ',';
  return s.str();
}

void rename_uses(Graph& g, const std::string& from, const std::string& to) {
  for (Node& n : g.nodes)
    for (auto& i : n.inputs)
      if (i == from) i = to;
}

bool is_graph_output(const Graph& g, const std::string& v) {
  for (const auto& o : g.outputs)
    if (o.name == v) return true;
  return false;
}

// The one node reading `value`, or -1 (none, several, or a graph output reads it).
int sole_consumer(const Graph& g, const std::string& value) {
  int found = -1;
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    for (const auto& in : g.nodes[i].inputs)
      if (in == value) {
        if (found >= 0 && found != static_cast<int>(i)) return -1;
        found = static_cast<int>(i);
      }
  return is_graph_output(g, value) ? -1 : found;
}
}  // namespace

int eliminate_common_subexpressions(Graph& g) {
  std::map<std::string, std::string> seen;  // key -> first output
  int removed = 0;
  std::vector<Node> nodes;
  for (Node& n : g.nodes) {
    std::string key = n.op + "(";
    for (const auto& i : n.inputs) key += i + ",";
    key += ")";
    for (const auto& [k, a] : n.attrs) key += k + "=" + attr_key(a) + ";";
    auto it = seen.find(key);
    if (it != seen.end() && n.outputs.size() == 1 && !is_graph_output(g, n.outputs[0])) {
      rename_uses(g, n.outputs[0], it->second);
      ++removed;
      continue;
    }
    seen.emplace(key, n.outputs[0]);
    nodes.push_back(std::move(n));
  }
  g.nodes = std::move(nodes);
  return removed;
}

int fuse_gemm_epilogues(Graph& g) {
  int fused = 0;
  bool changed = true;
  while (changed) {
    changed = false;
    for (std::size_t i = 0; i < g.nodes.size() && !changed; ++i) {
      Node& n = g.nodes[i];
      const int c = sole_consumer(g, n.outputs[0]);
      if (c < 0) continue;
      Node& next = g.nodes[c];
      // MatMul(A, B) + bias  ->  Gemm(A, B, bias): the bias add joins the matmul's epilogue.
      if (n.op == "MatMul" && next.op == "Add" && g.shapes.count(n.inputs[0]) && g.shapes.count(n.inputs[1]) &&
          g.shapes.at(n.inputs[0]).size() == 2 && g.shapes.at(n.inputs[1]).size() == 2) {
        const std::string other = next.inputs[0] == n.outputs[0] ? next.inputs[1] : next.inputs[0];
        if (!g.shapes.count(other)) continue;
        const Shape& bs = g.shapes.at(other);
        const auto N = g.shapes.at(n.inputs[1])[1];
        if (!(bs == Shape{N} || bs == Shape{1, N})) continue;
        n.op = "Gemm";
        n.inputs.push_back(other);
        n.outputs[0] = next.outputs[0];
        g.nodes.erase(g.nodes.begin() + c);
        ++fused;
        changed = true;
      } else if ((n.op == "Gemm" || n.op == "Conv") && next.op == "Relu" && n.attr_s("mlc_activation", "").empty()) {
        // Gemm/Conv + Relu -> one kernel that applies max(0, x) as it stores.
        n.set_s("mlc_activation", "Relu");
        n.outputs[0] = next.outputs[0];
        g.nodes.erase(g.nodes.begin() + c);
        ++fused;
        changed = true;
      }
    }
  }
  return fused;
}

int choose_layouts(Graph& g) {
  // The generated matmul runs its innermost loop along j (the output's
  // columns) so that B[k][j] and C[i][j] are read with unit stride and the
  // loop vectorizes. A Gemm weight stored [N x K] (transB = 1, PyTorch's
  // nn.Linear) is transposed once, at compile time, to [K x N].
  int changed = 0;
  for (Node& n : g.nodes) {
    if (n.op != "Gemm" || !n.attr_i("transB", 0) || !g.is_constant(n.inputs[1])) continue;
    const Constant& w = g.initializers.at(n.inputs[1]);
    Constant t;
    t.shape = {w.shape[1], w.shape[0]};
    t.data.resize(w.data.size());
    for (std::int64_t r = 0; r < w.shape[0]; ++r)
      for (std::int64_t c = 0; c < w.shape[1]; ++c) t.data[c * w.shape[0] + r] = w.data[r * w.shape[1] + c];
    const std::string name = g.fresh_name(n.inputs[1] + "_KxN");
    g.initializers[name] = std::move(t);
    n.inputs[1] = name;
    n.set_i("transB", 0);
    ++changed;
  }
  if (changed) eliminate_dead_code(g);
  return changed;
}

std::string to_text(const Graph& g) {
  std::ostringstream s;
  auto shape_of = [&](const std::string& v) {
    auto it = g.shapes.find(v);
    return it == g.shapes.end() ? std::string("?") : shape_str(it->second);
  };
  s << "graph " << g.name << " (opset " << g.opset << ")\n";
  for (const auto& i : g.inputs) s << "  input  %" << i.name << " : " << shape_of(i.name) << "\n";
  std::int64_t weights = 0;
  for (const auto& [k, v] : g.initializers) weights += numel(v.shape);
  s << "  " << g.initializers.size() << " initializers, " << weights << " floats\n";
  for (const Node& n : g.nodes) {
    s << "  %" << n.outputs[0] << " = " << n.op << "(";
    for (std::size_t i = 0; i < n.inputs.size(); ++i)
      s << (i ? ", " : "") << (g.is_constant(n.inputs[i]) ? "$" : "%") << n.inputs[i];
    s << ")";
    std::string attrs;
    for (const auto& [k, a] : n.attrs) {
      if (a.kind == Attr::kTensor || a.kind == Attr::kNone) continue;
      attrs += (attrs.empty() ? "" : " ") + k + "=";
      if (a.kind == Attr::kInt) attrs += std::to_string(a.i);
      else if (a.kind == Attr::kFloat) attrs += std::to_string(a.f);
      else if (a.kind == Attr::kString) attrs += a.s;
      else if (a.kind == Attr::kInts) attrs += shape_str(a.ints);
      else attrs += "[" + std::to_string(a.floats.size()) + " floats]";
    }
    if (!attrs.empty()) s << " {" << attrs << "}";
    s << " : " << shape_of(n.outputs[0]) << "   # " << n.name << "\n";
  }
  for (const auto& o : g.outputs) s << "  output %" << o.name << " : " << shape_of(o.name) << "\n";
  return s.str();
}

std::string to_dot(const Graph& g) {
  std::ostringstream s;
  auto id = [](const std::string& v) {
    std::string q = "\"";
    for (char c : v) q += c == '"' ? '\'' : c;
    return q + "\"";
  };
  s << "digraph " << id(g.name) << " {\n  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10];\n";
  for (const auto& i : g.inputs) s << "  " << id("v:" + i.name) << " [label=" << id(i.name) << ", shape=ellipse];\n";
  for (const Node& n : g.nodes) {
    std::string label = n.op;
    if (!n.attr_s("mlc_activation", "").empty()) label += "+" + n.attr_s("mlc_activation", "");
    auto sh = g.shapes.find(n.outputs[0]);
    if (sh != g.shapes.end()) label += "\\n" + shape_str(sh->second);
    s << "  " << id("n:" + n.name) << " [label=" << id(label) << ", shape=box, style=filled, fillcolor="
      << (n.op == "Gemm" || n.op == "Conv" || n.op == "MatMul" ? "lightblue" : "white") << "];\n";
    for (const auto& in : n.inputs) {
      if (in.empty() || g.is_constant(in)) continue;
      const Node* p = g.producer(in);
      s << "  " << id(p ? "n:" + p->name : "v:" + in) << " -> " << id("n:" + n.name) << ";\n";
    }
  }
  for (const auto& o : g.outputs) {
    s << "  " << id("o:" + o.name) << " [label=" << id(o.name) << ", shape=ellipse];\n";
    const Node* p = g.producer(o.name);
    if (p) s << "  " << id("n:" + p->name) << " -> " << id("o:" + o.name) << ";\n";
  }
  s << "}\n";
  return s.str();
}

void optimize(Graph& g, const Impl& impl, const CompileOptions& o) {
  auto dump = [&](const std::string& stage) {
    if (o.dump) o.dump(stage, g);
  };
  infer_shapes(g);
  dump("imported");
  impl.fold_constants(g);
  dump("constant folding");
  eliminate_dead_code(g);
  dump("dead-code elimination");
  eliminate_common_subexpressions(g);
  dump("common-subexpression elimination");
  if (o.fuse) {
    impl.fold_conv_batchnorm(g);
    infer_shapes(g);
    dump("Conv+BatchNormalization folding");
    fuse_gemm_epilogues(g);
    dump("Gemm/Conv epilogue fusion");
  }
  choose_layouts(g);
  infer_shapes(g);
  dump("layout choice");
}

}  // namespace ml_compiler
