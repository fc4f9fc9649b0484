// Training the served model with tiny-nn, and the bridge to tiny-nn's forward
// pass: tiny_nn::Transformer's parameters already carry GPT-2's names
// (wte, wpe, h.N.ln_1, h.N.attn.c_attn, ...; Linear weights [in, out] as
// Conv1D), plus an untied lm_head [D, vocab] with a bias.
#include <chrono>
#include <cmath>
#include <cstring>

#include "llm_decoder.hpp"
#include "tiny_nn/kernels.hpp"
#include "tiny_nn/transformer.hpp"

namespace llm_decoder {
namespace {

tiny_nn::TransformerConfig tiny_config(const Config& c) {
  tiny_nn::TransformerConfig t;
  t.vocab = c.vocab_size;
  t.context = c.n_ctx;
  t.d_model = c.n_embd;
  t.heads = c.n_head;
  t.layers = c.n_layer;
  return t;
}

Checkpoint to_checkpoint(const tiny_nn::Transformer& model, const Config& c) {
  Checkpoint ck;
  ck.config = c;
  for (const auto& p : model.parameters()) {
    const float* d = p.tensor.data();
    ck.tensors[p.name] = std::vector<float>(d, d + p.tensor.numel());
  }
  return ck;
}

}  // namespace

TrainResult train_gpt(const std::vector<int>& tokens, const TrainConfig& tc,
                      const std::function<void(int, double)>& on_step) {
  const Config& c = tc.model;
  const int T = c.n_ctx;
  if (static_cast<int>(tokens.size()) < T + 2)
    throw InputError("training text of " + std::to_string(tokens.size()) + " tokens is shorter than one window of " +
                     std::to_string(T + 1) + ": give more text or a smaller n_ctx");
  tiny_nn::set_num_threads(tc.threads);
  tiny_nn::Rng rng(tc.seed);
  tiny_nn::Transformer model(tiny_config(c), rng);
  tiny_nn::Adam opt(model.parameters(), tc.lr, 0.9f, 0.95f);
  TrainResult r;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::int32_t> ids(static_cast<std::size_t>(tc.batch) * T), labels(ids.size());
  const int warmup = std::max(1, std::min(50, tc.steps / 10));
  for (int step = 1; step <= tc.steps; ++step) {
    const double progress = static_cast<double>(step) / tc.steps;
    opt.lr = static_cast<float>(tc.lr * (step <= warmup ? static_cast<double>(step) / warmup
                                                        : 0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * progress))));
    for (int b = 0; b < tc.batch; ++b) {
      const std::size_t start = rng.below(tokens.size() - static_cast<std::size_t>(T) - 1);
      for (int t = 0; t < T; ++t) {
        ids[static_cast<std::size_t>(b) * T + t] = tokens[start + static_cast<std::size_t>(t)];
        labels[static_cast<std::size_t>(b) * T + t] = tokens[start + static_cast<std::size_t>(t) + 1];
      }
    }
    opt.zero_grad();
    tiny_nn::Tensor loss = tiny_nn::softmax_cross_entropy(model.forward(ids, tc.batch, T), labels);
    loss.backward();
    opt.step();
    r.losses.push_back(loss.item());
    if (on_step) on_step(step, r.losses.back());
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.checkpoint = to_checkpoint(model, c);
  return r;
}

std::vector<float> tiny_nn_logits(const Checkpoint& ck, const std::vector<int>& tokens) {
  const Config& c = ck.config;
  tiny_nn::Rng rng(1);
  tiny_nn::Transformer model(tiny_config(c), rng);
  const int D = c.n_embd, V = c.vocab_size;
  for (const auto& p : model.parameters()) {
    float* d = const_cast<tiny_nn::Tensor&>(p.tensor).data();
    if (p.name == "lm_head.weight" && !ck.has("lm_head.weight")) {
      const auto& wte = ck.at("wte.weight");  // the tied head: wte^T, [D, V]
      for (int v = 0; v < V; ++v)
        for (int i = 0; i < D; ++i) d[static_cast<std::size_t>(i) * V + v] = wte[static_cast<std::size_t>(v) * D + i];
    } else if (p.name == "lm_head.bias" && !ck.has("lm_head.bias")) {
      std::fill(d, d + p.tensor.numel(), 0.0f);
    } else {
      const auto& src = ck.at(p.name);
      if (static_cast<std::int64_t>(src.size()) != p.tensor.numel())
        throw std::logic_error("tiny_nn_logits: " + p.name + " has " + std::to_string(src.size()) + " values, tiny-nn " +
                               std::to_string(p.tensor.numel()));
      std::memcpy(d, src.data(), src.size() * sizeof(float));
    }
  }
  tiny_nn::NoGradGuard g;
  const std::vector<std::int32_t> ids(tokens.begin(), tokens.end());
  const tiny_nn::Tensor logits = model.forward(ids, 1, static_cast<int>(tokens.size()));
  return std::vector<float>(logits.data(), logits.data() + logits.numel());
}

}  // namespace llm_decoder
