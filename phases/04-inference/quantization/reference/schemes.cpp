// Affine quantization schemes (symmetric int8, asymmetric uint8, per tensor
// and per output channel), the scalar requantization step, and calibration
// from activation histograms (min-max, percentile, KL divergence).
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "quantization.hpp"

namespace quant::reference {

// ---------------------------------------------------------------------------
// Schemes

QuantParams choose_symmetric(float amax) {
  amax = std::fabs(amax);
  // An all-zero tensor still gets a usable (nonzero) scale.
  return {amax > 0.0f ? amax / 127.0f : 1.0f, 0};
}

QuantParams choose_asymmetric(float lo, float hi) {
  lo = std::min(lo, 0.0f);  // the range must contain 0, so that 0.0 (padding,
  hi = std::max(hi, 0.0f);  // ReLU's output) is represented exactly
  if (hi - lo <= 0.0f) return {1.0f, 0};
  const float scale = (hi - lo) / 255.0f;
  const long zp = std::lround(-lo / scale);
  return {scale, static_cast<std::int32_t>(std::clamp(zp, 0L, 255L))};
}

namespace {
template <class Q>
void quantize_affine(const float* x, std::size_t n, QuantParams p, Q* q, long qmin, long qmax) {
  const float inv = 1.0f / p.scale;
  for (std::size_t i = 0; i < n; ++i) {
    const long v = std::lround(x[i] * inv) + p.zero_point;  // lround: halves away from zero
    q[i] = static_cast<Q>(std::clamp(v, qmin, qmax));
  }
}
}  // namespace

void quantize_s8(const float* x, std::size_t n, QuantParams p, std::int8_t* q) { quantize_affine(x, n, p, q, -127, 127); }
void quantize_u8(const float* x, std::size_t n, QuantParams p, std::uint8_t* q) { quantize_affine(x, n, p, q, 0, 255); }
void dequantize_s8(const std::int8_t* q, std::size_t n, QuantParams p, float* x) {
  for (std::size_t i = 0; i < n; ++i) x[i] = p.scale * static_cast<float>(q[i] - p.zero_point);
}
void dequantize_u8(const std::uint8_t* q, std::size_t n, QuantParams p, float* x) {
  for (std::size_t i = 0; i < n; ++i) x[i] = p.scale * static_cast<float>(q[i] - p.zero_point);
}

void quantize_weights_per_tensor(int K, int N, const float* W, std::int8_t* Wq, std::vector<float>& scales) {
  float amax = 0.0f;
  for (std::size_t i = 0; i < static_cast<std::size_t>(K) * N; ++i) amax = std::max(amax, std::fabs(W[i]));
  const QuantParams p = choose_symmetric(amax);
  quantize_s8(W, static_cast<std::size_t>(K) * N, p, Wq);
  scales.assign(1, p.scale);
}

void quantize_weights_per_channel(int K, int N, const float* W, std::int8_t* Wq, std::vector<float>& scales) {
  // One scale per column: each output neuron's weights use the full int8
  // range, however small they are next to the other neurons'.
  scales.assign(N, 1.0f);
  for (int j = 0; j < N; ++j) {
    float amax = 0.0f;
    for (int k = 0; k < K; ++k) amax = std::max(amax, std::fabs(W[static_cast<std::size_t>(k) * N + j]));
    const QuantParams p = choose_symmetric(amax);
    scales[j] = p.scale;
    const float inv = 1.0f / p.scale;
    for (int k = 0; k < K; ++k) {
      const std::size_t at = static_cast<std::size_t>(k) * N + j;
      Wq[at] = static_cast<std::int8_t>(std::clamp(std::lround(W[at] * inv), -127L, 127L));
    }
  }
}

// ---------------------------------------------------------------------------
// Requantization: the definition in quant_formats.hpp, one element at a time.

void requantize_row_scalar(int n, const std::int32_t* acc, const Requant* r, std::int32_t zero_point,
                           std::int32_t qmin, std::int32_t qmax, std::uint8_t* out) {
  for (int j = 0; j < n; ++j) out[j] = static_cast<std::uint8_t>(requantize_one(acc[j], r[j], zero_point, qmin, qmax));
}

// ---------------------------------------------------------------------------
// Calibration

Histogram make_histogram(float range, int bins) {
  if (!(range > 0.0f) || !std::isfinite(range) || bins < 1)
    throw std::invalid_argument("make_histogram: need a finite range > 0 and at least one bin (range " +
                                std::to_string(range) + ", bins " + std::to_string(bins) + ")");
  Histogram h;
  h.range = range;
  h.counts.assign(bins, 0);
  return h;
}

void histogram_add(Histogram& h, const float* x, std::size_t n) {
  const int bins = static_cast<int>(h.counts.size());
  const float per_unit = static_cast<float>(bins) / h.range;
  for (std::size_t i = 0; i < n; ++i) {
    const float a = std::fabs(x[i]);
    int b = static_cast<int>(a * per_unit);
    if (!(a * per_unit < static_cast<float>(bins))) b = bins - 1;  // beyond the range, or NaN
    ++h.counts[b];
  }
}

float calibrate_minmax(const Histogram& h) {
  // The upper edge of the last nonempty bin: no value is clipped.
  for (int b = static_cast<int>(h.counts.size()) - 1; b >= 0; --b)
    if (h.counts[b]) return static_cast<float>(b + 1) * h.bin_width();
  return h.range;
}

float calibrate_percentile(const Histogram& h, double percentile) {
  const std::uint64_t total = h.total();
  if (total == 0) return h.range;
  const double keep = std::clamp(percentile, 0.0, 100.0) / 100.0 * static_cast<double>(total);
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < h.counts.size(); ++b) {
    seen += h.counts[b];
    if (static_cast<double>(seen) >= keep) return static_cast<float>(b + 1) * h.bin_width();
  }
  return h.range;
}

namespace {

// Scales the first n entries to sum 1, then gives every empty bin a small
// probability eps taken evenly from the others (as MXNet's calibration does):
// a bin that P has and Q lacks would otherwise make KL(P || Q) infinite. A
// hard floor like 1e-12 instead would let the handful of clipped outliers
// folded into one empty bin outweigh everything else. False if all are zero.
bool normalize_and_smooth(std::vector<double>& d, int n) {
  constexpr double eps = 1e-4;
  double sum = 0;
  int zeros = 0;
  for (int b = 0; b < n; ++b) {
    sum += d[b];
    zeros += d[b] == 0;
  }
  if (sum <= 0) return false;
  const int nonzeros = n - zeros;
  const double take = zeros ? eps * zeros / nonzeros : 0.0;
  for (int b = 0; b < n; ++b) {
    d[b] /= sum;
    d[b] = d[b] == 0 ? eps : std::max(d[b] - take, 0.5 * d[b]);  // never below half its own mass
  }
  return true;
}

}  // namespace

float calibrate_entropy(const Histogram& h, int levels) {
  // TensorRT's entropy calibration (Migacz, "8-bit Inference with TensorRT",
  // GTC 2017). For each candidate threshold i bins wide:
  //   P = the first i bins, with everything beyond folded into bin i-1
  //       (that is what clipping at the threshold does to the values);
  //   Q = the first i bins merged into `levels` groups (what the integer grid
  //       can tell apart), each group's count spread evenly back over its
  //       nonempty bins;
  //   choose the i with the smallest KL(P || Q) = sum P log(P / Q).
  const int bins = static_cast<int>(h.counts.size());
  if (bins <= levels) return h.range;
  double best_kl = std::numeric_limits<double>::infinity();
  int best_i = bins;
  std::vector<double> p(bins), q(bins);
  for (int i = levels; i <= bins; ++i) {
    double outliers = 0;
    for (int b = i; b < bins; ++b) outliers += static_cast<double>(h.counts[b]);
    for (int b = 0; b < i; ++b) p[b] = static_cast<double>(h.counts[b]);
    p[i - 1] += outliers;
    // Merge the first i bins (without the outliers) into `levels` groups.
    for (int g = 0; g < levels; ++g) {
      const int start = static_cast<int>(static_cast<long long>(g) * i / levels);
      const int stop = static_cast<int>(static_cast<long long>(g + 1) * i / levels);
      double sum = 0;
      int nonzero = 0;
      for (int b = start; b < stop; ++b) {
        sum += static_cast<double>(h.counts[b]);
        nonzero += h.counts[b] != 0;
      }
      for (int b = start; b < stop; ++b) q[b] = (h.counts[b] != 0 && nonzero) ? sum / nonzero : 0.0;
    }
    if (!normalize_and_smooth(p, i) || !normalize_and_smooth(q, i)) continue;
    double kl = 0;
    for (int b = 0; b < i; ++b)
      if (p[b] > 0) kl += p[b] * std::log(p[b] / q[b]);
    if (kl < best_kl) {
      best_kl = kl;
      best_i = i;
    }
  }
  return static_cast<float>(best_i) * h.bin_width();
}

}  // namespace quant::reference
