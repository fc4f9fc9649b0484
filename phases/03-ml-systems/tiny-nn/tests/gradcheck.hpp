// Gradient checking by central finite differences, shared by the tests.
//
// For a function f of some tensors, with one output tensor y, the check
// builds the scalar L = sum_i y_i r_i (r: fixed random weights, so every
// output element matters and no gradient is trivially 1), computes dL/dx by
// backpropagation, and compares it, element by element, with
//
//   (L(x + eps e_k) - L(x - eps e_k)) / (2 eps)
//
// evaluated in float32 forward passes whose weighted sum is taken in double.
// Central differences are exact for functions that are linear or quadratic
// along e_k (matmul, conv2d, embedding, views: the product structure), and
// off by O(eps^2) otherwise; float32 rounding of the forward pass adds about
// 1e-7 |L| / eps. With eps = 1e-3 and inputs of order 1, the two together
// stay well below the tolerance used here:
//
//   |analytic - numeric| <= atol + rtol * |numeric|,  rtol = 1e-2, atol = 2e-3
//
// A wrong backward pass (a transposed product, a missing 1/batch, a gradient
// assigned instead of added) misses it by far more. Inputs are kept away from
// kinks (relu at 0, ties in max-pool), where finite differences are not defined.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <labkit/check.hpp>

#include "tiny_nn/tensor.hpp"

namespace tiny_nn::test {

// Graders set LABKIT_SEED: labkit::seed() reads it (else labkit::kDefaultSeed).
using labkit::seed;

struct GradcheckOptions {
  double eps = 1e-3, rtol = 1e-2, atol = 2e-3;
  int max_checks = 48;  // per input: all elements of small tensors, a random sample of larger ones
};

// f maps `inputs` to one output tensor. Every input with requires_grad() is checked.
inline ::testing::AssertionResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                                            std::vector<Tensor> inputs, const GradcheckOptions& opt = {},
                                            std::uint64_t rseed = seed()) {
  Rng rng(rseed ^ 0x5eed);
  Tensor out = f(inputs);
  const std::vector<float> r_values = [&] {
    std::vector<float> r(static_cast<std::size_t>(out.numel()));
    for (auto& v : r) v = rng.uniform(-1.0f, 1.0f);
    return r;
  }();
  Tensor r = Tensor::from(out.shape(), r_values);
  for (auto& x : inputs)
    if (x.requires_grad()) x.zero_grad();
  Tensor loss = sum(mul(out, r));
  loss.backward();

  auto weighted = [&]() {
    NoGradGuard no_grad;
    const std::vector<float> y = f(inputs).to_vector();
    double s = 0;
    for (std::size_t i = 0; i < y.size(); ++i) s += static_cast<double>(y[i]) * r_values[i];
    return s;
  };
  std::ostringstream first;
  int failed = 0, checked = 0;
  for (std::size_t n = 0; n < inputs.size(); ++n) {
    Tensor& x = inputs[n];
    if (!x.requires_grad()) continue;
    if (x.grad_vector().empty()) {
      return ::testing::AssertionFailure() << "input " << n << " " << to_string(x.shape())
                                           << " received no gradient at all";
    }
    const std::vector<float> analytic = x.grad_vector();
    const std::int64_t count = x.numel();
    std::vector<std::int64_t> which;
    if (count <= opt.max_checks) {
      for (std::int64_t i = 0; i < count; ++i) which.push_back(i);
    } else {
      for (int i = 0; i < opt.max_checks; ++i) which.push_back(static_cast<std::int64_t>(rng.below(count)));
    }
    float* data = x.data();
    for (std::int64_t k : which) {
      const float saved = data[k];
      data[k] = static_cast<float>(saved + opt.eps);
      const double up = weighted();
      data[k] = static_cast<float>(saved - opt.eps);
      const double down = weighted();
      data[k] = saved;
      const double numeric = (up - down) / (2 * opt.eps);
      const double err = std::abs(analytic[k] - numeric);
      ++checked;
      const double bound = opt.atol + opt.rtol * std::abs(numeric);
      if (!(err <= bound) && failed++ == 0)
        first << "input " << n << " " << to_string(x.shape()) << " element " << k << ": backprop " << analytic[k]
              << ", finite differences " << numeric << ", |error| " << err << " > bound " << bound;
    }
  }
  if (failed)
    return ::testing::AssertionFailure() << failed << " of " << checked
                                         << " gradient elements disagree with finite differences (|error| > atol "
                                         << opt.atol << " + rtol " << opt.rtol << " |numeric|); first " << first.str();
  return ::testing::AssertionSuccess();
}

// Values uniform in [lo, hi).
inline Tensor random_tensor(const Shape& shape, Rng& rng, float lo = -1.0f, float hi = 1.0f, bool grad = true) {
  return Tensor::uniform(shape, rng, lo, hi, grad);
}

// Values at least `gap` away from 0 (for relu: no element sits on the kink).
inline Tensor away_from_zero(const Shape& shape, Rng& rng, float gap = 0.05f) {
  std::vector<float> v(static_cast<std::size_t>(numel(shape)));
  for (auto& x : v) x = (rng.uniform() < 0.5f ? -1.0f : 1.0f) * (gap + rng.uniform());
  return Tensor::from(shape, std::move(v), true);
}

}  // namespace tiny_nn::test
