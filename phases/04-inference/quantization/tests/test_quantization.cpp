// Tests of what you write, built twice: against the reference and against
// student/ (LABKIT_IMPL picks the namespace). Every check is exact (bytes,
// integers), except the stated error bounds of Q8_0.
//
//   Q8_0.*     TODO(1): quantize_row_q8_0, byte for byte ggml's
//   Requant.*  TODO(2): requantize_row, bit for bit the definition
//   Dot.*      TODO(3): dot_u8s8, the exact integer sum
#include <gtest/gtest.h>
#include <labkit/check_gtest.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "quantization.hpp"
#include "test_support.hpp"

namespace impl = quant::LABKIT_IMPL;
using namespace quant;
using namespace quant::test;

namespace {

std::string hex_bytes(const std::uint8_t* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) s += ' ';
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

// "" when equal, else where the first difference is.
template <class Block>
std::string compare_blocks(const std::vector<Block>& got, const std::vector<Block>& want) {
  const auto g = bytes_of(got), w = bytes_of(want);
  for (std::size_t i = 0; i < g.size(); ++i)
    if (g[i] != w[i]) {
      const std::size_t b = i / sizeof(Block);
      return "first difference in block " + std::to_string(b) + " at byte " + std::to_string(i % sizeof(Block)) +
             "\n  got:      " + hex_bytes(g.data() + b * sizeof(Block), sizeof(Block)) +
             "\n  expected: " + hex_bytes(w.data() + b * sizeof(Block), sizeof(Block));
    }
  return "";
}

}  // namespace

// ---------------------------------------------------------------------------
// TODO(1): Q8_0

TEST(Q8_0, KnownVectorScaleOne) {
  // amax = 127, so d = 127 / 127 = 1.0 exactly: fp16 0x3C00, stored
  // little-endian as 00 3c; id = 1, and qs = roundf(x), halves away from 0:
  //   127 -> 7f   -2.5 -> -3 = fd   2.5 -> 03   0.5 -> 01   -0.5 -> -1 = ff
  //   1.4999999 (the float below 1.5) -> 01   -126.5 -> -127 = 81   100.25 -> 64
  std::vector<float> x(32, 0.0f);
  const float v[] = {127.0f, -2.5f, 2.5f, 0.5f, -0.5f, 1.4999999f, -126.5f, 100.25f};
  std::copy(std::begin(v), std::end(v), x.begin());
  std::vector<BlockQ8_0> y(1);
  impl::quantize_row_q8_0(x.data(), y.data(), 32);
  const std::uint8_t expected[34] = {0x00, 0x3c, 0x7f, 0xfd, 0x03, 0x01, 0xff, 0x01, 0x81, 0x64};  // then 24 zeros
  EXPECT_EQ(hex_bytes(reinterpret_cast<const std::uint8_t*>(y.data()), 34), hex_bytes(expected, 34));
}

TEST(Q8_0, KnownVectorScaleOneOver127) {
  // amax = 1: d = 1 / 127 = 0.0078740157 in float (0x1.020408p-7). As fp16:
  // exponent -7 (biased 8), mantissa 0.0078740157 * 2^7 - 1 = 0.00787 -> 8.06
  // / 1024 rounds to 8: bits 0 01000 0000001000 = 0x2008, stored 08 20.
  // id = 1 / d rounds to exactly 127.0f, so qs = roundf(127 x):
  //   1 -> 127 = 7f   -0.5 -> -63.5 -> -64 = c0   0.25 -> 31.75 -> 32 = 20
  //   0.1 -> 12.7 -> 13 = 0d   -1 -> -127 = 81
  std::vector<float> x(32, 0.0f);
  const float v[] = {1.0f, -0.5f, 0.25f, 0.1f, -1.0f};
  std::copy(std::begin(v), std::end(v), x.begin());
  std::vector<BlockQ8_0> y(1);
  impl::quantize_row_q8_0(x.data(), y.data(), 32);
  const std::uint8_t expected[34] = {0x08, 0x20, 0x7f, 0xc0, 0x20, 0x0d, 0x81};
  EXPECT_EQ(hex_bytes(reinterpret_cast<const std::uint8_t*>(y.data()), 34), hex_bytes(expected, 34));
}

TEST(Q8_0, AllZeroBlockHasScaleZero) {
  std::vector<float> x(64, 0.0f);
  x[40] = -2.0f;  // the second block is not zero
  std::vector<BlockQ8_0> y(2);
  std::memset(y.data(), 0x5a, sizeof(BlockQ8_0) * 2);
  impl::quantize_row_q8_0(x.data(), y.data(), 64);
  EXPECT_EQ(y[0].d, 0);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[0].qs[j], 0) << "j = " << j;
  EXPECT_EQ(y[1].qs[8], -127);
}

TEST(Q8_0, MatchesGgmlOnRandomRows) {
  // Every row length from 1 to 9 blocks, then long rows; values spread over
  // several orders of magnitude, so the scales differ block by block.
  for (std::int64_t blocks : {1, 2, 3, 5, 8, 9, 64, 257}) {
    auto x = random_floats(static_cast<std::size_t>(blocks) * 32, 100 + blocks);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] *= std::ldexp(1.0f, static_cast<int>(i / 32 % 13) - 6);
    std::vector<BlockQ8_0> y(blocks);
    impl::quantize_row_q8_0(x.data(), y.data(), blocks * 32);
    EXPECT_EQ(compare_blocks(y, q8_0_by_definition(x)), "") << blocks << " blocks";
  }
}

TEST(Q8_0, MatchesGgmlOnHalfwayValues) {
  // Values that land exactly on k + 0.5 after scaling, where the rounding
  // rule decides: amax = 127 makes d = 1, so x * id = x.
  std::vector<float> x(128);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = (i % 32 == 0) ? 127.0f : (static_cast<float>(i % 50) - 25.0f) + 0.5f;
  std::vector<BlockQ8_0> y(4);
  impl::quantize_row_q8_0(x.data(), y.data(), 128);
  EXPECT_EQ(compare_blocks(y, q8_0_by_definition(x)), "");
}

TEST(Q8_0, MatchesGgmlOnTinyAndHugeValues) {
  // fp16 cannot hold every scale: tiny amax gives a subnormal or zero fp16 d,
  // huge amax an infinite one. The int8 values still use the float d.
  for (float magnitude : {1e-9f, 1e-6f, 3e-5f, 1e4f, 1e7f, 3e38f}) {
    auto x = random_floats(96, 7);
    for (auto& v : x) v *= magnitude;
    std::vector<BlockQ8_0> y(3);
    impl::quantize_row_q8_0(x.data(), y.data(), 96);
    EXPECT_EQ(compare_blocks(y, q8_0_by_definition(x)), "") << "magnitude " << magnitude;
  }
}

TEST(Q8_0, RejectsLengthNotAMultipleOf32) {
  std::vector<float> x(40, 1.0f);
  std::vector<BlockQ8_0> y(2);
  EXPECT_THROW(impl::quantize_row_q8_0(x.data(), y.data(), 40), std::invalid_argument);
}

TEST(Q8_0, QuantizationErrorWithinBound) {
  // Per element: |x - q d16| <= 0.5 d + 127 |d - d16| (+ rounding of the
  // reciprocal: a factor 1.0001 on the first term), d = amax / 127 and d16 its
  // fp16 value. In ggml's terms (test-quantize-fns, data 0.1 + 2 cos(i)):
  // RMSE <= 0.006, where uniform rounding error gives d / sqrt(12) = 0.0048.
  const auto x = ggml_test_data(32 * 128);
  std::vector<BlockQ8_0> y(128);
  impl::quantize_row_q8_0(x.data(), y.data(), static_cast<std::int64_t>(x.size()));
  double sum_sq = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const BlockQ8_0& b = y[i / 32];
    float amax = 0.0f;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[i / 32 * 32 + j]));
    const double d = amax / 127.0, d16 = fp16_to_fp32(b.d);
    const double err = std::fabs(x[i] - b.qs[i % 32] * d16);
    EXPECT_LE(err, 0.5 * d * 1.0001 + 127 * std::fabs(d - d16)) << "element " << i;
    sum_sq += err * err;
  }
  EXPECT_LE(std::sqrt(sum_sq / x.size()), 0.006);
}

// ---------------------------------------------------------------------------
// TODO(2): requantization

namespace {

struct RequantCase {
  std::vector<std::int32_t> acc;
  std::vector<Requant> r;
  std::int32_t zp, qmin, qmax;
};

std::string check_requant(const RequantCase& c) {
  const int n = static_cast<int>(c.acc.size());
  std::vector<std::uint8_t> out(n + 32, 0xA5);
  impl::requantize_row(n, c.acc.data(), c.r.data(), c.zp, c.qmin, c.qmax, out.data());
  for (int j = 0; j < n; ++j) {
    const std::int32_t want = requantize_one(c.acc[j], c.r[j], c.zp, c.qmin, c.qmax);
    if (out[j] != want)
      return "n = " + std::to_string(n) + ": out[" + std::to_string(j) + "] = " + std::to_string(out[j]) +
             ", expected " + std::to_string(want) + " (acc " + std::to_string(c.acc[j]) + ", multiplier " +
             std::to_string(c.r[j].multiplier) + ", shift " + std::to_string(c.r[j].shift) + ", zero point " +
             std::to_string(c.zp) + ", clamp [" + std::to_string(c.qmin) + ", " + std::to_string(c.qmax) + "])";
  }
  for (int j = n; j < n + 32; ++j)
    if (out[j] != 0xA5) return "n = " + std::to_string(n) + ": wrote out[" + std::to_string(j) + "], past the end";
  return "";
}

}  // namespace

TEST(Requant, KnownValuesRoundHalfUp) {
  // M = 0.5 is multiplier 2^30, shift 0 (0.5 = 2^30 * 2^-31). Then
  //   acc 3:  (3 * 2^30 + 2^30) >> 31 = 2^32 >> 31 = 2          (1.5 -> 2)
  //   acc -3: (-3 * 2^30 + 2^30) >> 31 = -2^31 >> 31 = -1        (-1.5 -> -1, half toward +inf)
  //   acc 5:  (5 * 2^30 + 2^30) >> 31 = 3                        (2.5 -> 3)
  //   acc -4: (-4 * 2^30 + 2^30) >> 31 = floor(-1.5) = -2        (-2 exactly)
  // with zero point 10 and no clamping: 12, 9, 13, 8.
  const Requant half = make_requant(0.5);
  ASSERT_EQ(half.multiplier, 1 << 30);
  ASSERT_EQ(half.shift, 0);
  const std::vector<std::int32_t> acc = {3, -3, 5, -4};
  const std::vector<Requant> r(4, half);
  std::vector<std::uint8_t> out(4);
  impl::requantize_row(4, acc.data(), r.data(), 10, 0, 255, out.data());
  EXPECT_ELEMENTS_EQ(out, (std::vector<std::uint8_t>{12, 9, 13, 8}));
}

TEST(Requant, SaturatesAtBothEnds) {
  const Requant one = make_requant(0.999);
  const std::vector<std::int32_t> acc = {std::numeric_limits<std::int32_t>::max(), std::numeric_limits<std::int32_t>::min(),
                                         1000, -1000, 0, 100};
  const std::vector<Requant> r(acc.size(), one);
  std::vector<std::uint8_t> out(acc.size());
  impl::requantize_row(static_cast<int>(acc.size()), acc.data(), r.data(), 3, 3, 250, out.data());
  // 0.999 * acc + 3, clamped to [3, 250] (e.g. a fused ReLU: qmin = the zero point).
  EXPECT_ELEMENTS_EQ(out, (std::vector<std::uint8_t>{250, 3, 250, 3, 3, 103}));
}

TEST(Requant, PerTensorMatchesTheDefinition) {
  std::mt19937_64 rng(seed(21));
  for (int n : {0, 1, 7, 15, 16, 17, 31, 32, 33, 100, 1000}) {
    RequantCase c;
    std::uniform_int_distribution<std::int32_t> acc(-200000, 200000);
    for (int j = 0; j < n; ++j) c.acc.push_back(acc(rng));
    c.r.assign(n, make_requant(0.00123));
    c.zp = 128;
    c.qmin = 0;
    c.qmax = 255;
    EXPECT_EQ(check_requant(c), "");
  }
}

TEST(Requant, PerChannelMatchesTheDefinition) {
  // A different multiplier and shift for every element, accumulators over
  // the whole int32 range, several zero points and clamp ranges.
  std::mt19937_64 rng(seed(22));
  std::uniform_int_distribution<std::int32_t> any_acc(std::numeric_limits<std::int32_t>::min(),
                                                      std::numeric_limits<std::int32_t>::max());
  std::uniform_int_distribution<std::int32_t> small_acc(-5000, 5000);
  std::uniform_real_distribution<double> log2m(-31.5, 1.5);
  for (int trial = 0; trial < 40; ++trial) {
    const int n = 1 + trial * 7;
    RequantCase c;
    for (int j = 0; j < n; ++j) {
      c.acc.push_back(trial % 2 ? any_acc(rng) : small_acc(rng));
      c.r.push_back(make_requant(std::exp2(log2m(rng))));
    }
    c.zp = static_cast<std::int32_t>(rng() % 256);
    c.qmin = trial % 3 == 0 ? c.zp : 0;  // fused ReLU on every third
    c.qmax = trial % 5 == 0 ? 200 : 255;
    EXPECT_EQ(check_requant(c), "") << "trial " << trial;
  }
}

TEST(Requant, ExactHalvesEverywhere) {
  // acc * M = k + 0.5 exactly for many k: M = 2^-s, acc odd multiples of 2^(s-1).
  std::vector<std::int32_t> acc;
  std::vector<Requant> r;
  for (int s = 1; s <= 20; ++s)
    for (int k = -6; k <= 6; ++k) {
      acc.push_back((2 * k + 1) * (1 << (s - 1)));
      r.push_back(make_requant(std::ldexp(1.0, -s)));
    }
  RequantCase c{acc, r, 100, 0, 255};
  EXPECT_EQ(check_requant(c), "");
}

// ---------------------------------------------------------------------------
// TODO(3): the u8 x s8 dot product

namespace {

std::int64_t exact_dot(const std::uint8_t* a, const std::int8_t* b, std::int64_t n) {
  std::int64_t s = 0;
  for (std::int64_t i = 0; i < n; ++i) s += static_cast<std::int64_t>(a[i]) * b[i];
  return s;
}

}  // namespace

TEST(Dot, MatchesTheExactSumOnRandomVectors) {
  std::mt19937_64 rng(seed(31));
  for (std::int64_t n : {0, 1, 3, 4, 63, 64, 65, 127, 128, 255, 256, 257, 1000, 4096, 4099}) {
    for (int offset : {0, 1, 3}) {  // unaligned starts too
      std::vector<std::uint8_t> a(n + offset);
      std::vector<std::int8_t> b(n + offset);
      for (auto& v : a) v = static_cast<std::uint8_t>(rng());
      for (auto& v : b) v = static_cast<std::int8_t>(rng());
      const std::int64_t want = exact_dot(a.data() + offset, b.data() + offset, n);
      EXPECT_EQ(impl::dot_u8s8(a.data() + offset, b.data() + offset, n), want) << "n = " << n << ", offset " << offset;
    }
  }
}

TEST(Dot, LargestOperandsDoNotSaturate) {
  // 255 * 127 + 255 * 127 = 64770 does not fit in int16: vpmaddubsw would
  // saturate it to 32767. vpdpbusd keeps 32 bits. n = 65536 is the longest
  // vector whose sum is guaranteed to fit in int32 (255 * 128 * 65536 < 2^31).
  for (std::int8_t bv : {std::int8_t{127}, std::int8_t{-128}}) {
    for (std::int64_t n : {64, 1000, 65536}) {
      std::vector<std::uint8_t> a(n, 255);
      std::vector<std::int8_t> b(n, bv);
      EXPECT_EQ(impl::dot_u8s8(a.data(), b.data(), n), exact_dot(a.data(), b.data(), n)) << "b = " << int(bv) << ", n = " << n;
    }
  }
}

TEST(Dot, SignsMixed) {
  // Alternating extremes: large partial sums of opposite signs cancel.
  std::vector<std::uint8_t> a(4096);
  std::vector<std::int8_t> b(4096);
  for (int i = 0; i < 4096; ++i) {
    a[i] = static_cast<std::uint8_t>(i % 3 == 0 ? 255 : i % 256);
    b[i] = static_cast<std::int8_t>(i % 2 ? -128 : 127);
  }
  for (std::int64_t n : {4096, 4095, 2049, 17})
    EXPECT_EQ(impl::dot_u8s8(a.data(), b.data(), n), exact_dot(a.data(), b.data(), n)) << "n = " << n;
}
