// Internal to the reference: the pieces every packed step shares (steps 4-7).
//
// A packed GEMM is one set of loops (packed_gemm.cpp) around three routines
// that depend on the register tile, and so on the instruction set: packing a
// block of A, packing a panel of B, and the macro-kernel that sweeps a
// micro-kernel over them. Each ISA's file (packed.cpp, microkernel_avx2.cpp,
// microkernel_avx512.cpp) fills in a Kernel with its own, so the loops and
// the threading (openmp.cpp, tbb.cpp) are written once.
#pragma once
#include <cstddef>
#include <cstdint>

namespace sgemm::reference::detail {

struct Kernel {
  const char* name;
  int mr, nr;      // register tile: MR rows x NR columns of C live in registers
  int mc, kc, nc;  // cache blocks: packed A block MC x KC (L2), packed B panel KC x NC (L3),
                   // one B sliver KC x NR (L1); MC is a multiple of MR
  // Copies the mc x kc block of A at A (leading dimension lda) into Ap as
  // ceil(mc / MR) slivers of MR rows, column by column, zero-padded to MR rows.
  void (*pack_a)(int mc, int kc, const float* A, int lda, float* Ap);
  // Copies the kc x nc panel of B into Bp as ceil(nc / NR) slivers of NR
  // columns, row by row, zero-padded to NR columns.
  void (*pack_b)(int kc, int nc, const float* B, int ldb, float* Bp);
  // C (mc x nc, leading dimension ldc) = Ap * Bp, or += when accumulate.
  void (*macro_kernel)(int mc, int nc, int kc, const float* Ap, const float* Bp, float* C, int ldc,
                       bool accumulate);
};

// The AVX-512 kernel's cache blocks, and what chose them
// (microkernel_avx512.cpp): whether 512-bit FMAs run at full width here, as
// measured, and the L2 size labkit found (0: unknown).
struct Blocks {
  int mc = 0, kc = 0;
  bool full_width = false;
  std::uint64_t l2_bytes = 0;
};
Blocks avx512_blocks();

const Kernel& portable_kernel();
const Kernel& avx2_kernel();    // the portable one where the build has no AVX2
const Kernel& avx512_kernel();  // the portable one where the build has no AVX-512
const Kernel& dispatched_kernel();

// Handles the shapes with nothing to multiply: M or N is 0 (C untouched) or
// K is 0 (C = 0). Returns true when it did, so the caller returns.
bool trivial_shape(int M, int N, int K, float* C, int ldc);

// C = A * B with `kernel`, on the calling thread.
void packed_gemm(const Kernel& kernel, int M, int N, int K, const float* A, int lda, const float* B, int ldb,
                 float* C, int ldc);

// Per-thread packing buffers, 64-byte aligned, kept between calls (a fresh
// multi-megabyte allocation costs page faults on every call). Slot a holds a
// packed A block, slot b a packed B panel.
enum class Slot { a = 0, b = 1 };
float* workspace(Slot slot, std::size_t floats);

// How the threaded versions share out rows of C: `count` blocks of `height`
// rows (a multiple of MR, at most MC), a multiple of `threads` blocks when
// there are enough rows, so every thread gets the same amount of work.
struct RowBlocks {
  int height, count;
};
RowBlocks split_rows(const Kernel& kernel, int M, int threads);

// Below about 64^3 multiply-adds (a few microseconds of work), waking a
// second thread and synchronizing with it costs more than it saves.
namespace {
inline bool small_problem(int M, int N, int K) { return static_cast<double>(M) * N * K < 64.0 * 64.0 * 64.0; }
}  // namespace

// Small helpers with internal linkage (an unnamed namespace): a file compiled
// with AVX-512 flags must not export a copy that the linker could hand to
// the portable files (see packing.hpp).
namespace {
inline int round_up(int x, int multiple) { return (x + multiple - 1) / multiple * multiple; }
inline int min_int(int a, int b) { return a < b ? a : b; }
}  // namespace

}  // namespace sgemm::reference::detail
