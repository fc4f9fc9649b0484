// The scalar autograd engine (include/tiny_nn/scalar.hpp explains the idea).
//
// Each operator below does two things: computes the result now (forward),
// and stores in backward_step how to pass the gradient back later. The
// lambdas capture raw pointers to the inputs and the output; the output's
// `children` keep the inputs alive, and the lambda is owned by the output, so
// the pointers are valid whenever backward_step can run (and capturing the
// output's shared_ptr instead would make it own itself: a leak).
#include "tiny_nn/scalar.hpp"

#include <cmath>
#include <random>
#include <unordered_set>

namespace tiny_nn::scalar {

ValuePtr Value::make(double data, std::string op) {
  auto v = std::make_shared<Value>();
  v->data = data;
  v->op = std::move(op);
  return v;
}

void Value::backward() {
  // Topological order: a Value is appended after all of its children.
  std::vector<Value*> order;
  std::unordered_set<Value*> visited;
  std::vector<std::pair<Value*, std::size_t>> stack{{this, 0}};  // explicit stack: no recursion limit
  visited.insert(this);
  while (!stack.empty()) {
    auto& [v, next] = stack.back();
    if (next < v->children.size()) {
      Value* c = v->children[next++].get();
      if (visited.insert(c).second) stack.push_back({c, 0});
    } else {
      order.push_back(v);
      stack.pop_back();
    }
  }
  grad = 1.0;  // d(this)/d(this)
  // Walk from the output back to the leaves: everything computed from a
  // Value has already added its contribution to that Value's grad.
  for (auto it = order.rbegin(); it != order.rend(); ++it)
    if ((*it)->backward_step) (*it)->backward_step();
}

namespace {
ValuePtr result(double data, std::string op, std::vector<ValuePtr> children) {
  auto out = Value::make(data, std::move(op));
  out->children = std::move(children);
  return out;
}
}  // namespace

ValuePtr operator+(const ValuePtr& a, const ValuePtr& b) {
  auto out = result(a->data + b->data, "+", {a, b});
  Value *pa = a.get(), *pb = b.get(), *po = out.get();
  // d(a+b)/da = 1, d(a+b)/db = 1
  out->backward_step = [pa, pb, po] {
    pa->grad += po->grad;
    pb->grad += po->grad;
  };
  return out;
}

ValuePtr operator*(const ValuePtr& a, const ValuePtr& b) {
  auto out = result(a->data * b->data, "*", {a, b});
  Value *pa = a.get(), *pb = b.get(), *po = out.get();
  // d(ab)/da = b, d(ab)/db = a
  out->backward_step = [pa, pb, po] {
    pa->grad += pb->data * po->grad;
    pb->grad += pa->data * po->grad;
  };
  return out;
}

ValuePtr pow(const ValuePtr& a, double k) {
  auto out = result(std::pow(a->data, k), "pow", {a});
  Value *pa = a.get(), *po = out.get();
  // d(a^k)/da = k a^(k-1)
  out->backward_step = [pa, po, k] { pa->grad += k * std::pow(pa->data, k - 1) * po->grad; };
  return out;
}

ValuePtr exp(const ValuePtr& a) {
  auto out = result(std::exp(a->data), "exp", {a});
  Value *pa = a.get(), *po = out.get();
  out->backward_step = [pa, po] { pa->grad += po->data * po->grad; };  // d(e^a)/da = e^a
  return out;
}

ValuePtr log(const ValuePtr& a) {
  auto out = result(std::log(a->data), "log", {a});
  Value *pa = a.get(), *po = out.get();
  out->backward_step = [pa, po] { pa->grad += po->grad / pa->data; };  // d(ln a)/da = 1/a
  return out;
}

ValuePtr tanh(const ValuePtr& a) {
  auto out = result(std::tanh(a->data), "tanh", {a});
  Value *pa = a.get(), *po = out.get();
  out->backward_step = [pa, po] { pa->grad += (1.0 - po->data * po->data) * po->grad; };  // 1 - tanh^2
  return out;
}

ValuePtr relu(const ValuePtr& a) {
  auto out = result(a->data > 0 ? a->data : 0.0, "relu", {a});
  Value *pa = a.get(), *po = out.get();
  out->backward_step = [pa, po] { pa->grad += (pa->data > 0 ? 1.0 : 0.0) * po->grad; };
  return out;
}

// The rest are compositions: their gradients come from the ops above for free.
ValuePtr operator-(const ValuePtr& a) { return a * -1.0; }
ValuePtr operator-(const ValuePtr& a, const ValuePtr& b) { return a + (-b); }
ValuePtr operator/(const ValuePtr& a, const ValuePtr& b) { return a * pow(b, -1.0); }
ValuePtr operator+(const ValuePtr& a, double b) { return a + Value::make(b); }
ValuePtr operator*(const ValuePtr& a, double b) { return a * Value::make(b); }

Neuron::Neuron(int inputs, unsigned seed, bool nonlinear) : b_(Value::make(0.0)), nonlinear_(nonlinear) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> d(-1.0, 1.0);
  const double scale = 1.0 / std::sqrt(static_cast<double>(inputs));
  for (int i = 0; i < inputs; ++i) w_.push_back(Value::make(d(rng) * scale));
}

ValuePtr Neuron::operator()(const std::vector<ValuePtr>& x) const {
  ValuePtr act = b_;
  for (std::size_t i = 0; i < w_.size(); ++i) act = act + w_[i] * x[i];
  return nonlinear_ ? tanh(act) : act;
}

std::vector<ValuePtr> Neuron::parameters() const {
  auto p = w_;
  p.push_back(b_);
  return p;
}

Mlp::Mlp(const std::vector<int>& sizes, unsigned seed) {
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    std::vector<Neuron> layer;
    for (int o = 0; o < sizes[l + 1]; ++o) layer.emplace_back(sizes[l], seed++, l + 2 < sizes.size());
    layers_.push_back(std::move(layer));
  }
}

std::vector<ValuePtr> Mlp::operator()(const std::vector<ValuePtr>& x) const {
  std::vector<ValuePtr> act = x;
  for (const auto& layer : layers_) {
    std::vector<ValuePtr> next;
    for (const auto& n : layer) next.push_back(n(act));
    act = std::move(next);
  }
  return act;
}

std::vector<ValuePtr> Mlp::parameters() const {
  std::vector<ValuePtr> p;
  for (const auto& layer : layers_)
    for (const auto& n : layer)
      for (auto& v : n.parameters()) p.push_back(v);
  return p;
}

}  // namespace tiny_nn::scalar
