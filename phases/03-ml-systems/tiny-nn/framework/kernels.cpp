// The dense kernels of tiny_nn (include/tiny_nn/kernels.hpp).
#include "tiny_nn/kernels.hpp"

#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "sgemm.hpp"  // the sgemm lab's kernel: lab.toml says uses = ["sgemm"]

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

// out [cols x rows] (leading dimension ld_out) = in [rows x cols] (leading
// dimension ld_in) transposed. 32 x 32 tiles: the rows read and the rows
// written stay in L1.
void transpose_strided(int rows, int cols, const float* in, std::ptrdiff_t ld_in, float* out, std::ptrdiff_t ld_out) {
  constexpr int T = 32;
  for (int i0 = 0; i0 < rows; i0 += T)
    for (int j0 = 0; j0 < cols; j0 += T) {
      const int i1 = std::min(rows, i0 + T), j1 = std::min(cols, j0 + T);
      for (int i = i0; i < i1; ++i)
        for (int j = j0; j < j1; ++j) out[j * ld_out + i] = in[i * ld_in + j];
    }
}

// One block of the product, on the calling thread: C[rows, cols] (+)=
// op(A)[rows, :] op(B)[:, cols], for rows [i0, i1) and columns [j0, j1).
// The packed SGEMM takes plain row-major operands, so the part of a
// transposed operand this block reads is transposed first, and an
// accumulated block is computed aside and added. Both stay in this thread's
// buffers and caches: another thread never reads what this one wrote.
void gemm_block(bool trans_a, bool trans_b, int M, int N, int K, const float* A, const float* B, float* C,
                bool accumulate, int i0, int i1, int j0, int j1) {
  const int rows = i1 - i0, cols = j1 - j0;
  thread_local std::vector<float> a_t, b_t, c_acc;
  const float* a = A + static_cast<std::ptrdiff_t>(i0) * K;  // op(A)[i0.., :], leading dimension K
  if (trans_a) {  // op(A)[i0..i1, :] = (A[:, i0..i1])^T, A is K x M
    float* t = scratch(a_t, static_cast<std::size_t>(rows) * K);
    transpose_strided(K, rows, A + i0, M, t, K);
    a = t;
  }
  const float* b = B + j0;  // op(B)[:, j0..], leading dimension ldb
  int ldb = N;
  if (trans_b) {  // op(B)[:, j0..j1] = (B[j0..j1, :])^T, B is N x K
    float* t = scratch(b_t, static_cast<std::size_t>(K) * cols);
    transpose_strided(cols, K, B + static_cast<std::ptrdiff_t>(j0) * K, K, t, cols);
    b = t;
    ldb = cols;
  }
  float* c = C + static_cast<std::ptrdiff_t>(i0) * N + j0;
  if (!accumulate) return sgemm::reference::sgemm(rows, cols, K, a, K, b, ldb, c, N);
  float* tmp = scratch(c_acc, static_cast<std::size_t>(rows) * cols);
  sgemm::reference::sgemm(rows, cols, K, a, K, b, ldb, tmp, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) c[static_cast<std::ptrdiff_t>(i) * N + j] += tmp[static_cast<std::ptrdiff_t>(i) * cols + j];
}

// How C is cut among threads: into `threads` slabs of whole rows or of whole
// columns, each computed by gemm_block() on one thread, with no barrier
// between threads. The sgemm lab's sgemm_threaded() splits the rows of every
// K x NC step and meets at a barrier after each; that pays on its large
// squares, but an MLP's products are short (128 rows in a batch) and many:
// 128 rows in slivers of 12 split 72 + 56, the barriers and the operands
// moving between cores cost as much as a small product, and two threads ran
// the whole training step no faster than one (AMD Zen 5, family 26 model 2).
// A slab's thread prepares its own copy of the operand all slabs read (op(B)
// for row slabs, op(A) for column slabs: packed, and transposed first when
// the caller passed it transposed), so each cut is costed as the largest
// slab's multiply-adds plus that copy, and the cheaper cut wins.
struct Slabs {
  bool by_rows = true;
  int step = 0;  // rows or columns per slab (the last may be short)
};

// What one element of an operand costs to pack, and to transpose before, in
// multiply-adds of the micro-kernel (which does 32 to 64 a cycle on
// AVX-512; a packed element takes about a cycle, a transposed one two more).
constexpr double kPackCost = 32.0, kTransposeCost = 64.0;

Slabs choose_slabs(bool trans_a, bool trans_b, int M, int N, int K, int threads) {
  constexpr int kRowGrain = 12, kColumnGrain = 32;  // >= the micro-kernels' MR and NR
  const double work = static_cast<double>(M) * N * K;
  // The largest slab when `extent` is cut into whole units of `grain` (the
  // micro-kernels' tiles stay whole) among `threads`.
  auto step = [threads](int extent, int grain) {
    const int units = (extent + grain - 1) / grain;
    return std::min(extent, (units + threads - 1) / threads * grain);
  };
  const int row_step = step(M, kRowGrain), column_step = step(N, kColumnGrain);
  const double by_rows = work * row_step / M + static_cast<double>(K) * N * (kPackCost + (trans_b ? kTransposeCost : 0));
  const double by_columns =
      work * column_step / N + static_cast<double>(M) * K * (kPackCost + (trans_a ? kTransposeCost : 0));
  return by_rows <= by_columns ? Slabs{true, row_step} : Slabs{false, column_step};
}

}  // namespace

int num_threads() { return g_threads > 0 ? g_threads : omp_get_max_threads(); }
void set_num_threads(int threads) { g_threads = threads; }

void transpose(int rows, int cols, const float* in, float* out) { transpose_strided(rows, cols, in, cols, out, rows); }

void gemm(bool trans_a, bool trans_b, int M, int N, int K, const float* A, const float* B, float* C,
          bool accumulate, int threads) {
  if (M <= 0 || N <= 0) return;
  if (threads <= 0) threads = num_threads();
  // Below about 2^20 multiply-adds a product takes ~10 us on one core:
  // waking a second thread and moving the operands to it costs more.
  if (threads <= 1 || static_cast<double>(M) * N * K < 1 << 20)
    return gemm_block(trans_a, trans_b, M, N, K, A, B, C, accumulate, 0, M, 0, N);
  const Slabs slabs = choose_slabs(trans_a, trans_b, M, N, K, threads);
  const int extent = slabs.by_rows ? M : N;
  const int count = (extent + slabs.step - 1) / slabs.step;
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int slab = 0; slab < count; ++slab) {
    const int first = slab * slabs.step, last = std::min(extent, first + slabs.step);
    if (slabs.by_rows)
      gemm_block(trans_a, trans_b, M, N, K, A, B, C, accumulate, first, last, 0, N);
    else
      gemm_block(trans_a, trans_b, M, N, K, A, B, C, accumulate, 0, M, first, last);
  }
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
