// tiny_nn layers, initializers, optimizers, models and weight files.
//
//   Linear, Conv2d, LayerNorm, Embedding   layers holding their parameters
//   kaiming_uniform, xavier_uniform        initial weights that keep the
//                                          activations' variance steady
//   Sgd (with momentum), Adam              optimizers
//   Mlp, Cnn                               image classifiers (Fashion-MNIST)
//   Transformer                            a decoder-only transformer (transformer.hpp)
//   save_weights / load_weights            safetensors files
#pragma once
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tiny_nn/tensor.hpp"

namespace tiny_nn {

struct NamedTensor {
  std::string name;
  Tensor tensor;
};
using Parameters = std::vector<NamedTensor>;

// He et al. 2015, for layers followed by ReLU: uniform in +-sqrt(6 / fan_in),
// so the variance of the pre-activations stays about the same layer to layer.
Tensor kaiming_uniform(const Shape& shape, std::int64_t fan_in, Rng& rng);
// Glorot and Bengio 2010, for tanh and linear layers: uniform in
// +-sqrt(6 / (fan_in + fan_out)).
Tensor xavier_uniform(const Shape& shape, std::int64_t fan_in, std::int64_t fan_out, Rng& rng);

enum class Init { kaiming, xavier };

struct Linear {
  Tensor weight, bias;  // [in x out], [out]
  Linear() = default;
  Linear(std::int64_t in, std::int64_t out, Rng& rng, Init init = Init::kaiming);
  Tensor operator()(const Tensor& x) const { return linear(x, weight, bias); }
  void collect(const std::string& prefix, Parameters& out) const;
};

struct Conv2d {
  Tensor weight, bias;  // [out, in, k, k], [out]
  int stride = 1, padding = 0;
  Conv2d() = default;
  Conv2d(int in, int out, int kernel, int stride, int padding, Rng& rng);
  Tensor operator()(const Tensor& x) const { return conv2d(x, weight, bias, stride, padding); }
  void collect(const std::string& prefix, Parameters& out) const;
};

struct LayerNorm {
  Tensor gamma, beta;  // [D], ones and zeros
  LayerNorm() = default;
  explicit LayerNorm(std::int64_t d);
  Tensor operator()(const Tensor& x) const { return layer_norm(x, gamma, beta); }
  void collect(const std::string& prefix, Parameters& out) const;
};

struct Embedding {
  Tensor table;  // [vocab x D], N(0, 0.02) as in GPT-2
  Embedding() = default;
  Embedding(std::int64_t vocab, std::int64_t d, Rng& rng);
  void collect(const std::string& prefix, Parameters& out) const;
};

// ---- Optimizers: they update the parameters in place from their grads ----
class Optimizer {
 public:
  explicit Optimizer(Parameters params) : params_(std::move(params)) {}
  virtual ~Optimizer() = default;
  virtual void step() = 0;
  void zero_grad();
  float lr = 0;
 protected:
  Parameters params_;
};

// v = momentum * v + g;  w -= lr * v        (PyTorch's formulation)
class Sgd : public Optimizer {
 public:
  Sgd(Parameters params, float lr, float momentum = 0.9f);
  void step() override;
  float momentum;
 private:
  std::vector<std::vector<float>> velocity_;
};

// Kingma and Ba 2015: per-parameter steps from running means of g and g^2,
// bias-corrected for their zero start.
class Adam : public Optimizer {
 public:
  Adam(Parameters params, float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f);
  void step() override;
  float beta1, beta2, eps;
 private:
  std::vector<std::vector<float>> m_, v_;
  long t_ = 0;
};

// ---- Image classifiers: images [batch x (rows*cols)] in [0, 1] -> logits [batch x classes]
class Classifier {
 public:
  virtual ~Classifier() = default;
  virtual Tensor forward(const Tensor& images) const = 0;
  virtual Parameters parameters() const = 0;
  virtual std::string describe() const = 0;
};

// Linear -> ReLU -> ... -> Linear. sizes = {inputs, hidden..., classes}.
class Mlp : public Classifier {
 public:
  Mlp(const std::vector<std::int64_t>& sizes, Rng& rng);
  Tensor forward(const Tensor& images) const override;
  Parameters parameters() const override;
  std::string describe() const override;
  const std::vector<std::int64_t>& sizes() const { return sizes_; }
 private:
  std::vector<std::int64_t> sizes_;
  std::vector<Linear> layers_;
};

// conv3x3(1 -> c1) ReLU maxpool2 -> conv3x3(c1 -> c2) ReLU maxpool2 -> Linear(c2*7*7 -> hidden) ReLU -> Linear(-> 10)
class Cnn : public Classifier {
 public:
  Cnn(int rows, int cols, int c1, int c2, int hidden, int classes, Rng& rng);
  Tensor forward(const Tensor& images) const override;
  Parameters parameters() const override;
  std::string describe() const override;
 private:
  int rows_, cols_, c1_, c2_, hidden_;
  Conv2d conv1_, conv2_;
  Linear fc1_, fc2_;
};

// ---- Weights as safetensors: one F32 tensor per parameter, by name -------
void save_weights(const std::filesystem::path& file, const Parameters& params,
                  const std::map<std::string, std::string>& metadata = {});
// Copies the file's tensors into `params` (same names and shapes, else a
// std::runtime_error naming the file, the tensor and what differs). Returns the metadata.
std::map<std::string, std::string> load_weights(const std::filesystem::path& file, const Parameters& params);

}  // namespace tiny_nn
