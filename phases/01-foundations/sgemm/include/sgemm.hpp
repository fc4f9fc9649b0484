// sgemm: the interface of the lab.
//
//   sgemm(M, N, K, A, lda, B, ldb, C, ldc)   C = A * B   (2*M*N*K flops)
//
// Row-major, single precision. A is M x K, B is K x N, C is M x N; element
// (i, j) of A is A[i * lda + j], and likewise for B (ldb) and C (ldc), with
// lda >= K, ldb >= N, ldc >= N. C is overwritten: its old contents are never
// read (it may hold NaN), and nothing outside its M x N elements is written
// (columns N..ldc-1 of each row belong to someone else). M, N or K may be 0:
// then C is left alone (M or N is 0) or set to zero (K is 0). Pointers need no
// particular alignment.
//
// sgemm_threaded(..., threads) computes the same on `threads` threads (a
// value below 1 counts as 1).
//
// Every implementation lives in its own namespace so baselines, the
// reference and your code run side by side in one benchmark process:
//   sgemm::reference  the reference solution and every step of its ladder
//   sgemm::student    yours: student/sgemm.cpp
#pragma once
#include <string>

namespace sgemm {

namespace reference {
// Dispatched: the packed micro-kernel for the widest ISA this CPU runs
// (AVX-512, else AVX2 + FMA, else portable C++), on the calling thread.
void sgemm(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
// The same kernel on `threads` threads (OpenMP: sgemm_openmp).
void sgemm_threaded(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                    int threads);
// Which micro-kernel sgemm() dispatches to: "avx512", "avx2" or "portable".
const char* dispatched_step();
// Its cache blocks and why: "MC 96, KC 1024, NC 4096 (512-bit FMAs at full
// width, measured; L2 1024 KiB)". The AVX-512 kernel picks them from what it
// measures of the machine (reference/microkernel_avx512.cpp).
std::string dispatched_blocks();

// The ladder, one named function per step (README.md explains each).
// 1. Three loops, i-j-k: a dot product per element of C. The baseline.
void sgemm_naive(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
// 2. The same loops in i-k-j order: the inner loop walks rows of B and C.
void sgemm_ikj(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
// 3. i-k-j on cache-sized blocks of A, B and C.
void sgemm_blocked(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
// 4. Panels of A and B packed into contiguous buffers, then a register-blocked
//    micro-kernel in portable C++ (the compiler vectorizes it for the baseline ISA).
void sgemm_packed(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
// 5. The packed GEMM with an AVX2 + FMA micro-kernel (6 x 16 register tile).
//    Only call when has_avx2().
bool has_avx2();
void sgemm_microkernel_avx2(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
// 6. The packed GEMM with an AVX-512 micro-kernel (12 x 32 register tile).
//    Only call when has_avx512().
bool has_avx512();
void sgemm_microkernel_avx512(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                              int ldc);
// 7. The dispatched micro-kernel on several threads: blocks of rows of C are
//    shared out, each thread packs its own A, all share one packed B.
void sgemm_openmp(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                  int threads);
void sgemm_tbb(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
               int threads);
}  // namespace reference

namespace student {
// Your fastest one-thread version (the starter calls sgemm_packed).
void sgemm(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
// Your parallel version: TODO(4).
void sgemm_threaded(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                    int threads);
// The steps you write, tested and graded one by one.
// Cache blocking: TODO(1).
void sgemm_blocked(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
// Packing and the AVX2 micro-kernel: TODO(2) and TODO(3).
void sgemm_packed(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
}  // namespace student

}  // namespace sgemm
