// A tiny decoder-only transformer (GPT-style: pre-norm blocks of causal
// self-attention and a GELU MLP, learned position embeddings) and the
// synthetic task it learns: reversing a sequence of digits.
//
//   input   3 1 4 1 5 9 2 6 | 6 2 9 5 1 4 1     (| is the separator token)
//   target                    6 2 9 5 1 4 1 3   (the next token at each position)
//
// The loss counts only the positions after the separator (the first half is
// random: nothing to learn there). Exact match: the model generates all the
// reversed digits itself, greedily, one at a time, and gets every one right.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "tiny_nn/nn.hpp"

namespace tiny_nn {

struct TransformerConfig {
  int vocab = 11;    // 10 digits + the separator
  int context = 16;  // longest input
  int d_model = 64, heads = 4, layers = 2;
};

class Transformer {
 public:
  Transformer(const TransformerConfig& config, Rng& rng);
  // ids: batch x T token ids (row-major), T <= context -> logits [batch*T x vocab].
  Tensor forward(const std::vector<std::int32_t>& ids, int batch, int T) const;
  Parameters parameters() const;
  const TransformerConfig& config() const { return cfg_; }

 private:
  struct Block {
    LayerNorm ln1, ln2;
    Linear qkv, proj, fc, out;
  };
  TransformerConfig cfg_;
  Embedding tokens_, positions_;
  std::vector<Block> blocks_;
  LayerNorm ln_f_;
  Linear head_;
};

struct ReverseTask {
  int length = 8;   // digits per sequence
  int digits = 10;  // token ids 0..digits-1; the separator is `digits`
  int separator() const { return digits; }
  int input_length() const { return 2 * length; }
  // batch inputs (batch x input_length()) and, for each, the `length` reversed digits.
  void sample(Rng& rng, int batch, std::vector<std::int32_t>& inputs, std::vector<std::int32_t>& answers) const;
};

struct TransformerTrainConfig {
  int steps = 600, batch = 64;
  float lr = 3e-3f;       // Adam, with linear warm-up over the first 100 steps then cosine decay to 10%
  std::uint64_t seed = 7;
  int eval_sequences = 1000;
};

struct TransformerResult {
  double final_loss = 0;        // mean loss over the last 50 steps
  double exact_match = 0;       // fraction of eval sequences generated exactly right
  double token_accuracy = 0;    // fraction of generated digits that are right
  double seconds = 0;
  std::vector<double> curve_step, curve_loss;
};

// Loss of the answer positions (teacher forcing) for one batch.
Tensor reverse_task_loss(const Transformer& model, const ReverseTask& task, const std::vector<std::int32_t>& inputs,
                         int batch);
// Greedy generation on fresh sequences from `rng`.
void evaluate_reverse(const Transformer& model, const ReverseTask& task, Rng& rng, int sequences,
                      double* exact_match, double* token_accuracy);
TransformerResult train_transformer(const Transformer& model, const ReverseTask& task,
                                    const TransformerTrainConfig& config,
                                    const std::function<void(int step, double loss)>& on_progress = {});

}  // namespace tiny_nn
