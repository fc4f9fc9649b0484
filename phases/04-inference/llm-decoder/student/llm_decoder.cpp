// Your four functions (include/llm_decoder.hpp says what each must do).
// The engine runs on them in the student tests: the decoder, the tokenizer
// and the sampler use exactly what you write here.
#include <labkit/todo.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "llm_decoder.hpp"

namespace llm_decoder::student {

// TODO(1): one query against keys 0..n-1 in ONE pass (no array of n scores):
// keep a running maximum m, a running sum l of exp(s_j - m) and an
// accumulator of exp(s_j - m) v_j; when a score beats m, multiply l and the
// accumulator by exp(m_old - m_new) first. At the end, out = accumulator / l.
// s_j = scale * dot(q, k_j); key j is at kv.k[j / kv.block_size] +
// (j % kv.block_size) * kv.stride (and likewise its value in kv.v).
void attend(const float* q, const KVSpan& kv, int n, int head_dim, float scale, float* out) {
  (void)q, (void)kv, (void)n, (void)head_dim, (void)scale, (void)out;
  LABKIT_TODO(1, "attend: the online softmax over the cached keys, one pass (student/llm_decoder.cpp)");
}

// TODO(2): the position to write is the sequence's length. When it is a
// multiple of block_size, take the block at cache.free_blocks.back() (pop it)
// onto the sequence's block_table; none left: throw std::runtime_error. Then
// length + 1, and return the position.
int kv_reserve(PagedKVCache& cache, int seq) {
  (void)cache, (void)seq;
  LABKIT_TODO(2, "kv_reserve: append a position, a new block from the free list when it starts one (student/llm_decoder.cpp)");
}

// TODO(2): block = block_table[pos / block_size], slot = pos % block_size; the
// row is at pool + ((block * layers + layer) * 2 + which) * block_size * width
// + slot * width (the layout in include/llm_decoder.hpp).
float* kv_row(PagedKVCache& cache, int seq, int layer, int pos, int which) {
  (void)cache, (void)seq, (void)layer, (void)pos, (void)which;
  LABKIT_TODO(2, "kv_row: find a K or V row through the block table (student/llm_decoder.cpp)");
}

// TODO(3): scan ids left to right; where ids[i] == left and ids[i+1] == right,
// write merged and skip both; otherwise keep ids[i]. Shrink ids; return how
// many pairs were replaced. ("a a a" with (a, a) -> "aa a": one.)
int bpe_merge(std::vector<int>& ids, int left, int right, int merged) {
  (void)ids, (void)left, (void)right, (void)merged;
  LABKIT_TODO(3, "bpe_merge: one BPE merge step over the sequence (student/llm_decoder.cpp)");
}

// TODO(4): walk order[0..n) adding probs[order[i]] until the sum reaches
// top_p (keep at least one token); then draw: the first kept token whose
// running sum exceeds u * (the kept mass).
int sample_top_p(const float* probs, const int* order, int n, float top_p, double u) {
  (void)probs, (void)order, (void)n, (void)top_p, (void)u;
  LABKIT_TODO(4, "sample_top_p: nucleus sampling over the sorted probabilities (student/llm_decoder.cpp)");
}

Ops ops() { return Ops{attend, kv_reserve, kv_row, bpe_merge, sample_top_p, "student"}; }

}  // namespace llm_decoder::student
