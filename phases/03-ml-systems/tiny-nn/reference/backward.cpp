// The reference backward passes of the four kernels learners write
// (include/tiny_nn.hpp states each one's contract; README.md derives them).
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "tiny_nn.hpp"
#include "tiny_nn/kernels.hpp"

namespace tiny_nn::reference {

// C = A B  =>  dA = dC B^T and dB = A^T dC: each is one more GEMM of the same
// size as the forward one, which is why a training step costs about three
// forward passes.
void matmul_backward(int M, int N, int K, const float* A, const float* B, const float* dC, float* dA, float* dB) {
  if (dA) gemm(false, true, M, K, N, dC, B, dA, /*accumulate=*/true);  // [M x N] [N x K]
  if (dB) gemm(true, false, K, N, M, A, dC, dB, /*accumulate=*/true);  // [K x M] [M x N]
}

// The gradient flows through where the input was positive and stops elsewhere.
void relu_backward(std::int64_t n, const float* x, const float* dy, float* dx) {
#pragma omp parallel for num_threads(num_threads()) schedule(static) if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) dx[i] += x[i] > 0.0f ? dy[i] : 0.0f;
}

// d/dz_c of -log(softmax(z)_y) = softmax(z)_c - [c == y]; the mean divides by batch.
void softmax_cross_entropy_backward(int batch, int classes, const float* logits, const std::int32_t* labels,
                                    float dloss, float* dlogits) {
  const float scale = dloss / static_cast<float>(batch);
#pragma omp parallel for num_threads(num_threads()) schedule(static) if (static_cast<long>(batch) * classes > 65536)
  for (int b = 0; b < batch; ++b) {
    const float* z = logits + static_cast<std::ptrdiff_t>(b) * classes;
    float* dz = dlogits + static_cast<std::ptrdiff_t>(b) * classes;
    // Subtract the maximum before exp: softmax is unchanged, and exp cannot overflow.
    const float m = *std::max_element(z, z + classes);
    double sum = 0;
    for (int c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(z[c] - m));
    const float inv = static_cast<float>(1.0 / sum);
    for (int c = 0; c < classes; ++c) {
      const float p = std::exp(z[c] - m) * inv;
      dz[c] += scale * (p - (c == labels[b] ? 1.0f : 0.0f));
    }
  }
}

// Forward, per image b:  col = im2col(input[b])        [patch x P]
//                        out[b] = weight col + bias     [O x P]  (weight as [O x patch])
// so, like matmul:       dweight += dout[b] col^T       [O x patch]
//                        dcol     = weight^T dout[b]    [patch x P], then col2im into dinput[b]
//                        dbias[o] += sum_p dout[b][o][p]
// Images are independent, so threads take images; each thread sums its own
// dweight (two threads adding into one buffer would lose updates) and the
// sums are added at the end.
void conv2d_backward(const Conv2dShape& s, const float* input, const float* weight, const float* dout,
                     float* dinput, float* dweight, float* dbias) {
  const int O = s.out_channels, P = s.out_height() * s.out_width(), patch = s.patch();
  const std::ptrdiff_t in_size = static_cast<std::ptrdiff_t>(s.in_channels) * s.height * s.width;
  const std::ptrdiff_t out_size = static_cast<std::ptrdiff_t>(O) * P;
  const int threads = std::max(1, std::min(num_threads(), s.batch));
  std::vector<std::vector<float>> dweight_of(threads, std::vector<float>(static_cast<std::size_t>(O) * patch, 0.0f));
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    std::vector<float> col(static_cast<std::size_t>(patch) * P), dcol(dinput ? col.size() : 0);
#pragma omp for schedule(static)
    for (int b = 0; b < s.batch; ++b) {
      const float* g = dout + b * out_size;
      im2col(s, input + b * in_size, col.data());
      gemm(false, true, O, patch, P, g, col.data(), dweight_of[t].data(), /*accumulate=*/true, 1);
      if (dinput) {
        gemm(true, false, patch, P, O, weight, g, dcol.data(), /*accumulate=*/false, 1);
        col2im_add(s, dcol.data(), dinput + b * in_size);
      }
    }
  }
  for (const auto& part : dweight_of)
    for (std::size_t i = 0; i < part.size(); ++i) dweight[i] += part[i];
  if (dbias)
    for (int b = 0; b < s.batch; ++b)
      for (int o = 0; o < O; ++o) {
        const float* g = dout + b * out_size + static_cast<std::ptrdiff_t>(o) * P;
        double sum = 0;
        for (int p = 0; p < P; ++p) sum += g[p];
        dbias[o] += static_cast<float>(sum);
      }
}

BackwardKernels kernels() {
  return {"reference", matmul_backward, relu_backward, softmax_cross_entropy_backward, conv2d_backward};
}

}  // namespace tiny_nn::reference
