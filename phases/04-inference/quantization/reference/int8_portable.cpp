// Integer kernels in plain C++ (the scalar yardsticks, packing, the portable
// GEMM) and the run-time dispatch of every kernel of the lab.
#include <labkit/cpu.hpp>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "quantization.hpp"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <cpuid.h>
#endif

namespace quant::reference {

// Compiled in int8_vnni.cpp / avx512.cpp / int8_avx2.cpp: false when this
// compiler could not build that file's kernels.
bool vnni_kernels_compiled();
bool avx512_kernels_compiled();
bool avx2_kernels_compiled();

namespace {

// CPUID leaf 7, sub-leaf 0, ECX bit 11: AVX512_VNNI (Intel SDM vol. 2A,
// "CPUID"). The OS support for the 512-bit register state is part of
// has_avx512() (labkit checks XCR0 through the compiler's cpu_supports).
bool cpuid_avx512_vnni() {
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  return (ecx >> 11) & 1u;
#else
  return false;
#endif
}

}  // namespace

bool has_avx2() { return avx2_kernels_compiled() && labkit::best_isa() >= labkit::Isa::avx2; }
bool has_avx512() { return avx512_kernels_compiled() && labkit::best_isa() == labkit::Isa::avx512; }
bool has_avx512_vnni() {
  static const bool cpu = cpuid_avx512_vnni();
  return cpu && vnni_kernels_compiled() && has_avx512();
}

// ---------------------------------------------------------------------------
// Scalar yardsticks. GCC would vectorize these loops on its own; the
// attribute keeps them one element at a time, so "scalar" means scalar.
#if defined(__GNUC__) && !defined(__clang__)
#define QUANT_NO_VECTORIZE __attribute__((optimize("no-tree-vectorize")))
#else
#define QUANT_NO_VECTORIZE
#endif

QUANT_NO_VECTORIZE std::int32_t dot_u8s8_scalar(const std::uint8_t* a, const std::int8_t* b, std::int64_t n) {
  std::int32_t sum = 0;
  for (std::int64_t i = 0; i < n; ++i) sum += static_cast<std::int32_t>(a[i]) * b[i];
  return sum;
}

QUANT_NO_VECTORIZE void gemm_u8s8s32_scalar(int M, int N, int K, const std::uint8_t* A, int lda, const std::int8_t* B,
                                            int ldb, std::int32_t* C, int ldc) {
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      std::int32_t sum = 0;
      for (int k = 0; k < K; ++k)
        sum += static_cast<std::int32_t>(A[static_cast<std::ptrdiff_t>(i) * lda + k]) *
               B[static_cast<std::ptrdiff_t>(k) * ldb + j];
      C[static_cast<std::ptrdiff_t>(i) * ldc + j] = sum;
    }
}

// ---------------------------------------------------------------------------
// Packing B (layout: quantization.hpp, PackedB)

void check_pack_b_args(int K, int N, int ldb) {
  if (K < 0 || N < 0 || (N > 0 && ldb < N))
    throw std::invalid_argument("pack_b: need K, N >= 0 and ldb >= N (K " + std::to_string(K) + ", N " +
                                std::to_string(N) + ", ldb " + std::to_string(ldb) + ")");
  if (K > 65536) throw std::invalid_argument("pack_b: K = " + std::to_string(K) + " > 65536 could overflow int32");
}

PackedB pack_b(int K, int N, const std::int8_t* B, int ldb) {
  check_pack_b_args(K, N, ldb);
  PackedB p;
  p.K = K;
  p.N = N;
  p.kquads = (K + 3) / 4;
  p.panels = (N + 15) / 16;
  p.data.assign(static_cast<std::size_t>(p.panels) * p.kquads * 64, 0);
  p.col_sums.assign(N, 0);
  // Writes in order: for each quad of rows of B and each panel, one 64-byte
  // group, a 4 x 16 transpose of bytes (4 row pointers, zero rows past K).
  const std::int8_t zeros[16] = {};
  for (int q = 0; q < p.kquads; ++q) {
    const std::int8_t* rows[4];
    for (int r = 0; r < 4; ++r) rows[r] = 4 * q + r < K ? B + static_cast<std::ptrdiff_t>(4 * q + r) * ldb : nullptr;
    for (int panel = 0; panel < p.panels; ++panel) {
      std::int8_t* out = p.data.data() + (static_cast<std::size_t>(panel) * p.kquads + q) * 64;
      const int n0 = 16 * panel, cols = std::min(16, N - n0);
      std::int8_t tile[4][16];
      for (int r = 0; r < 4; ++r) {
        std::memcpy(tile[r], zeros, 16);
        if (rows[r]) std::memcpy(tile[r], rows[r] + n0, cols);
      }
      for (int j = 0; j < 16; ++j)
        for (int r = 0; r < 4; ++r) out[4 * j + r] = tile[r][j];
    }
  }
  for (int k = 0; k < K; ++k) {
    const std::int8_t* row = B + static_cast<std::ptrdiff_t>(k) * ldb;
    for (int n = 0; n < N; ++n) p.col_sums[n] += row[n];
  }
  return p;
}

// ---------------------------------------------------------------------------
// The portable GEMM on packed B, for CPUs without AVX2 (and Arm). Per row of A
// and panel of B, 64 int32 partial sums, one per byte of a 64-byte (quad,
// panel) group: sums[4j + r] += a[4q + r] * b[4j + r]. The 4 bytes of A are
// repeated 16 times so that both operands are contiguous, which is what lets
// the compiler vectorize the loop (SSE2 on x86-64, NEON on Arm); at the end
// column j is sums[4j] + ... + sums[4j + 3].

void gemm_u8s8s32_portable(int M, const std::uint8_t* A, int lda, const PackedB& B, std::int32_t* C, int ldc) {
  for (int i = 0; i < M; ++i) {
    const std::uint8_t* row = A + static_cast<std::ptrdiff_t>(i) * lda;
    for (int p = 0; p < B.panels; ++p) {
      std::int32_t sums[64] = {};
      const std::int8_t* panel = B.data.data() + static_cast<std::size_t>(p) * B.kquads * 64;
      for (int q = 0; q < B.kquads; ++q) {
        std::uint8_t quad[4] = {0, 0, 0, 0};
        for (int r = 0; r < 4 && 4 * q + r < B.K; ++r) quad[r] = row[4 * q + r];
        std::uint8_t a[64];
        for (int t = 0; t < 64; t += 4) std::memcpy(a + t, quad, 4);
        const std::int8_t* b = panel + static_cast<std::size_t>(q) * 64;
        for (int t = 0; t < 64; ++t) sums[t] += static_cast<std::int16_t>(a[t]) * static_cast<std::int16_t>(b[t]);
      }
      const int cols = std::min(16, B.N - 16 * p);
      std::int32_t* c = C + static_cast<std::ptrdiff_t>(i) * ldc + 16 * p;
      for (int j = 0; j < cols; ++j) c[j] = sums[4 * j] + sums[4 * j + 1] + sums[4 * j + 2] + sums[4 * j + 3];
    }
  }
}

// ---------------------------------------------------------------------------
// Dispatch: the widest kernel this CPU (and LABKIT_ISA) allows.

std::int32_t dot_u8s8(const std::uint8_t* a, const std::int8_t* b, std::int64_t n) {
  if (has_avx512_vnni()) return dot_u8s8_vnni(a, b, n);
  if (has_avx2()) return dot_u8s8_avx2(a, b, n);
  return dot_u8s8_scalar(a, b, n);
}

void gemm_u8s8s32_packed(int M, const std::uint8_t* A, int lda, const PackedB& B, std::int32_t* C, int ldc) {
  if (M <= 0 || B.N <= 0) return;
  if (has_avx512_vnni()) return gemm_u8s8s32_vnni(M, A, lda, B, C, ldc);
  if (has_avx2()) return gemm_u8s8s32_avx2(M, A, lda, B, C, ldc);
  gemm_u8s8s32_portable(M, A, lda, B, C, ldc);
}

void gemm_u8s8s32(int M, int N, int K, const std::uint8_t* A, int lda, const std::int8_t* B, int ldb,
                  std::int32_t* C, int ldc) {
  if (M <= 0 || N <= 0) return;
  if (has_avx512_vnni()) {
    // Packing B is part of every call: do it with vector shuffles, into a
    // buffer this thread keeps, so that a call costs no allocation and no
    // page faults (about 15% of a call at n = 1024 with pack_b).
    thread_local PackedB packed;
    pack_b_vnni(K, N, B, ldb, packed);
    return gemm_u8s8s32_vnni(M, A, lda, packed, C, ldc);
  }
  const PackedB packed = pack_b(K, N, B, ldb);
  gemm_u8s8s32_packed(M, A, lda, packed, C, ldc);
}

const char* dispatched_gemm() {
  if (has_avx512_vnni()) return "vnni";
  if (has_avx2()) return "avx2";
  return "portable";
}

void quantize_row_q8_0(const float* x, BlockQ8_0* y, std::int64_t k) {
  if (has_avx512()) return quantize_row_q8_0_avx512(x, y, k);
  quantize_row_q8_0_scalar(x, y, k);
}

void requantize_row(int n, const std::int32_t* acc, const Requant* r, std::int32_t zero_point, std::int32_t qmin,
                    std::int32_t qmax, std::uint8_t* out) {
  if (has_avx512()) return requantize_row_avx512(n, acc, r, zero_point, qmin, qmax, out);
  requantize_row_scalar(n, acc, r, zero_point, qmin, qmax, out);
}

float vec_dot_q8_0_q8_0(std::int64_t k, const BlockQ8_0* x, const BlockQ8_0* y) {
  if (has_avx2()) return vec_dot_q8_0_q8_0_avx2(k, x, y);
  return vec_dot_q8_0_q8_0_scalar(k, x, y);
}

float vec_dot_q4_0_q8_0(std::int64_t k, const BlockQ4_0* x, const BlockQ8_0* y) {
  if (has_avx2()) return vec_dot_q4_0_q8_0_avx2(k, x, y);
  return vec_dot_q4_0_q8_0_scalar(k, x, y);
}

}  // namespace quant::reference
