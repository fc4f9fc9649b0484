// The e2e model: training (plain SGD with momentum, explicit forward and
// backward) and the four inference paths. See mlp.hpp.
#include "mlp.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <random>
#include <stdexcept>

#include "sgemm.hpp"  // the sgemm lab's kernel: lab.toml says uses = ["sgemm"]

namespace quant::e2e {
namespace {

namespace ref = quant::reference;

// The fp32 dense layer y (M x N) = x (M x K) * W (K x N) + b: the yardstick of
// the latency table, so compiled for the best ISA of the CPU it runs on
// (GCC's target_clones picks the clone at load time), like the int8 kernels.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define QUANT_CLONES __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#else
#define QUANT_CLONES
#endif
QUANT_CLONES void dense_f32(int M, int N, int K, const float* x, const float* W, const float* b, float* y, bool relu) {
  for (int i = 0; i < M; ++i) {
    float* yi = y + static_cast<std::size_t>(i) * N;
    for (int j = 0; j < N; ++j) yi[j] = b[j];
    const float* xi = x + static_cast<std::size_t>(i) * K;
    for (int k = 0; k < K; ++k) {
      const float xk = xi[k];
      const float* w = W + static_cast<std::size_t>(k) * N;
      for (int j = 0; j < N; ++j) yi[j] += xk * w[j];
    }
    if (relu)
      for (int j = 0; j < N; ++j) yi[j] = yi[j] > 0.0f ? yi[j] : 0.0f;
  }
}

// C (M x N) = A (M x K) * B (K x N), for training: the sgemm lab's kernel.
void matmul(int M, int N, int K, const float* A, const float* B, float* C) {
  sgemm::reference::sgemm(M, N, K, A, K, B, N, C, N);
}

void transpose(int rows, int cols, const float* a, float* t) {
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) t[static_cast<std::size_t>(j) * rows + i] = a[static_cast<std::size_t>(i) * cols + j];
}

void normalize(const float* images, std::size_t n, float* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = (images[i] - kPixelMean) / kPixelStd;
}

int argmax(const float* v, int n) { return static_cast<int>(std::max_element(v, v + n) - v); }

}  // namespace

// ---------------------------------------------------------------------------
// Training

Mlp train(const std::vector<float>& images, const std::vector<std::uint8_t>& labels, std::size_t count,
          const TrainOptions& o) {
  Mlp m;
  const int I = m.in, H = m.hidden, O = m.out, B = o.batch;
  std::mt19937_64 rng(o.seed);
  // He initialization for the ReLU layer, Glorot-like for the output.
  auto init = [&](std::vector<float>& w, std::size_t n, float sd) {
    std::normal_distribution<float> g(0.0f, sd);
    w.resize(n);
    for (auto& v : w) v = g(rng);
  };
  init(m.W1, static_cast<std::size_t>(I) * H, std::sqrt(2.0f / I));
  init(m.W2, static_cast<std::size_t>(H) * O, std::sqrt(1.0f / H));
  m.b1.assign(H, 0.0f);
  m.b2.assign(O, 0.0f);
  std::vector<float> vW1(m.W1.size()), vb1(H), vW2(m.W2.size()), vb2(O);  // momentum

  std::vector<float> X(static_cast<std::size_t>(B) * I), Xt(X.size()), Z1(static_cast<std::size_t>(B) * H),
      Z2(static_cast<std::size_t>(B) * O), H1t(Z1.size()), dZ2(Z2.size()), W2t(m.W2.size()), dH1(Z1.size()),
      gW1(m.W1.size()), gW2(m.W2.size());
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    const float lr = o.lr * (epoch < o.epochs / 2 ? 1.0f : epoch < 3 * o.epochs / 4 ? 0.3f : 0.1f);
    double loss_sum = 0;
    std::size_t seen = 0, correct = 0;
    for (std::size_t start = 0; start + B <= count; start += B) {
      for (int r = 0; r < B; ++r) normalize(&images[order[start + r] * I], I, &X[static_cast<std::size_t>(r) * I]);
      // Forward: Z1 = X W1 + b1, H1 = relu(Z1) (in place), Z2 = H1 W2 + b2.
      matmul(B, H, I, X.data(), m.W1.data(), Z1.data());
      for (int r = 0; r < B; ++r)
        for (int j = 0; j < H; ++j) {
          float& z = Z1[static_cast<std::size_t>(r) * H + j];
          z = std::max(z + m.b1[j], 0.0f);
        }
      matmul(B, O, H, Z1.data(), m.W2.data(), Z2.data());
      // Softmax cross-entropy: dZ2 = (softmax(Z2) - onehot) / B.
      for (int r = 0; r < B; ++r) {
        float* z = &Z2[static_cast<std::size_t>(r) * O];
        for (int j = 0; j < O; ++j) z[j] += m.b2[j];
        const float zmax = *std::max_element(z, z + O);
        double sum = 0;
        for (int j = 0; j < O; ++j) sum += std::exp(z[j] - zmax);
        const int y = labels[order[start + r]];
        loss_sum += -(z[y] - zmax - std::log(sum));
        correct += argmax(z, O) == y;
        for (int j = 0; j < O; ++j)
          dZ2[static_cast<std::size_t>(r) * O + j] = static_cast<float>((std::exp(z[j] - zmax) / sum - (j == y)) / B);
      }
      seen += B;
      // Backward: gW2 = H1^T dZ2, dH1 = dZ2 W2^T masked by ReLU, gW1 = X^T dZ1.
      transpose(B, H, Z1.data(), H1t.data());
      matmul(H, O, B, H1t.data(), dZ2.data(), gW2.data());
      transpose(H, O, m.W2.data(), W2t.data());
      matmul(B, H, O, dZ2.data(), W2t.data(), dH1.data());
      for (std::size_t t = 0; t < dH1.size(); ++t)
        if (Z1[t] <= 0.0f) dH1[t] = 0.0f;
      transpose(B, I, X.data(), Xt.data());
      matmul(I, H, B, Xt.data(), dH1.data(), gW1.data());
      // SGD with momentum.
      auto step = [&](std::vector<float>& w, std::vector<float>& v, const float* g, std::size_t n) {
        for (std::size_t t = 0; t < n; ++t) {
          v[t] = o.momentum * v[t] - lr * g[t];
          w[t] += v[t];
        }
      };
      std::vector<float> gb1(H, 0.0f), gb2(O, 0.0f);
      for (int r = 0; r < B; ++r) {
        for (int j = 0; j < H; ++j) gb1[j] += dH1[static_cast<std::size_t>(r) * H + j];
        for (int j = 0; j < O; ++j) gb2[j] += dZ2[static_cast<std::size_t>(r) * O + j];
      }
      step(m.W1, vW1, gW1.data(), gW1.size());
      step(m.W2, vW2, gW2.data(), gW2.size());
      step(m.b1, vb1, gb1.data(), H);
      step(m.b2, vb2, gb2.data(), O);
    }
    if (o.verbose)
      std::printf("  epoch %d/%d: loss %.4f, training accuracy %.2f%% (lr %.4f)\n", epoch + 1, o.epochs,
                  loss_sum / std::max<std::size_t>(seen, 1), 100.0 * correct / std::max<std::size_t>(seen, 1), lr);
  }
  return m;
}

// ---------------------------------------------------------------------------
// fp32

void hidden_fp32(const Mlp& m, const float* images, int rows, float* hidden) {
  std::vector<float> x(static_cast<std::size_t>(rows) * m.in);
  normalize(images, x.size(), x.data());
  dense_f32(rows, m.hidden, m.in, x.data(), m.W1.data(), m.b1.data(), hidden, true);
}

void forward_fp32(const Mlp& m, const float* images, int rows, float* logits) {
  std::vector<float> h(static_cast<std::size_t>(rows) * m.hidden);
  hidden_fp32(m, images, rows, h.data());
  dense_f32(rows, m.out, m.hidden, h.data(), m.W2.data(), m.b2.data(), logits, false);
}

double accuracy(const std::vector<float>& logits, const std::vector<std::uint8_t>& labels, std::size_t count,
                int classes) {
  std::size_t ok = 0;
  for (std::size_t i = 0; i < count; ++i) ok += argmax(&logits[i * classes], classes) == labels[i];
  return count ? static_cast<double>(ok) / count : 0.0;
}

// ---------------------------------------------------------------------------
// int8

std::size_t Int8Mlp::bytes() const {
  // int8 weights, int32 biases, one float scale and one requantization
  // multiplier per channel (or one), the activation parameters.
  return static_cast<std::size_t>(in) * hidden + static_cast<std::size_t>(hidden) * out + 4 * (bias1.size() + bias2.size()) +
         4 * (s_w1.size() + s_w2.size()) + sizeof(Requant) * requant1.size() + 4 * out_scale.size() + 2 * sizeof(QuantParams);
}

Int8Mlp quantize_int8(const Mlp& m, bool per_channel, float hidden_threshold) {
  Int8Mlp q;
  q.in = m.in, q.hidden = m.hidden, q.out = m.out;
  // The input: normalized pixels span [(0 - mean) / std, (1 - mean) / std]
  // exactly, so no calibration is needed: asymmetric uint8 with a zero point.
  q.input = ref::choose_asymmetric((0.0f - kPixelMean) / kPixelStd, (1.0f - kPixelMean) / kPixelStd);
  // The hidden layer is post-ReLU: [0, T], zero point 0, ReLU is the clamp at 0.
  q.act = ref::choose_asymmetric(0.0f, hidden_threshold);
  std::vector<std::int8_t> w1(m.W1.size()), w2(m.W2.size());
  if (per_channel) {
    ref::quantize_weights_per_channel(m.in, m.hidden, m.W1.data(), w1.data(), q.s_w1);
    ref::quantize_weights_per_channel(m.hidden, m.out, m.W2.data(), w2.data(), q.s_w2);
  } else {
    ref::quantize_weights_per_tensor(m.in, m.hidden, m.W1.data(), w1.data(), q.s_w1);
    ref::quantize_weights_per_tensor(m.hidden, m.out, m.W2.data(), w2.data(), q.s_w2);
  }
  q.W1 = ref::pack_b(m.in, m.hidden, w1.data(), m.hidden);
  q.W2 = ref::pack_b(m.hidden, m.out, w2.data(), m.out);
  auto sw = [](const std::vector<float>& s, int j) { return s.size() == 1 ? s[0] : s[j]; };
  // Layer 1: real = s_in s_w (sum (a - z_in) w) + b
  //               = s_in s_w (acc - z_in colsum + b / (s_in s_w)).
  for (int j = 0; j < m.hidden; ++j) {
    const double s = static_cast<double>(q.input.scale) * sw(q.s_w1, j);
    q.bias1.push_back(static_cast<std::int32_t>(std::llround(m.b1[j] / s)) - q.input.zero_point * q.W1.col_sums[j]);
    q.requant1.push_back(make_requant(s / q.act.scale));
  }
  for (int j = 0; j < m.out; ++j) {
    const double s = static_cast<double>(q.act.scale) * sw(q.s_w2, j);
    q.bias2.push_back(static_cast<std::int32_t>(std::llround(m.b2[j] / s)) - q.act.zero_point * q.W2.col_sums[j]);
    q.out_scale.push_back(static_cast<float>(s));
  }
  return q;
}

void forward_int8(const Int8Mlp& q, const float* images, int rows, float* logits) {
  std::vector<float> x(static_cast<std::size_t>(rows) * q.in);
  normalize(images, x.size(), x.data());
  std::vector<std::uint8_t> xq(x.size()), hq(static_cast<std::size_t>(rows) * q.hidden);
  ref::quantize_u8(x.data(), x.size(), q.input, xq.data());
  std::vector<std::int32_t> acc1(static_cast<std::size_t>(rows) * q.hidden), acc2(static_cast<std::size_t>(rows) * q.out);
  ref::gemm_u8s8s32_packed(rows, xq.data(), q.in, q.W1, acc1.data(), q.hidden);
  for (int r = 0; r < rows; ++r) {
    std::int32_t* a = &acc1[static_cast<std::size_t>(r) * q.hidden];
    for (int j = 0; j < q.hidden; ++j) a[j] += q.bias1[j];
    // ReLU fused: the clamp's lower end is the zero point (real 0).
    ref::requantize_row(q.hidden, a, q.requant1.data(), q.act.zero_point, q.act.zero_point, 255,
                        &hq[static_cast<std::size_t>(r) * q.hidden]);
  }
  ref::gemm_u8s8s32_packed(rows, hq.data(), q.hidden, q.W2, acc2.data(), q.out);
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < q.out; ++j)
      logits[static_cast<std::size_t>(r) * q.out + j] =
          static_cast<float>(acc2[static_cast<std::size_t>(r) * q.out + j] + q.bias2[j]) * q.out_scale[j];
}

// ---------------------------------------------------------------------------
// ggml blocks

std::size_t BlockMlp::bytes() const {
  const std::size_t w = q4 ? sizeof(BlockQ4_0) * (W1q4.size() + W2q4.size()) : sizeof(BlockQ8_0) * (W1q8.size() + W2q8.size());
  return w + 4 * (b1.size() + b2.size());
}

BlockMlp quantize_blocks(const Mlp& m, bool q4) {
  BlockMlp q;
  q.q4 = q4;
  q.in = m.in, q.hidden = m.hidden, q.out = m.out;
  q.in_padded = (m.in + kQK - 1) / kQK * kQK;
  if (m.hidden % kQK != 0) throw std::invalid_argument("quantize_blocks: hidden size must be a multiple of 32");
  q.b1 = m.b1, q.b2 = m.b2;
  // Rows of W^T: output j's weights over k, zero-padded to a whole block.
  auto rows_of = [](const std::vector<float>& W, int K, int N, int Kp) {
    std::vector<float> t(static_cast<std::size_t>(N) * Kp, 0.0f);
    for (int k = 0; k < K; ++k)
      for (int j = 0; j < N; ++j) t[static_cast<std::size_t>(j) * Kp + k] = W[static_cast<std::size_t>(k) * N + j];
    return t;
  };
  const auto t1 = rows_of(m.W1, m.in, m.hidden, q.in_padded), t2 = rows_of(m.W2, m.hidden, m.out, m.hidden);
  if (q4) {
    q.W1q4.resize(t1.size() / kQK);
    q.W2q4.resize(t2.size() / kQK);
    ref::quantize_row_q4_0(t1.data(), q.W1q4.data(), static_cast<std::int64_t>(t1.size()));
    ref::quantize_row_q4_0(t2.data(), q.W2q4.data(), static_cast<std::int64_t>(t2.size()));
  } else {
    q.W1q8.resize(t1.size() / kQK);
    q.W2q8.resize(t2.size() / kQK);
    ref::quantize_row_q8_0(t1.data(), q.W1q8.data(), static_cast<std::int64_t>(t1.size()));
    ref::quantize_row_q8_0(t2.data(), q.W2q8.data(), static_cast<std::int64_t>(t2.size()));
  }
  return q;
}

void forward_blocks(const BlockMlp& q, const float* images, int rows, float* logits) {
  const int kb1 = q.in_padded / kQK, kb2 = q.hidden / kQK;
  std::vector<float> x(q.in_padded, 0.0f), h(q.hidden);
  std::vector<BlockQ8_0> xq(kb1), hq(kb2);
  for (int r = 0; r < rows; ++r) {
    normalize(images + static_cast<std::size_t>(r) * q.in, q.in, x.data());
    ref::quantize_row_q8_0(x.data(), xq.data(), q.in_padded);  // activations: Q8_0, per block, on the fly
    for (int j = 0; j < q.hidden; ++j) {
      const float dot = q.q4 ? ref::vec_dot_q4_0_q8_0(q.in_padded, &q.W1q4[static_cast<std::size_t>(j) * kb1], xq.data())
                             : ref::vec_dot_q8_0_q8_0(q.in_padded, &q.W1q8[static_cast<std::size_t>(j) * kb1], xq.data());
      h[j] = std::max(dot + q.b1[j], 0.0f);
    }
    ref::quantize_row_q8_0(h.data(), hq.data(), q.hidden);
    for (int j = 0; j < q.out; ++j) {
      const float dot = q.q4 ? ref::vec_dot_q4_0_q8_0(q.hidden, &q.W2q4[static_cast<std::size_t>(j) * kb2], hq.data())
                             : ref::vec_dot_q8_0_q8_0(q.hidden, &q.W2q8[static_cast<std::size_t>(j) * kb2], hq.data());
      logits[static_cast<std::size_t>(r) * q.out + j] = dot + q.b2[j];
    }
  }
}

}  // namespace quant::e2e
