// Your implementation of the sgemm lab. Edit only files in student/.
//
// Goal: C = A * B (row-major, single precision) as fast as the reference,
// correct for every shape and leading dimension. Work through README.md,
// then:
//   tools/labctl test sgemm        # correctness, against a double-precision reference
//   tools/labctl bench sgemm       # GFLOP/s and speedups over naive, next to the reference and Eigen
//
// Four TODOs, in the order the tests meet them:
//   TODO(1) sgemm_blocked: the i-k-j loops, cache-blocked         (README, step 3)
//   TODO(2) pack_a and pack_b: copy blocks of A and B into the order the
//           micro-kernel reads them                              (README, step 4)
//   TODO(3) micro_kernel_avx2: a 6 x 16 tile of C in 12 AVX2 registers  (README, steps 5-6)
//   TODO(4) sgemm_threaded: share the row blocks of C among threads with
//           OpenMP or oneTBB                                     (README, step 7)
// The loops around the micro-kernel (sgemm_packed, macro_kernel) and a
// portable micro-kernel are written for you.
#include <labkit/cpu.hpp>
#include <labkit/todo.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

// Both are available to you: use whichever you prefer for TODO(4).
#include <omp.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "sgemm.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SGEMM_X86 1
#endif

namespace sgemm::student {
namespace {

inline std::ptrdiff_t at(int row, int ld) { return static_cast<std::ptrdiff_t>(row) * ld; }
inline int min_int(int a, int b) { return a < b ? a : b; }

// ---------------------------------------------------------------------------
// Step 3: cache blocking.
constexpr int kBlockN = 256;  // columns of B and C per block
constexpr int kBlockK = 256;  // rows of B per block: a 256 x 256 block of B is 256 KiB, it fits in L2

// ---------------------------------------------------------------------------
// Steps 4-6: packing and the micro-kernel.
//
// The register tile: MR rows x NR columns of C, held in 2 x MR = 12 AVX2
// registers of 8 floats while the micro-kernel runs over KC steps of k.
constexpr int MR = 6, NR = 16;
// Cache blocks: a packed block of A (MC x KC, 144 KiB) stays in L2, one
// sliver of packed B (KC x NR, 16 KiB) in L1, the packed panel of B
// (KC x NC) in L3. MC must be a multiple of MR.
constexpr int MC = 144, KC = 256, NC = 4096;

// Packs the mc x kc block of A at A (leading dimension lda) into Ap, as
// ceil(mc / MR) slivers of MR rows, one after the other. Inside a sliver,
// for each p = 0 .. kc-1, the MR values A[i + 0][p] .. A[i + MR-1][p] sit
// side by side:
//   Ap[s * MR * kc + p * MR + r] = A[(s * MR + r) * lda + p]
// Rows past mc (in the last sliver) are written as 0.0f.
void pack_a(int mc, int kc, const float* A, int lda, float* Ap) {
  // TODO(2), part 1. Loops over slivers, then p, then r.
  (void)mc, (void)kc, (void)A, (void)lda, (void)Ap;
  LABKIT_TODO(2, "write pack_a and pack_b in student/sgemm.cpp: copy A and B into MR-row / NR-column slivers, zero-padded");
}

// Packs the kc x nc panel of B into Bp, as ceil(nc / NR) slivers of NR
// columns. Inside a sliver, for each p, the NR values B[p][j + 0 .. NR-1]
// sit side by side:
//   Bp[s * NR * kc + p * NR + c] = B[p * ldb + s * NR + c]
// Columns past nc (in the last sliver) are written as 0.0f.
void pack_b(int kc, int nc, const float* B, int ldb, float* Bp) {
  // TODO(2), part 2.
  (void)kc, (void)nc, (void)B, (void)ldb, (void)Bp;
  LABKIT_TODO(2, "write pack_a and pack_b in student/sgemm.cpp: copy A and B into MR-row / NR-column slivers, zero-padded");
}

// Writes an MR x NR tile (row-major in `tile`) to the mr x nr corner of C that
// exists: for tiles on the right or bottom edge of C. Given.
void store_edge_tile(const float* tile, float* C, int ldc, int mr, int nr, bool accumulate) {
  for (int r = 0; r < mr; ++r)
    for (int j = 0; j < nr; ++j) {
      float& c = C[at(r, ldc) + j];
      c = accumulate ? c + tile[r * NR + j] : tile[r * NR + j];
    }
}

// The micro-kernel, portable version (given; it runs where there is no AVX2).
// a: one packed sliver of A (kc x MR), b: one packed sliver of B (kc x NR).
// Computes the MR x NR tile sum_p a[p][r] * b[p][c] and stores it to C
// (accumulate == false: C is overwritten, never read) or adds it to C.
// Only the top-left mr x nr of the tile lies inside C.
void micro_kernel_portable(int kc, const float* a, const float* b, float* C, int ldc, int mr, int nr,
                           bool accumulate) {
  float tile[MR * NR] = {};
  for (int p = 0; p < kc; ++p, a += MR, b += NR)
    for (int r = 0; r < MR; ++r)
      for (int c = 0; c < NR; ++c) tile[r * NR + c] += a[r] * b[c];
  store_edge_tile(tile, C, ldc, mr, nr, accumulate);
}

#ifdef SGEMM_X86
// The micro-kernel with AVX2 and FMA: same contract as micro_kernel_portable.
__attribute__((target("avx2,fma"))) void micro_kernel_avx2(int kc, const float* a, const float* b, float* C,
                                                            int ldc, int mr, int nr, bool accumulate) {
  // TODO(3):
  //  - 12 accumulators: __m256 lo[MR], hi[MR] (columns 0-7 and 8-15 of each row), zeroed
  //  - for each p: load b[0..7] and b[8..15] (_mm256_load_ps: the packed buffers are
  //    32-byte aligned), then for each row r broadcast a[r] (_mm256_broadcast_ss) and
  //    _mm256_fmadd_ps it into lo[r] and hi[r]; then a += MR, b += NR
  //  - full tile (mr == MR && nr == NR): for each row, add C's old values when
  //    accumulate (_mm256_loadu_ps), store with _mm256_storeu_ps
  //  - edge tile: store the registers to `alignas(32) float tile[MR * NR]` and
  //    call store_edge_tile
  //  Index lo[] and hi[] only with the loop counters of loops over 0..MR-1 (see
  //  README, Hints: "spills").
  (void)kc, (void)a, (void)b, (void)C, (void)ldc, (void)mr, (void)nr, (void)accumulate;
  LABKIT_TODO(3, "write micro_kernel_avx2 in student/sgemm.cpp: a 6 x 16 tile of C in 12 __m256 accumulators, FMA over kc");
}
#endif

void micro_kernel(int kc, const float* a, const float* b, float* C, int ldc, int mr, int nr, bool accumulate) {
#ifdef SGEMM_X86
  if (labkit::best_isa() >= labkit::Isa::avx2) return micro_kernel_avx2(kc, a, b, C, ldc, mr, nr, accumulate);
#endif
  micro_kernel_portable(kc, a, b, C, ldc, mr, nr, accumulate);
}

// The two loops around the micro-kernel (given): for each sliver of B, every
// sliver of A. C here points at the top-left corner of this mc x nc block.
void macro_kernel(int mc, int nc, int kc, const float* Ap, const float* Bp, float* C, int ldc, bool accumulate) {
  for (int j = 0; j < nc; j += NR)
    for (int i = 0; i < mc; i += MR)
      micro_kernel(kc, Ap + at(i, kc), Bp + at(j, kc), C + at(i, ldc) + j, ldc, min_int(MR, mc - i),
                   min_int(NR, nc - j), accumulate);
}

// Packing buffers, one set per thread, kept between calls: allocating and
// first touching megabytes on every call costs page faults. alignas(32)
// storage for _mm256_load_ps: over-allocate and round the pointer up.
float* buffer(std::vector<float>& storage, std::size_t floats) {
  if (storage.size() < floats + 8) storage.resize(floats + 8);
  const auto address = reinterpret_cast<std::uintptr_t>(storage.data());
  return reinterpret_cast<float*>((address + 31) / 32 * 32);
}

}  // namespace

// ---------------------------------------------------------------------------
void sgemm_blocked(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  // TODO(1): C = A * B with the i-k-j loops of step 2, over blocks:
  //   zero the M x N elements of C (not the padding: only N per row, ldc apart)
  //   for jc over N in steps of kBlockN
  //     for pc over K in steps of kBlockK
  //       for every row i:  for k in the block:  C[i][jc..] += A[i][k] * B[k][jc..]
  //   The last block in each direction may be smaller.
  (void)M, (void)N, (void)K, (void)A, (void)lda, (void)B, (void)ldb, (void)C, (void)ldc;
  LABKIT_TODO(1, "write sgemm_blocked in student/sgemm.cpp: zero C, then i-k-j loops over 256 x 256 blocks of B");
}

void sgemm_packed(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  // Given: the five loops of a packed GEMM (README, step 4).
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int i = 0; i < M; ++i) std::memset(C + at(i, ldc), 0, sizeof(float) * N);
    return;
  }
  thread_local std::vector<float> a_storage, b_storage;
  float* Ap = buffer(a_storage, static_cast<std::size_t>(MC) * KC);
  float* Bp = buffer(b_storage, static_cast<std::size_t>(KC) * ((min_int(N, NC) + NR - 1) / NR * NR));
  for (int jc = 0; jc < N; jc += NC) {
    const int nc = min_int(NC, N - jc);
    for (int pc = 0; pc < K; pc += KC) {
      const int kc = min_int(KC, K - pc);
      pack_b(kc, nc, B + at(pc, ldb) + jc, ldb, Bp);
      for (int ic = 0; ic < M; ic += MC) {
        const int mc = min_int(MC, M - ic);
        pack_a(mc, kc, A + at(ic, lda) + pc, lda, Ap);
        // The first block of K writes C; the later ones add to it.
        macro_kernel(mc, nc, kc, Ap, Bp, C + at(ic, ldc) + jc, ldc, pc > 0);
      }
    }
  }
}

void sgemm_threaded(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                    int threads) {
  // TODO(4): the loops of sgemm_packed on `threads` threads (below 1 means 1).
  //  - Share out rows of C: blocks of MC rows (or fewer, so that every thread
  //    gets the same number of rows). Each thread packs the rows of A it needs
  //    into its own buffer and writes only its own rows of C.
  //  - Either every thread packs the panel of B it needs itself (simple, no
  //    synchronization inside the call), or one shared packed panel of B per
  //    (jc, pc) step, with a barrier before and after it is used (the
  //    reference does this: reference/openmp.cpp).
  //  OpenMP: #pragma omp parallel for num_threads(threads) schedule(static)
  //  oneTBB: tbb::task_arena(threads).execute([&] { tbb::parallel_for(...); })
  (void)M, (void)N, (void)K, (void)A, (void)lda, (void)B, (void)ldb, (void)C, (void)ldc, (void)threads;
  LABKIT_TODO(4, "write sgemm_threaded in student/sgemm.cpp: share the row blocks of C among threads (OpenMP or oneTBB)");
}

void sgemm(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  sgemm_packed(M, N, K, A, lda, B, ldb, C, ldc);
}

}  // namespace sgemm::student
