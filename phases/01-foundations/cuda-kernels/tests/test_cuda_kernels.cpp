// Tests of the three kernels you write, built twice: against the reference
// and against student/ (LABKIT_IMPL selects the namespace).
//
// Written.*: no GPU needed. Each calls a wrapper on an empty problem, which
// returns at once unless the wrapper still holds its LABKIT_TODO line.
// Everything else needs a GPU, and is skipped with "no CUDA device: <reason>"
// without one.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <tuple>

#include "test_support.hpp"

namespace impl = cuda_kernels::LABKIT_IMPL;
using namespace cuda_kernels::test;

namespace {

// Says once, at the start, whether the GPU tests will run.
class DeviceNote : public ::testing::Environment {
 public:
  void SetUp() override {
    const auto& s = labkit::cuda::device_status();
    if (s.available) {
      std::printf("cuda-kernels tests: %s\n", labkit::cuda::describe(labkit::cuda::query_device(0)).c_str());
    } else {
      std::printf("cuda-kernels tests: no CUDA device: %s\n", s.reason.c_str());
      std::printf("cuda-kernels tests: the GPU tests are skipped; Written.* and the CPU checks still run.\n");
    }
  }
};
[[maybe_unused]] ::testing::Environment* const kDeviceNote = ::testing::AddGlobalTestEnvironment(new DeviceNote);

std::string shape_name(int a, int b) { return std::to_string(a) + "x" + std::to_string(b); }

}  // namespace

// ---- Written: the starter fails here, with TODO(n) and the line to edit.

TEST(Written, TransposeSmemPadded) {
  EXPECT_NO_THROW(impl::transpose_smem_padded(nullptr, nullptr, 0, 0)) << "remove LABKIT_TODO(1) once the kernel is written";
}
TEST(Written, ReduceWarpShuffle) {
  EXPECT_NO_THROW(impl::reduce_warp_shuffle(nullptr, 0, nullptr, nullptr)) << "remove LABKIT_TODO(2) once the kernel is written";
}
TEST(Written, SgemmSmemTiled) {
  EXPECT_NO_THROW(impl::sgemm_smem_tiled(0, 0, 0, nullptr, nullptr, nullptr)) << "remove LABKIT_TODO(3) once the kernel is written";
}

// ---- TODO(1): transpose through a padded shared-memory tile.

class TransposeSmemPadded : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(TransposeSmemPadded, ExactForEveryShape) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  const auto [rows, cols] = GetParam();
  expect_transpose(impl::transpose_smem_padded, rows, cols);
}

// Shapes: one element, one row, one column, just under / at / over a tile,
// tall, wide, and large enough for many blocks in both directions.
INSTANTIATE_TEST_SUITE_P(Shapes, TransposeSmemPadded,
                         ::testing::Values(std::tuple{1, 1}, std::tuple{1, 37}, std::tuple{37, 1}, std::tuple{31, 33},
                                           std::tuple{32, 32}, std::tuple{33, 31}, std::tuple{64, 96},
                                           std::tuple{100, 257}, std::tuple{1000, 999}, std::tuple{2048, 1024}),
                         [](const auto& info) { return shape_name(std::get<0>(info.param), std::get<1>(info.param)); });

// ---- TODO(2): warp-shuffle reduction.

class ReduceWarpShuffle : public ::testing::TestWithParam<int> {};

TEST_P(ReduceWarpShuffle, ExactOnSmallIntegers) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  for (int offset : {0, 1, 3}) expect_reduce_exact(impl::reduce_warp_shuffle, GetParam(), offset);
}

TEST_P(ReduceWarpShuffle, RandomWithinRoundingBound) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  expect_reduce_random(impl::reduce_warp_shuffle, GetParam());
}

// Lengths around a warp (32), a block's 512 elements, several passes
// (513 needs two; 262145 = 512 x 512 + 1 needs three), and a few million.
INSTANTIATE_TEST_SUITE_P(Lengths, ReduceWarpShuffle,
                         ::testing::Values(1, 2, 31, 32, 33, 255, 256, 257, 511, 512, 513, 1000, 4097, 100003,
                                           262144, 262145, 1 << 20, 3000001),
                         [](const auto& info) { return "n" + std::to_string(info.param); });

// ---- TODO(3): shared-memory tiled SGEMM.

class SgemmSmemTiled : public ::testing::TestWithParam<std::tuple<int, int, int>> {};

TEST_P(SgemmSmemTiled, ExactOnSmallIntegers) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  const auto [M, N, K] = GetParam();
  expect_sgemm(impl::sgemm_smem_tiled, M, N, K, true);
}

TEST_P(SgemmSmemTiled, RandomWithinRoundingBound) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  const auto [M, N, K] = GetParam();
  expect_sgemm(impl::sgemm_smem_tiled, M, N, K, false);
}

// Shapes: 1 x 1 x 1; edges that are not multiples of the 32 tile in M, N and
// K, separately and together; exact tiles; K = 0 (C is all zeros).
INSTANTIATE_TEST_SUITE_P(Shapes, SgemmSmemTiled,
                         ::testing::Values(std::tuple{1, 1, 1}, std::tuple{17, 33, 9}, std::tuple{32, 32, 32},
                                           std::tuple{33, 32, 32}, std::tuple{32, 33, 32}, std::tuple{32, 32, 33},
                                           std::tuple{64, 64, 64}, std::tuple{127, 129, 130}, std::tuple{256, 384, 136},
                                           std::tuple{300, 200, 257}, std::tuple{5, 7, 0}),
                         [](const auto& info) {
                           return std::to_string(std::get<0>(info.param)) + "x" + std::to_string(std::get<1>(info.param)) +
                                  "x" + std::to_string(std::get<2>(info.param));
                         });
