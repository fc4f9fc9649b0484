// Your backward passes for the tiny-nn lab. Edit only files in student/.
//
// The framework computes every op's forward pass; when a loss calls
// backward(), it calls these four functions (README.md, "The task", derives
// each one). The contracts are in include/tiny_nn.hpp; the two rules that
// matter most:
//   - ADD into the gradient buffers (dx[i] += ...), never assign;
//   - a null output pointer means that gradient is not needed: skip it.
//
//   tools/labctl test tiny-nn       # gradient checks against finite differences, then a short training run
//
// Four TODOs, in the order the tests meet them:
//   TODO(1) matmul_backward                 dA += dC B^T,  dB += A^T dC
//   TODO(2) relu_backward                   dx += dy where x > 0
//   TODO(3) softmax_cross_entropy_backward  dlogits += dloss (softmax - onehot) / batch
//   TODO(4) conv2d_backward                 im2col, two GEMMs, col2im, and a sum for the bias
//
// tiny_nn/kernels.hpp gives you gemm (with transposes and accumulation),
// im2col, col2im_add and num_threads(); the reference uses exactly those.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include <labkit/todo.hpp>

#include "tiny_nn.hpp"
#include "tiny_nn/kernels.hpp"

namespace tiny_nn::student {

// C [M x N] = A [M x K] B [K x N]. Given dC [M x N]:
//   dA [M x K] += dC B^T     (skip when dA is null)
//   dB [K x N] += A^T dC     (skip when dB is null)
// Hint: one call to tiny_nn::gemm each, with trans_b / trans_a and
// accumulate = true. (Or loops first, to see it work, then gemm for speed.)
void matmul_backward(int M, int N, int K, const float* A, const float* B, const float* dC, float* dA, float* dB) {
  (void)M, (void)N, (void)K, (void)A, (void)B, (void)dC, (void)dA, (void)dB;
  LABKIT_TODO(1, "write matmul_backward in student/backward.cpp: dA += dC B^T, dB += A^T dC (tiny_nn::gemm)");
}

// y = max(x, 0). dx[i] += dy[i] where x[i] > 0; nothing where x[i] <= 0.
void relu_backward(std::int64_t n, const float* x, const float* dy, float* dx) {
  (void)n, (void)x, (void)dy, (void)dx;
  LABKIT_TODO(2, "write relu_backward in student/backward.cpp: dx += dy where x > 0");
}

// loss = (1 / batch) sum_b -log softmax(logits[b])[labels[b]].
// dlogits[b][c] += dloss * (softmax(logits[b])[c] - (c == labels[b] ? 1 : 0)) / batch
// Compute the softmax stably: subtract the row's maximum before exp.
void softmax_cross_entropy_backward(int batch, int classes, const float* logits, const std::int32_t* labels,
                                    float dloss, float* dlogits) {
  (void)batch, (void)classes, (void)logits, (void)labels, (void)dloss, (void)dlogits;
  LABKIT_TODO(3, "write softmax_cross_entropy_backward in student/backward.cpp: dloss * (softmax - onehot) / batch");
}

// The forward pass, per image b (framework/layers.cpp, conv2d):
//   col = im2col(s, input + b * C*H*W)          [patch x P], P = out_height * out_width
//   out[b] = weight [O x patch] * col + bias    [O x P]
// Given dout, for every image b:
//   dweight [O x patch] += dout[b] [O x P] * col^T
//   dcol    [patch x P]  = weight^T * dout[b];  col2im_add(s, dcol, dinput + b * C*H*W)   (when dinput)
//   dbias[o]            += sum over p of dout[b][o][p]                                     (when dbias)
// Start with a loop over images on one thread (pass threads = 1 to gemm, or
// leave it 0 to let gemm use all of them). For speed, share the images among
// threads, but then every thread needs its own dweight to add into, summed at
// the end: two threads adding into one buffer lose updates.
void conv2d_backward(const Conv2dShape& s, const float* input, const float* weight, const float* dout,
                     float* dinput, float* dweight, float* dbias) {
  (void)s, (void)input, (void)weight, (void)dout, (void)dinput, (void)dweight, (void)dbias;
  LABKIT_TODO(4, "write conv2d_backward in student/backward.cpp: im2col, dweight += dout col^T, col2im(weight^T dout)");
}

BackwardKernels kernels() {
  return {"student", matmul_backward, relu_backward, softmax_cross_entropy_backward, conv2d_backward};
}

}  // namespace tiny_nn::student
