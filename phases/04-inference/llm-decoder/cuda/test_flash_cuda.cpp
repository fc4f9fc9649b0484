// The CUDA flash-attention kernel against the CPU's materialized attention;
// skipped without a device. Prints the kernel's median time at T = 256..4096.
#include <gtest/gtest.h>
#include <labkit/check.hpp>
#include <labkit/check_gtest.hpp>

#include <algorithm>
#include <cstdio>
#include <random>

#include "flash_attention_cuda.hpp"
#include "llm_decoder.hpp"

TEST(CudaFlashAttention, MatchesMaterializedAttention) {
  std::string why;
  if (!llm_decoder::cuda::device_available(&why)) GTEST_SKIP() << "no CUDA device: " << why;
  for (int D : {32, 64})
    for (int T : {1, 33, 100, 256}) {
      const int H = 3;
      std::mt19937_64 rng(labkit::seed() + static_cast<std::uint64_t>(T * 100 + D));
      std::normal_distribution<float> nd(0.0f, 1.0f);
      std::vector<float> Q(static_cast<std::size_t>(H) * T * D), K(Q.size()), V(Q.size()), O(Q.size(), NAN), want(Q.size());
      for (auto* v : {&Q, &K, &V})
        for (auto& x : *v) x = nd(rng);
      std::vector<float> scratch;
      for (int h = 0; h < H; ++h) {
        const std::size_t off = static_cast<std::size_t>(h) * T * D;
        llm_decoder::attention_naive_prefill(Q.data() + off, K.data() + off, V.data() + off, T, D, D, want.data() + off, scratch);
      }
      llm_decoder::cuda::flash_attention(Q.data(), K.data(), V.data(), H, T, D, O.data());
      // __expf and another summation order: 1e-4 relative and absolute, as on the CPU.
      EXPECT_CLOSE(labkit::allclose(O, want, 1e-4, 1e-4, {"O", static_cast<std::size_t>(D)})) << "T " << T << " D " << D;
    }
}

TEST(CudaFlashAttention, TimeAtEachContext) {
  std::string why;
  if (!llm_decoder::cuda::device_available(&why)) GTEST_SKIP() << "no CUDA device: " << why;
  const int H = 12, D = 64;
  for (int T : {256, 1024, 4096}) {
    std::vector<float> Q(static_cast<std::size_t>(H) * T * D, 0.01f), O(Q.size());
    llm_decoder::cuda::flash_attention(Q.data(), Q.data(), Q.data(), H, T, D, O.data());  // warm-up (and JIT)
    std::vector<double> runs;  // each call times one launch with CUDA events
    for (int r = 0; r < 7; ++r) runs.push_back(llm_decoder::cuda::flash_attention(Q.data(), Q.data(), Q.data(), H, T, D, O.data()));
    std::sort(runs.begin(), runs.end());
    const double ms = runs[runs.size() / 2];
    // Causal: query i scores i + 1 keys and sums as many rows of V, 2 flops per
    // multiply-add, so 4 D flops per (query, key) pair. Attention at these
    // sizes is bound by arithmetic, not by the 16 H T D bytes of Q, K, V and O.
    const double flops = 4.0 * H * D * (static_cast<double>(T) * (T + 1) / 2);
    std::printf("cuda flash attention: %d heads, T %d, head_dim %d: median of %zu launches %.3f ms (%.3f to %.3f), %.2f TFLOP/s"
                " (fp32, no tensor cores)\n", H, T, D, runs.size(), ms, runs.front(), runs.back(), flops / ms / 1e9);
  }
}
