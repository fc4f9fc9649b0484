// ggml's Q8_0 and Q4_0 block formats, scalar: the reference every other
// version is compared with, byte for byte. Written from the definitions in
// ggml's ggml-quants.c (quantize_row_q8_0_ref, quantize_row_q4_0_ref,
// dequantize_row_*, ggml_vec_dot_*_q8_0's generic path); the order of every
// float operation is the same as there, so the bytes are the same.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "quantization.hpp"

namespace quant::reference {
namespace {

void require_blocks(std::int64_t k, const char* who) {
  if (k < 0 || k % kQK != 0)
    throw std::invalid_argument(std::string(who) + ": k = " + std::to_string(k) +
                                " is not a multiple of 32 (one ggml block)");
}

}  // namespace

void quantize_row_q8_0_scalar(const float* x, BlockQ8_0* y, std::int64_t k) {
  require_blocks(k, "quantize_row_q8_0");
  const std::int64_t nb = k / kQK;
  for (std::int64_t i = 0; i < nb; ++i) {
    const float* xb = x + i * kQK;
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) {
      const float a = std::fabs(xb[j]);
      amax = amax > a ? amax : a;  // ggml's MAX(amax, fabsf(v))
    }
    // d = amax / 127 in float; the values are divided by it through its
    // reciprocal, as ggml does (x * (1/d) is not always x / d).
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    for (int j = 0; j < kQK; ++j) y[i].qs[j] = static_cast<std::int8_t>(std::roundf(xb[j] * id));
  }
}

void quantize_row_q4_0(const float* x, BlockQ4_0* y, std::int64_t k) {
  require_blocks(k, "quantize_row_q4_0");
  const std::int64_t nb = k / kQK;
  for (std::int64_t i = 0; i < nb; ++i) {
    const float* xb = x + i * kQK;
    // The value of largest magnitude, with its sign (the first one on ties).
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < kQK; ++j) {
      if (amax < std::fabs(xb[j])) {
        amax = std::fabs(xb[j]);
        max = xb[j];
      }
    }
    // d = max / -8 maps that value to exactly -8, the end of the 4-bit range
    // [-8, 7] that has room for it; the other side reaches only 7 * |d|.
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    for (int j = 0; j < kQK / 2; ++j) {
      const float x0 = xb[j] * id;
      const float x1 = xb[kQK / 2 + j] * id;
      // + 8.5 then truncation: round half up into [0, 16], capped at 15.
      const int q0 = std::min(15, static_cast<int>(static_cast<std::int8_t>(x0 + 8.5f)));
      const int q1 = std::min(15, static_cast<int>(static_cast<std::int8_t>(x1 + 8.5f)));
      y[i].qs[j] = static_cast<std::uint8_t>(q0 | (q1 << 4));
    }
  }
}

void dequantize_row_q8_0(const BlockQ8_0* x, float* y, std::int64_t k) {
  require_blocks(k, "dequantize_row_q8_0");
  const std::int64_t nb = k / kQK;
  for (std::int64_t i = 0; i < nb; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < kQK; ++j) y[i * kQK + j] = x[i].qs[j] * d;
  }
}

void dequantize_row_q4_0(const BlockQ4_0* x, float* y, std::int64_t k) {
  require_blocks(k, "dequantize_row_q4_0");
  const std::int64_t nb = k / kQK;
  for (std::int64_t i = 0; i < nb; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < kQK / 2; ++j) {
      const int x0 = (x[i].qs[j] & 0x0F) - 8;
      const int x1 = (x[i].qs[j] >> 4) - 8;
      y[i * kQK + j] = x0 * d;
      y[i * kQK + j + kQK / 2] = x1 * d;
    }
  }
}

float vec_dot_q8_0_q8_0_scalar(std::int64_t k, const BlockQ8_0* x, const BlockQ8_0* y) {
  require_blocks(k, "vec_dot_q8_0_q8_0");
  float sum = 0.0f;
  for (std::int64_t i = 0; i < k / kQK; ++i) {
    int isum = 0;
    for (int j = 0; j < kQK; ++j) isum += x[i].qs[j] * y[i].qs[j];
    sum += static_cast<float>(isum) * (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d));
  }
  return sum;
}

float vec_dot_q4_0_q8_0_scalar(std::int64_t k, const BlockQ4_0* x, const BlockQ8_0* y) {
  require_blocks(k, "vec_dot_q4_0_q8_0");
  float sum = 0.0f;
  for (std::int64_t i = 0; i < k / kQK; ++i) {
    int isum = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const int v0 = (x[i].qs[j] & 0x0F) - 8;
      const int v1 = (x[i].qs[j] >> 4) - 8;
      isum += v0 * y[i].qs[j] + v1 * y[i].qs[j + kQK / 2];
    }
    sum += static_cast<float>(isum) * (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d));
  }
  return sum;
}

}  // namespace quant::reference
