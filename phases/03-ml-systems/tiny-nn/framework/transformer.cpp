// The tiny transformer and the reversal task (include/tiny_nn/transformer.hpp).
#include "tiny_nn/transformer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace tiny_nn {

Transformer::Transformer(const TransformerConfig& c, Rng& rng)
    : cfg_(c), tokens_(c.vocab, c.d_model, rng), positions_(c.context, c.d_model, rng), ln_f_(c.d_model),
      head_(c.d_model, c.vocab, rng, Init::xavier) {
  if (c.d_model % c.heads != 0) throw std::invalid_argument("tiny_nn::Transformer: d_model must be a multiple of heads");
  for (int l = 0; l < c.layers; ++l) {
    Block b{LayerNorm(c.d_model), LayerNorm(c.d_model),
            Linear(c.d_model, 3 * c.d_model, rng, Init::xavier), Linear(c.d_model, c.d_model, rng, Init::xavier),
            Linear(c.d_model, 4 * c.d_model, rng, Init::kaiming), Linear(4 * c.d_model, c.d_model, rng, Init::xavier)};
    // GPT-2 scales the layers that write into the residual stream down by
    // sqrt(number of them), so the stream's variance does not grow with depth.
    for (Tensor* w : {&b.proj.weight, &b.out.weight}) {
      NoGradGuard g;
      Tensor t = *w;
      const float s = 1.0f / std::sqrt(2.0f * c.layers);
      for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] *= s;
    }
    blocks_.push_back(std::move(b));
  }
}

Tensor Transformer::forward(const std::vector<std::int32_t>& ids, int batch, int T) const {
  if (T > cfg_.context || static_cast<std::int64_t>(ids.size()) != static_cast<std::int64_t>(batch) * T)
    throw std::invalid_argument("tiny_nn::Transformer::forward: " + std::to_string(ids.size()) + " ids for " +
                                std::to_string(batch) + " x " + std::to_string(T) + " (context " +
                                std::to_string(cfg_.context) + ")");
  const int D = cfg_.d_model, H = cfg_.heads;
  std::vector<std::int32_t> pos(static_cast<std::size_t>(T));
  for (int t = 0; t < T; ++t) pos[t] = t;
  // x [B, T, D] = token embedding + position embedding (broadcast over the batch)
  Tensor x = embedding(tokens_.table, ids, {batch, T}) + embedding(positions_.table, pos, {T});
  for (const Block& b : blocks_) {
    // Attention: one linear layer makes q, k and v for every head at once.
    Tensor qkv = reshape(b.qkv(b.ln1(x)), {batch, T, 3, H, D / H});
    qkv = permute(qkv, {2, 0, 3, 1, 4});  // [3, B, H, T, D/H]
    Tensor a = scaled_dot_product_attention(select(qkv, 0), select(qkv, 1), select(qkv, 2), /*causal=*/true);
    a = reshape(permute(a, {0, 2, 1, 3}), {batch, T, D});  // heads side by side again
    x = x + b.proj(a);
    x = x + b.out(gelu(b.fc(b.ln2(x))));
  }
  return reshape(head_(ln_f_(x)), {batch * T, cfg_.vocab});
}

Parameters Transformer::parameters() const {
  Parameters p;
  tokens_.collect("wte", p);
  positions_.collect("wpe", p);
  for (std::size_t l = 0; l < blocks_.size(); ++l) {
    const std::string h = "h." + std::to_string(l) + ".";
    blocks_[l].ln1.collect(h + "ln_1", p);
    blocks_[l].qkv.collect(h + "attn.c_attn", p);
    blocks_[l].proj.collect(h + "attn.c_proj", p);
    blocks_[l].ln2.collect(h + "ln_2", p);
    blocks_[l].fc.collect(h + "mlp.c_fc", p);
    blocks_[l].out.collect(h + "mlp.c_proj", p);
  }
  ln_f_.collect("ln_f", p);
  head_.collect("lm_head", p);
  return p;
}

void ReverseTask::sample(Rng& rng, int batch, std::vector<std::int32_t>& inputs,
                         std::vector<std::int32_t>& answers) const {
  const int L = length, T = input_length();
  inputs.assign(static_cast<std::size_t>(batch) * T, 0);
  answers.assign(static_cast<std::size_t>(batch) * L, 0);
  for (int b = 0; b < batch; ++b) {
    std::int32_t* in = inputs.data() + static_cast<std::ptrdiff_t>(b) * T;
    std::int32_t* ans = answers.data() + static_cast<std::ptrdiff_t>(b) * L;
    for (int i = 0; i < L; ++i) in[i] = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(digits)));
    for (int i = 0; i < L; ++i) ans[i] = in[L - 1 - i];
    in[L] = separator();
    for (int i = 0; i + 1 < L; ++i) in[L + 1 + i] = ans[i];  // teacher forcing: the true answer so far
  }
}

Tensor reverse_task_loss(const Transformer& model, const ReverseTask& task, const std::vector<std::int32_t>& inputs,
                         int batch) {
  const int L = task.length, T = task.input_length();
  Tensor logits = model.forward(inputs, batch, T);
  // Positions L .. 2L-1 (the separator and the answer so far) predict the answer.
  std::vector<std::int32_t> rows, labels;
  for (int b = 0; b < batch; ++b)
    for (int i = 0; i < L; ++i) {
      rows.push_back(b * T + L + i);
      labels.push_back(inputs[static_cast<std::size_t>(b) * T + L - 1 - i]);
    }
  return softmax_cross_entropy(index_rows(logits, rows), labels);
}

void evaluate_reverse(const Transformer& model, const ReverseTask& task, Rng& rng, int sequences,
                      double* exact_match, double* token_accuracy) {
  NoGradGuard no_grad;
  const int L = task.length, T = task.input_length(), V = model.config().vocab;
  std::vector<std::int32_t> inputs, answers;
  task.sample(rng, sequences, inputs, answers);
  // Blank the answer half: the model must produce it, one digit at a time,
  // from its own previous outputs.
  for (int b = 0; b < sequences; ++b)
    for (int i = L + 1; i < T; ++i) inputs[static_cast<std::size_t>(b) * T + i] = 0;
  std::vector<std::int32_t> generated(answers.size());
  for (int i = 0; i < L; ++i) {
    const int t = L + i;  // this position predicts answer digit i
    // Only the first t+1 tokens matter (causal): feed a prefix of that length.
    std::vector<std::int32_t> prefix(static_cast<std::size_t>(sequences) * (t + 1));
    for (int b = 0; b < sequences; ++b)
      std::copy_n(inputs.data() + static_cast<std::size_t>(b) * T, t + 1, prefix.data() + static_cast<std::size_t>(b) * (t + 1));
    Tensor logits = model.forward(prefix, sequences, t + 1);
    for (int b = 0; b < sequences; ++b) {
      const float* z = logits.data() + (static_cast<std::int64_t>(b) * (t + 1) + t) * V;
      const auto best = static_cast<std::int32_t>(std::max_element(z, z + task.digits) - z);
      generated[static_cast<std::size_t>(b) * L + i] = best;
      if (t + 1 < T) inputs[static_cast<std::size_t>(b) * T + t + 1] = best;
    }
  }
  std::int64_t exact = 0, right = 0;
  for (int b = 0; b < sequences; ++b) {
    bool all = true;
    for (int i = 0; i < L; ++i) {
      const bool ok = generated[static_cast<std::size_t>(b) * L + i] == answers[static_cast<std::size_t>(b) * L + i];
      right += ok;
      all &= ok;
    }
    exact += all;
  }
  *exact_match = static_cast<double>(exact) / sequences;
  *token_accuracy = static_cast<double>(right) / (static_cast<double>(sequences) * L);
}

TransformerResult train_transformer(const Transformer& model, const ReverseTask& task,
                                    const TransformerTrainConfig& config,
                                    const std::function<void(int, double)>& on_progress) {
  Adam opt(model.parameters(), config.lr, 0.9f, 0.98f);
  Rng rng(config.seed);
  TransformerResult r;
  std::vector<std::int32_t> inputs, answers;
  const auto t0 = std::chrono::steady_clock::now();
  double window = 0, tail = 0;
  int tail_count = 0;
  const int warmup = std::min(100, config.steps / 10 + 1);
  for (int step = 1; step <= config.steps; ++step) {
    const double progress = static_cast<double>(step) / config.steps;
    opt.lr = static_cast<float>(config.lr * (step <= warmup ? static_cast<double>(step) / warmup
                                                            : 0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * progress))));
    task.sample(rng, config.batch, inputs, answers);
    opt.zero_grad();
    Tensor loss = reverse_task_loss(model, task, inputs, config.batch);
    loss.backward();
    opt.step();
    const double l = loss.item();
    window += l;
    if (step > config.steps - 50) {
      tail += l;
      ++tail_count;
    }
    if (step % 25 == 0) {
      r.curve_step.push_back(step);
      r.curve_loss.push_back(window / 25);
      window = 0;
    }
    if (on_progress && (step % 25 == 0 || step == config.steps)) on_progress(step, l);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.final_loss = tail / std::max(1, tail_count);
  Rng eval_rng(config.seed + 1000003);
  evaluate_reverse(model, task, eval_rng, config.eval_sequences, &r.exact_match, &r.token_accuracy);
  return r;
}

}  // namespace tiny_nn
