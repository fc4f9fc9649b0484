// The four backward passes learners write, built twice: against the
// reference and against student/ (LABKIT_IMPL picks the namespace; the
// framework's ops call that implementation's kernels, see main below).
//
// Each kernel is held to three things:
//   FiniteDifferences   the gradient the framework computes with it, through
//                       the op, matches central finite differences
//                       (tests/gradcheck.hpp states the tolerance)
//   MatchesDouble       called directly, it matches a double-precision
//                       loop over the formula (rtol 1e-4, atol 1e-5)
//   Accumulates         it adds to the gradient buffers (which hold 1.0 here)
//                       instead of overwriting them, and skips null outputs
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <labkit/check.hpp>
#include <labkit/check_gtest.hpp>

#include "gradcheck.hpp"
#include "tiny_nn.hpp"
#include "tiny_nn/kernels.hpp"
#include "tiny_nn/tensor.hpp"

namespace impl = tiny_nn::LABKIT_IMPL;
using namespace tiny_nn;
using namespace tiny_nn::test;

namespace {

// Every test in this binary runs the framework on this implementation's kernels.
class UseImplKernels : public ::testing::Environment {
 public:
  void SetUp() override { use_kernels(impl::kernels()); }
};
[[maybe_unused]] const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new UseImplKernels);

std::vector<float> random_values(std::size_t n, Rng& rng, float lo = -1.0f, float hi = 1.0f) {
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform(lo, hi);
  return v;
}

// labkit::allclose: the first wrong element, both values, its bound, and how many are wrong.
::testing::AssertionResult close(const std::vector<float>& got, const std::vector<double>& want, double rtol = 1e-4,
                                 double atol = 1e-5) {
  return labkit::to_assertion(labkit::allclose(got, want, rtol, atol, {"gradient"}));
}

// `twice` started at 1.0 and `once` at 0.0 before the same call: a kernel
// that adds gives twice == 1 + once everywhere.
::testing::AssertionResult added_to_buffer(const std::vector<float>& twice, const std::vector<float>& once) {
  for (std::size_t i = 0; i < once.size(); ++i)
    if (!(std::abs(twice[i] - (1.0f + once[i])) <= 1e-5f))
      return ::testing::AssertionFailure()
             << "element " << i << " of a gradient buffer that held 1.0 is " << twice[i] << ", expected 1.0 + "
             << once[i] << ": the kernel must add to the buffer (+=), not overwrite it";
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------- matmul

struct MatmulShape {
  int M, N, K;
};
const MatmulShape kMatmulShapes[] = {{1, 1, 1}, {3, 5, 7}, {16, 10, 33}, {65, 17, 40}, {1, 64, 9}};

TEST(MatmulBackward, FiniteDifferences) {
  Rng rng(seed());
  for (const auto& s : kMatmulShapes) {
    Tensor a = random_tensor({s.M, s.K}, rng), b = random_tensor({s.K, s.N}, rng);
    EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& x) { return matmul(x[0], x[1]); }, {a, b}))
        << "matmul " << s.M << " x " << s.K << " times " << s.K << " x " << s.N;
  }
}

TEST(MatmulBackward, MatchesDouble) {
  Rng rng(seed() + 1);
  for (const auto& s : kMatmulShapes) {
    const auto A = random_values(s.M * s.K, rng), B = random_values(s.K * s.N, rng), dC = random_values(s.M * s.N, rng);
    std::vector<float> dA(A.size(), 0.0f), dB(B.size(), 0.0f);
    impl::matmul_backward(s.M, s.N, s.K, A.data(), B.data(), dC.data(), dA.data(), dB.data());
    std::vector<double> wA(A.size(), 0.0), wB(B.size(), 0.0);
    for (int i = 0; i < s.M; ++i)
      for (int j = 0; j < s.N; ++j)
        for (int k = 0; k < s.K; ++k) {
          wA[i * s.K + k] += static_cast<double>(dC[i * s.N + j]) * B[k * s.N + j];
          wB[k * s.N + j] += static_cast<double>(A[i * s.K + k]) * dC[i * s.N + j];
        }
    EXPECT_TRUE(close(dA, wA)) << "dA, shape " << s.M << "x" << s.N << "x" << s.K;
    EXPECT_TRUE(close(dB, wB)) << "dB, shape " << s.M << "x" << s.N << "x" << s.K;
  }
}

TEST(MatmulBackward, AccumulatesAndSkipsNull) {
  Rng rng(seed() + 2);
  const int M = 4, N = 3, K = 5;
  const auto A = random_values(M * K, rng), B = random_values(K * N, rng), dC = random_values(M * N, rng);
  std::vector<float> once(A.size(), 0.0f), twice(A.size(), 1.0f), dB(B.size(), 1.0f);
  impl::matmul_backward(M, N, K, A.data(), B.data(), dC.data(), once.data(), nullptr);  // dB not wanted
  impl::matmul_backward(M, N, K, A.data(), B.data(), dC.data(), twice.data(), nullptr);
  EXPECT_TRUE(added_to_buffer(twice, once)) << "dA (dB was null)";
  impl::matmul_backward(M, N, K, A.data(), B.data(), dC.data(), nullptr, dB.data());     // dA not wanted
  std::vector<float> dB0(B.size(), 0.0f);
  impl::matmul_backward(M, N, K, A.data(), B.data(), dC.data(), nullptr, dB0.data());
  EXPECT_TRUE(added_to_buffer(dB, dB0)) << "dB (dA was null)";
}

// ------------------------------------------------------------------ relu

TEST(ReluBackward, FiniteDifferences) {
  Rng rng(seed() + 3);
  for (std::int64_t n : {1, 7, 100, 1000}) {
    Tensor x = away_from_zero({n}, rng);
    EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return relu(v[0]); }, {x})) << "n = " << n;
  }
}

TEST(ReluBackward, MatchesDouble) {
  Rng rng(seed() + 4);
  const std::int64_t n = 100003;  // large enough for threads, odd
  auto x = random_values(n, rng), dy = random_values(n, rng);
  x[0] = 0.0f;  // exactly at the kink: the gradient there is 0 (as in PyTorch)
  std::vector<float> dx(n, 0.0f);
  impl::relu_backward(n, x.data(), dy.data(), dx.data());
  std::vector<double> want(n);
  for (std::int64_t i = 0; i < n; ++i) want[i] = x[i] > 0 ? dy[i] : 0.0;
  EXPECT_TRUE(close(dx, want, 0, 0));
}

TEST(ReluBackward, Accumulates) {
  const std::vector<float> x = {-1.0f, 2.0f, 0.5f, -0.25f}, dy = {10.0f, 20.0f, 30.0f, 40.0f};
  std::vector<float> dx(4, 1.0f);
  impl::relu_backward(4, x.data(), dy.data(), dx.data());
  EXPECT_ELEMENTS_EQ(dx, (std::vector<float>{1.0f, 21.0f, 31.0f, 1.0f}));
}

// ------------------------------------------------- softmax cross-entropy

TEST(SoftmaxCrossEntropyBackward, FiniteDifferences) {
  Rng rng(seed() + 5);
  for (auto [B, C] : {std::pair{1, 2}, {4, 10}, {33, 7}}) {
    Tensor logits = random_tensor({B, C}, rng, -3.0f, 3.0f);
    std::vector<std::int32_t> labels(B);
    for (auto& y : labels) y = static_cast<std::int32_t>(rng.below(C));
    EXPECT_TRUE(gradcheck([labels](const std::vector<Tensor>& v) { return softmax_cross_entropy(v[0], labels); },
                          {logits}))
        << B << " x " << C;
  }
}

TEST(SoftmaxCrossEntropyBackward, MatchesDouble) {
  Rng rng(seed() + 6);
  const int B = 50, C = 10;
  auto logits = random_values(B * C, rng, -5.0f, 5.0f);
  // Large logits: exp(100) overflows float; a stable softmax subtracts the maximum first.
  for (int c = 0; c < C; ++c) logits[c] = 100.0f + static_cast<float>(c);
  std::vector<std::int32_t> labels(B);
  for (auto& y : labels) y = static_cast<std::int32_t>(rng.below(C));
  const float dloss = 0.75f;
  std::vector<float> d(B * C, 0.0f);
  impl::softmax_cross_entropy_backward(B, C, logits.data(), labels.data(), dloss, d.data());
  std::vector<double> want(B * C);
  for (int b = 0; b < B; ++b) {
    double m = -1e300, s = 0;
    for (int c = 0; c < C; ++c) m = std::max(m, static_cast<double>(logits[b * C + c]));
    for (int c = 0; c < C; ++c) s += std::exp(logits[b * C + c] - m);
    for (int c = 0; c < C; ++c)
      want[b * C + c] = dloss * (std::exp(logits[b * C + c] - m) / s - (c == labels[b] ? 1.0 : 0.0)) / B;
  }
  EXPECT_TRUE(close(d, want, 1e-4, 1e-6));
}

TEST(SoftmaxCrossEntropyBackward, Accumulates) {
  const std::vector<float> logits = {0.0f, 0.0f};  // softmax = (0.5, 0.5)
  const std::vector<std::int32_t> labels = {1};
  std::vector<float> d = {1.0f, 1.0f};
  impl::softmax_cross_entropy_backward(1, 2, logits.data(), labels.data(), 1.0f, d.data());
  EXPECT_NEAR(d[0], 1.5f, 1e-6);
  EXPECT_NEAR(d[1], 0.5f, 1e-6);
}

// ---------------------------------------------------------------- conv2d

struct ConvCase {
  int batch, in, h, w, out, k, stride, pad;
};
const ConvCase kConvCases[] = {
    {2, 1, 5, 5, 2, 3, 1, 1},   // the CNN's first layer, small
    {1, 3, 6, 7, 4, 3, 2, 0},   // stride 2, no padding, not square
    {3, 2, 4, 4, 3, 1, 1, 0},   // 1 x 1 kernel: a matmul over channels
    {2, 2, 7, 6, 2, 5, 1, 2},   // a 5 x 5 kernel, padding 2
};

Conv2dShape shape_of(const ConvCase& c) {
  Conv2dShape s;
  s.batch = c.batch, s.in_channels = c.in, s.height = c.h, s.width = c.w;
  s.out_channels = c.out, s.kernel = c.k, s.stride = c.stride, s.padding = c.pad;
  return s;
}

std::string name_of(const ConvCase& c) {
  std::ostringstream o;
  o << "N=" << c.batch << " C=" << c.in << " H=" << c.h << " W=" << c.w << " O=" << c.out << " k=" << c.k
    << " stride=" << c.stride << " pad=" << c.pad;
  return o.str();
}

TEST(Conv2dBackward, FiniteDifferences) {
  Rng rng(seed() + 7);
  for (const auto& c : kConvCases) {
    Tensor x = random_tensor({c.batch, c.in, c.h, c.w}, rng), w = random_tensor({c.out, c.in, c.k, c.k}, rng),
           b = random_tensor({c.out}, rng);
    const int stride = c.stride, pad = c.pad;
    EXPECT_TRUE(gradcheck([=](const std::vector<Tensor>& v) { return conv2d(v[0], v[1], v[2], stride, pad); },
                          {x, w, b}))
        << name_of(c);
  }
}

TEST(Conv2dBackward, MatchesDouble) {
  Rng rng(seed() + 8);
  for (const auto& c : kConvCases) {
    const Conv2dShape s = shape_of(c);
    const int OH = s.out_height(), OW = s.out_width();
    const auto x = random_values(static_cast<std::size_t>(c.batch) * c.in * c.h * c.w, rng);
    const auto w = random_values(static_cast<std::size_t>(c.out) * c.in * c.k * c.k, rng);
    const auto g = random_values(static_cast<std::size_t>(c.batch) * c.out * OH * OW, rng);
    std::vector<float> dx(x.size(), 0.0f), dw(w.size(), 0.0f), db(c.out, 0.0f);
    impl::conv2d_backward(s, x.data(), w.data(), g.data(), dx.data(), dw.data(), db.data());
    std::vector<double> wx(x.size(), 0.0), ww(w.size(), 0.0), wb(c.out, 0.0);
    // out[n][o][oy][ox] = sum_{ci,ky,kx} w[o][ci][ky][kx] x[n][ci][oy*s-p+ky][ox*s-p+kx] + b[o]
    for (int n = 0; n < c.batch; ++n)
      for (int o = 0; o < c.out; ++o)
        for (int oy = 0; oy < OH; ++oy)
          for (int ox = 0; ox < OW; ++ox) {
            const double go = g[((n * c.out + o) * OH + oy) * OW + ox];
            wb[o] += go;
            for (int ci = 0; ci < c.in; ++ci)
              for (int ky = 0; ky < c.k; ++ky)
                for (int kx = 0; kx < c.k; ++kx) {
                  const int y = oy * c.stride - c.pad + ky, xx = ox * c.stride - c.pad + kx;
                  if (y < 0 || y >= c.h || xx < 0 || xx >= c.w) continue;
                  const std::size_t xi = ((static_cast<std::size_t>(n) * c.in + ci) * c.h + y) * c.w + xx;
                  const std::size_t wi = ((static_cast<std::size_t>(o) * c.in + ci) * c.k + ky) * c.k + kx;
                  wx[xi] += go * w[wi];
                  ww[wi] += go * x[xi];
                }
          }
    EXPECT_TRUE(close(dx, wx)) << "dinput, " << name_of(c);
    EXPECT_TRUE(close(dw, ww)) << "dweight, " << name_of(c);
    EXPECT_TRUE(close(db, wb)) << "dbias, " << name_of(c);
  }
}

TEST(Conv2dBackward, AccumulatesAndSkipsNull) {
  Rng rng(seed() + 9);
  const ConvCase c = kConvCases[0];
  const Conv2dShape s = shape_of(c);
  const auto x = random_values(static_cast<std::size_t>(c.batch) * c.in * c.h * c.w, rng);
  const auto w = random_values(static_cast<std::size_t>(c.out) * c.in * c.k * c.k, rng);
  const auto g = random_values(static_cast<std::size_t>(c.batch) * c.out * s.out_height() * s.out_width(), rng);
  std::vector<float> dw0(w.size(), 0.0f), dw1(w.size(), 1.0f), dx0(x.size(), 0.0f), dx1(x.size(), 1.0f);
  std::vector<float> db0(c.out, 0.0f), db1(c.out, 1.0f);
  impl::conv2d_backward(s, x.data(), w.data(), g.data(), dx0.data(), dw0.data(), db0.data());
  impl::conv2d_backward(s, x.data(), w.data(), g.data(), dx1.data(), dw1.data(), db1.data());
  EXPECT_TRUE(added_to_buffer(dw1, dw0)) << "dweight";
  EXPECT_TRUE(added_to_buffer(dx1, dx0)) << "dinput";
  EXPECT_TRUE(added_to_buffer(db1, db0)) << "dbias";
  // The first layer of a network: no gradient for the images, no bias.
  std::vector<float> dw2(w.size(), 0.0f);
  impl::conv2d_backward(s, x.data(), w.data(), g.data(), nullptr, dw2.data(), nullptr);
  std::vector<double> want(dw0.begin(), dw0.end());
  EXPECT_TRUE(close(dw2, want)) << "dweight with dinput and dbias null";
}

TEST(Conv2dBackward, ManyImagesOnAllThreads) {
  // More images than threads, so a threaded version shares them out: the
  // result must not depend on how (or lose updates to dweight).
  Rng rng(seed() + 10);
  Conv2dShape s;
  s.batch = 37, s.in_channels = 3, s.height = 9, s.width = 9, s.out_channels = 5, s.kernel = 3, s.padding = 1;
  const auto x = random_values(static_cast<std::size_t>(s.batch) * 3 * 81, rng);
  const auto w = random_values(static_cast<std::size_t>(5) * s.patch(), rng);
  const auto g = random_values(static_cast<std::size_t>(s.batch) * 5 * 81, rng);
  std::vector<float> dw(w.size(), 0.0f), dx(x.size(), 0.0f), db(5, 0.0f);
  std::vector<float> rw(w.size(), 0.0f), rx(x.size(), 0.0f), rb(5, 0.0f);
  impl::conv2d_backward(s, x.data(), w.data(), g.data(), dx.data(), dw.data(), db.data());
  reference::conv2d_backward(s, x.data(), w.data(), g.data(), rx.data(), rw.data(), rb.data());
  std::vector<double> wrw(rw.begin(), rw.end()), wrx(rx.begin(), rx.end()), wrb(rb.begin(), rb.end());
  EXPECT_TRUE(close(dw, wrw)) << "dweight";
  EXPECT_TRUE(close(dx, wrx)) << "dinput";
  EXPECT_TRUE(close(db, wrb)) << "dbias";
}

}  // namespace
