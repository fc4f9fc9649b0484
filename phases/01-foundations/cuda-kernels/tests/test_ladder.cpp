// Every step of the reference ladder held to the CPU golden reference (built
// into the reference tests only), plus checks of the CPU references and the
// workspace sizes that need no GPU.
#include <gtest/gtest.h>

#include <labkit/check_gtest.hpp>

#include <string>
#include <tuple>

#include "test_support.hpp"

namespace ref = cuda_kernels::reference;
using namespace cuda_kernels::test;
namespace cpu = cuda_kernels::cpu;

// ---------------------------------------------------------------- no GPU needed

TEST(CpuReference, TransposeOfATwoByThree) {
  const float in[6] = {1, 2, 3, 4, 5, 6};  // [[1 2 3] [4 5 6]]
  float out[6];
  cpu::transpose(in, out, 2, 3);
  EXPECT_ELEMENTS_EQ(std::vector<float>(out, out + 6), (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(CpuReference, SoftmaxOfKnownValues) {
  // exp(0) : exp(ln 3) = 1 : 3, so [0.25, 0.75]; adding 1000 to both changes nothing.
  const float x[4] = {0.0f, std::log(3.0f), 1000.0f, 1000.0f + std::log(3.0f)};
  double y[4];
  cpu::softmax_rows(x, y, 2, 2);
  EXPECT_NEAR(y[0], 0.25, 1e-7);
  EXPECT_NEAR(y[1], 0.75, 1e-7);
  EXPECT_NEAR(y[2], 0.25, 1e-4);  // 1000 + ln 3 rounds to float: a relative 6e-5 in the argument
  EXPECT_NEAR(y[3], 0.75, 1e-4);
}

TEST(CpuReference, ExclusiveScanAndHistogram) {
  const float x[4] = {1, 2, 3, 4};
  double y[4];
  cpu::exclusive_scan(x, y, 4);
  EXPECT_ELEMENTS_EQ(std::vector<double>(y, y + 4), (std::vector<double>{0, 1, 3, 6}));
  const std::uint8_t bytes[5] = {7, 7, 0, 255, 7};
  const auto bins = cpu::histogram(bytes, 5);
  EXPECT_EQ(bins[7], 3u);
  EXPECT_EQ(bins[0], 1u);
  EXPECT_EQ(bins[255], 1u);
}

TEST(Workspace, OneFloatPerBlockPerLevel) {
  EXPECT_EQ(cuda_kernels::reduce_workspace_floats(1), 1u);        // one pass straight into *out
  EXPECT_EQ(cuda_kernels::reduce_workspace_floats(512), 1u);
  EXPECT_EQ(cuda_kernels::reduce_workspace_floats(513), 3u);      // 2 partials, then *out
  EXPECT_EQ(cuda_kernels::reduce_workspace_floats(512 * 512 + 1), 513u + 2u + 1u);
  EXPECT_EQ(cuda_kernels::scan_workspace_floats(512), 1u);
  EXPECT_EQ(cuda_kernels::scan_workspace_floats(1025), 3u + 1u);  // 3 block totals, scanned by one block
}

TEST(EmptyProblems, EveryWrapperReturnsWithoutTouchingTheGpu) {
  // Safe without a device: nothing is launched for a zero-sized problem.
  EXPECT_NO_THROW(ref::saxpy(1.0f, nullptr, nullptr, 0));
  EXPECT_NO_THROW(ref::reduce_smem_tree(nullptr, 0, nullptr, nullptr));
  EXPECT_NO_THROW(ref::reduce_grid_stride_atomic(nullptr, 0, nullptr, nullptr));
  EXPECT_NO_THROW(ref::transpose_naive(nullptr, nullptr, 0, 5));
  EXPECT_NO_THROW(ref::sgemm_regblock_2d(0, 3, 3, nullptr, nullptr, nullptr));
  EXPECT_NO_THROW(ref::softmax_online(nullptr, nullptr, 3, 0));
  EXPECT_NO_THROW(ref::histogram_shared_privatized(nullptr, 0, nullptr));
  EXPECT_NO_THROW(ref::scan_blelloch(nullptr, nullptr, 0, nullptr));
}

// ---------------------------------------------------------------- saxpy

TEST(Saxpy, ExactOnSmallIntegersAndWithinOneRoundingOnRandomData) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  for (int n : {1, 255, 256, 257, 100003, 1 << 20}) {
    for (bool integers : {true, false}) {
      const auto x = integers ? small_integers(n, seed() + n, -9, 9) : random_floats(n, seed() + n);
      const auto y0 = integers ? small_integers(n, seed() + 2 * n, -9, 9) : random_floats(n, seed() + 2 * n);
      const float a = integers ? 3.0f : 0.7f;
      DeviceBuffer<float> d_x(x), d_y(y0);
      ref::saxpy(a, d_x.get(), d_y.get(), n);
      synchronize();
      const auto got = d_y.download();
      std::vector<double> exact(got.size());
      for (int i = 0; i < n; ++i) exact[i] = static_cast<double>(a) * x[i] + y0[i];
      // The GPU fuses a x + y into one FMA (one rounding) where the CPU may
      // round twice: gamma_2 (|a x| + |y|) covers both.
      ASSERT_CLOSE(labkit::within(got, exact, [&](std::size_t i) {
        return integers ? 0.0
                        : labkit::axpy_error_bound(static_cast<double>(a) * x[i], y0[i]) + labkit::kUnderflowSlack;
      }, {"y"})) << "n = " << n << (integers ? " (integer data: exact)" : "");
    }
  }
}

// ---------------------------------------------------------------- reduction

struct ReduceStep {
  const char* name;
  ReduceFn fn;
};
class ReduceSteps : public ::testing::TestWithParam<ReduceStep> {};

TEST_P(ReduceSteps, ExactOnSmallIntegersForEveryLengthAndAlignment) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  for (int n : {1, 2, 3, 4, 5, 31, 32, 33, 255, 256, 257, 511, 512, 513, 1000, 4097, 100003, 262145, 1 << 20, 3000001})
    for (int offset : {0, 1, 2, 3}) expect_reduce_exact(GetParam().fn, n, offset);
}

TEST_P(ReduceSteps, RandomWithinRoundingBound) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  for (int n : {1, 1000, 100003, 1 << 22}) expect_reduce_random(GetParam().fn, n);
}

INSTANTIATE_TEST_SUITE_P(Ladder, ReduceSteps,
                         ::testing::Values(ReduceStep{"smem_tree", ref::reduce_smem_tree},
                                           ReduceStep{"warp_shuffle", ref::reduce_warp_shuffle},
                                           ReduceStep{"grid_stride_atomic", ref::reduce_grid_stride_atomic}),
                         [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------- transpose

struct TransposeStep {
  const char* name;
  TransposeFn fn;
};
class TransposeSteps : public ::testing::TestWithParam<TransposeStep> {};

TEST_P(TransposeSteps, ExactForEveryShape) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  for (auto [rows, cols] : {std::tuple{1, 1}, std::tuple{1, 37}, std::tuple{37, 1}, std::tuple{31, 33},
                            std::tuple{32, 32}, std::tuple{33, 31}, std::tuple{100, 257}, std::tuple{1000, 999},
                            std::tuple{2048, 1024}})
    expect_transpose(GetParam().fn, rows, cols);
}

INSTANTIATE_TEST_SUITE_P(Ladder, TransposeSteps,
                         ::testing::Values(TransposeStep{"naive", ref::transpose_naive},
                                           TransposeStep{"smem_tile", ref::transpose_smem_tile},
                                           TransposeStep{"smem_padded", ref::transpose_smem_padded}),
                         [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------- sgemm

struct SgemmStep {
  const char* name;
  SgemmFn fn;
};
class SgemmSteps : public ::testing::TestWithParam<SgemmStep> {};

// The register-blocked step has two paths: whole 128 x 128 x 8 tiles with
// float4 loads (128 x 128 x 8, 256 x 384 x 136) and guarded edges (the rest).
const std::tuple<int, int, int> kSgemmShapes[] = {
    {1, 1, 1},       {17, 33, 9},     {32, 32, 32},    {64, 64, 64},   {127, 129, 130},
    {128, 128, 8},   {128, 128, 128}, {256, 384, 136}, {300, 200, 257}, {129, 127, 7}, {5, 7, 0}};

TEST_P(SgemmSteps, ExactOnSmallIntegers) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  for (auto [M, N, K] : kSgemmShapes) expect_sgemm(GetParam().fn, M, N, K, true);
}

TEST_P(SgemmSteps, RandomWithinRoundingBound) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  for (auto [M, N, K] : kSgemmShapes) expect_sgemm(GetParam().fn, M, N, K, false);
}

INSTANTIATE_TEST_SUITE_P(Ladder, SgemmSteps,
                         ::testing::Values(SgemmStep{"naive", ref::sgemm_naive},
                                           SgemmStep{"smem_tiled", ref::sgemm_smem_tiled},
                                           SgemmStep{"regblock_2d", ref::sgemm_regblock_2d}),
                         [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------- softmax

struct SoftmaxStep {
  const char* name;
  SoftmaxFn fn;
};
class SoftmaxSteps : public ::testing::TestWithParam<SoftmaxStep> {};

TEST_P(SoftmaxSteps, WithinRelativeBoundForEveryShape) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  for (auto [rows, cols] : {std::tuple{1, 1}, std::tuple{7, 31}, std::tuple{8, 32}, std::tuple{9, 33},
                            std::tuple{33, 100}, std::tuple{5, 1000}, std::tuple{64, 4097}})
    expect_softmax(GetParam().fn, rows, cols, 0.0f);
}

TEST_P(SoftmaxSteps, LargeInputsDoNotOverflow) {
  // exp(95) overflows float; subtracting the row's max first keeps every
  // exponent <= 0, and the result equals the unshifted softmax.
  LABKIT_CUDA_REQUIRE_DEVICE();
  expect_softmax(GetParam().fn, 16, 300, 100.0f);
}

INSTANTIATE_TEST_SUITE_P(Ladder, SoftmaxSteps,
                         ::testing::Values(SoftmaxStep{"three_pass", ref::softmax_three_pass},
                                           SoftmaxStep{"online", ref::softmax_online}),
                         [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------- histogram

struct HistogramStep {
  const char* name;
  HistogramFn fn;
};
class HistogramSteps : public ::testing::TestWithParam<HistogramStep> {};

TEST_P(HistogramSteps, ExactForEveryLengthAlignmentAndDistribution) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  for (int n : {1, 3, 4, 5, 1000, 4099, 1 << 20, (1 << 20) + 3})
    for (int offset : {0, 1, 3})
      for (Bytes kind : {Bytes::uniform, Bytes::constant, Bytes::skewed}) expect_histogram(GetParam().fn, n, offset, kind);
}

INSTANTIATE_TEST_SUITE_P(Ladder, HistogramSteps,
                         ::testing::Values(HistogramStep{"global_atomics", ref::histogram_global_atomics},
                                           HistogramStep{"shared_privatized", ref::histogram_shared_privatized}),
                         [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------- scan

TEST(ScanBlelloch, ExactOnSmallIntegersForEveryLength) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  // One block (<= 512), two levels (<= 512^2), three levels (262145 and up).
  for (int n : {1, 2, 3, 511, 512, 513, 1024, 1025, 100003, 262144, 262145, 1 << 20})
    expect_scan(ref::scan_blelloch, n, true, false);
}

TEST(ScanBlelloch, RandomWithinRoundingBound) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  for (int n : {1000, 262145, 1 << 20}) expect_scan(ref::scan_blelloch, n, false, false);
}

TEST(ScanBlelloch, InPlace) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  for (int n : {7, 513, 300000}) expect_scan(ref::scan_blelloch, n, true, true);
}
