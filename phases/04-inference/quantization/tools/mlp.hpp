// The end-to-end model of the quantization lab: a 784-256-10 MLP with ReLU,
// trained in fp32 (tools/mlp.cpp), then run four ways:
//   fp32          the trained model
//   int8 (per-tensor or per-channel weights): uint8 activations with zero
//                 points, int32 accumulation with the lab's GEMM, integer
//                 requantization between the layers (ReLU fused into the clamp)
//   Q8_0 / Q4_0   ggml-style: weight rows in blocks of 32, activations
//                 quantized to Q8_0 on the fly, block dot products
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "quantization.hpp"

namespace quant::e2e {

// Fashion-MNIST pixel statistics: inputs are normalized as (x - mean) / std, so
// the first layer sees values in [-0.81, 2.02] and needs a zero point.
inline constexpr float kPixelMean = 0.2860f, kPixelStd = 0.3530f;

struct Mlp {
  int in = 784, hidden = 256, out = 10;
  std::vector<float> W1, b1, W2, b2;  // W1: in x hidden, W2: hidden x out (row-major, K x N)
};

struct TrainOptions {
  int epochs = 8;
  int batch = 64;
  float lr = 0.05f, momentum = 0.9f;
  std::uint64_t seed = 1;
  bool verbose = true;
};

// Images are rows of `in` floats in [0, 1]; labels 0..9.
Mlp train(const std::vector<float>& images, const std::vector<std::uint8_t>& labels, std::size_t count,
          const TrainOptions& options);

// fp32: logits for `rows` images (normalization included).
void forward_fp32(const Mlp& m, const float* images, int rows, float* logits);
// The post-ReLU hidden activations, for calibration.
void hidden_fp32(const Mlp& m, const float* images, int rows, float* hidden);

// ---- int8: weights symmetric int8, activations asymmetric uint8 ------------
struct Int8Mlp {
  int in = 0, hidden = 0, out = 0;
  QuantParams input, act;              // the input's and the hidden layer's (u8) parameters
  PackedB W1, W2;                      // int8 weights, packed for the GEMM
  std::vector<float> s_w1, s_w2;       // weight scales: 1 (per tensor) or one per output
  std::vector<std::int32_t> bias1, bias2;  // biases in accumulator units, zero-point correction folded in
  std::vector<Requant> requant1;       // per output of layer 1: s_in s_w1[j] / s_act
  std::vector<float> out_scale;        // per output of layer 2: s_act s_w2[j]
  std::size_t bytes() const;           // what the model takes to store
};
// `hidden_threshold`: the calibrated range [0, T] of the hidden activations.
Int8Mlp quantize_int8(const Mlp& m, bool per_channel, float hidden_threshold);
// Logits for `rows` images. Scratch space is allocated inside.
void forward_int8(const Int8Mlp& q, const float* images, int rows, float* logits);

// ---- ggml blocks ------------------------------------------------------------
struct BlockMlp {
  bool q4 = false;
  int in = 0, in_padded = 0, hidden = 0, out = 0;  // in_padded: a multiple of 32 (784 -> 800)
  std::vector<BlockQ8_0> W1q8, W2q8;  // rows of W^T (one per output), in blocks of 32
  std::vector<BlockQ4_0> W1q4, W2q4;
  std::vector<float> b1, b2;
  std::size_t bytes() const;
};
BlockMlp quantize_blocks(const Mlp& m, bool q4);
void forward_blocks(const BlockMlp& q, const float* images, int rows, float* logits);

inline std::size_t fp32_bytes(const Mlp& m) { return 4 * (m.W1.size() + m.b1.size() + m.W2.size() + m.b2.size()); }

// Share of images whose largest logit is at their label.
double accuracy(const std::vector<float>& logits, const std::vector<std::uint8_t>& labels, std::size_t count, int classes);

}  // namespace quant::e2e
