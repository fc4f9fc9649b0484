// The dense kernels of tiny_nn (include/tiny_nn/kernels.hpp).
#include "tiny_nn/kernels.hpp"

#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#ifdef TINY_NN_HAVE_SGEMM
#include "sgemm.hpp"
#endif

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tiny_nn {
namespace {

#if defined(__GLIBC__)
// Every training step allocates its activations and gradients afresh (a few
// MB) and frees them at the end. By default glibc serves blocks that large
// with mmap and returns them to the OS on free, so each step would fault in
// fresh zeroed pages again (10-15% of the transformer's training time in a
// perf profile). Serving them from the heap and keeping freed memory turns
// that into reuse, the job PyTorch's caching allocator does for it.
[[maybe_unused]] const bool g_malloc_tuned = [] {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  return true;
}();
#endif

int g_threads = 0;  // 0: OpenMP's default

float* scratch(std::vector<float>& buffer, std::size_t floats) {
  if (buffer.size() < floats) buffer.resize(floats);
  return buffer.data();
}

// C = A B, all plain row-major with leading dimensions equal to the widths.
void gemm_nn(int M, int N, int K, const float* A, const float* B, float* C, int threads) {
#ifdef TINY_NN_HAVE_SGEMM
  if (threads > 1) sgemm::reference::sgemm_threaded(M, N, K, A, K, B, N, C, N, threads);
  else sgemm::reference::sgemm(M, N, K, A, K, B, N, C, N);
#else
  // Portable fallback (the sgemm lab is not built): i-k-j loops, rows in parallel.
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
  for (int i = 0; i < M; ++i) {
    float* c = C + static_cast<std::ptrdiff_t>(i) * N;
    std::fill(c, c + N, 0.0f);
    for (int k = 0; k < K; ++k) {
      const float a = A[static_cast<std::ptrdiff_t>(i) * K + k];
      const float* b = B + static_cast<std::ptrdiff_t>(k) * N;
      for (int j = 0; j < N; ++j) c[j] += a * b[j];
    }
  }
#endif
}

}  // namespace

int num_threads() { return g_threads > 0 ? g_threads : omp_get_max_threads(); }
void set_num_threads(int threads) { g_threads = threads; }

void transpose(int rows, int cols, const float* in, float* out) {
  // 32 x 32 tiles: both the rows read and the rows written stay in L1.
  constexpr int T = 32;
  for (int i0 = 0; i0 < rows; i0 += T)
    for (int j0 = 0; j0 < cols; j0 += T) {
      const int i1 = std::min(rows, i0 + T), j1 = std::min(cols, j0 + T);
      for (int i = i0; i < i1; ++i)
        for (int j = j0; j < j1; ++j)
          out[static_cast<std::ptrdiff_t>(j) * rows + i] = in[static_cast<std::ptrdiff_t>(i) * cols + j];
    }
}

void gemm(bool trans_a, bool trans_b, int M, int N, int K, const float* A, const float* B, float* C,
          bool accumulate, int threads) {
  if (M <= 0 || N <= 0) return;
  if (threads <= 0) threads = num_threads();
  // The packed SGEMM takes plain row-major operands: a transposed operand is
  // copied into its transpose first. That costs O(MK) or O(KN) against the
  // O(MNK) of the product (a few percent at the shapes here); a GEMM that
  // packs straight from the transposed layout would avoid it.
  thread_local std::vector<float> a_t, b_t, c_acc;
  if (trans_a) {
    float* t = scratch(a_t, static_cast<std::size_t>(M) * K);
    transpose(K, M, A, t);
    A = t;
  }
  if (trans_b) {
    float* t = scratch(b_t, static_cast<std::size_t>(K) * N);
    transpose(N, K, B, t);
    B = t;
  }
  if (!accumulate) return gemm_nn(M, N, K, A, B, C, threads);
  const std::size_t n = static_cast<std::size_t>(M) * N;
  float* tmp = scratch(c_acc, n);
  gemm_nn(M, N, K, A, B, tmp, threads);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && n > 65536)
  for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(n); ++i) C[i] += tmp[i];
}

void im2col(const Conv2dShape& s, const float* image, float* col) {
  const int OH = s.out_height(), OW = s.out_width(), P = OH * OW;
  for (int c = 0; c < s.in_channels; ++c)
    for (int ky = 0; ky < s.kernel; ++ky)
      for (int kx = 0; kx < s.kernel; ++kx) {
        float* row = col + static_cast<std::ptrdiff_t>((c * s.kernel + ky) * s.kernel + kx) * P;
        const float* plane = image + static_cast<std::ptrdiff_t>(c) * s.height * s.width;
        for (int oy = 0; oy < OH; ++oy) {
          const int y = oy * s.stride - s.padding + ky;
          float* out = row + oy * OW;
          if (y < 0 || y >= s.height) {
            std::fill(out, out + OW, 0.0f);
            continue;
          }
          const float* in = plane + static_cast<std::ptrdiff_t>(y) * s.width;
          for (int ox = 0; ox < OW; ++ox) {
            const int x = ox * s.stride - s.padding + kx;
            out[ox] = (x >= 0 && x < s.width) ? in[x] : 0.0f;
          }
        }
      }
}

void col2im_add(const Conv2dShape& s, const float* col, float* image) {
  const int OH = s.out_height(), OW = s.out_width(), P = OH * OW;
  for (int c = 0; c < s.in_channels; ++c)
    for (int ky = 0; ky < s.kernel; ++ky)
      for (int kx = 0; kx < s.kernel; ++kx) {
        const float* row = col + static_cast<std::ptrdiff_t>((c * s.kernel + ky) * s.kernel + kx) * P;
        float* plane = image + static_cast<std::ptrdiff_t>(c) * s.height * s.width;
        for (int oy = 0; oy < OH; ++oy) {
          const int y = oy * s.stride - s.padding + ky;
          if (y < 0 || y >= s.height) continue;
          float* out = plane + static_cast<std::ptrdiff_t>(y) * s.width;
          const float* in = row + oy * OW;
          for (int ox = 0; ox < OW; ++ox) {
            const int x = ox * s.stride - s.padding + kx;
            if (x >= 0 && x < s.width) out[x] += in[ox];
          }
        }
      }
}

}  // namespace tiny_nn
