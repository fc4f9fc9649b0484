// The reference transposes, graded by their misses on a 1 KiB direct-mapped
// cache with 32-byte lines (8 ints): 32 sets, and the whole cache holds
// exactly 8 rows of a 32-int row, or 4 rows of a 64-int row.
//
// Locals stand in for registers (CS:APP allows 12 ints): a row of 8 elements
// is read into a0..a7 before any of it is written, so a write into B cannot
// evict the line of A that is still being read.
#include <algorithm>

#include "cache_sim.hpp"

namespace cache_sim::reference {
namespace {

// 32x32: 8x8 blocks. A block's 8 rows of A sit in 8 different sets, and so
// do its 8 rows of B; reading a whole row of A first keeps the diagonal
// blocks (where A's row i and B's row i share a set) to a few extra misses.
void transpose_32(const TracedMatrix& A, TracedMatrix& B) {
  for (int i = 0; i < 32; i += 8)
    for (int j = 0; j < 32; j += 8)
      for (int k = i; k < i + 8; ++k) {
        const int a0 = A.get(k, j), a1 = A.get(k, j + 1), a2 = A.get(k, j + 2), a3 = A.get(k, j + 3);
        const int a4 = A.get(k, j + 4), a5 = A.get(k, j + 5), a6 = A.get(k, j + 6), a7 = A.get(k, j + 7);
        B.set(j, k, a0), B.set(j + 1, k, a1), B.set(j + 2, k, a2), B.set(j + 3, k, a3);
        B.set(j + 4, k, a4), B.set(j + 5, k, a5), B.set(j + 6, k, a6), B.set(j + 7, k, a7);
      }
}

// 64x64: rows are 256 bytes, so rows k and k + 4 share a set and an 8x8
// block of B conflicts with itself. Each 8x8 block goes in three steps with
// 4x4 quarters, using B's top-right quarter as a staging area.
void transpose_64(const TracedMatrix& A, TracedMatrix& B) {
  for (int i = 0; i < 64; i += 8)
    for (int j = 0; j < 64; j += 8) {
      // 1. A's top four rows: the left half goes, transposed, to B's top-left;
      //    the right half, transposed, to B's top-right (its final place is bottom-left).
      for (int k = i; k < i + 4; ++k) {
        const int a0 = A.get(k, j), a1 = A.get(k, j + 1), a2 = A.get(k, j + 2), a3 = A.get(k, j + 3);
        const int a4 = A.get(k, j + 4), a5 = A.get(k, j + 5), a6 = A.get(k, j + 6), a7 = A.get(k, j + 7);
        B.set(j, k, a0), B.set(j + 1, k, a1), B.set(j + 2, k, a2), B.set(j + 3, k, a3);
        B.set(j, k + 4, a4), B.set(j + 1, k + 4, a5), B.set(j + 2, k + 4, a6), B.set(j + 3, k + 4, a7);
      }
      // 2. Column by column of A's bottom-left: move the staged row of B's
      //    top-right down to B's bottom-left, and put the column in its place.
      for (int k = j; k < j + 4; ++k) {
        const int a0 = A.get(i + 4, k), a1 = A.get(i + 5, k), a2 = A.get(i + 6, k), a3 = A.get(i + 7, k);
        const int a4 = B.get(k, i + 4), a5 = B.get(k, i + 5), a6 = B.get(k, i + 6), a7 = B.get(k, i + 7);
        B.set(k, i + 4, a0), B.set(k, i + 5, a1), B.set(k, i + 6, a2), B.set(k, i + 7, a3);
        B.set(k + 4, i, a4), B.set(k + 4, i + 1, a5), B.set(k + 4, i + 2, a6), B.set(k + 4, i + 3, a7);
      }
      // 3. A's bottom-right quarter to B's bottom-right.
      for (int k = i + 4; k < i + 8; ++k) {
        const int a0 = A.get(k, j + 4), a1 = A.get(k, j + 5), a2 = A.get(k, j + 6), a3 = A.get(k, j + 7);
        B.set(j + 4, k, a0), B.set(j + 5, k, a1), B.set(j + 6, k, a2), B.set(j + 7, k, a3);
      }
    }
}

// Any shape: square blocks of `b`, clipped at the edges. For 61x67 the rows
// are 61 ints, so sets do not line up the way they do for 32 and 64, and a
// larger block pays off.
void transpose_blocked(int M, int N, const TracedMatrix& A, TracedMatrix& B, int b) {
  for (int ii = 0; ii < N; ii += b)
    for (int jj = 0; jj < M; jj += b)
      for (int i = ii; i < std::min(ii + b, N); ++i)
        for (int j = jj; j < std::min(jj + b, M); ++j) B.set(j, i, A.get(i, j));
}

}  // namespace

void transpose(int M, int N, const TracedMatrix& A, TracedMatrix& B) {
  if (M == 32 && N == 32) transpose_32(A, B);
  else if (M == 64 && N == 64) transpose_64(A, B);
  else if (M == 61 && N == 67) transpose_blocked(M, N, A, B, 17);
  else transpose_blocked(M, N, A, B, 8);
}

void transpose_naive(int M, int N, const TracedMatrix& A, TracedMatrix& B) {
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < M; ++j) B.set(j, i, A.get(i, j));
}

}  // namespace cache_sim::reference
