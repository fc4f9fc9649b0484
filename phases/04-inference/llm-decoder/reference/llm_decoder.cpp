// The reference: the online-softmax attention (scalar, AVX2, AVX-512, chosen
// at run time), the paged KV cache's append and address, one BPE merge step
// and top-p sampling.
//
// The SIMD versions are compiled for their ISA by target attributes, so this
// one file builds everywhere; they run only where labkit::best_isa() allows.
#include <labkit/cpu.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "llm_decoder.hpp"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define LLM_X86 1
#endif

namespace llm_decoder::reference {

namespace {
// Key j and value j of a span: block j / block_size, slot j % block_size.
inline const float* key_row(const KVSpan& kv, int j) {
  return kv.k[j / kv.block_size] + static_cast<std::ptrdiff_t>(j % kv.block_size) * kv.stride;
}
inline const float* value_row(const KVSpan& kv, int j) {
  return kv.v[j / kv.block_size] + static_cast<std::ptrdiff_t>(j % kv.block_size) * kv.stride;
}
constexpr int kTile = 32;  // keys scored together, then one rescale of the accumulator (two AVX-512 registers of scores)
}

// Flash attention for one query: the keys in tiles; per tile the scores,
// their maximum, one rescale of the running sum and accumulator when the
// maximum grows, then the tile's exponentials added in. O(head_dim) memory.
void attend_scalar(const float* q, const KVSpan& kv, int n, int hd, float scale, float* out) {
  float s[kTile];
  float m = -INFINITY, l = 0.0f;
  std::fill(out, out + hd, 0.0f);
  for (int j0 = 0; j0 < n; j0 += kTile) {
    const int len = std::min(kTile, n - j0);
    float tile_max = -INFINITY;
    for (int t = 0; t < len; ++t) {
      const float* k = key_row(kv, j0 + t);
      float d = 0.0f;
      for (int i = 0; i < hd; ++i) d += q[i] * k[i];
      s[t] = d * scale;
      tile_max = std::max(tile_max, s[t]);
    }
    if (tile_max > m) {  // the running maximum grows: rescale what was summed under the old one
      const float c = std::exp(m - tile_max);
      l *= c;
      for (int i = 0; i < hd; ++i) out[i] *= c;
      m = tile_max;
    }
    for (int t = 0; t < len; ++t) {
      const float p = std::exp(s[t] - m);
      l += p;
      const float* v = value_row(kv, j0 + t);
      for (int i = 0; i < hd; ++i) out[i] += p * v[i];
    }
  }
  const float inv = 1.0f / l;
  for (int i = 0; i < hd; ++i) out[i] *= inv;
}

#if LLM_X86
__attribute__((target("avx2,fma"))) void attend_avx2(const float* q, const KVSpan& kv, int n, int hd, float scale,
                                                      float* out) {
  if (hd % 8 != 0 || hd > 256) return attend_scalar(q, kv, n, hd, scale, out);
  const int nv = hd / 8;
  __m256 acc[32];
  for (int c = 0; c < nv; ++c) acc[c] = _mm256_setzero_ps();
  float s[kTile];
  float m = -INFINITY, l = 0.0f;
  for (int j0 = 0; j0 < n; j0 += kTile) {
    const int len = std::min(kTile, n - j0);
    float tile_max = -INFINITY;
    for (int t = 0; t < len; ++t) {
      const float* k = key_row(kv, j0 + t);
      __m256 d = _mm256_mul_ps(_mm256_loadu_ps(q), _mm256_loadu_ps(k));
      for (int c = 1; c < nv; ++c) d = _mm256_fmadd_ps(_mm256_loadu_ps(q + 8 * c), _mm256_loadu_ps(k + 8 * c), d);
      __m128 h = _mm_add_ps(_mm256_castps256_ps128(d), _mm256_extractf128_ps(d, 1));
      h = _mm_add_ps(h, _mm_movehl_ps(h, h));
      h = _mm_add_ss(h, _mm_movehdup_ps(h));
      s[t] = _mm_cvtss_f32(h) * scale;
      tile_max = std::max(tile_max, s[t]);
    }
    if (tile_max > m) {
      const float c = std::exp(m - tile_max);
      l *= c;
      const __m256 cv = _mm256_set1_ps(c);
      for (int i = 0; i < nv; ++i) acc[i] = _mm256_mul_ps(acc[i], cv);
      m = tile_max;
    }
    for (int t = 0; t < len; ++t) {
      const float p = std::exp(s[t] - m);
      l += p;
      const float* v = value_row(kv, j0 + t);
      const __m256 pv = _mm256_set1_ps(p);
      for (int c = 0; c < nv; ++c) acc[c] = _mm256_fmadd_ps(pv, _mm256_loadu_ps(v + 8 * c), acc[c]);
    }
  }
  const __m256 inv = _mm256_set1_ps(1.0f / l);
  for (int c = 0; c < nv; ++c) _mm256_storeu_ps(out + 8 * c, _mm256_mul_ps(acc[c], inv));
}

// GCC 12's _mm512_reduce_add_ps reads a half-initialized temporary
// (-Wmaybe-uninitialized; the AVX-512 files of other labs turn it off too).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// exp(x) for 16 floats, x <= 0 here: x = n ln2 + r with |r| <= ln2 / 2,
// e^r by Cephes' degree-6 polynomial for expf, times 2^n (vscalefps). About
// 2 ulp; below -87.3 the result is clamped to e^-87.3 (~1e-38).
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma"))) static inline __m512 exp_avx512(__m512 x) {
  x = _mm512_max_ps(x, _mm512_set1_ps(-87.3f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);  // ln2 in two parts (Cody and Waite)
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  const __m512 y = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(y, n);
}

__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma"))) void attend_avx512(const float* q, const KVSpan& kv,
                                                                                      int n, int hd, float scale,
                                                                                      float* out) {
  if (hd % 16 != 0 || hd > 256) return attend_scalar(q, kv, n, hd, scale, out);
  const int nv = hd / 16;
  __m512 acc[16], qv[16];
  for (int c = 0; c < nv; ++c) {
    acc[c] = _mm512_setzero_ps();
    qv[c] = _mm512_mul_ps(_mm512_loadu_ps(q + 16 * c), _mm512_set1_ps(scale));  // scale folded into q
  }
  alignas(64) float s[kTile];
  float m = -INFINITY, l = 0.0f;
  for (int j0 = 0; j0 < n; j0 += kTile) {
    const int len = std::min(kTile, n - j0);
    for (int t = 0; t < len; ++t) {
      const float* k = key_row(kv, j0 + t);
      __m512 d = _mm512_mul_ps(qv[0], _mm512_loadu_ps(k));
      for (int c = 1; c < nv; ++c) d = _mm512_fmadd_ps(qv[c], _mm512_loadu_ps(k + 16 * c), d);
      s[t] = _mm512_reduce_add_ps(d);
    }
    // The tile's scores, 16 at a time: maximum, then the exponentials in registers.
    const __mmask16 m0 = len >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << len) - 1);
    const __mmask16 m1 = len >= 32 ? __mmask16(0xFFFF) : len > 16 ? __mmask16((1u << (len - 16)) - 1) : __mmask16(0);
    const __m512 ninf = _mm512_set1_ps(-INFINITY);
    const __m512 s0 = _mm512_mask_loadu_ps(ninf, m0, s), s1 = _mm512_mask_loadu_ps(ninf, m1, s + 16);
    const float tile_max = _mm512_reduce_max_ps(_mm512_max_ps(s0, s1));
    if (tile_max > m) {
      const float c = std::exp(m - tile_max);
      l *= c;
      const __m512 cv = _mm512_set1_ps(c);
      for (int i = 0; i < nv; ++i) acc[i] = _mm512_mul_ps(acc[i], cv);
      m = tile_max;
    }
    const __m512 mv = _mm512_set1_ps(m);
    const __m512 p0 = _mm512_maskz_mov_ps(m0, exp_avx512(_mm512_sub_ps(s0, mv)));
    const __m512 p1 = _mm512_maskz_mov_ps(m1, exp_avx512(_mm512_sub_ps(s1, mv)));
    l += _mm512_reduce_add_ps(_mm512_add_ps(p0, p1));
    _mm512_store_ps(s, p0);
    _mm512_store_ps(s + 16, p1);
    for (int t = 0; t < len; ++t) {
      const float* v = value_row(kv, j0 + t);
      const __m512 pv = _mm512_set1_ps(s[t]);
      for (int c = 0; c < nv; ++c) acc[c] = _mm512_fmadd_ps(pv, _mm512_loadu_ps(v + 16 * c), acc[c]);
    }
  }
  const __m512 inv = _mm512_set1_ps(1.0f / l);
  for (int c = 0; c < nv; ++c) _mm512_storeu_ps(out + 16 * c, _mm512_mul_ps(acc[c], inv));
}
#pragma GCC diagnostic pop
#else
void attend_avx2(const float* q, const KVSpan& kv, int n, int hd, float scale, float* out) {
  attend_scalar(q, kv, n, hd, scale, out);
}
void attend_avx512(const float* q, const KVSpan& kv, int n, int hd, float scale, float* out) {
  attend_scalar(q, kv, n, hd, scale, out);
}
#endif

const char* attend_isa() { return labkit::isa_name(labkit::best_isa()); }

void attend(const float* q, const KVSpan& kv, int n, int hd, float scale, float* out) {
  switch (labkit::best_isa()) {
    case labkit::Isa::avx512: return attend_avx512(q, kv, n, hd, scale, out);
    case labkit::Isa::avx2: return attend_avx2(q, kv, n, hd, scale, out);
    default: return attend_scalar(q, kv, n, hd, scale, out);
  }
}

int kv_reserve(PagedKVCache& c, int seq) {
  PagedKVCache::Sequence& s = c.seqs.at(static_cast<std::size_t>(seq));
  const int pos = s.length;
  if (pos % c.block_size == 0) {  // the position starts a block: take one from the free list
    if (c.free_blocks.empty())
      throw std::runtime_error("KV cache full: all " + std::to_string(c.num_blocks) + " blocks of " +
                               std::to_string(c.block_size) + " positions are in use");
    s.block_table.push_back(c.free_blocks.back());
    c.free_blocks.pop_back();
  }
  s.length = pos + 1;
  return pos;
}

float* kv_row(PagedKVCache& c, int seq, int layer, int pos, int which) {
  const int block = c.seqs[static_cast<std::size_t>(seq)].block_table[static_cast<std::size_t>(pos / c.block_size)];
  const std::size_t bs = static_cast<std::size_t>(c.block_size), w = static_cast<std::size_t>(c.width);
  return c.pool.data() + ((static_cast<std::size_t>(block) * c.layers + layer) * 2 + which) * bs * w +
         static_cast<std::size_t>(pos % c.block_size) * w;
}

int bpe_merge(std::vector<int>& ids, int left, int right, int merged) {
  std::size_t w = 0;
  int count = 0;
  for (std::size_t r = 0; r < ids.size(); ++r) {
    if (r + 1 < ids.size() && ids[r] == left && ids[r + 1] == right) {
      ids[w++] = merged;
      ++r;  // the right half is used up: no overlapping match
      ++count;
    } else {
      ids[w++] = ids[r];
    }
  }
  ids.resize(w);
  return count;
}

int sample_top_p(const float* probs, const int* order, int n, float top_p, double u) {
  double mass = 0;
  int keep = 0;
  while (keep < n) {  // the shortest prefix whose mass reaches top_p
    mass += probs[order[keep++]];
    if (mass >= top_p) break;
  }
  const double target = u * mass;
  double acc = 0;
  for (int i = 0; i < keep; ++i) {
    acc += probs[order[i]];
    if (acc > target) return order[i];
  }
  return order[keep - 1];  // rounding left the last sliver: the last kept token
}

Ops ops() { return Ops{attend, kv_reserve, kv_row, bpe_merge, sample_top_p, "reference"}; }

}  // namespace llm_decoder::reference
