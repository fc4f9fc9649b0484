// The exporter: tiny-nn's MLP, CNN and transformer as ONNX graphs, the way
// torch.onnx.export writes such models (MatMul + Add for a linear layer on
// [in x out] weights, LayerNormalization from opset 17, GELU spelled out in
// Pow/Mul/Add/Tanh, attention as Reshape/Transpose/Gather/MatMul/Softmax).
#include <cmath>
#include <limits>

#include <tiny_nn/nn.hpp>
#include <tiny_nn/transformer.hpp>

#include "ml_compiler.hpp"

namespace ml_compiler {

namespace {

Constant from_tensor(const tiny_nn::Tensor& t) {
  Constant c;
  c.shape = t.shape();
  c.data = t.to_vector();
  return c;
}

Constant scalar(float v) {
  Constant c;
  c.data = {v};
  return c;
}

Constant ints(std::vector<std::int64_t> v) {
  Constant c;
  c.shape = {static_cast<std::int64_t>(v.size())};
  c.data.assign(v.begin(), v.end());
  c.elem_type = 7;
  return c;
}

struct Builder {
  Graph g;
  int count = 0;
  std::string constant(const std::string& name, Constant c) {
    g.initializers[name] = std::move(c);
    return name;
  }
  std::string op(const std::string& type, std::vector<std::string> inputs, const std::string& hint = "",
                 const std::function<void(Node&)>& attrs = {}) {
    Node n;
    n.op = type;
    n.name = (hint.empty() ? type : hint) + "_" + std::to_string(count++);
    n.inputs = std::move(inputs);
    n.outputs = {n.name + "_out"};
    if (attrs) attrs(n);
    g.nodes.push_back(n);
    return n.outputs[0];
  }
  std::string linear(const std::string& x, const std::string& prefix) {
    return op("Add", {op("MatMul", {x, prefix + ".weight"}, prefix + "_matmul"), prefix + ".bias"}, prefix + "_bias");
  }
  void output(const std::string& value, const std::string& name) {
    for (Node& n : g.nodes)
      for (auto& o : n.outputs)
        if (o == value) o = name;
    g.outputs.push_back({name, {}, false, 1});
  }
};

void add_parameters(Builder& b, const tiny_nn::Parameters& params) {
  for (const auto& p : params) b.constant(p.name, from_tensor(p.tensor));
}

// Fresh models have zero biases and unit LayerNorm gains: a pass that drops a
// bias would go unnoticed. Without a weights file, give them small values.
void load_or_perturb(const tiny_nn::Parameters& params, const std::string& weights, std::uint64_t seed) {
  if (!weights.empty()) {
    try {
      tiny_nn::load_weights(weights, params);
    } catch (const std::exception& e) {
      throw InputError(std::string(e.what()) + " (fix: pass weights tiny-nn_train wrote for this model)");
    }
    return;
  }
  tiny_nn::Rng rng(seed ^ 0x9e3779b97f4a7c15ull);
  tiny_nn::NoGradGuard guard;
  for (const auto& p : params) {
    const bool small = p.name.find("bias") != std::string::npos || p.name.find("ln") != std::string::npos;
    if (!small) continue;
    tiny_nn::Tensor t = p.tensor;
    for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] += rng.uniform(-0.1f, 0.1f);
  }
}

Constant images(int batch, std::uint64_t seed) {
  tiny_nn::Rng rng(seed + 1);
  Constant c;
  c.shape = {batch, 784};
  for (int i = 0; i < batch * 784; ++i) c.data.push_back(rng.uniform());
  return c;
}

}  // namespace

ExportedModel export_mlp(int batch, std::uint64_t seed, const std::string& weights) {
  tiny_nn::Rng rng(seed);
  tiny_nn::Mlp model({784, 256, 128, 10}, rng);
  load_or_perturb(model.parameters(), weights, seed);
  Builder b;
  b.g.name = "tiny_nn_mlp";
  add_parameters(b, model.parameters());
  b.g.inputs.push_back({"images", {batch, 784}, true, 1});
  std::string x = "images";
  for (int l = 1; l <= 3; ++l) {
    x = b.linear(x, "fc" + std::to_string(l));
    if (l < 3) x = b.op("Relu", {x});
  }
  b.output(x, "logits");
  ExportedModel m;
  m.graph = std::move(b.g);
  m.example_inputs["images"] = images(batch, seed);
  tiny_nn::NoGradGuard guard;
  const auto& in = m.example_inputs["images"];
  m.tiny_nn_outputs["logits"] = from_tensor(model.forward(tiny_nn::Tensor::from(in.shape, in.data)));
  return m;
}

ExportedModel export_cnn(int batch, std::uint64_t seed, bool batchnorm, const std::string& weights) {
  tiny_nn::Rng rng(seed);
  tiny_nn::Cnn model(28, 28, 16, 32, 128, 10, rng);
  load_or_perturb(model.parameters(), weights, seed);
  Builder b;
  b.g.name = batchnorm ? "tiny_nn_cnn_bn" : "tiny_nn_cnn";
  add_parameters(b, model.parameters());
  b.g.inputs.push_back({"images", {batch, 784}, true, 1});
  std::string x = b.op("Reshape", {"images", b.constant("image_shape", ints({-1, 1, 28, 28}))});
  tiny_nn::Rng stats(seed + 7);
  for (int l = 1; l <= 2; ++l) {
    const std::string p = "conv" + std::to_string(l);
    x = b.op("Conv", {x, p + ".weight", p + ".bias"}, p, [](Node& n) {
      n.set_ints("kernel_shape", {3, 3});
      n.set_ints("pads", {1, 1, 1, 1});
      n.set_ints("strides", {1, 1});
    });
    if (batchnorm) {
      // Running statistics as a trained network would have them. tiny-nn has
      // no BatchNorm: this variant is held to the interpreter, not to tiny-nn.
      const std::int64_t C = l == 1 ? 16 : 32;
      Constant gamma, beta, mean, var;
      for (auto* c : {&gamma, &beta, &mean, &var}) c->shape = {C};
      for (std::int64_t c = 0; c < C; ++c) {
        gamma.data.push_back(stats.uniform(0.5f, 1.5f));
        beta.data.push_back(stats.uniform(-0.2f, 0.2f));
        mean.data.push_back(stats.uniform(-0.1f, 0.1f));
        var.data.push_back(stats.uniform(0.5f, 2.0f));
      }
      x = b.op("BatchNormalization",
               {x, b.constant(p + ".bn.gamma", gamma), b.constant(p + ".bn.beta", beta),
                b.constant(p + ".bn.mean", mean), b.constant(p + ".bn.var", var)},
               p + "_bn", [](Node& n) {
                 Attr a;
                 a.kind = Attr::kFloat;
                 a.f = 1e-5f;
                 n.attrs["epsilon"] = a;
               });
    }
    x = b.op("Relu", {x});
    x = b.op("MaxPool", {x}, p + "_pool", [](Node& n) {
      n.set_ints("kernel_shape", {2, 2});
      n.set_ints("strides", {2, 2});
    });
  }
  x = b.op("Flatten", {x}, "flatten", [](Node& n) { n.set_i("axis", 1); });
  x = b.op("Relu", {b.linear(x, "fc1")});
  x = b.linear(x, "fc2");
  b.output(x, "logits");
  ExportedModel m;
  m.graph = std::move(b.g);
  m.example_inputs["images"] = images(batch, seed);
  if (batchnorm) {
    m.tiny_nn_outputs = interpret(m.graph, m.example_inputs);
  } else {
    tiny_nn::NoGradGuard guard;
    const auto& in = m.example_inputs["images"];
    m.tiny_nn_outputs["logits"] = from_tensor(model.forward(tiny_nn::Tensor::from(in.shape, in.data)));
  }
  return m;
}

ExportedModel export_transformer(int batch, int T, std::uint64_t seed, const std::string& weights) {
  tiny_nn::TransformerConfig cfg;
  if (T < 1 || T > cfg.context)
    throw InputError("export_transformer: T = " + std::to_string(T) + " must be in [1, " + std::to_string(cfg.context) + "]");
  tiny_nn::Rng rng(seed);
  tiny_nn::Transformer model(cfg, rng);
  load_or_perturb(model.parameters(), weights, seed);
  const std::int64_t B = batch, D = cfg.d_model, H = cfg.heads, Dh = D / H;
  Builder b;
  b.g.name = "tiny_nn_transformer";
  add_parameters(b, model.parameters());
  b.g.inputs.push_back({"ids", {B, T}, true, 7});
  std::vector<std::int64_t> pos(static_cast<std::size_t>(T));
  for (int t = 0; t < T; ++t) pos[t] = t;
  Constant mask;
  mask.shape = {T, T};
  for (int i = 0; i < T; ++i)
    for (int j = 0; j < T; ++j) mask.data.push_back(j > i ? -std::numeric_limits<float>::infinity() : 0.0f);
  b.constant("causal_mask", mask);
  b.constant("attn_scale", scalar(1.0f / std::sqrt(static_cast<float>(Dh))));
  b.constant("positions", ints(pos));
  for (int i = 0; i < 3; ++i) {
    Constant c = ints({i});
    c.shape = {};
    b.constant("qkv_index_" + std::to_string(i), c);
  }
  b.constant("shape_rows", ints({B * T, D}));
  b.constant("shape_qkv", ints({B, T, 3, H, Dh}));
  b.constant("gelu_half", scalar(0.5f));
  b.constant("gelu_one", scalar(1.0f));
  b.constant("gelu_three", scalar(3.0f));
  b.constant("gelu_k", scalar(0.044715f));
  b.constant("gelu_c", scalar(0.7978845608028654f));
  auto layer_norm = [&](const std::string& x, const std::string& p) {
    return b.op("LayerNormalization", {x, p + ".weight", p + ".bias"}, p, [](Node& n) {
      n.set_i("axis", -1);
      Attr a;
      a.kind = Attr::kFloat;
      a.f = 1e-5f;
      n.attrs["epsilon"] = a;
    });
  };
  std::string x = b.op("Add", {b.op("Gather", {"wte.weight", "ids"}, "wte"), b.op("Gather", {"wpe.weight", "positions"}, "wpe")},
                       "embed");
  x = b.op("Reshape", {x, "shape_rows"}, "rows");
  for (int l = 0; l < cfg.layers; ++l) {
    const std::string h = "h." + std::to_string(l) + ".";
    std::string qkv = b.linear(layer_norm(x, h + "ln_1"), h + "attn.c_attn");
    qkv = b.op("Reshape", {qkv, "shape_qkv"});
    qkv = b.op("Transpose", {qkv}, "", [](Node& n) { n.set_ints("perm", {2, 0, 3, 1, 4}); });
    std::string qkvs[3];
    for (int i = 0; i < 3; ++i) qkvs[i] = b.op("Gather", {qkv, "qkv_index_" + std::to_string(i)}, "qkv_split");
    const std::string kt = b.op("Transpose", {qkvs[1]}, "", [](Node& n) { n.set_ints("perm", {0, 1, 3, 2}); });
    std::string s = b.op("MatMul", {qkvs[0], kt}, "scores");
    s = b.op("Add", {b.op("Mul", {s, "attn_scale"}), "causal_mask"}, "mask");
    s = b.op("Softmax", {s}, "", [](Node& n) { n.set_i("axis", -1); });
    std::string a = b.op("MatMul", {s, qkvs[2]}, "attend");
    a = b.op("Transpose", {a}, "", [](Node& n) { n.set_ints("perm", {0, 2, 1, 3}); });
    a = b.op("Reshape", {a, "shape_rows"});
    x = b.op("Add", {x, b.linear(a, h + "attn.c_proj")}, "residual");
    const std::string f = b.linear(layer_norm(x, h + "ln_2"), h + "mlp.c_fc");
    // gelu(f) = 0.5 f (1 + tanh(c (f + k f^3)))
    std::string u = b.op("Add", {f, b.op("Mul", {b.op("Pow", {f, "gelu_three"}), "gelu_k"})});
    u = b.op("Tanh", {b.op("Mul", {u, "gelu_c"})});
    const std::string gl = b.op("Mul", {b.op("Mul", {f, "gelu_half"}), b.op("Add", {u, "gelu_one"})}, "gelu");
    x = b.op("Add", {x, b.linear(gl, h + "mlp.c_proj")}, "residual");
  }
  x = b.linear(layer_norm(x, "ln_f"), "lm_head");
  b.output(x, "logits");
  ExportedModel m;
  m.graph = std::move(b.g);
  tiny_nn::Rng idr(seed + 3);
  Constant ids;
  ids.shape = {B, T};
  ids.elem_type = 7;
  std::vector<std::int32_t> id32;
  for (std::int64_t i = 0; i < B * T; ++i) {
    id32.push_back(static_cast<std::int32_t>(idr.below(static_cast<std::uint64_t>(cfg.vocab))));
    ids.data.push_back(static_cast<float>(id32.back()));
  }
  m.example_inputs["ids"] = ids;
  tiny_nn::NoGradGuard guard;
  m.tiny_nn_outputs["logits"] = from_tensor(model.forward(id32, batch, T));
  return m;
}

}  // namespace ml_compiler
