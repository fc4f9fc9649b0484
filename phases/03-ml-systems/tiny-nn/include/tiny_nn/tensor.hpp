// tiny_nn tensors: float32 arrays with a shape and strides, and reverse-mode
// automatic differentiation (the same idea as include/tiny_nn/scalar.hpp,
// one array at a time instead of one number at a time).
//
// Every op returns a new Tensor whose Node remembers its inputs and a
// `backward` function. Tensor::backward() on a scalar loss sorts the graph
// topologically and runs those functions from the loss back to the leaves,
// each adding its share of the gradient into its inputs' `grad` buffers.
//
//   tiny_nn::Rng rng(42);
//   auto W = tiny_nn::Tensor::randn({784, 10}, rng, 0.01f, /*requires_grad=*/true);
//   auto loss = tiny_nn::softmax_cross_entropy(tiny_nn::matmul(x, W), labels);
//   loss.backward();          // W.grad() now holds d loss / d W
//
// Memory layout: a Node views a shared float storage through shape, strides
// (in elements) and an offset, so reshape, permute and select are free (no
// copy). Most ops need contiguous row-major inputs and call contiguous()
// first. A gradient buffer is always contiguous, in the tensor's logical
// (row-major) order, with the tensor's shape.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tiny_nn.hpp"

namespace tiny_nn {

using Shape = std::vector<std::int64_t>;
std::int64_t numel(const Shape& shape);
std::string to_string(const Shape& shape);
Shape contiguous_strides(const Shape& shape);

// A small, fast, seedable generator (xoshiro256**, seeded by splitmix64): the
// same seed gives the same weights, batches and results on every machine.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0);
  std::uint64_t next();
  float uniform();                      // [0, 1)
  float uniform(float lo, float hi);    // [lo, hi)
  float normal();                       // mean 0, standard deviation 1 (Box-Muller)
  std::uint64_t below(std::uint64_t n); // [0, n)
 private:
  std::uint64_t s_[4];
};

struct Node {
  Shape shape, strides;
  std::int64_t offset = 0;
  std::shared_ptr<std::vector<float>> storage;
  std::vector<float> grad;  // empty until a gradient flows in; then numel(shape) floats
  bool requires_grad = false;
  std::string op = "leaf";
  std::vector<std::shared_ptr<Node>> inputs;
  // Adds this node's gradient (self.grad) into its inputs' gradients.
  std::function<void(Node& self)> backward;

  bool is_contiguous() const;
  float* grad_buffer();  // allocates zeros on first use
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<Node> node) : node_(std::move(node)) {}

  static Tensor zeros(const Shape& shape, bool requires_grad = false);
  static Tensor full(const Shape& shape, float value, bool requires_grad = false);
  static Tensor from(const Shape& shape, std::vector<float> values, bool requires_grad = false);
  static Tensor randn(const Shape& shape, Rng& rng, float stddev = 1.0f, bool requires_grad = false);
  static Tensor uniform(const Shape& shape, Rng& rng, float lo, float hi, bool requires_grad = false);

  bool defined() const { return node_ != nullptr; }
  const Shape& shape() const { return node_->shape; }
  std::int64_t dim(int axis) const;  // negative counts from the end
  int ndim() const { return static_cast<int>(node_->shape.size()); }
  std::int64_t numel() const { return tiny_nn::numel(node_->shape); }
  bool is_contiguous() const { return node_->is_contiguous(); }

  // The elements, for a contiguous tensor (throws std::logic_error otherwise).
  float* data();
  const float* data() const;
  // The elements in logical order, whatever the layout.
  std::vector<float> to_vector() const;
  float item() const;  // a one-element tensor's value

  bool requires_grad() const { return node_->requires_grad; }
  Tensor& set_requires_grad(bool on = true);
  float* grad();                      // allocated (zeros) on first use
  const std::vector<float>& grad_vector() const { return node_->grad; }
  void zero_grad();
  // Runs reverse-mode differentiation from this one-element tensor: its own
  // gradient is 1, every tensor it depends on that requires grad receives
  // d this / d tensor (added to what its grad already holds).
  void backward();
  // The same values, cut off from the graph.
  Tensor detach() const;

  Node* node() const { return node_.get(); }
  const std::shared_ptr<Node>& shared() const { return node_; }

 private:
  std::shared_ptr<Node> node_;
};

// While one exists, ops record no graph (evaluation, optimizer updates).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;
 private:
  bool previous_;
};
bool grad_enabled();

// The backward kernels the ops call: tiny_nn::reference::kernels() unless
// changed (the student tests call use_kernels(tiny_nn::student::kernels())).
void use_kernels(const BackwardKernels& kernels);
const BackwardKernels& kernels();

// ---- Views: no copy; the input must be contiguous for reshape -----------
Tensor reshape(const Tensor& x, Shape shape);     // one dimension may be -1
Tensor permute(const Tensor& x, const std::vector<int>& order);
Tensor transpose(const Tensor& x, int a, int b);  // permute swapping two axes
Tensor select(const Tensor& x, std::int64_t index);  // x[index] along axis 0
Tensor contiguous(const Tensor& x);               // x itself, or a row-major copy

// ---- Elementwise, with numpy broadcasting (shapes aligned on the right;
// a dimension of 1 stretches) ------------------------------------------
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor scale(const Tensor& x, float factor);
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Shape broadcast_shape(const Shape& a, const Shape& b);  // throws std::invalid_argument naming both

Tensor relu(const Tensor& x);
Tensor gelu(const Tensor& x);  // the tanh approximation (GPT-2's)
Tensor tanh(const Tensor& x);

// ---- Reductions ----------------------------------------------------------
Tensor sum(const Tensor& x);   // all elements, to shape {1}
Tensor mean(const Tensor& x);

// ---- Layers --------------------------------------------------------------
// [M x K] x [K x N] -> [M x N]
Tensor matmul(const Tensor& a, const Tensor& b);
// x [..., in] W [in x out] + b [out]: matmul on x viewed as 2-D, plus bias.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);
// logits [batch x classes], one label per row in [0, classes): the mean of
// -log softmax(logits)[label], shape {1}.
Tensor softmax_cross_entropy(const Tensor& logits, const std::vector<std::int32_t>& labels);
// Rows `rows` of x [N x C], in that order: [rows.size() x C].
Tensor index_rows(const Tensor& x, const std::vector<std::int32_t>& rows);
// x [N, C, H, W], weight [O, C, k, k], bias [O] (or undefined) -> [N, O, OH, OW]; im2col + GEMM.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, int stride = 1, int padding = 0);
// x [N, C, H, W] -> [N, C, (H - k) / stride + 1, (W - k) / stride + 1], the maximum of each window.
Tensor max_pool2d(const Tensor& x, int kernel, int stride);
// Normalizes each row of the last dimension to mean 0, variance 1, then
// gamma * x + beta (gamma, beta: [last dim]).
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps = 1e-5f);
// table [vocab x D], ids (any shape `ids_shape`, values in [0, vocab)) -> ids_shape + [D].
Tensor embedding(const Tensor& table, const std::vector<std::int32_t>& ids, const Shape& ids_shape);
// q, k, v [B, H, T, D] -> softmax(q k^T / sqrt(D) + mask) v, [B, H, T, D]. With
// `causal`, position t attends only to positions <= t (the mask is -inf above
// the diagonal).
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal);

// Builds an op's output node (for ops defined outside this library, and the
// tests): records `inputs` and `backward` only when grad is enabled and an
// input requires grad.
Tensor make_result(Shape shape, std::vector<float> values, const char* op, std::vector<Tensor> inputs,
                   std::function<void(Node& self)> backward);

}  // namespace tiny_nn
