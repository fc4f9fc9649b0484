// The four functions, alone and inside the decoder, for both implementations
// (LABKIT_IMPL = reference or student).
#include <gtest/gtest.h>
#include <labkit/check.hpp>
#include <labkit/check_gtest.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "llm_decoder.hpp"

namespace llm_decoder::tests {
namespace impl = llm_decoder::LABKIT_IMPL;

// Keys and values in blocks of `bs` positions with row stride `stride`.
struct Blocks {
  std::vector<std::vector<float>> k, v;
  std::vector<const float*> kp, vp;
  KVSpan span;
  Blocks(const std::vector<float>& K, const std::vector<float>& V, int n, int hd, int bs, int stride) {
    const int nb = (n + bs - 1) / bs;
    for (int b = 0; b < nb; ++b) {
      k.emplace_back(static_cast<std::size_t>(bs) * stride, NAN);  // NaN: a row read that was never written shows
      v.emplace_back(static_cast<std::size_t>(bs) * stride, NAN);
      for (int s = 0; s < bs && b * bs + s < n; ++s)
        for (int d = 0; d < hd; ++d) {
          k.back()[static_cast<std::size_t>(s) * stride + d] = K[static_cast<std::size_t>(b * bs + s) * hd + d];
          v.back()[static_cast<std::size_t>(s) * stride + d] = V[static_cast<std::size_t>(b * bs + s) * hd + d];
        }
    }
    for (auto& x : k) kp.push_back(x.data());
    for (auto& x : v) vp.push_back(x.data());
    span = KVSpan{kp.data(), vp.data(), bs, stride};
  }
};

// softmax(scale q.K^T) V in double precision, two passes, materialized.
std::vector<double> plain_attention(const std::vector<float>& q, const std::vector<float>& K, const std::vector<float>& V,
                                    int n, int hd, double scale) {
  std::vector<double> s(static_cast<std::size_t>(n));
  double m = -1e300;
  for (int j = 0; j < n; ++j) {
    double d = 0;
    for (int i = 0; i < hd; ++i) d += static_cast<double>(q[static_cast<std::size_t>(i)]) * K[static_cast<std::size_t>(j) * hd + i];
    s[static_cast<std::size_t>(j)] = d * scale;
    m = std::max(m, s[static_cast<std::size_t>(j)]);
  }
  double sum = 0;
  for (auto& x : s) sum += (x = std::exp(x - m));
  std::vector<double> out(static_cast<std::size_t>(hd), 0.0);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < hd; ++i) out[static_cast<std::size_t>(i)] += s[static_cast<std::size_t>(j)] / sum * V[static_cast<std::size_t>(j) * hd + i];
  return out;
}

std::vector<float> normal_vec(std::size_t n, std::mt19937_64& rng, float sd = 1.0f) {
  std::normal_distribution<float> d(0.0f, sd);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// ---------------------------------------------------------------------------
// TODO 1: attend

TEST(Attend, MatchesMaterializedSoftmaxForEveryLengthAndBlockSize) {
  for (int hd : {16, 24, 64}) {
    for (int n : {1, 2, 5, 31, 32, 33, 100}) {
      for (int bs : {1, 7, 16, 128}) {
        std::mt19937_64 rng(labkit::seed() + static_cast<std::uint64_t>(hd * 1000 + n * 10 + bs));
        const auto q = normal_vec(static_cast<std::size_t>(hd), rng), K = normal_vec(static_cast<std::size_t>(n) * hd, rng),
                   V = normal_vec(static_cast<std::size_t>(n) * hd, rng);
        Blocks b(K, V, n, hd, bs, hd + 3);
        std::vector<float> out(static_cast<std::size_t>(hd), NAN);
        const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
        impl::attend(q.data(), b.span, n, hd, static_cast<float>(scale), out.data());
        // Each output is a convex combination of values |v| < ~5: float rounding of
        // the exponentials and sums stays below 1e-5 relative; 1e-4 + 1e-4|e| is
        // loose enough for any order of the sums and tight enough to catch a
        // dropped key (an error of about 1/n of a value) or a missed rescale.
        EXPECT_CLOSE(labkit::allclose(out, plain_attention(q, K, V, n, hd, scale), 1e-4, 1e-4, {"out"}))
            << "head_dim " << hd << ", n " << n << ", block_size " << bs;
      }
    }
  }
}

TEST(Attend, HugeScoresNeedTheRunningMaximum) {
  // Scores of several hundred overflow exp() without the maximum subtracted;
  // the largest comes last, so the running maximum must rescale what came before.
  const int hd = 16, n = 40;
  std::vector<float> q(hd, 0.0f), K(static_cast<std::size_t>(n) * hd, 0.0f), V(static_cast<std::size_t>(n) * hd);
  q[0] = 30.0f;
  for (int j = 0; j < n; ++j) {
    K[static_cast<std::size_t>(j) * hd] = static_cast<float>(j);  // score 30 j: up to 1170
    for (int d = 0; d < hd; ++d) V[static_cast<std::size_t>(j) * hd + d] = static_cast<float>(j + d);
  }
  Blocks b(K, V, n, hd, 16, hd);
  std::vector<float> out(hd, NAN);
  impl::attend(q.data(), b.span, n, hd, 1.0f, out.data());
  // exp(-30) of weight on the runner-up: the last value exactly, to float precision.
  for (int d = 0; d < hd; ++d) EXPECT_NEAR(out[static_cast<std::size_t>(d)], n - 1 + d, 1e-4) << "out[" << d << "]";
}

// ---------------------------------------------------------------------------
// TODO 2: the paged KV cache

TEST(KVCache, ReserveTakesBlocksFromTheFreeListAndRefusesWhenFull) {
  PagedKVCache c(2, 8, 4, 3);  // 3 blocks of 4 positions
  const int a = c.add_sequence(), b = c.add_sequence();
  for (int p = 0; p < 5; ++p) EXPECT_EQ(impl::kv_reserve(c, a), p);
  EXPECT_EQ(c.seqs[static_cast<std::size_t>(a)].block_table, (std::vector<int>{0, 1})) << "a new block at positions 0 and 4";
  EXPECT_EQ(c.seqs[static_cast<std::size_t>(a)].length, 5);
  EXPECT_EQ(impl::kv_reserve(c, b), 0);
  EXPECT_EQ(c.seqs[static_cast<std::size_t>(b)].block_table, (std::vector<int>{2}));
  EXPECT_TRUE(c.free_blocks.empty());
  for (int p = 5; p < 8; ++p) EXPECT_EQ(impl::kv_reserve(c, a), p) << "positions 5-7 fit in block 1";
  EXPECT_THROW(impl::kv_reserve(c, a), std::runtime_error) << "position 8 needs a fourth block";
  c.free_sequence(b);
  EXPECT_EQ(impl::kv_reserve(c, a), 8) << "block 2 came back to the free list";
  EXPECT_EQ(c.seqs[static_cast<std::size_t>(a)].block_table, (std::vector<int>{0, 1, 2}));
}

TEST(KVCache, RowsAreWhereTheBlockTableSays) {
  PagedKVCache c(3, 5, 4, 6);
  const int a = c.add_sequence(), b = c.add_sequence();
  for (int p = 0; p < 6; ++p) {  // interleaved: a gets blocks 0, 2; b gets 1, 3
    impl::kv_reserve(c, a);
    impl::kv_reserve(c, b);
  }
  const std::vector<int> ta = c.seqs[static_cast<std::size_t>(a)].block_table;
  ASSERT_EQ(ta.size(), 2u);
  for (int layer = 0; layer < 3; ++layer)
    for (int pos = 0; pos < 6; ++pos)
      for (int which = 0; which < 2; ++which) {
        const std::size_t expect = ((static_cast<std::size_t>(ta[static_cast<std::size_t>(pos / 4)]) * 3 + layer) * 2 + which) * 4 * 5 +
                                   static_cast<std::size_t>(pos % 4) * 5;
        EXPECT_EQ(impl::kv_row(c, a, layer, pos, which) - c.pool.data(), static_cast<std::ptrdiff_t>(expect))
            << "layer " << layer << " pos " << pos << " which " << which;
      }
}

// ---------------------------------------------------------------------------
// TODO 3: one BPE merge step

TEST(BpeMerge, KnownSequences) {
  struct Case {
    std::vector<int> in;
    int l, r, m;
    std::vector<int> out;
    int count;
  };
  const std::vector<Case> cases = {
      {{1, 2, 3, 1, 2}, 1, 2, 9, {9, 3, 9}, 2},
      {{1, 1, 1}, 1, 1, 5, {5, 1}, 1},          // left to right, no overlap
      {{1, 1, 1, 1}, 1, 1, 5, {5, 5}, 2},
      {{2, 1}, 1, 2, 7, {2, 1}, 0},             // order matters
      {{}, 1, 2, 7, {}, 0},
      {{1}, 1, 2, 7, {1}, 0},
      {{3, 1, 2, 1, 2, 2}, 1, 2, 4, {3, 4, 4, 2}, 2},
  };
  for (const Case& c : cases) {
    std::vector<int> ids = c.in;
    EXPECT_EQ(impl::bpe_merge(ids, c.l, c.r, c.m), c.count);
    EXPECT_EQ(ids, c.out);
  }
}

TEST(BpeMerge, RandomSequencesAgainstAPlainRewrite) {
  std::mt19937_64 rng(labkit::seed() + 3);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<int> ids(rng() % 40);
    for (auto& x : ids) x = static_cast<int>(rng() % 3);
    const int l = static_cast<int>(rng() % 3), r = static_cast<int>(rng() % 3);
    std::vector<int> expect;  // a second, independent rewrite: build a new list
    int n = 0;
    for (std::size_t i = 0; i < ids.size();) {
      if (i + 1 < ids.size() && ids[i] == l && ids[i + 1] == r) {
        expect.push_back(99);
        i += 2;
        ++n;
      } else {
        expect.push_back(ids[i++]);
      }
    }
    EXPECT_EQ(impl::bpe_merge(ids, l, r, 99), n);
    ASSERT_EQ(ids, expect) << "trial " << trial;
  }
}

TEST(BpeMerge, TokenizerRoundTripsRandomBytes) {
  const std::string text =
      "the theory of the thing: there, then, the other thesis; they thought the theme was thin. 1234 1234 ";
  const Tokenizer tok = Tokenizer::train(text + text + text, 300, impl::ops());
  ASSERT_GT(tok.merges(), 10);
  EXPECT_LT(tok.encode("the theory", impl::ops()).size(), 6u) << "merged tokens for the trained words";
  std::mt19937_64 rng(labkit::seed() + 4);
  for (int trial = 0; trial < 200; ++trial) {
    std::string s(rng() % 64, '\0');
    for (auto& ch : s) ch = static_cast<char>(trial % 2 ? rng() % 256 : "the \xff\xfe\xc3\xa9\n 12'"[rng() % 16]);
    const std::vector<int> ids = tok.encode(s, impl::ops());
    ASSERT_EQ(tok.decode(ids), s) << "trial " << trial << ": every byte sequence, invalid UTF-8 too, comes back";
  }
}

// ---------------------------------------------------------------------------
// TODO 4: top-p

TEST(TopP, KnownDraws) {
  // Token ids 3, 0, 2, 1 in descending probability.
  const std::vector<float> p = {0.3f, 0.05f, 0.15f, 0.5f};
  const std::vector<int> order = {3, 0, 2, 1};
  // top_p 0.7: {3, 0} (mass 0.8) kept; renormalized 0.625 / 0.375.
  EXPECT_EQ(impl::sample_top_p(p.data(), order.data(), 4, 0.7f, 0.0), 3);
  EXPECT_EQ(impl::sample_top_p(p.data(), order.data(), 4, 0.7f, 0.6), 3);
  EXPECT_EQ(impl::sample_top_p(p.data(), order.data(), 4, 0.7f, 0.63), 0);
  EXPECT_EQ(impl::sample_top_p(p.data(), order.data(), 4, 0.7f, 0.999), 0);
  // top_p 1: everything; u near 1 reaches the least likely.
  EXPECT_EQ(impl::sample_top_p(p.data(), order.data(), 4, 1.0f, 0.99), 1);
  EXPECT_EQ(impl::sample_top_p(p.data(), order.data(), 4, 1.0f, 0.85), 2);
  // A tiny top_p keeps the top token only, whatever u.
  for (double u : {0.0, 0.5, 0.999}) EXPECT_EQ(impl::sample_top_p(p.data(), order.data(), 4, 0.01f, u), 3);
  // n limits the candidates (top-k before top-p).
  EXPECT_EQ(impl::sample_top_p(p.data(), order.data(), 1, 1.0f, 0.9), 3);
}

TEST(TopP, FrequenciesFollowTheRenormalizedNucleus) {
  std::mt19937_64 rng(labkit::seed() + 5);
  std::vector<float> p(10);
  for (auto& x : p) x = std::uniform_real_distribution<float>(0.1f, 1.0f)(rng);
  float sum = 0;
  for (float x : p) sum += x;
  for (auto& x : p) x /= sum;
  std::vector<int> order(10);
  for (int i = 0; i < 10; ++i) order[static_cast<std::size_t>(i)] = i;
  std::sort(order.begin(), order.end(), [&](int a, int b) { return p[static_cast<std::size_t>(a)] > p[static_cast<std::size_t>(b)]; });
  const float top_p = 0.6f;
  int keep = 0;
  double mass = 0;
  while (mass < top_p) mass += p[static_cast<std::size_t>(order[static_cast<std::size_t>(keep++)])];
  const int draws = 20000;
  std::vector<int> count(10, 0);
  for (int i = 0; i < draws; ++i)
    ++count[static_cast<std::size_t>(impl::sample_top_p(p.data(), order.data(), 10, top_p, std::uniform_real_distribution<double>(0, 1)(rng)))];
  for (int r = 0; r < 10; ++r) {
    const int tok = order[static_cast<std::size_t>(r)];
    const double expect = r < keep ? p[static_cast<std::size_t>(tok)] / mass : 0.0;
    const double sd = std::sqrt(draws * expect * (1 - expect));
    // 5 standard deviations: a false alarm once in millions of seeds.
    EXPECT_NEAR(count[static_cast<std::size_t>(tok)], draws * expect, 5 * sd + 1) << "token " << tok << " (rank " << r << ")";
  }
}

// ---------------------------------------------------------------------------
// The decoder on your functions.

Config small_config() { return Config{2, 4, 64, 48, 300}; }  // head_dim 16

// Incremental decode with the KV cache = the whole prefix recomputed without
// one (materialized attention, double sums). Bound: both are float models of
// the same sums; over 2 layers the logits (|z| < 5) agree to about 1e-5, and
// 2e-4 + 2e-4|z| leaves a margin while a key off by one position moves them by 1e-2.
TEST(Decoder, IncrementalDecodeEqualsRecomputeWithoutCache) {
  const Checkpoint ck = random_checkpoint(small_config(), labkit::seed() + 6);
  const Model m(ck);
  Engine e(m, impl::ops(), 1, 16);
  std::vector<int> tokens = {1, 5, 9, 200, 17, 17, 3, 250, 11, 42, 7, 8, 99, 100, 101, 102, 103, 104};
  std::vector<int> prompt(tokens.begin(), tokens.begin() + 9);
  const int seq = e.prefill(prompt);
  for (std::size_t t = prompt.size(); t <= tokens.size(); ++t) {
    const std::vector<int> prefix(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(t));
    const std::vector<float> full = m.forward_no_cache(prefix);
    const std::vector<float> last(full.end() - 300, full.end());
    ASSERT_CLOSE(labkit::allclose(e.last_logits(seq), last, 2e-4, 2e-4, {"logits"})) << "after " << t << " tokens";
    if (t < tokens.size()) e.decode({seq}, {tokens[t]});
  }
}

TEST(Decoder, PagedCacheEqualsContiguousCache) {
  const Checkpoint ck = random_checkpoint(small_config(), labkit::seed() + 7);
  const Model m(ck);
  Engine paged(m, impl::ops(), 2, 4), contiguous(m, impl::ops(), 2, 48);
  const std::vector<int> prompt = {4, 8, 15, 16, 23, 42, 1, 2, 3};
  // A second sequence first, so the paged one's blocks are not in order.
  paged.prefill({7, 7, 7, 7, 7});
  const int a = paged.prefill(prompt), b = contiguous.prefill(prompt);
  for (int step = 0; step < 20; ++step) {
    // The reference's attend does the same operations in the same order for
    // any block size (equal to the bit); an attend that rescales once per
    // cache block rounds differently, by a few ulp: 1e-5 + 1e-5|z| allows that,
    // and a row read from the wrong block moves the logits by 1e-2.
    ASSERT_CLOSE(labkit::allclose(paged.last_logits(a), contiguous.last_logits(b), 1e-5, 1e-5, {"logits"})) << "step " << step;
    paged.decode({a}, {step + 30});
    contiguous.decode({b}, {step + 30});
  }
}

TEST(Decoder, BatchedDecodeEqualsOneSequenceAtATime) {
  const Checkpoint ck = random_checkpoint(small_config(), labkit::seed() + 8);
  const Model m(ck);
  // Five: a group of four rows and one more (the fp32 product takes rows four at a time).
  const std::vector<std::vector<int>> prompts = {{1, 2, 3}, {9, 8, 7, 6, 5, 4, 3}, {100}, {4, 4}, {250, 1, 17, 33}};
  Engine batched(m, impl::ops(), 5, 8);
  std::vector<int> seqs;
  for (const auto& p : prompts) seqs.push_back(batched.prefill(p));
  for (int step = 0; step < 6; ++step) {
    std::vector<int> next;
    for (int s : seqs) next.push_back(static_cast<int>(std::max_element(batched.last_logits(s).begin(), batched.last_logits(s).end()) - batched.last_logits(s).begin()));
    batched.decode(seqs, next);
  }
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    Engine one(m, impl::ops(), 1, 8);
    const int s = one.prefill(prompts[i]);
    for (int step = 0; step < 6; ++step) {
      const auto& z = one.last_logits(s);
      one.decode({s}, {static_cast<int>(std::max_element(z.begin(), z.end()) - z.begin())});
    }
    EXPECT_EQ(one.last_logits(s), batched.last_logits(seqs[i])) << "sequence " << i;
  }
}

TEST(Decoder, SamplingIsSeededAndGreedyIsArgmax) {
  const Model m(random_checkpoint(small_config(), labkit::seed() + 9));
  const std::vector<int> prompt = {5, 6, 7};
  auto run = [&](SamplerConfig sc) {
    Engine e(m, impl::ops());
    Sampler s(sc, impl::ops());
    return e.generate(prompt, 12, s, -1, {}, nullptr);
  };
  EXPECT_EQ(run({0.9f, 40, 0.9f, 42}), run({0.9f, 40, 0.9f, 42})) << "same seed, same tokens";
  // Greedy: each token is the argmax of the recomputed logits.
  const std::vector<int> g = run({0.0f, 0, 1.0f, 1});
  std::vector<int> seq = prompt;
  for (int t : g) {
    const std::vector<float> z = m.forward_no_cache(seq);
    EXPECT_EQ(t, static_cast<int>(std::max_element(z.end() - 300, z.end()) - (z.end() - 300)));
    seq.push_back(t);
  }
  // top_k = 1 with any temperature is greedy too.
  EXPECT_EQ(run({1.5f, 1, 1.0f, 3}), g);
}

}  // namespace llm_decoder::tests
