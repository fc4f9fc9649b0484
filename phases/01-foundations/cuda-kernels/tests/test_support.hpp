// Inputs, tolerances and checks shared by the cuda-kernels tests. Every
// check runs a GPU function on device memory and compares the result with
// the CPU golden reference (cuda_kernels_cpu.hpp).
//
// Tolerances, and why:
//   transpose, histogram    exact: data is only moved or counted.
//   any sum on small integers (reduction, scan, sgemm, saxpy)  exact: every
//      partial sum is an integer below 2^24, which float represents exactly,
//      so every summation order gives the same, exact answer. These tests
//      catch a dropped, doubled or misplaced element with certainty.
//   sums of random floats   |got - exact| <= 4 sqrt(n + 1) u sum|x_i|, with
//      u = 2^-24 the unit roundoff of float: the probabilistic bound of Higham
//      and Mary (2019), which holds for any summation order (tree, shuffles,
//      atomics in any order): labkit::dot_error_bound_probabilistic(). It is
//      generous: it catches a lost precision (say, a half-precision
//      accumulator), not an off-by-one; the integer tests do that.
//   scan of random floats   element i: |got - exact| <= gamma_L sum_{j<i} |x_j|,
//      L = 19 per level of the multi-level scan: each 512-element block adds
//      at most 2 log2(512) = 18 times along any path, plus one add of the
//      block's offset (the deterministic bound for a summation tree of depth
//      L, Higham section 4.2: labkit::tree_sum_error_bound()).
//   softmax                 relative, |got - exact| <= r u exact with
//      r = 4 (ceil(cols / 32) + 5) + 32: each lane adds ceil(cols / 32)
//      positive terms (and the online step may rescale its sum as often),
//      5 butterfly steps combine the lanes, and expf (<= 2 ulp), x - max and
//      the division add a few u each.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <labkit/check.hpp>
#include <labkit/check_gtest.hpp>
#include <labkit/cuda.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cuda_kernels.hpp"
#include "cuda_kernels_cpu.hpp"
#include "inputs.hpp"

namespace cuda_kernels::test {

using labkit::cuda::DeviceBuffer;

inline void synchronize() { LABKIT_CUDA_CHECK(cudaDeviceSynchronize()); }

// An output with canaries on both sides of the payload, in host memory
// (labkit::GuardedBuffer) and mirrored on the device (labkit::cuda::DeviceGuarded):
// the kernel writes device.data(); after device.download(), host.canaries_report()
// says whether it wrote outside, and host.span() holds the result.
using labkit::GuardedBuffer;
using Mirror = labkit::cuda::DeviceGuarded<GuardedBuffer<float>>;

inline constexpr float kSentinel = -12345.0f;  // the canary, and what an output holds before it is written

inline std::string never_written(const labkit::CloseReport& r) {
  return !r.ok && r.first_actual == kSentinel ? " (never written)" : "";
}

// ---------------------------------------------------------------- transpose

using TransposeFn = void (*)(const float*, float*, int, int, cudaStream_t);

inline void expect_transpose(TransposeFn fn, int rows, int cols) {
  const std::size_t n = static_cast<std::size_t>(rows) * cols;
  const auto in = random_floats(n, seed() + 131u * rows + cols);
  std::vector<float> expected(n);
  cpu::transpose(in.data(), expected.data(), rows, cols);
  DeviceBuffer<float> d_in(in);
  GuardedBuffer<float> out(n, 0, kSentinel);
  Mirror d_out(out);
  fn(d_in.get(), d_out.data(), rows, cols, nullptr);
  synchronize();
  d_out.download();
  EXPECT_EQ(out.canaries_report(), "") << rows << " x " << cols << ": wrote outside out[0, rows x cols)";
  // out is cols x rows: out[i][j] must be in[j][i].
  const auto r = labkit::exactly_equal(out.span(), expected, {"out", static_cast<std::size_t>(rows)});
  EXPECT_CLOSE(r) << rows << " x " << cols << never_written(r);
}

// ---------------------------------------------------------------- reduction

using ReduceFn = void (*)(const float*, int, float*, float*, cudaStream_t);

// Runs fn on x placed `offset` floats into a device buffer (a pointer that
// is not 16-byte aligned when offset % 4 != 0).
inline float run_reduce(ReduceFn fn, const std::vector<float>& x, int offset) {
  std::vector<float> padded(x.size() + offset + 4, kSentinel);
  std::copy(x.begin(), x.end(), padded.begin() + offset);
  DeviceBuffer<float> d_x(padded);
  DeviceBuffer<float> workspace(reduce_workspace_floats(static_cast<int>(x.size())));
  DeviceBuffer<float> out(std::vector<float>{kSentinel});
  fn(d_x.get() + offset, static_cast<int>(x.size()), out.get(), workspace.get(), nullptr);
  synchronize();
  return out.download()[0];
}

inline void expect_reduce_exact(ReduceFn fn, int n, int offset) {
  const auto x = small_integers(n, seed() + n, -4, 4);
  const double expected = cpu::reduce_sum(x.data(), x.size());
  const float got = run_reduce(fn, x, offset);
  EXPECT_EQ(got, static_cast<float>(expected))
      << "n = " << n << ", x at offset " << offset << " floats: integer data, so the sum is exact in any order"
      << (got == kSentinel ? " (*out was never written)" : "");
}

inline void expect_reduce_random(ReduceFn fn, int n) {
  const auto x = random_floats(n, seed() * 3 + n);
  double sum_abs = 0;
  const double expected = cpu::reduce_sum(x.data(), x.size(), &sum_abs);
  const float got = run_reduce(fn, x, 0);
  const double bound = labkit::dot_error_bound_probabilistic(n, sum_abs) + labkit::kUnderflowSlack;
  EXPECT_CLOSE(labkit::within(got, expected, bound, {"sum", labkit::Where::kScalar})) << "n = " << n;
}

// ---------------------------------------------------------------- sgemm

using SgemmFn = void (*)(int, int, int, const float*, const float*, float*, cudaStream_t);

inline void expect_sgemm(SgemmFn fn, int M, int N, int K, bool integers) {
  const std::uint64_t s = seed() + 1000003u * M + 1009u * N + K;
  const auto A = integers ? small_integers(static_cast<std::size_t>(M) * K, s, -2, 2)
                          : random_floats(static_cast<std::size_t>(M) * K, s);
  const auto B = integers ? small_integers(static_cast<std::size_t>(K) * N, s + 1, -2, 2)
                          : random_floats(static_cast<std::size_t>(K) * N, s + 1);
  const std::size_t mn = static_cast<std::size_t>(M) * N;
  std::vector<double> expected(mn), scale(mn);
  cpu::sgemm(M, N, K, A.data(), B.data(), expected.data(), scale.data());
  DeviceBuffer<float> d_a(A), d_b(B);
  GuardedBuffer<float> C(mn, 0, kSentinel);
  Mirror d_c(C);
  fn(M, N, K, d_a.get(), d_b.get(), d_c.data(), nullptr);
  synchronize();
  d_c.download();
  EXPECT_EQ(C.canaries_report(), "") << M << " x " << N << " x " << K << ": wrote outside C";
  // Integers: exact. Random: each entry is a dot product of length K.
  const labkit::Where where{"C", static_cast<std::size_t>(N)};
  const auto r = integers ? labkit::exactly_equal(C.span(), expected, where)
                          : labkit::within(C.span(), expected, [&](std::size_t i) {
                              return labkit::dot_error_bound_probabilistic(K, scale[i]) + labkit::kUnderflowSlack;
                            }, where);
  EXPECT_CLOSE(r) << "M N K = " << M << " " << N << " " << K << (integers ? " (integer data: exact)" : "")
                  << never_written(r);
}

// ---------------------------------------------------------------- softmax

using SoftmaxFn = void (*)(const float*, float*, int, int, cudaStream_t);

inline void expect_softmax(SoftmaxFn fn, int rows, int cols, float shift) {
  const std::size_t n = static_cast<std::size_t>(rows) * cols;
  auto x = random_floats(n, seed() + 7u * rows + cols, -5.0f, 5.0f);
  for (auto& v : x) v += shift;
  std::vector<double> expected(n);
  cpu::softmax_rows(x.data(), expected.data(), rows, cols);
  DeviceBuffer<float> d_x(x);
  GuardedBuffer<float> y(n, 0, kSentinel);
  Mirror d_y(y);
  fn(d_x.get(), d_y.data(), rows, cols, nullptr);
  synchronize();
  d_y.download();
  EXPECT_EQ(y.canaries_report(), "") << rows << " x " << cols << ": wrote outside y";
  const double rel = (4.0 * (cols / 32 + 1 + 5) + 32) * kUnit;
  const auto r = labkit::within(y.span(), expected, [&](std::size_t i) { return rel * expected[i] + 1e-38; },
                                {"y", static_cast<std::size_t>(cols)});
  EXPECT_CLOSE(r) << rows << " x " << cols << " (inputs shifted by " << shift << "; relative tolerance " << rel << ")"
                  << never_written(r);
}

// ---------------------------------------------------------------- histogram

using HistogramFn = void (*)(const std::uint8_t*, int, unsigned int*, cudaStream_t);

enum class Bytes { uniform, constant, skewed };

inline void expect_histogram(HistogramFn fn, int n, int offset, Bytes kind) {
  Rng rng(seed() + n);
  std::vector<std::uint8_t> data(static_cast<std::size_t>(n) + offset + 4, 0xEE);
  for (int i = 0; i < n; ++i) {
    std::uint8_t v = static_cast<std::uint8_t>(rng.next());
    if (kind == Bytes::constant) v = 42;
    // Most values in a few bins, like letters in text: heavy contention.
    if (kind == Bytes::skewed) v = rng.next() % 8 != 0 ? static_cast<std::uint8_t>('a' + rng.next() % 4) : v;
    data[static_cast<std::size_t>(offset + i)] = v;
  }
  const auto expected = cpu::histogram(data.data() + offset, static_cast<std::size_t>(n));
  DeviceBuffer<std::uint8_t> d_data(data);
  DeviceBuffer<unsigned int> bins(std::vector<unsigned int>(kHistogramBins, 777u));  // the call must zero them
  fn(d_data.get() + offset, n, bins.get(), nullptr);
  synchronize();
  const auto got = bins.download();
  EXPECT_CLOSE(labkit::exactly_equal(got, expected, {"bins"})) << "n = " << n << ", data at offset " << offset;
}

// ---------------------------------------------------------------- scan

using ScanFn = void (*)(const float*, float*, int, float*, cudaStream_t);


inline void expect_scan(ScanFn fn, int n, bool integers, bool in_place) {
  const auto x = integers ? small_integers(n, seed() + 5u * n, -3, 3) : random_floats(n, seed() + 5u * n);
  std::vector<double> expected(n), prefix_abs(n);
  cpu::exclusive_scan(x.data(), expected.data(), n, prefix_abs.data());
  DeviceBuffer<float> d_x(x);
  DeviceBuffer<float> workspace(scan_workspace_floats(n));
  GuardedBuffer<float> y(static_cast<std::size_t>(n), 0, kSentinel);
  Mirror d_y(y);
  std::vector<float> got;
  if (in_place) {
    fn(d_x.get(), d_x.get(), n, workspace.get(), nullptr);
    synchronize();
    got = d_x.download();
  } else {
    fn(d_x.get(), d_y.data(), n, workspace.get(), nullptr);
    synchronize();
    d_y.download();
    got = y.payload();
  }
  EXPECT_EQ(y.canaries_report(), "") << "n = " << n << ": wrote outside y";
  const std::size_t depth = 19 * static_cast<std::size_t>(scan_levels(n));
  const auto r = labkit::within(got, expected, [&](std::size_t i) {
    return integers ? 0.0 : labkit::tree_sum_error_bound(depth, prefix_abs[i]) + labkit::kUnderflowSlack;
  }, {"y"});
  EXPECT_CLOSE(r) << "n = " << n << (in_place ? " (in place)" : "") << (integers ? " (integer data: exact)" : "");
}

}  // namespace cuda_kernels::test
