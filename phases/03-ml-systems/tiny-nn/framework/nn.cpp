// Layers, initializers, optimizers, the image classifiers and weight files
// (include/tiny_nn/nn.hpp).
#include "tiny_nn/nn.hpp"

#include <labkit/idx.hpp>
#include <labkit/safetensors.hpp>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "tiny_nn/kernels.hpp"

namespace tiny_nn {

Tensor kaiming_uniform(const Shape& shape, std::int64_t fan_in, Rng& rng) {
  const float bound = std::sqrt(6.0f / static_cast<float>(fan_in));
  return Tensor::uniform(shape, rng, -bound, bound, true);
}

Tensor xavier_uniform(const Shape& shape, std::int64_t fan_in, std::int64_t fan_out, Rng& rng) {
  const float bound = std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
  return Tensor::uniform(shape, rng, -bound, bound, true);
}

Linear::Linear(std::int64_t in, std::int64_t out, Rng& rng, Init init)
    : weight(init == Init::kaiming ? kaiming_uniform({in, out}, in, rng) : xavier_uniform({in, out}, in, out, rng)),
      bias(Tensor::zeros({out}, true)) {}

void Linear::collect(const std::string& prefix, Parameters& out) const {
  out.push_back({prefix + ".weight", weight});
  out.push_back({prefix + ".bias", bias});
}

Conv2d::Conv2d(int in, int out, int kernel, int stride_, int padding_, Rng& rng)
    : weight(kaiming_uniform({out, in, kernel, kernel}, static_cast<std::int64_t>(in) * kernel * kernel, rng)),
      bias(Tensor::zeros({out}, true)),
      stride(stride_),
      padding(padding_) {}

void Conv2d::collect(const std::string& prefix, Parameters& out) const {
  out.push_back({prefix + ".weight", weight});
  out.push_back({prefix + ".bias", bias});
}

LayerNorm::LayerNorm(std::int64_t d) : gamma(Tensor::full({d}, 1.0f, true)), beta(Tensor::zeros({d}, true)) {}

void LayerNorm::collect(const std::string& prefix, Parameters& out) const {
  out.push_back({prefix + ".weight", gamma});
  out.push_back({prefix + ".bias", beta});
}

Embedding::Embedding(std::int64_t vocab, std::int64_t d, Rng& rng) : table(Tensor::randn({vocab, d}, rng, 0.02f, true)) {}

void Embedding::collect(const std::string& prefix, Parameters& out) const { out.push_back({prefix + ".weight", table}); }

// ---------------------------------------------------------------------------
// Optimizers.

void Optimizer::zero_grad() {
  for (auto& p : params_) p.tensor.zero_grad();
}

namespace {
// Calls update(k, first, last) on slices of every parameter k that has a
// gradient, such that the slices cover all their elements once: the
// parameters laid end to end are cut into one equal share per thread, in one
// parallel region. A region per tensor would leave the small tensors (biases,
// the last layers) on one thread and wake the team once per tensor.
template <typename Update>
void update_in_shares(const Parameters& params, Update&& update) {
  std::int64_t total = 0;
  for (const auto& p : params)
    if (!p.tensor.grad_vector().empty()) total += p.tensor.numel();
#pragma omp parallel num_threads(num_threads()) if (total > 32768)
  {
    const int threads = omp_get_num_threads(), me = omp_get_thread_num();
    const std::int64_t first = total * me / threads, last = total * (me + 1) / threads;
    std::int64_t base = 0;  // where parameter k starts in the end-to-end order
    for (std::size_t k = 0; k < params.size(); ++k) {
      if (params[k].tensor.grad_vector().empty()) continue;
      const std::int64_t n = params[k].tensor.numel();
      const std::int64_t lo = std::max<std::int64_t>(first - base, 0), hi = std::min<std::int64_t>(last - base, n);
      if (lo < hi) update(k, lo, hi);
      base += n;
    }
  }
}
}  // namespace

Sgd::Sgd(Parameters params, float lr_, float momentum_) : Optimizer(std::move(params)), momentum(momentum_) {
  lr = lr_;
  for (auto& p : params_) velocity_.emplace_back(static_cast<std::size_t>(p.tensor.numel()), 0.0f);
}

void Sgd::step() {
  const float mu = momentum, step = lr;
  update_in_shares(params_, [&](std::size_t k, std::int64_t first, std::int64_t last) {
    Tensor& t = params_[k].tensor;
    float* w = t.data();
    const float* g = t.grad_vector().data();
    float* v = velocity_[k].data();
    for (std::int64_t i = first; i < last; ++i) {
      v[i] = mu * v[i] + g[i];
      w[i] -= step * v[i];
    }
  });
}

Adam::Adam(Parameters params, float lr_, float b1, float b2, float e)
    : Optimizer(std::move(params)), beta1(b1), beta2(b2), eps(e) {
  lr = lr_;
  for (auto& p : params_) {
    m_.emplace_back(static_cast<std::size_t>(p.tensor.numel()), 0.0f);
    v_.emplace_back(static_cast<std::size_t>(p.tensor.numel()), 0.0f);
  }
}

void Adam::step() {
  ++t_;
  // The running means start at 0, so early on they underestimate; dividing by
  // (1 - beta^t) corrects that.
  const float c1 = 1.0f / (1.0f - std::pow(beta1, static_cast<float>(t_)));
  const float c2 = 1.0f / (1.0f - std::pow(beta2, static_cast<float>(t_)));
  const float b1 = beta1, b2 = beta2, step = lr, e = eps;
  update_in_shares(params_, [&](std::size_t k, std::int64_t first, std::int64_t last) {
    Tensor& t = params_[k].tensor;
    float* w = t.data();
    const float* g = t.grad_vector().data();
    float *m = m_[k].data(), *v = v_[k].data();
    for (std::int64_t i = first; i < last; ++i) {
      m[i] = b1 * m[i] + (1.0f - b1) * g[i];
      v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
      w[i] -= step * (m[i] * c1) / (std::sqrt(v[i] * c2) + e);
    }
  });
}

// ---------------------------------------------------------------------------
// Classifiers.

Mlp::Mlp(const std::vector<std::int64_t>& sizes, Rng& rng) : sizes_(sizes) {
  if (sizes.size() < 2) throw std::invalid_argument("tiny_nn::Mlp: needs at least {inputs, outputs}");
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l)
    // Kaiming for the layers that feed a ReLU, Xavier for the last (linear) one.
    layers_.emplace_back(sizes[l], sizes[l + 1], rng, l + 2 < sizes.size() ? Init::kaiming : Init::xavier);
}

Tensor Mlp::forward(const Tensor& images) const {
  Tensor x = images;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    x = layers_[l](x);
    if (l + 1 < layers_.size()) x = relu(x);
  }
  return x;
}

Parameters Mlp::parameters() const {
  Parameters p;
  for (std::size_t l = 0; l < layers_.size(); ++l) layers_[l].collect("fc" + std::to_string(l + 1), p);
  return p;
}

std::string Mlp::describe() const {
  std::ostringstream out;
  out << "MLP ";
  for (std::size_t i = 0; i < sizes_.size(); ++i) out << (i ? "-" : "") << sizes_[i];
  out << " (ReLU)";
  return out.str();
}

Cnn::Cnn(int rows, int cols, int c1, int c2, int hidden, int classes, Rng& rng)
    : rows_(rows), cols_(cols), c1_(c1), c2_(c2), hidden_(hidden),
      conv1_(1, c1, 3, 1, 1, rng), conv2_(c1, c2, 3, 1, 1, rng),
      fc1_(static_cast<std::int64_t>(c2) * (rows / 4) * (cols / 4), hidden, rng, Init::kaiming),
      fc2_(hidden, classes, rng, Init::xavier) {}

Tensor Cnn::forward(const Tensor& images) const {
  Tensor x = reshape(images, {-1, 1, rows_, cols_});
  x = max_pool2d(relu(conv1_(x)), 2, 2);
  x = max_pool2d(relu(conv2_(x)), 2, 2);
  x = reshape(x, {x.dim(0), -1});
  return fc2_(relu(fc1_(x)));
}

Parameters Cnn::parameters() const {
  Parameters p;
  conv1_.collect("conv1", p);
  conv2_.collect("conv2", p);
  fc1_.collect("fc1", p);
  fc2_.collect("fc2", p);
  return p;
}

std::string Cnn::describe() const {
  std::ostringstream out;
  out << "CNN conv3x3(" << c1_ << ")-pool-conv3x3(" << c2_ << ")-pool-fc" << hidden_ << "-fc10";
  return out.str();
}

// ---------------------------------------------------------------------------
// Weight files.

void save_weights(const std::filesystem::path& file, const Parameters& params,
                  const std::map<std::string, std::string>& metadata) {
  labkit::TensorMap map;
  for (const auto& p : params) {
    const Tensor c = contiguous(p.tensor);
    map[p.name] = labkit::tensor_f32(c.shape(), c.data());
  }
  labkit::save_safetensors(file, map, metadata);
}

std::map<std::string, std::string> load_weights(const std::filesystem::path& file, const Parameters& params) {
  labkit::Metadata metadata;
  const labkit::TensorMap map = labkit::load_safetensors(file, &metadata);
  for (const auto& p : params) {
    auto it = map.find(p.name);
    if (it == map.end())
      throw std::runtime_error(file.string() + ": no tensor named '" + p.name +
                               "' (was it saved from a different model?)");
    if (it->second.shape != p.tensor.shape())
      throw std::runtime_error(file.string() + ": tensor '" + p.name + "' has shape " + to_string(it->second.shape) +
                               ", the model expects " + to_string(p.tensor.shape()));
    const std::vector<float> values = labkit::as_f32(it->second);
    Tensor t = p.tensor;
    std::copy(values.begin(), values.end(), t.data());
  }
  return metadata;
}

}  // namespace tiny_nn
