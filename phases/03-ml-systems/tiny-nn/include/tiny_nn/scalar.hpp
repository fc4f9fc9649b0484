// Step 1 of the lab: automatic differentiation on single numbers.
//
// Before tensors, the whole idea of a framework's autograd fits in this file
// and scalar.cpp (in the spirit of Karpathy's micrograd). A Value is one
// number that remembers how it was computed:
//
//   auto a = Value::make(2.0), b = Value::make(-3.0);
//   auto c = a * b + a;        // c = -4, and c knows it came from (a*b) and a
//   c->backward();             // dc/da = b + 1 = -2, dc/db = a = 2
//   a->grad, b->grad           // -2, 2
//
// Every operation creates a new Value whose `children` are its inputs and
// whose `backward_step` applies the chain rule locally: given d(out)/d(this)
// in this->grad, ADD d(out)/d(child) = this->grad * d(this)/d(child) to each
// child's grad. Adding (not assigning) matters: `a` above is used twice, and
// its gradient is the sum over both uses.
//
// backward() visits the graph in reverse topological order (every Value
// after all the Values computed from it), so when a Value's backward_step
// runs, its own grad is complete.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tiny_nn::scalar {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct Value {
  double data = 0;
  double grad = 0;                       // d(output)/d(this), filled by backward()
  std::vector<ValuePtr> children;        // the inputs this Value was computed from
  std::function<void()> backward_step;   // adds this->grad * local derivative into each child's grad
  std::string op;                        // "+", "*", "tanh", ... (for printing the graph)

  static ValuePtr make(double data, std::string op = "");
  // Sets this->grad = 1 and propagates to every Value this one depends on.
  // (Grads accumulate: zero them between two backward() calls on the same graph.)
  void backward();
};

ValuePtr operator+(const ValuePtr& a, const ValuePtr& b);
ValuePtr operator*(const ValuePtr& a, const ValuePtr& b);
ValuePtr operator-(const ValuePtr& a, const ValuePtr& b);
ValuePtr operator-(const ValuePtr& a);
ValuePtr operator/(const ValuePtr& a, const ValuePtr& b);
ValuePtr operator+(const ValuePtr& a, double b);
ValuePtr operator*(const ValuePtr& a, double b);
ValuePtr pow(const ValuePtr& a, double exponent);
ValuePtr exp(const ValuePtr& a);
ValuePtr log(const ValuePtr& a);
ValuePtr tanh(const ValuePtr& a);
ValuePtr relu(const ValuePtr& a);

// A neuron, a layer and a multi-layer perceptron made of Values: slow (one
// heap object per number), but every gradient can be followed by hand.
class Neuron {
 public:
  Neuron(int inputs, unsigned seed, bool nonlinear = true);
  ValuePtr operator()(const std::vector<ValuePtr>& x) const;
  std::vector<ValuePtr> parameters() const;
 private:
  std::vector<ValuePtr> w_;
  ValuePtr b_;
  bool nonlinear_;
};

class Mlp {
 public:
  // sizes = {inputs, hidden..., outputs}; tanh between layers, linear output.
  Mlp(const std::vector<int>& sizes, unsigned seed);
  std::vector<ValuePtr> operator()(const std::vector<ValuePtr>& x) const;
  std::vector<ValuePtr> parameters() const;
 private:
  std::vector<std::vector<Neuron>> layers_;
};

}  // namespace tiny_nn::scalar
