// Tests of the reference's other parts (built into the reference tests only):
// fp16, Q4_0, the block dot products, every SIMD kernel against its scalar
// version (bit for bit), the integer GEMM, the schemes and calibration.
#include <gtest/gtest.h>

#include <labkit/check.hpp>
#include <labkit/check_gtest.hpp>
#include <labkit/cpu.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "quantization.hpp"
#include "test_support.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace ref = quant::reference;
using namespace quant;
using namespace quant::test;

// ---------------------------------------------------------------------------
// fp16

TEST(Fp16, KnownValues) {
  EXPECT_EQ(fp32_to_fp16(1.0f), 0x3C00);
  EXPECT_EQ(fp32_to_fp16(-2.0f), 0xC000);
  EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7BFF);            // the largest half
  EXPECT_EQ(fp32_to_fp16(65519.0f), 0x7BFF);            // below the midpoint to infinity
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7C00);            // the midpoint: ties to even = infinity
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -24)), 0x0001);  // the smallest subnormal
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -25)), 0x0000);  // half of it: tie, to even (0)
  EXPECT_EQ(fp32_to_fp16(3 * std::ldexp(1.0f, -25)), 0x0002);  // 1.5 units: tie, to even (2)
  EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3C00);      // tie between 1 and 1 + 2^-10: even
  EXPECT_EQ(fp32_to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);  // tie between 0x3C01 and 0x3C02: even
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1023.5f, -24)), 0x0400);          // rounds up into the first normal
  EXPECT_EQ(fp32_to_fp16(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(fp32_to_fp16(-std::numeric_limits<float>::quiet_NaN()) & 0x7E00, 0x7E00);
}

TEST(Fp16, EveryHalfRoundTrips) {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF)) continue;  // NaN payloads
    ASSERT_EQ(fp32_to_fp16(fp16_to_fp32(static_cast<std::uint16_t>(h))), h) << std::hex << h;
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
// CPUID leaf 1, ECX bit 29 (Clang 14's __builtin_cpu_supports has no "f16c").
static bool cpu_has_f16c() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C) != 0;
}
__attribute__((target("f16c"))) static std::uint16_t f16c_convert(float f) {
  return static_cast<std::uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
}
TEST(Fp16, MatchesTheF16cInstructionAtEveryRoundingBoundary) {
  // ggml uses vcvtps2ph where the CPU has it: compare with the hardware on
  // every half, every midpoint between neighbours, and one float either side.
  if (!cpu_has_f16c()) GTEST_SKIP() << "this CPU has no F16C";
  int checked = 0;
  for (std::uint32_t h = 0; h < 0x7C00; ++h) {
    const float lo = fp16_to_fp32(static_cast<std::uint16_t>(h)), hi = fp16_to_fp32(static_cast<std::uint16_t>(h + 1));
    const float mid = static_cast<float>((static_cast<double>(lo) + hi) / 2);
    for (float f : {lo, mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e9f)})
      for (float s : {f, -f}) {
        ASSERT_EQ(fp32_to_fp16(s), f16c_convert(s)) << "f = " << s;
        ++checked;
      }
  }
  std::mt19937 rng(seed(1));
  for (int i = 0; i < 1000000; ++i) {
    const float f = std::bit_cast<float>(static_cast<std::uint32_t>(rng()));
    if (std::isnan(f)) continue;
    ASSERT_EQ(fp32_to_fp16(f), f16c_convert(f)) << "f = " << f;
  }
  EXPECT_GT(checked, 200000);
}
#endif

// ---------------------------------------------------------------------------
// Q4_0

TEST(Q4_0, KnownVectorNegativeMax) {
  // The value of largest magnitude is -8: d = -8 / -8 = 1.0 (fp16 3c00), id = 1.
  // q = min(15, trunc(x + 8.5)): -8 -> 0, 7 -> 15, 7.6 -> 16 -> 15, 0 -> 8,
  // -0.5 -> 8 (8.0), 0.5 -> 9, 2.49 -> 10, -7.9 -> 0; second half 1 -> 9,
  // 2 -> 10, 3 -> 11, -1 -> 7, -2 -> 6, -3 -> 5, 4.5 -> 13, -4.5 -> 4.
  // Byte j = q[j] | q[j + 16] << 4: 0|9<<4 = 90, f|a<<4 = af, f|b<<4 = bf, 8|7<<4 = 78, ...
  std::vector<float> x(32, 0.0f);
  const float first[] = {-8, 7, 7.6f, 0, -0.5f, 0.5f, 2.49f, -7.9f};
  const float second[] = {1, 2, 3, -1, -2, -3, 4.5f, -4.5f};
  std::copy(std::begin(first), std::end(first), x.begin());
  std::copy(std::begin(second), std::end(second), x.begin() + 16);
  BlockQ4_0 y;
  ref::quantize_row_q4_0(x.data(), &y, 32);
  const std::uint8_t expected[18] = {0x00, 0x3c, 0x90, 0xaf, 0xbf, 0x78, 0x68, 0x59, 0xda, 0x40,
                                     0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88};
  EXPECT_EQ(std::memcmp(&y, expected, 18), 0);
}

TEST(Q4_0, KnownVectorPositiveMax) {
  // Largest magnitude 4.0 (positive): d = 4 / -8 = -0.5 (fp16 b800), id = -2.
  // 4 -> -8 + 8.5 -> 0; -3.5 -> 7 + 8.5 -> 15; -4 -> 16.5 -> 15 (capped);
  // 1 -> -2 + 8.5 -> 6; 0 -> 8; second half 0.5 -> 7, -0.5 -> 9, 0.75 -> 7, -0.75 -> 10.
  std::vector<float> x(32, 0.0f);
  x[5] = 4.0f, x[6] = -3.5f, x[7] = -4.0f, x[8] = 1.0f;
  x[16] = 0.5f, x[17] = -0.5f, x[18] = 0.75f, x[19] = -0.75f;
  BlockQ4_0 y;
  ref::quantize_row_q4_0(x.data(), &y, 32);
  const std::uint8_t expected[18] = {0x00, 0xb8, 0x78, 0x98, 0x78, 0xa8, 0x88, 0x80,
                                     0x8f, 0x8f, 0x86, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88};
  EXPECT_EQ(std::memcmp(&y, expected, 18), 0);
}

TEST(Q4_0, DequantizeKnownBlock) {
  BlockQ4_0 b;
  b.d = fp32_to_fp16(0.5f);
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<std::uint8_t>(j | ((15 - j) << 4));
  std::vector<float> y(32);
  ref::dequantize_row_q4_0(&b, y.data(), 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.5f * (j - 8));
    EXPECT_EQ(y[j + 16], 0.5f * (7 - j));
  }
}

// Error bounds in the manner of ggml's test-quantize-fns: quantize its test
// data (0.1 + 2 cos(i)), dequantize, and bound the RMSE and the worst element.
// Q8_0: uniform rounding gives d / sqrt(12) = 0.0048 with d = 2.1 / 127.
// Q4_0: d = 2.1 / 8, d / sqrt(12) = 0.076 (and the 8-side values reach only
// 7 d). Bounds leave about 25% headroom.
TEST(QuantError, Q8_0AndQ4_0RoundTrip) {
  const auto x = ggml_test_data(32 * 256, 0.3f);
  const auto n = static_cast<std::int64_t>(x.size());
  std::vector<BlockQ8_0> q8(x.size() / 32);
  std::vector<BlockQ4_0> q4(x.size() / 32);
  std::vector<float> y8(x.size()), y4(x.size());
  ref::quantize_row_q8_0(x.data(), q8.data(), n);
  ref::dequantize_row_q8_0(q8.data(), y8.data(), n);
  ref::quantize_row_q4_0(x.data(), q4.data(), n);
  ref::dequantize_row_q4_0(q4.data(), y4.data(), n);
  double s8 = 0, s4 = 0, m8 = 0, m4 = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    s8 += (x[i] - y8[i]) * (x[i] - y8[i]);
    s4 += (x[i] - y4[i]) * (x[i] - y4[i]);
    m8 = std::max(m8, double(std::fabs(x[i] - y8[i])));
    m4 = std::max(m4, double(std::fabs(x[i] - y4[i])));
  }
  EXPECT_LE(std::sqrt(s8 / x.size()), 0.006);
  EXPECT_LE(std::sqrt(s4 / x.size()), 0.095);
  // The worst element: half a step, plus the fp16 rounding of the scale
  // (relative 2^-11) times the largest integer (127, or 8).
  const double d8 = 2.1 / 127, d4 = 2.1 / 8;
  EXPECT_LE(m8, 0.5 * d8 + 127 * d8 * std::ldexp(1.0, -11));
  EXPECT_LE(m4, 0.5 * d4 + 8 * d4 * std::ldexp(1.0, -11));
}

TEST(QuantError, DotProductsAgainstFloat) {
  // A weight row against an activation row, both quantized: the relative
  // error of the dot product against the float one, over 64 rows of 4096
  // (ggml's MAX_DOT_PRODUCT_ERROR is 0.02 on its data; we bound each kind).
  std::mt19937_64 rng(seed(5));
  std::normal_distribution<float> g(0.0f, 1.0f);
  const int k = 4096;
  double worst8 = 0, worst4 = 0;
  for (int row = 0; row < 64; ++row) {
    std::vector<float> w(k), a(k);
    for (auto& v : w) v = g(rng);
    for (auto& v : a) v = std::fabs(g(rng)) + 0.5f;  // a positive bias keeps the dot away from 0
    double exact = 0, scale = 0;
    for (int i = 0; i < k; ++i) exact += double(w[i]) * a[i], scale += std::fabs(double(w[i]) * a[i]);
    std::vector<BlockQ8_0> wq8(k / 32), aq8(k / 32);
    std::vector<BlockQ4_0> wq4(k / 32);
    ref::quantize_row_q8_0(w.data(), wq8.data(), k);
    ref::quantize_row_q4_0(w.data(), wq4.data(), k);
    ref::quantize_row_q8_0(a.data(), aq8.data(), k);
    worst8 = std::max(worst8, std::fabs(ref::vec_dot_q8_0_q8_0(k, wq8.data(), aq8.data()) - exact) / scale);
    worst4 = std::max(worst4, std::fabs(ref::vec_dot_q4_0_q8_0(k, wq4.data(), aq8.data()) - exact) / scale);
  }
  // Error relative to sum |w a|: Q8_0 x Q8_0 about 1e-3, Q4_0 x Q8_0 about 1e-2.
  EXPECT_LE(worst8, 0.004);
  EXPECT_LE(worst4, 0.03);
}

// ---------------------------------------------------------------------------
// Every SIMD kernel against its scalar version, bit for bit

TEST(Kernels, Q8_0Avx512MatchesScalar) {
  if (!ref::has_avx512()) GTEST_SKIP() << "no AVX-512 here";
  for (std::int64_t blocks : {1, 3, 64, 301}) {
    auto x = random_floats(blocks * 32, 40 + blocks, -100.0f, 100.0f);
    for (std::size_t i = 0; i < x.size(); i += 7) x[i] = std::round(x[i]) + 0.5f;  // ties
    std::vector<BlockQ8_0> a(blocks), b(blocks);
    ref::quantize_row_q8_0_scalar(x.data(), a.data(), blocks * 32);
    ref::quantize_row_q8_0_avx512(x.data(), b.data(), blocks * 32);
    EXPECT_ELEMENTS_EQ(bytes_of(a), bytes_of(b)) << blocks;
  }
}

TEST(Kernels, BlockDotsAvx2MatchScalar) {
  if (!ref::has_avx2()) GTEST_SKIP() << "no AVX2 here";
  for (std::int64_t blocks : {1, 2, 25, 128}) {
    const auto w = random_floats(blocks * 32, 50 + blocks), a = random_floats(blocks * 32, 60 + blocks);
    std::vector<BlockQ8_0> w8(blocks), a8(blocks);
    std::vector<BlockQ4_0> w4(blocks);
    ref::quantize_row_q8_0(w.data(), w8.data(), blocks * 32);
    ref::quantize_row_q4_0(w.data(), w4.data(), blocks * 32);
    ref::quantize_row_q8_0(a.data(), a8.data(), blocks * 32);
    const std::int64_t k = blocks * 32;
    EXPECT_EQ(std::bit_cast<std::uint32_t>(ref::vec_dot_q8_0_q8_0_avx2(k, w8.data(), a8.data())),
              std::bit_cast<std::uint32_t>(ref::vec_dot_q8_0_q8_0_scalar(k, w8.data(), a8.data())));
    EXPECT_EQ(std::bit_cast<std::uint32_t>(ref::vec_dot_q4_0_q8_0_avx2(k, w4.data(), a8.data())),
              std::bit_cast<std::uint32_t>(ref::vec_dot_q4_0_q8_0_scalar(k, w4.data(), a8.data())));
  }
}

TEST(Kernels, RequantAvx512MatchesScalar) {
  if (!ref::has_avx512()) GTEST_SKIP() << "no AVX-512 here";
  std::mt19937_64 rng(seed(70));
  std::uniform_int_distribution<std::int32_t> acc_d(std::numeric_limits<std::int32_t>::min(),
                                                    std::numeric_limits<std::int32_t>::max());
  std::uniform_real_distribution<double> log2m(-31.5, 1.5);
  for (int n : {1, 15, 16, 17, 100, 1024}) {
    std::vector<std::int32_t> acc(n);
    std::vector<Requant> r(n);
    for (int j = 0; j < n; ++j) acc[j] = j % 3 ? acc_d(rng) : acc_d(rng) / 65536, r[j] = make_requant(std::exp2(log2m(rng)));
    std::vector<std::uint8_t> a(n), b(n);
    ref::requantize_row_scalar(n, acc.data(), r.data(), 77, 5, 250, a.data());
    ref::requantize_row_avx512(n, acc.data(), r.data(), 77, 5, 250, b.data());
    EXPECT_ELEMENTS_EQ(a, b) << "n = " << n;
  }
}

TEST(Kernels, DotProductsMatchScalar) {
  std::mt19937_64 rng(seed(80));
  for (std::int64_t n : {0, 1, 31, 32, 63, 64, 65, 255, 256, 257, 1023, 4096, 65536}) {
    std::vector<std::uint8_t> a(n + 1);
    std::vector<std::int8_t> b(n + 1);
    for (auto& v : a) v = static_cast<std::uint8_t>(rng());
    for (auto& v : b) v = static_cast<std::int8_t>(rng());
    if (n == 65536) std::fill(a.begin(), a.end(), 255), std::fill(b.begin(), b.end(), -128);
    const std::int32_t want = ref::dot_u8s8_scalar(a.data() + 1, b.data() + 1, n);
    if (ref::has_avx2()) {
      EXPECT_EQ(ref::dot_u8s8_avx2(a.data() + 1, b.data() + 1, n), want) << "avx2, n = " << n;
    }
    if (ref::has_avx512_vnni()) {
      EXPECT_EQ(ref::dot_u8s8_vnni(a.data() + 1, b.data() + 1, n), want) << "vnni, n = " << n;
    }
    EXPECT_EQ(ref::dot_u8s8(a.data() + 1, b.data() + 1, n), want) << "dispatched, n = " << n;
  }
}

TEST(Kernels, DispatchFollowsTheCpuAndLabkitIsa) {
  const std::string g = ref::dispatched_gemm();
  if (labkit::best_isa() == labkit::Isa::avx512 && labkit::cpu_features().avx512vnni) EXPECT_EQ(g, "vnni");
  else if (labkit::best_isa() >= labkit::Isa::avx2) EXPECT_EQ(g, "avx2");
  else EXPECT_EQ(g, "portable");
}

// ---------------------------------------------------------------------------
// Integer GEMM: every kernel against three plain loops, on awkward shapes

namespace {

struct GemmShape {
  int M, N, K, pad_a = 0, pad_b = 0, pad_c = 0;
};

std::string gemm_name(const GemmShape& s) {
  return std::to_string(s.M) + "x" + std::to_string(s.N) + "x" + std::to_string(s.K) +
         (s.pad_a || s.pad_b || s.pad_c ? " padded" : "");
}

using PackedGemm = void (*)(int, const std::uint8_t*, int, const PackedB&, std::int32_t*, int);

// "" or what is wrong. extremes: A = 255, B = -128 / 127 (no saturation allowed).
// C has canaries before and after it and in its padding columns (ldc > N).
std::string check_gemm(PackedGemm gemm, const GemmShape& s, bool extremes, std::uint64_t salt) {
  const int lda = s.K + s.pad_a, ldb = s.N + s.pad_b, ldc = s.N + s.pad_c;
  std::mt19937_64 rng(seed(salt));
  std::vector<std::uint8_t> A(static_cast<std::size_t>(std::max(s.M, 1)) * std::max(lda, 1));
  std::vector<std::int8_t> B(static_cast<std::size_t>(std::max(s.K, 1)) * std::max(ldb, 1));
  for (auto& v : A) v = extremes ? 255 : static_cast<std::uint8_t>(rng());
  for (std::size_t i = 0; i < B.size(); ++i) B[i] = extremes ? (i % 3 ? -128 : 127) : static_cast<std::int8_t>(rng());
  labkit::GuardedMatrix<std::int32_t> C(s.M, s.N, ldc);
  const PackedB packed = ref::pack_b(s.K, s.N, B.data(), ldb);
  gemm(s.M, A.data(), lda, packed, C.data(), ldc);
  if (const std::string where = C.canaries_report(); !where.empty()) return "wrote outside C: " + where;
  std::vector<std::int64_t> want(static_cast<std::size_t>(s.M) * s.N, 0);
  for (int i = 0; i < s.M; ++i)
    for (int j = 0; j < s.N; ++j)
      for (int k = 0; k < s.K; ++k)
        want[static_cast<std::size_t>(i) * s.N + j] +=
            std::int64_t{A[static_cast<std::size_t>(i) * lda + k]} * B[static_cast<std::size_t>(k) * ldb + j];
  return labkit::exactly_equal(C.payload(), want, {"C", static_cast<std::size_t>(s.N)}).message;
}

const std::vector<GemmShape>& gemm_shapes() {
  static const std::vector<GemmShape> shapes = {
      {1, 1, 1}, {1, 16, 4}, {6, 64, 4}, {7, 65, 5}, {5, 17, 3}, {13, 100, 37}, {12, 128, 384},
      {3, 10, 800}, {6, 64, 385}, {31, 47, 1001}, {64, 64, 64, 3, 5, 7}, {2, 3, 0}, {0, 5, 5},
      {1, 256, 800}, {100, 10, 256, 1, 0, 2},
      // k longer than one block of the VNNI kernel (256 quads where L2 is 1 MiB): C is added to
      {5, 70, 2100}, {7, 33, 2051, 2, 1, 3}};
  return shapes;
}

void check_all_shapes(PackedGemm gemm, const char* name) {
  std::uint64_t salt = 900;
  for (const auto& s : gemm_shapes()) {
    EXPECT_EQ(check_gemm(gemm, s, false, ++salt), "") << name << " on " << gemm_name(s);
    EXPECT_EQ(check_gemm(gemm, s, true, ++salt), "") << name << " on " << gemm_name(s) << ", extreme values";
  }
}

// B as a plain K x N matrix again (leading dimension N), from its packed layout.
std::vector<std::int8_t> unpack(const PackedB& B) {
  std::vector<std::int8_t> plain(static_cast<std::size_t>(std::max(B.K, 1)) * std::max(B.N, 1));
  for (int k = 0; k < B.K; ++k)
    for (int n = 0; n < B.N; ++n)
      plain[static_cast<std::size_t>(k) * B.N + n] =
          B.data[((static_cast<std::size_t>(n / 16) * B.kquads + k / 4) * 16 + n % 16) * 4 + k % 4];
  return plain;
}

// The three-loop GEMM needs plain B.
void scalar_as_packed(int M, const std::uint8_t* A, int lda, const PackedB& B, std::int32_t* C, int ldc) {
  ref::gemm_u8s8s32_scalar(M, B.N, B.K, A, lda, unpack(B).data(), B.N, C, ldc);
}

// gemm_u8s8s32, which packs B itself on every call (pack_b_vnni where VNNI runs).
void dispatched_from_plain(int M, const std::uint8_t* A, int lda, const PackedB& B, std::int32_t* C, int ldc) {
  ref::gemm_u8s8s32(M, B.N, B.K, A, lda, unpack(B).data(), B.N, C, ldc);
}

}  // namespace

TEST(Gemm, ScalarLoopsAndPacking) { check_all_shapes(scalar_as_packed, "scalar"); }
TEST(Gemm, Portable) { check_all_shapes(ref::gemm_u8s8s32_portable, "portable"); }
TEST(Gemm, Avx2) {
  if (!ref::has_avx2()) GTEST_SKIP() << "no AVX2 here";
  check_all_shapes(ref::gemm_u8s8s32_avx2, "avx2");
}
TEST(Gemm, Vnni) {
  if (!ref::has_avx512_vnni()) GTEST_SKIP() << "no AVX-512 VNNI here";
  check_all_shapes(ref::gemm_u8s8s32_vnni, "vnni");
}
TEST(Gemm, Dispatched) { check_all_shapes(ref::gemm_u8s8s32_packed, "dispatched"); }
TEST(Gemm, DispatchedPackingBInTheCall) { check_all_shapes(dispatched_from_plain, "gemm_u8s8s32"); }

// The shuffling packer writes exactly pack_b's bytes, padding included, also
// into storage a bigger earlier shape left behind (so no stale byte survives).
TEST(Gemm, PackBVnniWritesPackBsBytes) {
  if (!ref::has_avx512_vnni()) GTEST_SKIP() << "no AVX-512 VNNI here";
  std::mt19937_64 rng(seed(77));
  PackedB reused;
  std::vector<GemmShape> shapes = {{1, 300, 70}};  // big first: later shapes reuse its storage
  for (const auto& s : gemm_shapes()) shapes.push_back(s);
  for (const auto& s : shapes) {
    const int ldb = s.N + s.pad_b;
    std::vector<std::int8_t> B(static_cast<std::size_t>(std::max(s.K, 1)) * std::max(ldb, 1));
    for (auto& v : B) v = static_cast<std::int8_t>(rng());
    const PackedB want = ref::pack_b(s.K, s.N, B.data(), ldb);
    ref::pack_b_vnni(s.K, s.N, B.data(), ldb, reused);
    EXPECT_EQ(reused.kquads, want.kquads) << gemm_name(s);
    EXPECT_EQ(reused.panels, want.panels) << gemm_name(s);
    ASSERT_EQ(reused.data.size(), want.data.size()) << gemm_name(s);
    EXPECT_TRUE(std::equal(want.data.begin(), want.data.end(), reused.data.begin())) << gemm_name(s);
  }
  EXPECT_THROW(ref::pack_b_vnni(2, 3, nullptr, 2, reused), std::invalid_argument);
}

TEST(Gemm, PackBColumnSums) {
  std::vector<std::int8_t> B = {1, -2, 3, 4, 5, -6};  // 2 x 3
  const PackedB p = ref::pack_b(2, 3, B.data(), 3);
  EXPECT_ELEMENTS_EQ(p.col_sums, (std::vector<std::int32_t>{5, 3, -3}));
  EXPECT_EQ(p.kquads, 1);
  EXPECT_EQ(p.panels, 1);
  EXPECT_EQ(p.data[0 * 4 + 0], 1);   // B[0][0]
  EXPECT_EQ(p.data[0 * 4 + 1], 4);   // B[1][0]
  EXPECT_EQ(p.data[2 * 4 + 1], -6);  // B[1][2]
  EXPECT_EQ(p.data[2 * 4 + 2], 0);   // past K
  EXPECT_THROW(ref::pack_b(2, 3, B.data(), 2), std::invalid_argument);
}

// ---------------------------------------------------------------------------
// Schemes

TEST(Schemes, AsymmetricRepresentsZeroExactly) {
  for (auto [lo, hi] : {std::pair{-0.81f, 2.02f}, {0.3f, 5.0f}, {-4.0f, -1.0f}, {-1.0f, 1.0f}}) {
    const QuantParams p = ref::choose_asymmetric(lo, hi);
    const float zero = 0.0f;
    std::uint8_t q;
    ref::quantize_u8(&zero, 1, p, &q);
    float back;
    ref::dequantize_u8(&q, 1, p, &back);
    EXPECT_EQ(back, 0.0f) << lo << " .. " << hi;
    EXPECT_GE(p.zero_point, 0);
    EXPECT_LE(p.zero_point, 255);
  }
}

TEST(Schemes, RoundTripErrorsWithinHalfAStep) {
  const auto x = random_floats(10000, 90, -0.8f, 2.0f);
  const QuantParams pu = ref::choose_asymmetric(-0.8f, 2.0f), ps = ref::choose_symmetric(2.0f);
  std::vector<std::uint8_t> qu(x.size());
  std::vector<std::int8_t> qs(x.size());
  std::vector<float> yu(x.size()), ys(x.size());
  ref::quantize_u8(x.data(), x.size(), pu, qu.data());
  ref::dequantize_u8(qu.data(), x.size(), pu, yu.data());
  ref::quantize_s8(x.data(), x.size(), ps, qs.data());
  ref::dequantize_s8(qs.data(), x.size(), ps, ys.data());
  for (std::size_t i = 0; i < x.size(); ++i) {
    // Asymmetric: the zero point is rounded too, so up to a step at the ends.
    EXPECT_LE(std::fabs(x[i] - yu[i]), pu.scale * 1.0001f) << x[i];
    EXPECT_LE(std::fabs(x[i] - ys[i]), ps.scale * 0.5001f) << x[i];
  }
  // uint8 over [-0.8, 2] has 255 steps of 0.011; int8 over [-2, 2] 254 of 0.0157:
  // the asymmetric scheme wastes none of its range on values that never occur.
  EXPECT_LT(pu.scale, ps.scale);
}

TEST(Schemes, PerChannelBeatsPerTensorWhenColumnsDiffer) {
  // Columns whose magnitudes differ by 100x: one scale for all of them
  // leaves the small columns with a handful of levels.
  const int K = 64, N = 8;
  auto W = random_floats(K * N, 91, -1.0f, 1.0f);
  for (int k = 0; k < K; ++k)
    for (int j = 0; j < N; ++j) W[k * N + j] *= (j % 2 ? 0.01f : 1.0f);
  std::vector<std::int8_t> qt(K * N), qc(K * N);
  std::vector<float> st, sc;
  ref::quantize_weights_per_tensor(K, N, W.data(), qt.data(), st);
  ref::quantize_weights_per_channel(K, N, W.data(), qc.data(), sc);
  ASSERT_EQ(st.size(), 1u);
  ASSERT_EQ(sc.size(), static_cast<std::size_t>(N));
  double et = 0, ec = 0;
  for (int k = 0; k < K; ++k)
    for (int j = 1; j < N; j += 2) {
      et += std::fabs(W[k * N + j] - qt[k * N + j] * st[0]);
      ec += std::fabs(W[k * N + j] - qc[k * N + j] * sc[j]);
    }
  EXPECT_LT(ec * 20, et);
}

TEST(Schemes, MakeRequantIsAccurate) {
  for (double M : {1e-9, 0.000123, 0.0375, 0.5, 0.999999, 1.0, 1.5, 1000.0}) {
    const Requant r = make_requant(M);
    EXPECT_GE(r.multiplier, 1 << 30);
    const double back = r.multiplier * std::ldexp(1.0, -(31 + r.shift));
    EXPECT_NEAR(back / M, 1.0, 1e-9) << M;
  }
  EXPECT_THROW(make_requant(-1.0), std::invalid_argument);
  EXPECT_EQ(make_requant(0.0).multiplier, 0);
}

// ---------------------------------------------------------------------------
// Calibration

TEST(Calibration, MinMaxAndPercentile) {
  Histogram h = ref::make_histogram(10.0f, 100);
  std::vector<float> x;
  for (int i = 0; i < 999; ++i) x.push_back(static_cast<float>(i % 100) * 0.01f);  // 0 .. 0.99
  x.push_back(-7.05f);  // one outlier, counted by magnitude
  ref::histogram_add(h, x.data(), x.size());
  EXPECT_EQ(h.total(), 1000u);
  EXPECT_FLOAT_EQ(ref::calibrate_minmax(h), 7.1f);        // the upper edge of the outlier's bin
  EXPECT_FLOAT_EQ(ref::calibrate_percentile(h, 99.0), 1.0f);  // 999 of 1000 values are below 1.0
  EXPECT_FLOAT_EQ(ref::calibrate_percentile(h, 100.0), 7.1f);
}

TEST(Calibration, EntropyClipsALongTail) {
  // Half-normal activations with a few far outliers (what ReLU layers look
  // like): min-max keeps the outliers and wastes the grid on empty range;
  // the KL threshold clips them and sits a few sigma out.
  std::mt19937_64 rng(seed(95));
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> x(200000);
  for (auto& v : x) v = std::fabs(g(rng));
  for (int i = 0; i < 20; ++i) x[i] = 40.0f + i;
  Histogram h = ref::make_histogram(60.0f, 2048);
  ref::histogram_add(h, x.data(), x.size());
  const float minmax = ref::calibrate_minmax(h), kl = ref::calibrate_entropy(h, 255);
  EXPECT_GE(minmax, 59.0f);
  EXPECT_GT(kl, 3.0f);
  EXPECT_LT(kl, 12.0f);
}

TEST(Calibration, EntropyKeepsAUniformRange) {
  // Uniform on [0, 4]: nothing to gain by clipping, KL keeps nearly all.
  const auto x = random_floats(200000, 96, 0.0f, 4.0f);
  Histogram h = ref::make_histogram(4.0f, 2048);
  ref::histogram_add(h, x.data(), x.size());
  EXPECT_GT(ref::calibrate_entropy(h, 255), 3.8f);
}
