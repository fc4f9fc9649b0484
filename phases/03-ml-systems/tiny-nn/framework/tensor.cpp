// Tensors, the autograd engine, views and elementwise ops
// (include/tiny_nn/tensor.hpp).
#include "tiny_nn/tensor.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

#include "tiny_nn/kernels.hpp"

namespace tiny_nn {

// ---------------------------------------------------------------------------
// Shapes and the generator.

std::int64_t numel(const Shape& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::string to_string(const Shape& shape) {
  std::ostringstream out;
  out << "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << "]";
  return out.str();
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  std::int64_t s = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

namespace {
std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

Rng::Rng(std::uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

float Rng::uniform() { return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f); }
float Rng::uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
float Rng::normal() {
  // Box-Muller: two uniforms to one normal (the second one is thrown away: simpler, and cheap enough).
  const double u1 = (static_cast<double>(next() >> 11) + 1.0) * (1.0 / 9007199254740993.0);
  const double u2 = static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0);
  return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2));
}
std::uint64_t Rng::below(std::uint64_t n) { return n ? next() % n : 0; }

// ---------------------------------------------------------------------------
// Nodes and tensors.

bool Node::is_contiguous() const { return strides == contiguous_strides(shape); }

float* Node::grad_buffer() {
  if (grad.empty()) grad.assign(static_cast<std::size_t>(numel(shape)), 0.0f);
  return grad.data();
}

namespace {
thread_local bool g_grad_enabled = true;
BackwardKernels g_kernels = reference::kernels();

std::shared_ptr<Node> new_node(const Shape& shape, std::vector<float> values) {
  for (auto d : shape)
    if (d < 0) throw std::invalid_argument("tiny_nn: negative dimension in shape " + to_string(shape));
  if (static_cast<std::int64_t>(values.size()) != numel(shape))
    throw std::invalid_argument("tiny_nn: " + std::to_string(values.size()) + " values for shape " + to_string(shape) +
                                " (" + std::to_string(numel(shape)) + " elements)");
  auto n = std::make_shared<Node>();
  n->shape = shape;
  n->strides = contiguous_strides(shape);
  n->storage = std::make_shared<std::vector<float>>(std::move(values));
  return n;
}

// Calls f(logical index, storage position) for every element of a strided view.
template <class F>
void for_each_position(const Node& n, F&& f) {
  const int nd = static_cast<int>(n.shape.size());
  const std::int64_t total = numel(n.shape);
  if (total == 0) return;
  std::vector<std::int64_t> idx(nd, 0);
  std::int64_t pos = n.offset;
  for (std::int64_t i = 0; i < total; ++i) {
    f(i, pos);
    for (int d = nd - 1; d >= 0; --d) {  // odometer: bump the last axis, carry left
      pos += n.strides[d];
      if (++idx[d] < n.shape[d]) break;
      pos -= n.strides[d] * n.shape[d];
      idx[d] = 0;
    }
  }
}

void require_defined(const Tensor& t, const char* op) {
  if (!t.defined()) throw std::invalid_argument(std::string("tiny_nn::") + op + ": an input tensor is undefined");
}
}  // namespace

bool grad_enabled() { return g_grad_enabled; }
NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }

void use_kernels(const BackwardKernels& k) { g_kernels = k; }
const BackwardKernels& kernels() { return g_kernels; }

Tensor Tensor::zeros(const Shape& shape, bool requires_grad) {
  return full(shape, 0.0f, requires_grad);
}
Tensor Tensor::full(const Shape& shape, float value, bool requires_grad) {
  Tensor t(new_node(shape, std::vector<float>(static_cast<std::size_t>(std::max<std::int64_t>(0, tiny_nn::numel(shape))), value)));
  t.node_->requires_grad = requires_grad;
  return t;
}
Tensor Tensor::from(const Shape& shape, std::vector<float> values, bool requires_grad) {
  Tensor t(new_node(shape, std::move(values)));
  t.node_->requires_grad = requires_grad;
  return t;
}
Tensor Tensor::randn(const Shape& shape, Rng& rng, float stddev, bool requires_grad) {
  std::vector<float> v(static_cast<std::size_t>(tiny_nn::numel(shape)));
  for (auto& x : v) x = stddev * rng.normal();
  return from(shape, std::move(v), requires_grad);
}
Tensor Tensor::uniform(const Shape& shape, Rng& rng, float lo, float hi, bool requires_grad) {
  std::vector<float> v(static_cast<std::size_t>(tiny_nn::numel(shape)));
  for (auto& x : v) x = rng.uniform(lo, hi);
  return from(shape, std::move(v), requires_grad);
}

std::int64_t Tensor::dim(int axis) const {
  const int nd = ndim();
  if (axis < 0) axis += nd;
  if (axis < 0 || axis >= nd)
    throw std::out_of_range("tiny_nn: axis " + std::to_string(axis) + " of a tensor of shape " + to_string(shape()));
  return node_->shape[axis];
}

float* Tensor::data() {
  if (!is_contiguous()) throw std::logic_error("tiny_nn: data() of a non-contiguous tensor: call contiguous() first");
  return node_->storage->data() + node_->offset;
}
const float* Tensor::data() const { return const_cast<Tensor*>(this)->data(); }

std::vector<float> Tensor::to_vector() const {
  std::vector<float> out(static_cast<std::size_t>(numel()));
  const float* s = node_->storage->data();
  for_each_position(*node_, [&](std::int64_t i, std::int64_t pos) { out[i] = s[pos]; });
  return out;
}

float Tensor::item() const {
  if (numel() != 1) throw std::logic_error("tiny_nn: item() of a tensor of shape " + to_string(shape()));
  return (*node_->storage)[node_->offset];
}

Tensor& Tensor::set_requires_grad(bool on) {
  node_->requires_grad = on;
  return *this;
}
float* Tensor::grad() { return node_->grad_buffer(); }
void Tensor::zero_grad() { std::fill(node_->grad.begin(), node_->grad.end(), 0.0f); }

void Tensor::backward() {
  if (numel() != 1)
    throw std::logic_error("tiny_nn: backward() needs a one-element tensor (a loss), not shape " + to_string(shape()));
  if (!requires_grad()) throw std::logic_error("tiny_nn: backward() of a tensor that does not depend on any parameter");
  // Topological order by depth-first search (iterative: deep graphs would overflow the stack).
  std::vector<Node*> order;
  std::unordered_set<Node*> seen;
  std::vector<std::pair<Node*, std::size_t>> stack{{node_.get(), 0}};
  seen.insert(node_.get());
  while (!stack.empty()) {
    auto& [n, next_input] = stack.back();
    if (next_input < n->inputs.size()) {
      Node* in = n->inputs[next_input++].get();
      if (in->requires_grad && seen.insert(in).second) stack.push_back({in, 0});
    } else {
      order.push_back(n);  // every input is already in `order`: post-order
      stack.pop_back();
    }
  }
  node_->grad_buffer()[0] += 1.0f;
  // Reverse post-order: a node runs only after everything that uses it has
  // added its gradient contribution.
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node* n = *it;
    if (n->backward && !n->grad.empty()) n->backward(*n);
  }
}

Tensor Tensor::detach() const {
  Tensor t(std::make_shared<Node>(*node_));
  t.node_->inputs.clear();
  t.node_->backward = nullptr;
  t.node_->requires_grad = false;
  t.node_->grad.clear();
  t.node_->op = "detach";
  return t;
}

Tensor make_result(Shape shape, std::vector<float> values, const char* op, std::vector<Tensor> inputs,
                   std::function<void(Node& self)> backward) {
  auto n = new_node(shape, std::move(values));
  n->op = op;
  bool needs = false;
  for (const auto& t : inputs) needs |= t.defined() && t.requires_grad();
  if (needs && g_grad_enabled) {
    n->requires_grad = true;
    for (const auto& t : inputs)
      if (t.defined()) n->inputs.push_back(t.shared());
    n->backward = std::move(backward);
  }
  return Tensor(n);
}

// ---------------------------------------------------------------------------
// Views. A view shares its input's storage; its backward maps each of its
// elements back to the input element it shows.

namespace {
Tensor make_view(const Tensor& x, Shape shape, Shape strides, std::int64_t offset, const char* op) {
  auto n = std::make_shared<Node>();
  n->shape = std::move(shape);
  n->strides = std::move(strides);
  n->offset = offset;
  n->storage = x.node()->storage;
  n->op = op;
  if (x.requires_grad() && g_grad_enabled) {
    n->requires_grad = true;
    n->inputs = {x.shared()};
    // The input is contiguous (every view op checks), so the input element a
    // storage position holds is (position - input offset).
    n->backward = [](Node& self) {
      Node& in = *self.inputs[0];
      float* g_in = in.grad_buffer();
      const float* g = self.grad.data();
      if (self.is_contiguous()) {  // a reshape: element i is input element i + (offset difference)
        float* g_at = g_in + (self.offset - in.offset);
        for (std::size_t i = 0; i < self.grad.size(); ++i) g_at[i] += g[i];
        return;
      }
      for_each_position(self, [&](std::int64_t i, std::int64_t pos) { g_in[pos - in.offset] += g[i]; });
    };
  }
  return Tensor(n);
}
}  // namespace

Tensor contiguous(const Tensor& x) {
  require_defined(x, "contiguous");
  if (x.is_contiguous()) return x;
  return make_result(x.shape(), x.to_vector(), "contiguous", {x}, [](Node& self) {
    float* g_in = self.inputs[0]->grad_buffer();  // the same logical order
    for (std::size_t i = 0; i < self.grad.size(); ++i) g_in[i] += self.grad[i];
  });
}

Tensor reshape(const Tensor& x, Shape shape) {
  require_defined(x, "reshape");
  int unknown = -1;
  std::int64_t known = 1;
  for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
    if (shape[i] == -1) {
      if (unknown >= 0) throw std::invalid_argument("tiny_nn::reshape: more than one -1 in " + to_string(shape));
      unknown = i;
    } else {
      known *= shape[i];
    }
  }
  if (unknown >= 0 && known > 0) shape[unknown] = x.numel() / known;
  if (numel(shape) != x.numel())
    throw std::invalid_argument("tiny_nn::reshape: cannot view shape " + to_string(x.shape()) + " as " + to_string(shape));
  // The same shape is the same tensor: no view node, and nothing for the
  // backward pass to copy (linear() reshapes every 2-D input to itself).
  if (shape == x.shape() && x.is_contiguous()) return x;
  const Tensor c = contiguous(x);
  Shape strides = contiguous_strides(shape);
  return make_view(c, std::move(shape), std::move(strides), c.node()->offset, "reshape");
}

Tensor permute(const Tensor& x, const std::vector<int>& order) {
  require_defined(x, "permute");
  const int nd = x.ndim();
  std::vector<int> check(order);
  std::sort(check.begin(), check.end());
  for (int i = 0; i < nd; ++i)
    if (static_cast<int>(check.size()) != nd || check[i] != i)
      throw std::invalid_argument("tiny_nn::permute: the order must list each of the " + std::to_string(nd) +
                                  " axes once");
  const Tensor c = contiguous(x);
  Shape shape(nd), strides(nd);
  for (int i = 0; i < nd; ++i) {
    shape[i] = c.shape()[order[i]];
    strides[i] = c.node()->strides[order[i]];
  }
  return make_view(c, std::move(shape), std::move(strides), c.node()->offset, "permute");
}

Tensor transpose(const Tensor& x, int a, int b) {
  std::vector<int> order(x.ndim());
  std::iota(order.begin(), order.end(), 0);
  if (a < 0) a += x.ndim();
  if (b < 0) b += x.ndim();
  std::swap(order.at(a), order.at(b));
  return permute(x, order);
}

Tensor select(const Tensor& x, std::int64_t index) {
  require_defined(x, "select");
  if (x.ndim() == 0 || index < 0 || index >= x.dim(0))
    throw std::out_of_range("tiny_nn::select: index " + std::to_string(index) + " of shape " + to_string(x.shape()));
  const Tensor c = contiguous(x);
  Shape shape(c.shape().begin() + 1, c.shape().end());
  Shape strides(c.node()->strides.begin() + 1, c.node()->strides.end());
  return make_view(c, std::move(shape), std::move(strides), c.node()->offset + index * c.node()->strides[0], "select");
}

// ---------------------------------------------------------------------------
// Elementwise ops with broadcasting.

Shape broadcast_shape(const Shape& a, const Shape& b) {
  const std::size_t nd = std::max(a.size(), b.size());
  Shape out(nd);
  for (std::size_t i = 0; i < nd; ++i) {
    const std::int64_t da = i < nd - a.size() ? 1 : a[i - (nd - a.size())];
    const std::int64_t db = i < nd - b.size() ? 1 : b[i - (nd - b.size())];
    if (da != db && da != 1 && db != 1)
      throw std::invalid_argument("tiny_nn: shapes " + to_string(a) + " and " + to_string(b) +
                                  " do not broadcast (each dimension must match or be 1)");
    out[i] = std::max(da, db);
  }
  return out;
}

namespace {

// For each element of `out` (row-major), the index of the element of an input
// of shape `in` that broadcasting pairs with it.
std::vector<std::int64_t> broadcast_index(const Shape& out, const Shape& in) {
  const std::size_t nd = out.size();
  Shape in_full(nd, 1);
  for (std::size_t i = 0; i < in.size(); ++i) in_full[nd - in.size() + i] = in[i];
  Shape stride = contiguous_strides(in_full);
  for (std::size_t i = 0; i < nd; ++i)
    if (in_full[i] == 1) stride[i] = 0;
  Node view;
  view.shape = out;
  view.strides = stride;
  std::vector<std::int64_t> index(static_cast<std::size_t>(numel(out)));
  for_each_position(view, [&](std::int64_t i, std::int64_t pos) { index[i] = pos; });
  return index;
}

// How `in` relates to the output shape: the same shape, a row vector repeated
// over the leading dimensions (a bias: [..., n] + [n]), a single value, or
// anything else (the general, slower path).
enum class Pattern { same, row, scalar, general };
Pattern pattern_of(const Shape& out, const Shape& in) {
  if (in == out) return Pattern::same;
  if (numel(in) == 1) return Pattern::scalar;
  const std::int64_t n = numel(in);
  if (!out.empty() && n == out.back()) {
    bool ones = true;
    for (std::size_t i = 0; i + 1 < in.size(); ++i) ones &= in[i] == 1;
    if (ones) return Pattern::row;
  }
  return Pattern::general;
}

// Index of the input element paired with output element i.
struct Broadcast {
  Pattern pattern;
  std::int64_t row = 1;
  std::vector<std::int64_t> index;  // general only
  Broadcast(const Shape& out, const Shape& in) : pattern(pattern_of(out, in)) {
    if (pattern == Pattern::row) row = numel(in);
    if (pattern == Pattern::general) index = broadcast_index(out, in);
  }
  std::int64_t operator()(std::int64_t i) const {
    switch (pattern) {
      case Pattern::same: return i;
      case Pattern::row: return i % row;
      case Pattern::scalar: return 0;
      default: return index[i];
    }
  }
};

bool big(std::int64_t n) { return n > 32768; }

// The shared body of add, sub and mul: out = f(a, b), and the backward
// da += g * df/da, db += g * df/db (summed over broadcast dimensions).
enum class Binary { add, sub, mul };
Tensor binary(const Tensor& a0, const Tensor& b0, Binary kind, const char* name) {
  require_defined(a0, name);
  require_defined(b0, name);
  const Tensor a = contiguous(a0), b = contiguous(b0);
  const Shape shape = broadcast_shape(a.shape(), b.shape());
  const std::int64_t n = numel(shape);
  auto ia = std::make_shared<Broadcast>(shape, a.shape());
  auto ib = std::make_shared<Broadcast>(shape, b.shape());
  std::vector<float> out(static_cast<std::size_t>(n));
  const float *pa = a.data(), *pb = b.data();
  if (ia->pattern == Pattern::same && ib->pattern == Pattern::same) {
#pragma omp parallel for num_threads(num_threads()) schedule(static) if (big(n))
    for (std::int64_t i = 0; i < n; ++i)
      out[i] = kind == Binary::add ? pa[i] + pb[i] : kind == Binary::sub ? pa[i] - pb[i] : pa[i] * pb[i];
  } else {
#pragma omp parallel for num_threads(num_threads()) schedule(static) if (big(n))
    for (std::int64_t i = 0; i < n; ++i) {
      const float x = pa[(*ia)(i)], y = pb[(*ib)(i)];
      out[i] = kind == Binary::add ? x + y : kind == Binary::sub ? x - y : x * y;
    }
  }
  return make_result(shape, std::move(out), name, {a, b}, [ia, ib, kind, n](Node& self) {
    Node &na = *self.inputs[0], &nb = *self.inputs[1];
    const float* g = self.grad.data();
    const float* va = na.storage->data() + na.offset;
    const float* vb = nb.storage->data() + nb.offset;
    // da: same shape gets a parallel loop; a broadcast input sums over the
    // stretched dimensions (serially: several outputs add into one element).
    auto accumulate = [&](Node& in, const Broadcast& idx, bool is_a) {
      if (!in.requires_grad) return;
      float* gi = in.grad_buffer();
      const float sign = (kind == Binary::sub && !is_a) ? -1.0f : 1.0f;
      auto term = [&](std::int64_t i) -> float {
        if (kind == Binary::mul) return g[i] * (is_a ? vb[(*ib)(i)] : va[(*ia)(i)]);
        return sign * g[i];
      };
      if (idx.pattern == Pattern::same) {
#pragma omp parallel for num_threads(num_threads()) schedule(static) if (big(n))
        for (std::int64_t i = 0; i < n; ++i) gi[i] += term(i);
      } else if (idx.pattern == Pattern::row) {
        // Column sums: threads take columns, so none share an output.
        const std::int64_t cols = idx.row, rows = n / cols;
#pragma omp parallel for num_threads(num_threads()) schedule(static) if (big(n))
        for (std::int64_t c = 0; c < cols; ++c) {
          float s = 0;
          for (std::int64_t r = 0; r < rows; ++r) s += term(r * cols + c);
          gi[c] += s;
        }
      } else {
        for (std::int64_t i = 0; i < n; ++i) gi[idx(i)] += term(i);
      }
    };
    // a and b are both listed even when they are the same tensor (a * a):
    // each use adds its own term.
    accumulate(na, *ia, true);
    accumulate(nb, *ib, false);
  });
}

// A unary elementwise op: out = f(x); backward dx += g * df/dx(x, out).
template <class F, class D>
Tensor unary(const Tensor& x0, const char* name, F f, D dfdx) {
  require_defined(x0, name);
  const Tensor x = contiguous(x0);
  const std::int64_t n = x.numel();
  std::vector<float> out(static_cast<std::size_t>(n));
  const float* px = x.data();
#pragma omp parallel for num_threads(num_threads()) schedule(static) if (big(n))
  for (std::int64_t i = 0; i < n; ++i) out[i] = f(px[i]);
  return make_result(x.shape(), std::move(out), name, {x}, [dfdx, n](Node& self) {
    Node& in = *self.inputs[0];
    const float* vx = in.storage->data() + in.offset;
    const float* vy = self.storage->data();
    const float* g = self.grad.data();
    float* gi = in.grad_buffer();
#pragma omp parallel for num_threads(num_threads()) schedule(static) if (big(n))
    for (std::int64_t i = 0; i < n; ++i) gi[i] += g[i] * dfdx(vx[i], vy[i]);
  });
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) { return binary(a, b, Binary::add, "add"); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(a, b, Binary::sub, "sub"); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(a, b, Binary::mul, "mul"); }

Tensor scale(const Tensor& x, float factor) {
  return unary(x, "scale", [factor](float v) { return factor * v; }, [factor](float, float) { return factor; });
}

Tensor relu(const Tensor& x0) {
  // The backward pass is one of the lab's kernels (TODO(2)).
  require_defined(x0, "relu");
  const Tensor x = contiguous(x0);
  const std::int64_t n = x.numel();
  std::vector<float> out(static_cast<std::size_t>(n));
  const float* px = x.data();
#pragma omp parallel for num_threads(num_threads()) schedule(static) if (big(n))
  for (std::int64_t i = 0; i < n; ++i) out[i] = px[i] > 0.0f ? px[i] : 0.0f;
  return make_result(x.shape(), std::move(out), "relu", {x}, [n](Node& self) {
    Node& in = *self.inputs[0];
    kernels().relu_backward(n, in.storage->data() + in.offset, self.grad.data(), in.grad_buffer());
  });
}

Tensor gelu(const Tensor& x) {
  // 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3)
  constexpr float c = 0.7978845608028654f, k = 0.044715f;
  return unary(
      x, "gelu", [](float v) { return 0.5f * v * (1.0f + std::tanh(c * (v + k * v * v * v))); },
      [](float v, float) {
        const float t = std::tanh(c * (v + k * v * v * v));
        return 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * c * (1.0f + 3.0f * k * v * v);
      });
}

Tensor tanh(const Tensor& x) {
  return unary(x, "tanh", [](float v) { return std::tanh(v); }, [](float, float y) { return 1.0f - y * y; });
}

Tensor sum(const Tensor& x0) {
  require_defined(x0, "sum");
  const Tensor x = contiguous(x0);
  double s = 0;
  const float* p = x.data();
  for (std::int64_t i = 0; i < x.numel(); ++i) s += p[i];
  return make_result({1}, {static_cast<float>(s)}, "sum", {x}, [](Node& self) {
    float* gi = self.inputs[0]->grad_buffer();
    const std::int64_t n = numel(self.inputs[0]->shape);
    for (std::int64_t i = 0; i < n; ++i) gi[i] += self.grad[0];
  });
}

Tensor mean(const Tensor& x) { return scale(sum(x), x.numel() ? 1.0f / static_cast<float>(x.numel()) : 0.0f); }

}  // namespace tiny_nn
