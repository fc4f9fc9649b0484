// quant_formats.hpp: the data formats of the quantization lab, shared by the
// reference, your code, the tests and the tools (everything here is given).
//
//   fp16            IEEE binary16 <-> float, rounding to nearest, ties to even
//                   (what ggml's GGML_FP32_TO_FP16 and the F16C instruction do)
//   BlockQ8_0       ggml's block_q8_0: an fp16 scale d, then 32 int8 values;
//                   value j = d * qs[j]                                (34 bytes)
//   BlockQ4_0       ggml's block_q4_0: an fp16 scale d, then 16 bytes holding
//                   32 4-bit values: byte j has element j in its low nibble and
//                   element j + 16 in its high nibble; value = d * (nibble - 8)
//                                                                      (18 bytes)
//   QuantParams     the affine map real = scale * (q - zero_point)
//   Requant         a real multiplier as a 31-bit fixed-point integer and a
//                   shift, so int32 accumulators are rescaled in integers only
//
// The block structs have exactly ggml's layout (no padding, little-endian),
// so an array of them written to disk is byte for byte what ggml writes.
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace quant {

// ---------------------------------------------------------------------------
// fp16

// float -> binary16, round to nearest, ties to even. NaN becomes a quiet NaN
// (0x7E00 with the sign), values from 65520 up become infinity, values below
// 2^-24 / 2 become zero: the same bits as x86's vcvtps2ph with rounding mode 0.
inline std::uint16_t fp32_to_fp16(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  const std::uint32_t ax = x & 0x7FFFFFFFu;
  if (ax > 0x7F800000u) return sign | 0x7E00u;   // NaN
  if (ax >= 0x47800000u) return sign | 0x7C00u;  // >= 2^16 (or inf): infinity
  if (ax < 0x38800000u) {
    // Below 2^-14, the smallest normal half: a subnormal half counts in units
    // of 2^-24. Scaling by 2^24 is exact, and nearbyint rounds ties to even in
    // the default rounding mode. A result of 1024 is the smallest normal half,
    // whose bits are exactly 0x0400: the carry lands in the exponent by itself.
    const float units = std::nearbyint(std::bit_cast<float>(ax) * 0x1p24f);
    return sign | static_cast<std::uint16_t>(units);
  }
  // Normal: rebias the exponent (127 -> 15, i.e. subtract 112 << 23) and keep
  // the top 10 of 23 mantissa bits, rounding the 13 dropped bits to nearest
  // even: add 0xFFF plus the lowest kept bit, then shift. A carry out of the
  // mantissa increments the exponent, and at the top gives 0x7C00 = infinity.
  const std::uint32_t odd = (ax >> 13) & 1u;
  const std::uint32_t rounded = ax - (112u << 23) + 0xFFFu + odd;
  return sign | static_cast<std::uint16_t>(rounded >> 13);
}

// binary16 -> float: exact (every half is a float).
inline float fp16_to_fp32(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t e = (h >> 10) & 0x1Fu, m = h & 0x3FFu;
  if (e == 0) {  // zero or subnormal: m * 2^-24
    const float v = static_cast<float>(m) * 0x1p-24f;
    return sign ? -v : v;
  }
  if (e == 31) return std::bit_cast<float>(sign | 0x7F800000u | (m << 13));  // inf, NaN
  return std::bit_cast<float>(sign | ((e + 112u) << 23) | (m << 13));
}

// ---------------------------------------------------------------------------
// ggml's block formats

inline constexpr int kQK = 32;  // values per block, QK8_0 = QK4_0 = 32 in ggml

struct BlockQ8_0 {
  std::uint16_t d;          // fp16 scale: amax / 127
  std::int8_t qs[kQK];      // round(x / d), halves away from zero
};
struct BlockQ4_0 {
  std::uint16_t d;          // fp16 scale: (the value of largest magnitude) / -8
  std::uint8_t qs[kQK / 2]; // low nibble: element j, high nibble: element j + 16
};
static_assert(sizeof(BlockQ8_0) == 34, "block_q8_0 is 2 + 32 bytes in ggml");
static_assert(sizeof(BlockQ4_0) == 18, "block_q4_0 is 2 + 16 bytes in ggml");

// ---------------------------------------------------------------------------
// Affine quantization: real = scale * (q - zero_point).
//   symmetric int8:  zero_point = 0, q in [-127, 127] (we never use -128, so
//                    the range is symmetric and -q never overflows)
//   asymmetric uint8: q in [0, 255], zero_point in [0, 255] is the q of 0.0
struct QuantParams {
  float scale = 1.0f;
  std::int32_t zero_point = 0;
};

// ---------------------------------------------------------------------------
// Requantization: int32 accumulator -> 8-bit output, in integers only.
//
// A real multiplier M (e.g. scale_in * scale_w / scale_out, in (0, 1) in
// practice) is stored as M = multiplier * 2^-(31 + shift), multiplier in
// [2^30, 2^31). Requantizing an accumulator acc is then
//
//   total   = 31 + shift                           (1 .. 62)
//   scaled  = (acc * multiplier + 2^(total-1)) >> total     in 64-bit integers;
//             the shift is arithmetic (floor), so this is round(acc * M) with
//             halves rounded toward +infinity
//   out     = clamp(scaled + zero_point, qmin, qmax)          (saturation)
//
// Every kernel of this lab, scalar or SIMD, must produce exactly these bits.
struct Requant {
  std::int32_t multiplier = 0;  // 0 means M = 0
  std::int32_t shift = 0;       // -30 .. 31
};

// The nearest (multiplier, shift) to a real M >= 0. Throws for M < 0, NaN,
// or M outside [2^-32, 2^30).
inline Requant make_requant(double M) {
  if (!(M >= 0.0) || !std::isfinite(M))
    throw std::invalid_argument("make_requant: the multiplier must be finite and >= 0, got " + std::to_string(M));
  if (M == 0.0) return {0, 0};
  int e = 0;
  const double f = std::frexp(M, &e);  // M = f * 2^e, f in [0.5, 1)
  std::int64_t m = std::llround(f * 2147483648.0);  // f * 2^31, in [2^30, 2^31]
  if (m == (std::int64_t{1} << 31)) {
    m >>= 1;
    ++e;
  }
  const int shift = -e;  // M = m * 2^(e - 31) = m * 2^-(31 + shift)
  if (31 + shift < 1 || 31 + shift > 62)
    throw std::invalid_argument("make_requant: multiplier " + std::to_string(M) + " is out of range [2^-32, 2^30)");
  return {static_cast<std::int32_t>(m), shift};
}

// The plain definition above, one value: the yardstick for every kernel.
inline std::int32_t requantize_one(std::int32_t acc, Requant r, std::int32_t zero_point, std::int32_t qmin,
                                   std::int32_t qmax) {
  const int total = 31 + r.shift;
  const std::int64_t prod = static_cast<std::int64_t>(acc) * r.multiplier;
  const std::int64_t scaled = (prod + (std::int64_t{1} << (total - 1))) >> total;
  std::int64_t out = scaled + zero_point;
  if (out < qmin) out = qmin;
  if (out > qmax) out = qmax;
  return static_cast<std::int32_t>(out);
}

}  // namespace quant
