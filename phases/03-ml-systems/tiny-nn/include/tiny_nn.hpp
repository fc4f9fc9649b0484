// tiny-nn: the interface of the lab.
//
// The framework (include/tiny_nn/*.hpp, framework/) builds a graph of tensor
// operations as a model runs forward, then walks it backwards to compute
// gradients. Each operation needs a backward pass: given the gradient of the
// loss with respect to the op's output, the gradients with respect to its
// inputs. Four of them are yours to write (student/backward.cpp); the
// framework calls whichever set is active (tiny_nn::use_kernels), so the same
// gradient checks and training runs test the reference and your code.
//
// Conventions for every kernel below:
//   - float32, row-major, contiguous;
//   - gradients are ACCUMULATED: write `dx[i] += ...`, never `dx[i] = ...`.
//     A tensor used twice in a graph (a residual connection, a shared
//     weight) receives the sum of both uses' gradients, so the framework
//     zeroes gradient buffers once and every backward pass adds to them;
//   - a null output pointer means "this gradient is not needed" (an input
//     that is data, not a parameter): skip that work.
//
// Every implementation lives in its own namespace so the reference and your
// code run side by side in one benchmark process:
//   tiny_nn::reference  the reference: reference/backward.cpp
//   tiny_nn::student    yours: student/backward.cpp
#pragma once
#include <cstdint>

namespace tiny_nn {

// A 2-D convolution, NCHW layout: input [batch, in_channels, height, width],
// weight [out_channels, in_channels, kernel, kernel], bias [out_channels],
// output [batch, out_channels, out_height(), out_width()]. Zero padding of
// `padding` pixels on every side; `stride` pixels between windows.
struct Conv2dShape {
  int batch = 1, in_channels = 1, height = 1, width = 1;
  int out_channels = 1, kernel = 1, stride = 1, padding = 0;
  int out_height() const { return (height + 2 * padding - kernel) / stride + 1; }
  int out_width() const { return (width + 2 * padding - kernel) / stride + 1; }
  // Rows of the im2col matrix: one per (input channel, kernel row, kernel column).
  int patch() const { return in_channels * kernel * kernel; }
};

// The four backward passes, as a table of function pointers: what the
// framework calls (tiny_nn::use_kernels picks the table).
struct BackwardKernels {
  const char* name;
  // C = A B, A [M x K], B [K x N], C [M x N]. Given dC:
  //   dA += dC B^T      [M x K]
  //   dB += A^T dC      [K x N]
  void (*matmul_backward)(int M, int N, int K, const float* A, const float* B, const float* dC, float* dA,
                          float* dB);
  // y = max(x, 0), n elements. Given dy:  dx += dy where x > 0 (0 elsewhere, and at x == 0).
  void (*relu_backward)(std::int64_t n, const float* x, const float* dy, float* dx);
  // loss = mean over the batch of -log softmax(logits[b])[labels[b]],
  // logits [batch x classes]. Given dloss (the gradient of the final loss with
  // respect to this mean, usually 1):
  //   dlogits[b][c] += dloss * (softmax(logits[b])[c] - (c == labels[b])) / batch
  void (*softmax_cross_entropy_backward)(int batch, int classes, const float* logits, const std::int32_t* labels,
                                         float dloss, float* dlogits);
  // out = conv2d(input, weight) + bias (see Conv2dShape). Given dout:
  //   dinput  += the gradient for input   (may be null)
  //   dweight += the gradient for weight
  //   dbias   += the gradient for bias    (may be null)
  void (*conv2d_backward)(const Conv2dShape& s, const float* input, const float* weight, const float* dout,
                          float* dinput, float* dweight, float* dbias);
};

namespace reference {
void matmul_backward(int M, int N, int K, const float* A, const float* B, const float* dC, float* dA, float* dB);
void relu_backward(std::int64_t n, const float* x, const float* dy, float* dx);
void softmax_cross_entropy_backward(int batch, int classes, const float* logits, const std::int32_t* labels,
                                    float dloss, float* dlogits);
void conv2d_backward(const Conv2dShape& s, const float* input, const float* weight, const float* dout,
                     float* dinput, float* dweight, float* dbias);
BackwardKernels kernels();
}  // namespace reference

namespace student {
// TODO(1)
void matmul_backward(int M, int N, int K, const float* A, const float* B, const float* dC, float* dA, float* dB);
// TODO(2)
void relu_backward(std::int64_t n, const float* x, const float* dy, float* dx);
// TODO(3)
void softmax_cross_entropy_backward(int batch, int classes, const float* logits, const std::int32_t* labels,
                                    float dloss, float* dlogits);
// TODO(4)
void conv2d_backward(const Conv2dShape& s, const float* input, const float* weight, const float* dout,
                     float* dinput, float* dweight, float* dbias);
BackwardKernels kernels();
}  // namespace student

}  // namespace tiny_nn
