// The layer ops: matmul, softmax cross-entropy, conv2d, max-pool, layer norm,
// embedding and attention (include/tiny_nn/tensor.hpp). The backward passes
// of matmul, softmax cross-entropy and conv2d call the active kernel table
// (tiny_nn::kernels()), so the lab's student code is what trains when it is
// selected.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "tiny_nn/kernels.hpp"
#include "tiny_nn/tensor.hpp"

namespace tiny_nn {
namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("tiny_nn::" + what);
}
const float* values(const Node& n) { return n.storage->data() + n.offset; }
float* grad_or_null(Node& n) { return n.requires_grad ? n.grad_buffer() : nullptr; }

}  // namespace

Tensor matmul(const Tensor& a0, const Tensor& b0) {
  require(a0.defined() && b0.defined(), "matmul: undefined input");
  require(a0.ndim() == 2 && b0.ndim() == 2 && a0.dim(1) == b0.dim(0),
          "matmul: needs [M x K] and [K x N], got " + to_string(a0.shape()) + " and " + to_string(b0.shape()));
  const Tensor a = contiguous(a0), b = contiguous(b0);
  const int M = static_cast<int>(a.dim(0)), K = static_cast<int>(a.dim(1)), N = static_cast<int>(b.dim(1));
  std::vector<float> out(static_cast<std::size_t>(M) * N);
  if (K == 0) std::fill(out.begin(), out.end(), 0.0f);
  else gemm(false, false, M, N, K, a.data(), b.data(), out.data(), false);
  return make_result({M, N}, std::move(out), "matmul", {a, b}, [M, N, K](Node& self) {
    Node &na = *self.inputs[0], &nb = *self.inputs[1];
    kernels().matmul_backward(M, N, K, values(na), values(nb), self.grad.data(), grad_or_null(na), grad_or_null(nb));
  });
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  require(x.defined() && weight.defined(), "linear: undefined input");
  require(x.ndim() >= 1 && weight.ndim() == 2 && x.dim(-1) == weight.dim(0),
          "linear: x [..., in] and weight [in x out], got " + to_string(x.shape()) + " and " + to_string(weight.shape()));
  Shape out_shape = x.shape();
  out_shape.back() = weight.dim(1);
  Tensor y = matmul(reshape(x, {-1, x.dim(-1)}), weight);
  if (bias.defined()) y = add(y, bias);
  return reshape(y, out_shape);
}

Tensor softmax_cross_entropy(const Tensor& logits0, const std::vector<std::int32_t>& labels) {
  require(logits0.defined() && logits0.ndim() == 2,
          "softmax_cross_entropy: logits must be [batch x classes]");
  const Tensor logits = contiguous(logits0);
  const int B = static_cast<int>(logits.dim(0)), C = static_cast<int>(logits.dim(1));
  require(static_cast<int>(labels.size()) == B && B > 0, "softmax_cross_entropy: " + std::to_string(labels.size()) +
                                                            " labels for " + std::to_string(B) + " rows of logits");
  for (auto y : labels)
    require(y >= 0 && y < C, "softmax_cross_entropy: label " + std::to_string(y) + " outside [0, " +
                                 std::to_string(C) + ")");
  // loss_b = log(sum_c exp(z_c - m)) + m - z_y   (m = max_c z_c: no overflow)
  const float* z = logits.data();
  double total = 0;
#pragma omp parallel for num_threads(num_threads()) reduction(+ : total) if (static_cast<long>(B) * C > 65536)
  for (int b = 0; b < B; ++b) {
    const float* row = z + static_cast<std::ptrdiff_t>(b) * C;
    const float m = *std::max_element(row, row + C);
    double s = 0;
    for (int c = 0; c < C; ++c) s += std::exp(static_cast<double>(row[c] - m));
    total += std::log(s) + m - row[labels[b]];
  }
  auto y = std::make_shared<std::vector<std::int32_t>>(labels);
  return make_result({1}, {static_cast<float>(total / B)}, "softmax_cross_entropy", {logits}, [y, B, C](Node& self) {
    Node& in = *self.inputs[0];
    kernels().softmax_cross_entropy_backward(B, C, values(in), y->data(), self.grad[0], in.grad_buffer());
  });
}

Tensor index_rows(const Tensor& x0, const std::vector<std::int32_t>& rows) {
  require(x0.defined() && x0.ndim() == 2, "index_rows: x must be 2-D");
  const Tensor x = contiguous(x0);
  const std::int64_t N = x.dim(0), C = x.dim(1), R = static_cast<std::int64_t>(rows.size());
  std::vector<float> out(static_cast<std::size_t>(R * C));
  for (std::int64_t r = 0; r < R; ++r) {
    require(rows[r] >= 0 && rows[r] < N, "index_rows: row " + std::to_string(rows[r]) + " of " + std::to_string(N));
    std::copy_n(x.data() + rows[r] * C, C, out.data() + r * C);
  }
  auto idx = std::make_shared<std::vector<std::int32_t>>(rows);
  return make_result({R, C}, std::move(out), "index_rows", {x}, [idx, C](Node& self) {
    float* gi = self.inputs[0]->grad_buffer();
    for (std::size_t r = 0; r < idx->size(); ++r)
      for (std::int64_t c = 0; c < C; ++c) gi[(*idx)[r] * C + c] += self.grad[r * C + c];
  });
}

// Forward, per image: col = im2col(x[b]) [patch x P]; y[b] = W [O x patch] col + bias.
// Threads take images (each GEMM then runs on one thread): with a batch of
// 64 or more there are plenty, and every image is the same amount of work.
Tensor conv2d(const Tensor& x0, const Tensor& w0, const Tensor& bias0, int stride, int padding) {
  require(x0.defined() && w0.defined(), "conv2d: undefined input");
  require(x0.ndim() == 4 && w0.ndim() == 4 && x0.dim(1) == w0.dim(1) && w0.dim(2) == w0.dim(3),
          "conv2d: x [N, C, H, W] and weight [O, C, k, k], got " + to_string(x0.shape()) + " and " +
              to_string(w0.shape()));
  require(stride >= 1 && padding >= 0, "conv2d: stride must be >= 1 and padding >= 0");
  const Tensor x = contiguous(x0), w = contiguous(w0);
  const Tensor bias = bias0.defined() ? contiguous(bias0) : bias0;
  Conv2dShape s;
  s.batch = static_cast<int>(x.dim(0));
  s.in_channels = static_cast<int>(x.dim(1));
  s.height = static_cast<int>(x.dim(2));
  s.width = static_cast<int>(x.dim(3));
  s.out_channels = static_cast<int>(w.dim(0));
  s.kernel = static_cast<int>(w.dim(2));
  s.stride = stride;
  s.padding = padding;
  require(s.height + 2 * padding >= s.kernel && s.width + 2 * padding >= s.kernel,
          "conv2d: the kernel is larger than the padded image");
  require(!bias.defined() || (bias.ndim() == 1 && bias.dim(0) == s.out_channels), "conv2d: bias must be [O]");
  const int O = s.out_channels, P = s.out_height() * s.out_width(), patch = s.patch();
  const std::ptrdiff_t in_size = static_cast<std::ptrdiff_t>(s.in_channels) * s.height * s.width;
  std::vector<float> out(static_cast<std::size_t>(s.batch) * O * P);
  const float *px = x.data(), *pw = w.data(), *pb = bias.defined() ? bias.data() : nullptr;
#pragma omp parallel num_threads(std::max(1, std::min(num_threads(), s.batch)))
  {
    std::vector<float> col(static_cast<std::size_t>(patch) * P);
#pragma omp for schedule(static)
    for (int b = 0; b < s.batch; ++b) {
      im2col(s, px + b * in_size, col.data());
      float* y = out.data() + static_cast<std::ptrdiff_t>(b) * O * P;
      gemm(false, false, O, P, patch, pw, col.data(), y, false, 1);
      if (pb)
        for (int o = 0; o < O; ++o)
          for (int p = 0; p < P; ++p) y[o * P + p] += pb[o];
    }
  }
  return make_result({s.batch, O, s.out_height(), s.out_width()}, std::move(out), "conv2d", {x, w, bias},
                     [s](Node& self) {
                       Node &nx = *self.inputs[0], &nw = *self.inputs[1];
                       Node* nb = self.inputs.size() > 2 ? self.inputs[2].get() : nullptr;
                       kernels().conv2d_backward(s, values(nx), values(nw), self.grad.data(), grad_or_null(nx),
                                                 nw.grad_buffer(), nb ? grad_or_null(*nb) : nullptr);
                     });
}

Tensor max_pool2d(const Tensor& x0, int kernel, int stride) {
  require(x0.defined() && x0.ndim() == 4, "max_pool2d: x must be [N, C, H, W]");
  require(kernel >= 1 && stride >= 1 && x0.dim(2) >= kernel && x0.dim(3) >= kernel,
          "max_pool2d: kernel must fit in the image");
  const Tensor x = contiguous(x0);
  const std::int64_t planes = x.dim(0) * x.dim(1), H = x.dim(2), W = x.dim(3);
  const std::int64_t OH = (H - kernel) / stride + 1, OW = (W - kernel) / stride + 1;
  std::vector<float> out(static_cast<std::size_t>(planes * OH * OW));
  // Where each maximum came from: the backward pass sends the gradient there only.
  auto argmax = std::make_shared<std::vector<std::int64_t>>(out.size());
  const float* px = x.data();
#pragma omp parallel for num_threads(num_threads()) schedule(static) if (planes * H * W > 65536)
  for (std::int64_t p = 0; p < planes; ++p)
    for (std::int64_t oy = 0; oy < OH; ++oy)
      for (std::int64_t ox = 0; ox < OW; ++ox) {
        std::int64_t best = p * H * W + (oy * stride) * W + ox * stride;
        for (int ky = 0; ky < kernel; ++ky)
          for (int kx = 0; kx < kernel; ++kx) {
            const std::int64_t i = p * H * W + (oy * stride + ky) * W + ox * stride + kx;
            if (px[i] > px[best]) best = i;
          }
        const std::int64_t o = (p * OH + oy) * OW + ox;
        out[o] = px[best];
        (*argmax)[o] = best;
      }
  return make_result({x.dim(0), x.dim(1), OH, OW}, std::move(out), "max_pool2d", {x}, [argmax](Node& self) {
    float* gi = self.inputs[0]->grad_buffer();
    for (std::size_t o = 0; o < argmax->size(); ++o) gi[(*argmax)[o]] += self.grad[o];
  });
}

// y = gamma * xhat + beta, xhat = (x - mean) * rstd, per row of the last axis.
// Backward (per row, D elements, g = dy * gamma):
//   dx = rstd * (g - mean(g) - xhat * mean(g * xhat))
Tensor layer_norm(const Tensor& x0, const Tensor& gamma0, const Tensor& beta0, float eps) {
  require(x0.defined() && gamma0.defined() && beta0.defined(), "layer_norm: undefined input");
  const Tensor x = contiguous(x0), gamma = contiguous(gamma0), beta = contiguous(beta0);
  const std::int64_t D = x.dim(-1), rows = x.numel() / std::max<std::int64_t>(D, 1);
  require(gamma.numel() == D && beta.numel() == D, "layer_norm: gamma and beta must have the last dimension's size " +
                                                       std::to_string(D));
  std::vector<float> out(static_cast<std::size_t>(x.numel()));
  auto stats = std::make_shared<std::vector<float>>(static_cast<std::size_t>(2 * rows));  // mean, rstd
  const float *px = x.data(), *pg = gamma.data(), *pb = beta.data();
#pragma omp parallel for num_threads(num_threads()) schedule(static) if (x.numel() > 65536)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* v = px + r * D;
    double m = 0, var = 0;
    for (std::int64_t i = 0; i < D; ++i) m += v[i];
    m /= D;
    for (std::int64_t i = 0; i < D; ++i) var += (v[i] - m) * (v[i] - m);
    const float rstd = static_cast<float>(1.0 / std::sqrt(var / D + eps));
    (*stats)[2 * r] = static_cast<float>(m);
    (*stats)[2 * r + 1] = rstd;
    for (std::int64_t i = 0; i < D; ++i) out[r * D + i] = pg[i] * (v[i] - static_cast<float>(m)) * rstd + pb[i];
  }
  return make_result(x.shape(), std::move(out), "layer_norm", {x, gamma, beta}, [stats, D, rows](Node& self) {
    Node &nx = *self.inputs[0], &ng = *self.inputs[1], &nb = *self.inputs[2];
    const float *px = values(nx), *pg = values(ng), *g = self.grad.data();
    float *dx = grad_or_null(nx), *dg = grad_or_null(ng), *db = grad_or_null(nb);
    for (std::int64_t r = 0; r < rows; ++r) {
      const float m = (*stats)[2 * r], rstd = (*stats)[2 * r + 1];
      double mean_g = 0, mean_gx = 0;
      for (std::int64_t i = 0; i < D; ++i) {
        const float xhat = (px[r * D + i] - m) * rstd, gi = g[r * D + i];
        if (dg) dg[i] += gi * xhat;
        if (db) db[i] += gi;
        mean_g += gi * pg[i];
        mean_gx += gi * pg[i] * xhat;
      }
      if (!dx) continue;
      mean_g /= D;
      mean_gx /= D;
      for (std::int64_t i = 0; i < D; ++i) {
        const float xhat = (px[r * D + i] - m) * rstd;
        dx[r * D + i] += rstd * (g[r * D + i] * pg[i] - static_cast<float>(mean_g) - xhat * static_cast<float>(mean_gx));
      }
    }
  });
}

Tensor embedding(const Tensor& table0, const std::vector<std::int32_t>& ids, const Shape& ids_shape) {
  require(table0.defined() && table0.ndim() == 2, "embedding: table must be [vocab x D]");
  require(numel(ids_shape) == static_cast<std::int64_t>(ids.size()),
          "embedding: " + std::to_string(ids.size()) + " ids for shape " + to_string(ids_shape));
  const Tensor table = contiguous(table0);
  const std::int64_t V = table.dim(0), D = table.dim(1);
  std::vector<float> out(ids.size() * static_cast<std::size_t>(D));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    require(ids[i] >= 0 && ids[i] < V, "embedding: id " + std::to_string(ids[i]) + " outside [0, " + std::to_string(V) + ")");
    std::copy_n(table.data() + ids[i] * D, D, out.data() + i * D);
  }
  Shape shape = ids_shape;
  shape.push_back(D);
  auto idx = std::make_shared<std::vector<std::int32_t>>(ids);
  return make_result(shape, std::move(out), "embedding", {table}, [idx, D](Node& self) {
    float* gt = self.inputs[0]->grad_buffer();
    for (std::size_t i = 0; i < idx->size(); ++i)
      for (std::int64_t d = 0; d < D; ++d) gt[(*idx)[i] * D + d] += self.grad[i * D + d];
  });
}

// Per (batch, head): S = q k^T / sqrt(D) (masked), P = softmax_rows(S), out = P v.
// Backward:  dP = dout v^T,  dv += P^T dout,
//            dS = P * (dP - rowsum(dP * P)) / sqrt(D)   (the softmax Jacobian),
//            dq += dS k,  dk += dS^T q.
// The sizes here are tiny (T and D of 8 to 64), so plain loops over a
// (batch, head) pair per thread beat calling a GEMM.
Tensor scaled_dot_product_attention(const Tensor& q0, const Tensor& k0, const Tensor& v0, bool causal) {
  require(q0.defined() && k0.defined() && v0.defined(), "attention: undefined input");
  require(q0.ndim() == 4 && q0.shape() == k0.shape() && q0.shape() == v0.shape(),
          "attention: q, k and v must all be [B, H, T, D], got " + to_string(q0.shape()) + ", " + to_string(k0.shape()) +
              ", " + to_string(v0.shape()));
  const Tensor q = contiguous(q0), k = contiguous(k0), v = contiguous(v0);
  const std::int64_t BH = q.dim(0) * q.dim(1), T = q.dim(2), D = q.dim(3);
  const float sc = 1.0f / std::sqrt(static_cast<float>(D));
  std::vector<float> out(static_cast<std::size_t>(q.numel()));
  auto probs = std::make_shared<std::vector<float>>(static_cast<std::size_t>(BH * T * T));
  const float *pq = q.data(), *pk = k.data(), *pv = v.data();
#pragma omp parallel for num_threads(num_threads()) schedule(static) if (BH * T * T * D > 32768)
  for (std::int64_t h = 0; h < BH; ++h) {
    const float *Q = pq + h * T * D, *K = pk + h * T * D, *V = pv + h * T * D;
    float* P = probs->data() + h * T * T;
    float* O = out.data() + h * T * D;
    for (std::int64_t i = 0; i < T; ++i) {
      const std::int64_t last = causal ? i : T - 1;  // masked scores are -inf: their probability is exactly 0
      float m = -std::numeric_limits<float>::infinity();
      for (std::int64_t j = 0; j <= last; ++j) {
        float s = 0;
        for (std::int64_t d = 0; d < D; ++d) s += Q[i * D + d] * K[j * D + d];
        P[i * T + j] = s * sc;
        m = std::max(m, s * sc);
      }
      float total = 0;
      for (std::int64_t j = 0; j <= last; ++j) total += (P[i * T + j] = std::exp(P[i * T + j] - m));
      for (std::int64_t j = 0; j < T; ++j) P[i * T + j] = j <= last ? P[i * T + j] / total : 0.0f;
      for (std::int64_t d = 0; d < D; ++d) {
        float o = 0;
        for (std::int64_t j = 0; j <= last; ++j) o += P[i * T + j] * V[j * D + d];
        O[i * D + d] = o;
      }
    }
  }
  return make_result(q.shape(), std::move(out), "attention", {q, k, v}, [probs, BH, T, D, sc](Node& self) {
    Node &nq = *self.inputs[0], &nk = *self.inputs[1], &nv = *self.inputs[2];
    float *dq = grad_or_null(nq), *dk = grad_or_null(nk), *dv = grad_or_null(nv);
    const float *pq = values(nq), *pk = values(nk), *pv = values(nv);
#pragma omp parallel for num_threads(num_threads()) schedule(static) if (BH * T * T * D > 32768)
    for (std::int64_t h = 0; h < BH; ++h) {
      const float *Q = pq + h * T * D, *K = pk + h * T * D, *V = pv + h * T * D;
      const float* P = probs->data() + h * T * T;
      const float* G = self.grad.data() + h * T * D;
      std::vector<float> dS(static_cast<std::size_t>(T));
      for (std::int64_t i = 0; i < T; ++i) {
        float dot = 0;
        for (std::int64_t j = 0; j < T; ++j) {
          float dp = 0;
          for (std::int64_t d = 0; d < D; ++d) dp += G[i * D + d] * V[j * D + d];
          dS[j] = dp;
          dot += dp * P[i * T + j];
        }
        for (std::int64_t j = 0; j < T; ++j) dS[j] = P[i * T + j] * (dS[j] - dot) * sc;
        for (std::int64_t j = 0; j < T; ++j) {
          if (P[i * T + j] == 0.0f && dS[j] == 0.0f) continue;  // masked
          for (std::int64_t d = 0; d < D; ++d) {
            if (dv) dv[h * T * D + j * D + d] += P[i * T + j] * G[i * D + d];
            if (dq) dq[h * T * D + i * D + d] += dS[j] * K[j * D + d];
            if (dk) dk[h * T * D + j * D + d] += dS[j] * Q[i * D + d];
          }
        }
      }
    }
  });
}

}  // namespace tiny_nn
