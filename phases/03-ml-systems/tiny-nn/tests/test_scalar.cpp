// The scalar autograd engine (include/tiny_nn/scalar.hpp): gradients of
// small expressions against their derivatives worked by hand, and against
// finite differences for a whole MLP; then the MLP learns a toy task.
#include <gtest/gtest.h>

#include <cmath>

#include "tiny_nn/scalar.hpp"

// Inside tiny_nn::scalar, not `using namespace` at file scope: the other
// test files share one translation unit with this one (cmake/AddLab.cmake)
// and mean tiny_nn::Mlp where this file means tiny_nn::scalar::Mlp.
namespace tiny_nn::scalar {

TEST(Scalar, ProductAndSumByHand) {
  auto a = Value::make(2.0), b = Value::make(-3.0);
  auto c = a * b + a;  // c = ab + a: dc/da = b + 1, dc/db = a
  c->backward();
  EXPECT_DOUBLE_EQ(c->data, -4.0);
  EXPECT_DOUBLE_EQ(a->grad, -2.0);
  EXPECT_DOUBLE_EQ(b->grad, 2.0);
}

TEST(Scalar, ValueUsedManyTimesAccumulates) {
  auto x = Value::make(3.0);
  auto y = x * x * x;  // y = x^3, dy/dx = 3x^2 = 27: three uses, three contributions
  y->backward();
  EXPECT_DOUBLE_EQ(y->data, 27.0);
  EXPECT_DOUBLE_EQ(x->grad, 27.0);
}

TEST(Scalar, EveryOpAgainstItsDerivative) {
  const double x0 = 0.7;
  struct Op {
    const char* name;
    ValuePtr (*f)(const ValuePtr&);
    double (*df)(double);
  } ops[] = {
      {"tanh", [](const ValuePtr& v) { return tanh(v); }, [](double v) { return 1 - std::tanh(v) * std::tanh(v); }},
      {"exp", [](const ValuePtr& v) { return exp(v); }, [](double v) { return std::exp(v); }},
      {"log", [](const ValuePtr& v) { return log(v); }, [](double v) { return 1 / v; }},
      {"relu", [](const ValuePtr& v) { return relu(v); }, [](double) { return 1.0; }},
      {"pow3", [](const ValuePtr& v) { return pow(v, 3.0); }, [](double v) { return 3 * v * v; }},
      {"1/x", [](const ValuePtr& v) { return Value::make(1.0) / v; }, [](double v) { return -1 / (v * v); }},
      {"-x", [](const ValuePtr& v) { return -v; }, [](double) { return -1.0; }},
  };
  for (const auto& op : ops) {
    auto x = Value::make(x0);
    op.f(x)->backward();
    EXPECT_NEAR(x->grad, op.df(x0), 1e-12) << op.name;
  }
}

TEST(Scalar, MlpGradientsMatchFiniteDifferences) {
  Mlp net({3, 4, 4, 1}, 5);
  const std::vector<double> input = {0.5, -1.0, 2.0};
  auto loss_of = [&] {
    std::vector<ValuePtr> x;
    for (double v : input) x.push_back(Value::make(v));
    auto y = net(x)[0];
    return y * y;
  };
  auto loss = loss_of();
  loss->backward();
  for (auto& p : net.parameters()) {
    const double saved = p->data, h = 1e-6;
    p->data = saved + h;
    const double up = loss_of()->data;
    p->data = saved - h;
    const double down = loss_of()->data;
    p->data = saved;
    EXPECT_NEAR(p->grad, (up - down) / (2 * h), 1e-6);  // double precision: central differences agree to ~1e-9
  }
}

TEST(Scalar, MlpLearnsXor) {
  Mlp net({2, 8, 1}, 3);
  const double xs[4][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}}, ys[4] = {-1, 1, 1, -1};
  double last = 0;
  for (int step = 0; step < 300; ++step) {
    ValuePtr loss = Value::make(0.0);
    for (int i = 0; i < 4; ++i) {
      auto y = net({Value::make(xs[i][0]), Value::make(xs[i][1])})[0];
      auto d = y - Value::make(ys[i]);
      loss = loss + d * d;
    }
    for (auto& p : net.parameters()) p->grad = 0;
    loss->backward();
    for (auto& p : net.parameters()) p->data -= 0.05 * p->grad;
    last = loss->data;
  }
  EXPECT_LT(last, 0.05) << "squared error summed over the four XOR points after 300 steps of SGD";
}

}  // namespace tiny_nn::scalar
