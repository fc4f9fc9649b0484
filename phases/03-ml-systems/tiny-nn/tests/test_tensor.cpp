// Tensors: shapes, strides, views and broadcasting, the dense kernels against
// plain loops, and the gradients of the elementwise ops and views by finite
// differences (tests/gradcheck.hpp).
#include <gtest/gtest.h>

#include <labkit/check_gtest.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "gradcheck.hpp"
#include "tiny_nn/kernels.hpp"
#include "tiny_nn/tensor.hpp"

using namespace tiny_nn;
using namespace tiny_nn::test;

TEST(Tensor, ShapesAndStrides) {
  Tensor t = Tensor::zeros({2, 3, 4});
  EXPECT_EQ(t.numel(), 24);
  EXPECT_ELEMENTS_EQ(t.node()->strides, (Shape{12, 4, 1}));
  EXPECT_TRUE(t.is_contiguous());
  Tensor p = permute(t, {2, 0, 1});
  EXPECT_ELEMENTS_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_ELEMENTS_EQ(p.node()->strides, (Shape{1, 12, 4}));
  EXPECT_FALSE(p.is_contiguous());
  EXPECT_THROW(p.data(), std::logic_error);
  EXPECT_ELEMENTS_EQ(reshape(t, {-1, 4}).shape(), (Shape{6, 4}));
  EXPECT_THROW(reshape(t, {5, -1}), std::invalid_argument);
  EXPECT_THROW(Tensor::from({2, 2}, {1, 2, 3}), std::invalid_argument);
}

TEST(Tensor, ViewsShareStorageAndReadInLogicalOrder) {
  Tensor t = Tensor::from({2, 3}, {0, 1, 2, 3, 4, 5});
  EXPECT_ELEMENTS_EQ(transpose(t, 0, 1).to_vector(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_ELEMENTS_EQ(select(t, 1).to_vector(), (std::vector<float>{3, 4, 5}));
  EXPECT_ELEMENTS_EQ(contiguous(transpose(t, 0, 1)).to_vector(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  Tensor r = reshape(t, {3, 2});
  r.data()[0] = 42;  // a view: the same storage
  EXPECT_EQ(t.data()[0], 42);
}

TEST(Tensor, Broadcasting) {
  EXPECT_ELEMENTS_EQ(broadcast_shape({4, 3}, {3}), (Shape{4, 3}));
  EXPECT_ELEMENTS_EQ(broadcast_shape({2, 1, 3}, {4, 1}), (Shape{2, 4, 3}));
  EXPECT_THROW(broadcast_shape({4, 3}, {4}), std::invalid_argument);
  Tensor a = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6}), b = Tensor::from({3}, {10, 20, 30});
  EXPECT_ELEMENTS_EQ(add(a, b).to_vector(), (std::vector<float>{11, 22, 33, 14, 25, 36}));
  Tensor col = Tensor::from({2, 1}, {2, 3});
  EXPECT_ELEMENTS_EQ(mul(a, col).to_vector(), (std::vector<float>{2, 4, 6, 12, 15, 18}));
  EXPECT_ELEMENTS_EQ(sub(a, Tensor::from({1}, {1})).to_vector(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
}

TEST(Tensor, BackwardAccumulatesOverUses) {
  Tensor x = Tensor::from({3}, {1, 2, 3}, true);
  Tensor y = sum(add(mul(x, x), x));  // d/dx (x^2 + x) = 2x + 1
  y.backward();
  EXPECT_ELEMENTS_EQ(x.grad_vector(), (std::vector<float>{3, 5, 7}));
  EXPECT_FLOAT_EQ(y.item(), 1 + 4 + 9 + 6);
}

TEST(Tensor, NoGradRecordsNothing) {
  Tensor x = Tensor::from({2}, {1, 2}, true);
  NoGradGuard guard;
  Tensor y = mul(x, x);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(y.node()->inputs.empty());
}

TEST(Tensor, RngIsDeterministic) {
  Rng a(7), b(7), c(8);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(a.next(), b.next());
  EXPECT_NE(Rng(7).next(), c.next());
  Rng r(1);
  double s = 0, s2 = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const double v = r.normal();
    s += v;
    s2 += v * v;
  }
  EXPECT_NEAR(s / n, 0.0, 0.03);
  EXPECT_NEAR(s2 / n, 1.0, 0.05);
}

// gemm against a plain double-precision triple loop: every transpose and
// accumulate combination, on 1 to 3 threads, on shapes that cut into slabs
// of rows and of columns with short edges (tiles of 12 x 32 and the
// one-thread cut-off of 2^20 multiply-adds on both sides).
TEST(Kernels, GemmMatchesPlainLoopsOnEveryThreadCount) {
  struct Shape3 {
    int M, N, K;
  };
  const Shape3 shapes[] = {{1, 1, 1}, {7, 5, 3}, {128, 256, 40}, {128, 10, 128}, {130, 37, 250}, {40, 300, 100}};
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (const Shape3& s : shapes)
    for (int threads = 1; threads <= 3; ++threads)
      for (int variant = 0; variant < 8; ++variant) {
        const bool ta = variant & 1, tb = variant & 2, acc = variant & 4;
        std::vector<float> A(static_cast<std::size_t>(s.M) * s.K), B(static_cast<std::size_t>(s.K) * s.N),
            C(static_cast<std::size_t>(s.M) * s.N);
        for (float& x : A) x = uniform(rng);
        for (float& x : B) x = uniform(rng);
        for (float& x : C) x = uniform(rng);
        const std::vector<float> before = C;
        gemm(ta, tb, s.M, s.N, s.K, A.data(), B.data(), C.data(), acc, threads);
        for (int i = 0; i < s.M; ++i)
          for (int j = 0; j < s.N; ++j) {
            double want = acc ? before[static_cast<std::size_t>(i) * s.N + j] : 0.0;
            for (int k = 0; k < s.K; ++k)
              want += static_cast<double>(ta ? A[static_cast<std::size_t>(k) * s.M + i] : A[static_cast<std::size_t>(i) * s.K + k]) *
                      (tb ? B[static_cast<std::size_t>(j) * s.K + k] : B[static_cast<std::size_t>(k) * s.N + j]);
            // float accumulation over K terms of size <= 1: |error| <= K * 2^-24 * sum|a b| <= K^2 * 6e-8.
            const double bound = 1e-6 + static_cast<double>(s.K) * s.K * 6e-8;
            ASSERT_NEAR(C[static_cast<std::size_t>(i) * s.N + j], want, bound)
                << s.M << " x " << s.N << " x " << s.K << ", trans_a " << ta << ", trans_b " << tb << ", accumulate "
                << acc << ", " << threads << " thread(s), C[" << i << "][" << j << "]";
          }
      }
}

TEST(Gradcheck, AddSubMulWithBroadcasting) {
  Rng rng(seed());
  const std::pair<Shape, Shape> shapes[] = {
      {{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{2, 3, 4}, {3, 1}}, {{5}, {1}}, {{2, 1, 3}, {4, 1}}};
  for (const auto& [sa, sb] : shapes) {
    Tensor a = random_tensor(sa, rng), b = random_tensor(sb, rng);
    EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return add(v[0], v[1]); }, {a, b}))
        << "add " << to_string(sa) << " " << to_string(sb);
    EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return sub(v[0], v[1]); }, {a, b}))
        << "sub " << to_string(sa) << " " << to_string(sb);
    EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return mul(v[0], v[1]); }, {a, b}))
        << "mul " << to_string(sa) << " " << to_string(sb);
  }
  Tensor a = random_tensor({6}, rng);
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return mul(v[0], v[0]); }, {a})) << "x * x";
}

TEST(Gradcheck, ScaleSumMean) {
  Rng rng(seed() + 1);
  Tensor a = random_tensor({4, 5}, rng);
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return scale(v[0], -2.5f); }, {a}));
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return sum(v[0]); }, {a}));
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return mean(v[0]); }, {a}));
}

TEST(Gradcheck, Views) {
  Rng rng(seed() + 2);
  Tensor a = random_tensor({2, 3, 4}, rng);
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return reshape(v[0], {4, 6}); }, {a}));
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return permute(v[0], {2, 0, 1}); }, {a}));
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return contiguous(transpose(v[0], 0, 2)); }, {a}));
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return select(permute(v[0], {1, 0, 2}), 2); }, {a}));
}

TEST(Gradcheck, Activations) {
  Rng rng(seed() + 3);
  Tensor a = random_tensor({50}, rng, -3.0f, 3.0f);
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return gelu(v[0]); }, {a})) << "gelu";
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return tiny_nn::tanh(v[0]); }, {a})) << "tanh";
  Tensor b = away_from_zero({50}, rng);
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return relu(v[0]); }, {b})) << "relu";
}
