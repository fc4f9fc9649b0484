// quantization: the interface of the lab.
//
// Formats, fp16 and the requantization rule are in quant_formats.hpp (given).
// Here are the operations, twice:
//   quant::reference  the reference solution and each named step of it
//   quant::student    yours: student/*.cpp (three TODOs)
// so the benchmark times both in one process and the tests hold both to the
// same answers.
//
// Conventions
//   - ggml block rows: k values, k a multiple of 32 (kQK); k / 32 blocks.
//   - Integer GEMM: C (M x N, int32) = A (M x K, uint8) * B (K x N, int8),
//     row-major with leading dimensions; every product and sum is exact in
//     int32 as long as K <= 65536 (255 * 128 * 65536 < 2^31).
//   - dot_u8s8(a, b, n) = sum a[i] * b[i], exact, for n <= 65536.
//   - requantize_row: out[j] = requantize_one(acc[j], r[j], zero_point, qmin,
//     qmax) (quant_formats.hpp), bit for bit; r has one entry per element
//     (per-tensor callers repeat one value), 0 <= qmin <= qmax <= 255.
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "quant_formats.hpp"

namespace quant {

// std::vector storage aligned to a cache line, so 64-byte vector loads of
// packed data never straddle two lines.
template <class T>
struct CacheAligned {
  using value_type = T;
  CacheAligned() = default;
  template <class U>
  CacheAligned(const CacheAligned<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(64))); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t(64)); }
  template <class U>
  bool operator==(const CacheAligned<U>&) const { return true; }
};

// B of the integer GEMM, packed once for the kernels (reference::pack_b).
// Panels of 16 columns; inside a panel, groups ("quads") of 4 consecutive k:
//   data[((p * kquads + q) * 16 + j) * 4 + r] = B[4q + r][16p + j]
// zero past K and past N. 64 bytes per (panel, quad): one AVX-512 register,
// exactly what one vpdpbusd multiplies with 4 broadcast bytes of a row of A.
struct PackedB {
  int K = 0, N = 0;
  int kquads = 0;   // ceil(K / 4)
  int panels = 0;   // ceil(N / 16)
  std::vector<std::int8_t, CacheAligned<std::int8_t>> data;
  std::vector<std::int32_t> col_sums;  // sum over k of B[k][j]: the zero-point correction
};

// Activation histogram for calibration: counts of |x| in `bins` equal bins
// over [0, range]; values beyond range count in the last bin.
struct Histogram {
  float range = 0;
  std::vector<std::uint64_t> counts;
  std::uint64_t total() const {
    std::uint64_t t = 0;
    for (auto c : counts) t += c;
    return t;
  }
  float bin_width() const { return counts.empty() ? 0.0f : range / static_cast<float>(counts.size()); }
};

namespace reference {

// ---- ggml block formats (reference/ggml_formats.cpp) -----------------------
// quantize_row_q8_0_scalar is ggml's quantize_row_q8_0_ref, rewritten; every
// other version must produce the same bytes. quantize_row_q8_0 dispatches.
void quantize_row_q8_0_scalar(const float* x, BlockQ8_0* y, std::int64_t k);
void quantize_row_q8_0_avx512(const float* x, BlockQ8_0* y, std::int64_t k);  // only when has_avx512()
void quantize_row_q8_0(const float* x, BlockQ8_0* y, std::int64_t k);
void quantize_row_q4_0(const float* x, BlockQ4_0* y, std::int64_t k);
void dequantize_row_q8_0(const BlockQ8_0* x, float* y, std::int64_t k);
void dequantize_row_q4_0(const BlockQ4_0* x, float* y, std::int64_t k);
// Dot products of a quantized weight row with a Q8_0 activation row, as ggml's
// vec_dot_*_q8_0: per block an exact integer sum, then
// sum += float(isum) * (fp16_to_fp32(x.d) * fp16_to_fp32(y.d)), blocks in order.
float vec_dot_q8_0_q8_0_scalar(std::int64_t k, const BlockQ8_0* x, const BlockQ8_0* y);
float vec_dot_q4_0_q8_0_scalar(std::int64_t k, const BlockQ4_0* x, const BlockQ8_0* y);
float vec_dot_q8_0_q8_0_avx2(std::int64_t k, const BlockQ8_0* x, const BlockQ8_0* y);  // only when has_avx2()
float vec_dot_q4_0_q8_0_avx2(std::int64_t k, const BlockQ4_0* x, const BlockQ8_0* y);
float vec_dot_q8_0_q8_0(std::int64_t k, const BlockQ8_0* x, const BlockQ8_0* y);  // dispatched
float vec_dot_q4_0_q8_0(std::int64_t k, const BlockQ4_0* x, const BlockQ8_0* y);

// ---- Affine schemes (reference/schemes.cpp) --------------------------------
// Symmetric int8 for a range [-amax, amax]: scale = amax / 127, zero point 0.
QuantParams choose_symmetric(float amax);
// Asymmetric uint8 for [lo, hi] (widened to include 0): scale = (hi - lo) / 255,
// zero_point = round(-lo / scale) clamped to [0, 255], so 0.0 is exact.
QuantParams choose_asymmetric(float lo, float hi);
// q = clamp(round(x / scale) + zero_point, qmin, qmax), round half away from zero.
void quantize_s8(const float* x, std::size_t n, QuantParams p, std::int8_t* q);   // [-127, 127]
void quantize_u8(const float* x, std::size_t n, QuantParams p, std::uint8_t* q);  // [0, 255]
void dequantize_s8(const std::int8_t* q, std::size_t n, QuantParams p, float* x);
void dequantize_u8(const std::uint8_t* q, std::size_t n, QuantParams p, float* x);
// Weights W (K x N, row-major; column j feeds output j) to symmetric int8:
// one scale for the whole tensor, or one per output channel (column).
// scales gets 1 or N entries.
void quantize_weights_per_tensor(int K, int N, const float* W, std::int8_t* Wq, std::vector<float>& scales);
void quantize_weights_per_channel(int K, int N, const float* W, std::int8_t* Wq, std::vector<float>& scales);

// ---- Requantization (reference/requantize.cpp) -----------------------------
void requantize_row_scalar(int n, const std::int32_t* acc, const Requant* r, std::int32_t zero_point,
                           std::int32_t qmin, std::int32_t qmax, std::uint8_t* out);
void requantize_row_avx512(int n, const std::int32_t* acc, const Requant* r, std::int32_t zero_point,
                           std::int32_t qmin, std::int32_t qmax, std::uint8_t* out);  // only when has_avx512()
void requantize_row(int n, const std::int32_t* acc, const Requant* r, std::int32_t zero_point, std::int32_t qmin,
                    std::int32_t qmax, std::uint8_t* out);  // dispatched

// ---- Calibration (reference/calibration.cpp) -------------------------------
Histogram make_histogram(float range, int bins = 2048);
void histogram_add(Histogram& h, const float* x, std::size_t n);
// Each returns the clipping threshold T: the range [0, T] (or [-T, T]) maps
// onto the integer grid.
float calibrate_minmax(const Histogram& h);                      // the largest value seen
float calibrate_percentile(const Histogram& h, double percentile);  // e.g. 99.99
// TensorRT's entropy calibration: the T that minimizes KL(P || Q), P the
// histogram clipped at T, Q the same quantized to `levels` levels and expanded.
float calibrate_entropy(const Histogram& h, int levels);

// ---- Integer dot products and GEMM (reference/int8_*.cpp) -------------------
bool has_avx2();         // AVX2 (capped by LABKIT_ISA)
bool has_avx512();       // AVX-512 F/BW/DQ/VL (capped by LABKIT_ISA)
bool has_avx512_vnni();  // has_avx512() and the CPU reports avx512_vnni (CPUID leaf 7, ECX bit 11)

std::int32_t dot_u8s8_scalar(const std::uint8_t* a, const std::int8_t* b, std::int64_t n);
std::int32_t dot_u8s8_avx2(const std::uint8_t* a, const std::int8_t* b, std::int64_t n);  // only when has_avx2()
std::int32_t dot_u8s8_vnni(const std::uint8_t* a, const std::int8_t* b, std::int64_t n);  // only when has_avx512_vnni()
std::int32_t dot_u8s8(const std::uint8_t* a, const std::int8_t* b, std::int64_t n);       // dispatched

PackedB pack_b(int K, int N, const std::int8_t* B, int ldb);
// pack_b's layout, with AVX-512 byte shuffles, into `into`'s storage (reused
// from call to call: no allocation once it is big enough); col_sums is left
// empty (the GEMM does not need it). Only when has_avx512_vnni().
void pack_b_vnni(int K, int N, const std::int8_t* B, int ldb, PackedB& into);
// The argument checks of pack_b: throws std::invalid_argument naming the bad one.
void check_pack_b_args(int K, int N, int ldb);
// Three loops over plain (unpacked) B, the yardstick.
void gemm_u8s8s32_scalar(int M, int N, int K, const std::uint8_t* A, int lda, const std::int8_t* B, int ldb,
                         std::int32_t* C, int ldc);
// On packed B: plain C++ (the compiler vectorizes it for the baseline ISA),
// AVX2 (vpmaddubsw, made exact by splitting A into 7 + 1 bits), AVX-512 VNNI
// (vpdpbusd). The last two only when has_avx2() / has_avx512_vnni().
void gemm_u8s8s32_portable(int M, const std::uint8_t* A, int lda, const PackedB& B, std::int32_t* C, int ldc);
void gemm_u8s8s32_avx2(int M, const std::uint8_t* A, int lda, const PackedB& B, std::int32_t* C, int ldc);
void gemm_u8s8s32_vnni(int M, const std::uint8_t* A, int lda, const PackedB& B, std::int32_t* C, int ldc);
// Dispatched: vnni, else avx2, else portable.
void gemm_u8s8s32_packed(int M, const std::uint8_t* A, int lda, const PackedB& B, std::int32_t* C, int ldc);
// Packs B, then gemm_u8s8s32_packed.
void gemm_u8s8s32(int M, int N, int K, const std::uint8_t* A, int lda, const std::int8_t* B, int ldb,
                  std::int32_t* C, int ldc);
// "vnni", "avx2" or "portable": what the dispatched kernels run here.
const char* dispatched_gemm();

}  // namespace reference

namespace student {
// TODO(1), student/q8_0.cpp: ggml's Q8_0 quantizer, byte for byte.
void quantize_row_q8_0(const float* x, BlockQ8_0* y, std::int64_t k);
// TODO(2), student/requantize.cpp: the requantization step, bit for bit.
void requantize_row(int n, const std::int32_t* acc, const Requant* r, std::int32_t zero_point, std::int32_t qmin,
                    std::int32_t qmax, std::uint8_t* out);
// TODO(3), student/dot_vnni.cpp: the u8 x s8 dot product with vpdpbusd.
// Dispatched: your VNNI kernel where the CPU has AVX-512 VNNI, else the given
// portable loop.
std::int32_t dot_u8s8(const std::uint8_t* a, const std::int8_t* b, std::int64_t n);
// Which one dot_u8s8 runs here: "vnni" or "portable".
const char* dot_u8s8_path();
}  // namespace student

}  // namespace quant
