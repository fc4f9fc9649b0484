// Internal to the reference: packing and the macro-kernel, as templates on
// the register tile MR x NR. Included by each ISA's file, which compiles them
// with its own flags.
//
// Everything here has internal linkage (an unnamed namespace) on purpose: a
// template instantiated in two files compiled with different -m flags would
// otherwise be one symbol to the linker, which keeps either copy, and an
// AVX-512 copy could end up running on a CPU without AVX-512.
#pragma once
#include <cstddef>

#include "packed_gemm.hpp"

namespace sgemm::reference::detail {
namespace {

// A block of A (mc x kc) as slivers of MR rows: sliver s holds, for each p,
// the MR values A[s*MR + 0..MR-1][p] side by side, which is the order the
// micro-kernel reads them in (one broadcast per row per step of p). Rows past
// mc are zero, so the micro-kernel never needs a special case for them.
template <int MR>
void pack_a_block(int mc, int kc, const float* A, int lda, float* Ap) {
  for (int i = 0; i < mc; i += MR, Ap += static_cast<std::ptrdiff_t>(MR) * kc) {
    const int rows = min_int(MR, mc - i);
    const float* a[MR];
    for (int r = 0; r < MR; ++r) a[r] = A + static_cast<std::ptrdiff_t>(i + (r < rows ? r : 0)) * lda;
    if (rows == MR) {
      for (int p = 0; p < kc; ++p)
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) Ap[p * MR + r] = a[r][p];
    } else {
      for (int p = 0; p < kc; ++p)
        for (int r = 0; r < MR; ++r) Ap[p * MR + r] = r < rows ? a[r][p] : 0.0f;
    }
  }
}

// A panel of B (kc x nc) as slivers of NR columns: sliver s holds, for each p,
// B[p][s*NR + 0..NR-1], one vector-aligned row of NR values per step of p.
// Columns past nc are zero.
template <int NR>
void pack_b_panel(int kc, int nc, const float* B, int ldb, float* Bp) {
  for (int j = 0; j < nc; j += NR, Bp += static_cast<std::ptrdiff_t>(NR) * kc) {
    const int cols = min_int(NR, nc - j);
    for (int p = 0; p < kc; ++p) {
      const float* b = B + static_cast<std::ptrdiff_t>(p) * ldb + j;
      float* d = Bp + static_cast<std::ptrdiff_t>(p) * NR;
      if (cols == NR) {
        for (int c = 0; c < NR; ++c) d[c] = b[c];
      } else {
        for (int c = 0; c < NR; ++c) d[c] = c < cols ? b[c] : 0.0f;
      }
    }
  }
}

// The macro-kernel: the two loops around the micro-kernel. For each B sliver
// (kept in L1 while it is used), every A sliver of the block streams past it.
// Micro::run(kc, a, b, C, ldc, mr, nr, accumulate) computes one MR x NR tile;
// mr and nr say how much of it is inside C.
template <class Micro>
void macro_kernel(int mc, int nc, int kc, const float* Ap, const float* Bp, float* C, int ldc, bool accumulate) {
  constexpr int MR = Micro::MR, NR = Micro::NR;
  for (int j = 0; j < nc; j += NR) {
    const float* b = Bp + static_cast<std::ptrdiff_t>(j) * kc;
    const int nr = min_int(NR, nc - j);
    for (int i = 0; i < mc; i += MR)
      Micro::run(kc, Ap + static_cast<std::ptrdiff_t>(i) * kc, b, C + static_cast<std::ptrdiff_t>(i) * ldc + j, ldc,
                 min_int(MR, mc - i), nr, accumulate);
  }
}

// Writes an MR x NR tile held in `tile` (row-major, NR per row) to the mr x nr
// corner of C that exists: the slow path, for tiles at the right or bottom edge.
template <int MR, int NR>
void store_edge_tile(const float* tile, float* C, int ldc, int mr, int nr, bool accumulate) {
  for (int r = 0; r < mr; ++r) {
    float* c = C + static_cast<std::ptrdiff_t>(r) * ldc;
    for (int j = 0; j < nr; ++j) c[j] = accumulate ? c[j] + tile[r * NR + j] : tile[r * NR + j];
  }
}

}  // namespace
}  // namespace sgemm::reference::detail
