// tiny_nn kernels: the dense building blocks every op is made of, and that
// your backward passes (student/backward.cpp) may use too.
//
//   gemm      C (+)= op(A) op(B), row-major, on the project's own packed
//             SGEMM (phases/01-foundations/sgemm: AVX-512 / AVX2 micro-kernels,
//             chosen at run time, OpenMP threads)
//   im2col    unfold the windows of one image into the columns of a matrix,
//             so a convolution becomes one GEMM
//   col2im    the reverse, adding overlapping windows back into an image
//
// Threads: every kernel that can use several threads uses num_threads() of
// them (default: OpenMP's, i.e. $OMP_NUM_THREADS or the number of cores).
#pragma once
#include <cstdint>

#include "tiny_nn.hpp"

namespace tiny_nn {

int num_threads();
void set_num_threads(int threads);

// C = op(A) * op(B), or C += op(A) * op(B) when accumulate. op(A) is M x K:
// A itself is M x K (row-major) or, when trans_a, K x M; op(B) is K x N: B
// is K x N or, when trans_b, N x K. C is M x N. `threads` <= 0 means
// num_threads(); pass 1 inside a parallel region.
void gemm(bool trans_a, bool trans_b, int M, int N, int K, const float* A, const float* B, float* C,
          bool accumulate, int threads = 0);

// One image [in_channels x height x width] to its im2col matrix
// [patch() x (out_height() * out_width())]: row (c, ky, kx), column (oy, ox)
// holds image[c][oy * stride - padding + ky][ox * stride - padding + kx], or 0
// where that falls in the padding.
void im2col(const Conv2dShape& s, const float* image, float* col);
// The adjoint of im2col: image[c][y][x] += every col entry that im2col read
// from (c, y, x). Entries that fall in the padding are dropped.
void col2im_add(const Conv2dShape& s, const float* col, float* image);

// out [cols x rows] = in [rows x cols] transposed.
void transpose(int rows, int cols, const float* in, float* out);

}  // namespace tiny_nn
