// The paged KV cache, the model's forward pass, the engine, sampling and
// the naive attention.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "llm_decoder.hpp"
#include "quantization.hpp"

namespace llm_decoder {

// ---------------------------------------------------------------------------
// KV cache bookkeeping (the append and the address are the lab's TODO 2).

PagedKVCache::PagedKVCache(int layers_, int width_, int block_size_, int num_blocks_)
    : layers(layers_), width(width_), block_size(block_size_), num_blocks(num_blocks_) {
  if (layers <= 0 || width <= 0 || block_size <= 0 || num_blocks <= 0)
    throw std::invalid_argument("PagedKVCache: layers, width, block_size and num_blocks must be positive");
  pool.assign(static_cast<std::size_t>(num_blocks) * block_floats(), 0.0f);
  for (int b = num_blocks - 1; b >= 0; --b) free_blocks.push_back(b);  // block 0 is handed out first
}

int PagedKVCache::add_sequence() {
  for (std::size_t s = 0; s < seqs.size(); ++s)
    if (!seqs[s].active) {
      seqs[s] = Sequence{{}, 0, true};
      return static_cast<int>(s);
    }
  seqs.push_back(Sequence{{}, 0, true});
  return static_cast<int>(seqs.size() - 1);
}

void PagedKVCache::free_sequence(int seq) {
  Sequence& s = seqs.at(static_cast<std::size_t>(seq));
  for (auto it = s.block_table.rbegin(); it != s.block_table.rend(); ++it) free_blocks.push_back(*it);
  s = Sequence{};
}

// ---------------------------------------------------------------------------
// Attention over a whole sequence.

void attention_naive_prefill(const float* Q, const float* K, const float* V, int T, int hd, int ld, float* O,
                             std::vector<float>& S) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  S.resize(static_cast<std::size_t>(T) * T);
  for (int i = 0; i < T; ++i) {  // scores, causal: row i has i + 1
    float* s = S.data() + static_cast<std::size_t>(i) * T;
    for (int j = 0; j <= i; ++j) s[j] = scale * dot_f32(Q + static_cast<std::size_t>(i) * ld, K + static_cast<std::size_t>(j) * ld, hd);
  }
  for (int i = 0; i < T; ++i) {  // softmax, two more passes over the row
    float* s = S.data() + static_cast<std::size_t>(i) * T;
    float m = s[0];
    for (int j = 1; j <= i; ++j) m = std::max(m, s[j]);
    float sum = 0;
    for (int j = 0; j <= i; ++j) sum += (s[j] = std::exp(s[j] - m));
    const float inv = 1.0f / sum;
    for (int j = 0; j <= i; ++j) s[j] *= inv;
  }
  for (int i = 0; i < T; ++i) {  // O = P V
    const float* p = S.data() + static_cast<std::size_t>(i) * T;
    float* o = O + static_cast<std::size_t>(i) * ld;
    std::fill(o, o + hd, 0.0f);
    for (int j = 0; j <= i; ++j) {
      const float* v = V + static_cast<std::size_t>(j) * ld;
      for (int d = 0; d < hd; ++d) o[d] += p[j] * v[d];
    }
  }
}

void attention_flash_prefill(AttendFn attend, const float* Q, const float* K, const float* V, int T, int hd, int ld,
                             float* O) {
  const float* kb[1] = {K};
  const float* vb[1] = {V};
  const KVSpan span{kb, vb, T, ld};
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  for (int i = 0; i < T; ++i)
    attend(Q + static_cast<std::size_t>(i) * ld, span, i + 1, hd, scale, O + static_cast<std::size_t>(i) * ld);
}

void attention_flash_prefill(const Ops& ops, const float* Q, const float* K, const float* V, int T, int hd, int ld,
                             float* O) {
  attention_flash_prefill(ops.attend, Q, K, V, T, hd, ld, O);
}

// ---------------------------------------------------------------------------
// Weights.

const char* format_name(WeightFormat f) {
  switch (f) {
    case WeightFormat::f32: return "fp32";
    case WeightFormat::q8_0: return "q8_0";
    case WeightFormat::q4_0: return "q4_0";
  }
  return "?";
}

WeightFormat parse_format(const std::string& s) {
  if (s == "fp32" || s == "f32") return WeightFormat::f32;
  if (s == "q8_0") return WeightFormat::q8_0;
  if (s == "q4_0") return WeightFormat::q4_0;
  throw InputError("unknown weight format '" + s + "': use fp32, q8_0 or q4_0");
}

std::size_t Matrix::bytes() const {
  return format == WeightFormat::f32 ? f32.size() * sizeof(float) : packed.size();
}

void dot4_f32(const float* w, const float* x, std::size_t ldx, int n, float* out);  // engine/all.cpp

namespace {

constexpr int kQK = quant::kQK;

// W given as [in][out] (Conv1D) or [out][in]; stored as rows of outputs.
Matrix make_matrix(const std::vector<float>& w, int in, int out, bool in_out, WeightFormat f) {
  Matrix m;
  m.format = f;
  m.rows = out;
  m.cols = in;
  std::vector<float> rows(static_cast<std::size_t>(in) * out);
  for (int o = 0; o < out; ++o)
    for (int i = 0; i < in; ++i)
      rows[static_cast<std::size_t>(o) * in + i] =
          in_out ? w[static_cast<std::size_t>(i) * out + o] : w[static_cast<std::size_t>(o) * in + i];
  if (f == WeightFormat::f32) {
    m.f32 = std::move(rows);
    return m;
  }
  if (in % kQK != 0)
    throw InputError(std::string(format_name(f)) + " needs rows whose length is a multiple of 32; this matrix has " +
                     std::to_string(in) + " (use fp32)");
  const std::size_t nb = static_cast<std::size_t>(in / kQK);
  const std::size_t bsz = f == WeightFormat::q8_0 ? sizeof(quant::BlockQ8_0) : sizeof(quant::BlockQ4_0);
  m.packed.resize(static_cast<std::size_t>(out) * nb * bsz);
  for (int o = 0; o < out; ++o) {
    std::uint8_t* dst = m.packed.data() + static_cast<std::size_t>(o) * nb * bsz;
    const float* src = rows.data() + static_cast<std::size_t>(o) * in;
    if (f == WeightFormat::q8_0) quant::reference::quantize_row_q8_0(src, reinterpret_cast<quant::BlockQ8_0*>(dst), in);
    else quant::reference::quantize_row_q4_0(src, reinterpret_cast<quant::BlockQ4_0*>(dst), in);
  }
  return m;
}

// One row of W as floats (dequantized where packed).
const float* matrix_row(const Matrix& m, int o, std::vector<float>& tmp) {
  if (m.format == WeightFormat::f32) return m.f32.data() + static_cast<std::size_t>(o) * m.cols;
  tmp.resize(static_cast<std::size_t>(m.cols));
  const std::size_t nb = static_cast<std::size_t>(m.cols / kQK);
  if (m.format == WeightFormat::q8_0)
    quant::reference::dequantize_row_q8_0(reinterpret_cast<const quant::BlockQ8_0*>(m.packed.data()) + o * nb, tmp.data(), m.cols);
  else
    quant::reference::dequantize_row_q4_0(reinterpret_cast<const quant::BlockQ4_0*>(m.packed.data()) + o * nb, tmp.data(), m.cols);
  return tmp.data();
}

void layer_norm(const float* x, const std::vector<float>& w, const std::vector<float>& b, int D, float* y) {
  float mean = 0;
  for (int i = 0; i < D; ++i) mean += x[i];
  mean /= static_cast<float>(D);
  float var = 0;
  for (int i = 0; i < D; ++i) var += (x[i] - mean) * (x[i] - mean);
  const float rstd = 1.0f / std::sqrt(var / static_cast<float>(D) + 1e-5f);
  for (int i = 0; i < D; ++i) y[i] = (x[i] - mean) * rstd * w[static_cast<std::size_t>(i)] + b[static_cast<std::size_t>(i)];
}

float gelu(float v) {  // GPT-2's tanh approximation
  const float c = 0.7978845608028654f;
  return 0.5f * v * (1.0f + std::tanh(c * (v + 0.044715f * v * v * v)));
}

}  // namespace

Model::Model(const Checkpoint& ck, WeightFormat f) : c_(ck.config) {
  const int D = c_.n_embd, V = c_.vocab_size;
  wte_ = ck.at("wte.weight");
  wpe_ = ck.at("wpe.weight");
  lnf_w_ = ck.at("ln_f.weight");
  lnf_b_ = ck.at("ln_f.bias");
  for (int l = 0; l < c_.n_layer; ++l) {
    const std::string h = "h." + std::to_string(l) + ".";
    Layer L;
    L.ln1_w = ck.at(h + "ln_1.weight");
    L.ln1_b = ck.at(h + "ln_1.bias");
    L.ln2_w = ck.at(h + "ln_2.weight");
    L.ln2_b = ck.at(h + "ln_2.bias");
    L.attn_b = ck.at(h + "attn.c_attn.bias");
    L.proj_b = ck.at(h + "attn.c_proj.bias");
    L.fc_b = ck.at(h + "mlp.c_fc.bias");
    L.out_b = ck.at(h + "mlp.c_proj.bias");
    L.attn = make_matrix(ck.at(h + "attn.c_attn.weight"), D, 3 * D, true, f);
    L.proj = make_matrix(ck.at(h + "attn.c_proj.weight"), D, D, true, f);
    L.fc = make_matrix(ck.at(h + "mlp.c_fc.weight"), D, 4 * D, true, f);
    L.out = make_matrix(ck.at(h + "mlp.c_proj.weight"), 4 * D, D, true, f);
    layers_.push_back(std::move(L));
  }
  if (ck.has("lm_head.weight")) head_ = make_matrix(ck.at("lm_head.weight"), D, V, true, f);
  else head_ = make_matrix(wte_, D, V, false, f);  // tied to the token embedding, as GPT-2
  head_b_ = ck.has("lm_head.bias") ? ck.at("lm_head.bias") : std::vector<float>(static_cast<std::size_t>(V), 0.0f);
}

std::size_t Model::weight_bytes_per_token() const {
  std::size_t b = head_.bytes() + 2 * static_cast<std::size_t>(c_.n_embd) * sizeof(float);
  for (const Layer& L : layers_) b += L.attn.bytes() + L.proj.bytes() + L.fc.bytes() + L.out.bytes();
  return b;
}

// Y[R][rows] = X[R][cols] W^T + bias; quantized weights take the activations as Q8_0.
void Model::matmul(const Matrix& W, const float* bias, const float* X, int R, float* Y) const {
  const int in = W.cols, out = W.rows;
  if (W.format == WeightFormat::f32) {
    for (int o = 0; o < out; ++o) {
      const float* w = W.f32.data() + static_cast<std::size_t>(o) * in;
      int r = 0;
      for (float d[4]; r + 4 <= R; r += 4) {  // four rows per pass over the weight row
        dot4_f32(w, X + static_cast<std::size_t>(r) * in, static_cast<std::size_t>(in), in, d);
        for (int k = 0; k < 4; ++k) Y[static_cast<std::size_t>(r + k) * out + o] = d[k] + bias[o];
      }
      for (; r < R; ++r)
        Y[static_cast<std::size_t>(r) * out + o] = dot_f32(w, X + static_cast<std::size_t>(r) * in, in) + bias[o];
    }
    return;
  }
  const std::size_t nb = static_cast<std::size_t>(in / kQK);
  std::vector<quant::BlockQ8_0> xq(nb * static_cast<std::size_t>(R));
  for (int r = 0; r < R; ++r) quant::reference::quantize_row_q8_0(X + static_cast<std::size_t>(r) * in, xq.data() + r * nb, in);
  for (int o = 0; o < out; ++o)
    for (int r = 0; r < R; ++r) {
      float d;
      if (W.format == WeightFormat::q8_0)
        d = quant::reference::vec_dot_q8_0_q8_0(in, reinterpret_cast<const quant::BlockQ8_0*>(W.packed.data()) + o * nb, xq.data() + r * nb);
      else
        d = quant::reference::vec_dot_q4_0_q8_0(in, reinterpret_cast<const quant::BlockQ4_0*>(W.packed.data()) + o * nb, xq.data() + r * nb);
      Y[static_cast<std::size_t>(r) * out + o] = d + bias[o];
    }
}

void Model::forward(PagedKVCache& cache, const Ops& ops, const std::vector<int>& seqs, const std::vector<int>& tokens,
                    const std::vector<char>& want, std::vector<float>& logits) const {
  const int R = static_cast<int>(tokens.size()), D = c_.n_embd, H = c_.n_head, hd = c_.head_dim();
  const std::size_t RD = static_cast<std::size_t>(R) * D;
  std::vector<int> pos(static_cast<std::size_t>(R));
  for (int r = 0; r < R; ++r) {
    const int s = seqs[static_cast<std::size_t>(r)];
    if (cache.seqs.at(static_cast<std::size_t>(s)).length >= c_.n_ctx)
      throw InputError("sequence " + std::to_string(s) + " is full: " + std::to_string(c_.n_ctx) +
                       " tokens, the context of the model");
    const int tok = tokens[static_cast<std::size_t>(r)];
    if (tok < 0 || tok >= c_.vocab_size)
      throw InputError("token id " + std::to_string(tok) + " is outside the vocabulary of " + std::to_string(c_.vocab_size));
    pos[static_cast<std::size_t>(r)] = ops.kv_reserve(cache, s);
  }
  std::vector<float> x(RD), h(RD), qkv(RD * 3), a(RD), f(RD * 4), tmp(RD * 4);
  for (int r = 0; r < R; ++r)
    for (int d = 0; d < D; ++d)
      x[static_cast<std::size_t>(r) * D + d] = wte_[static_cast<std::size_t>(tokens[static_cast<std::size_t>(r)]) * D + d] +
                                               wpe_[static_cast<std::size_t>(pos[static_cast<std::size_t>(r)]) * D + d];
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  std::vector<const float*> kb, vb;
  for (int l = 0; l < c_.n_layer; ++l) {
    const Layer& L = layers_[static_cast<std::size_t>(l)];
    for (int r = 0; r < R; ++r) layer_norm(&x[static_cast<std::size_t>(r) * D], L.ln1_w, L.ln1_b, D, &h[static_cast<std::size_t>(r) * D]);
    matmul(L.attn, L.attn_b.data(), h.data(), R, qkv.data());
    for (int r = 0; r < R; ++r) {  // every row's K and V first: a prefill's later rows see the earlier ones
      const int s = seqs[static_cast<std::size_t>(r)], p = pos[static_cast<std::size_t>(r)];
      const float* row = &qkv[static_cast<std::size_t>(r) * 3 * D];
      std::copy(row + D, row + 2 * D, ops.kv_row(cache, s, l, p, 0));
      std::copy(row + 2 * D, row + 3 * D, ops.kv_row(cache, s, l, p, 1));
    }
    for (int r = 0; r < R; ++r) {
      const int s = seqs[static_cast<std::size_t>(r)], n = pos[static_cast<std::size_t>(r)] + 1;
      const int blocks = (n + cache.block_size - 1) / cache.block_size;
      kb.resize(static_cast<std::size_t>(blocks));
      vb.resize(static_cast<std::size_t>(blocks));
      for (int head = 0; head < H; ++head) {
        for (int b = 0; b < blocks; ++b) {
          kb[static_cast<std::size_t>(b)] = ops.kv_row(cache, s, l, b * cache.block_size, 0) + head * hd;
          vb[static_cast<std::size_t>(b)] = ops.kv_row(cache, s, l, b * cache.block_size, 1) + head * hd;
        }
        const KVSpan span{kb.data(), vb.data(), cache.block_size, cache.width};
        ops.attend(&qkv[static_cast<std::size_t>(r) * 3 * D + head * hd], span, n, hd, scale,
                   &a[static_cast<std::size_t>(r) * D + head * hd]);
      }
    }
    matmul(L.proj, L.proj_b.data(), a.data(), R, tmp.data());
    for (std::size_t i = 0; i < RD; ++i) x[i] += tmp[i];
    for (int r = 0; r < R; ++r) layer_norm(&x[static_cast<std::size_t>(r) * D], L.ln2_w, L.ln2_b, D, &h[static_cast<std::size_t>(r) * D]);
    matmul(L.fc, L.fc_b.data(), h.data(), R, f.data());
    for (auto& v : f) v = gelu(v);
    matmul(L.out, L.out_b.data(), f.data(), R, tmp.data());
    for (std::size_t i = 0; i < RD; ++i) x[i] += tmp[i];
  }
  std::vector<float> last;
  for (int r = 0; r < R; ++r)
    if (want[static_cast<std::size_t>(r)]) {
      last.resize(last.size() + static_cast<std::size_t>(D));
      layer_norm(&x[static_cast<std::size_t>(r) * D], lnf_w_, lnf_b_, D, &last[last.size() - static_cast<std::size_t>(D)]);
    }
  const int W = static_cast<int>(last.size()) / D;
  logits.resize(static_cast<std::size_t>(W) * c_.vocab_size);
  if (W > 0) matmul(head_, head_b_.data(), last.data(), W, logits.data());
}

std::vector<float> Model::forward_no_cache(const std::vector<int>& tokens) const {
  const int T = static_cast<int>(tokens.size()), D = c_.n_embd, H = c_.n_head, hd = c_.head_dim(), V = c_.vocab_size;
  if (T > c_.n_ctx)
    throw InputError("prompt of " + std::to_string(T) + " tokens is longer than the context of " + std::to_string(c_.n_ctx) + " tokens");
  const std::size_t TD = static_cast<std::size_t>(T) * D;
  std::vector<float> x(TD), h(TD), a(TD), tmp;
  for (int t = 0; t < T; ++t)
    for (int d = 0; d < D; ++d)
      x[static_cast<std::size_t>(t) * D + d] = wte_[static_cast<std::size_t>(tokens[static_cast<std::size_t>(t)]) * D + d] + wpe_[static_cast<std::size_t>(t) * D + d];
  // Y = X W^T + b, double accumulation.
  auto mm = [&](const Matrix& W, const std::vector<float>& b, const std::vector<float>& X, int R) {
    std::vector<float> Y(static_cast<std::size_t>(R) * W.rows);
    for (int o = 0; o < W.rows; ++o) {
      const float* w = matrix_row(W, o, tmp);
      for (int r = 0; r < R; ++r) {
        double s = b[static_cast<std::size_t>(o)];
        for (int i = 0; i < W.cols; ++i) s += static_cast<double>(w[i]) * X[static_cast<std::size_t>(r) * W.cols + i];
        Y[static_cast<std::size_t>(r) * W.rows + o] = static_cast<float>(s);
      }
    }
    return Y;
  };
  std::vector<double> p(static_cast<std::size_t>(T));
  for (const Layer& L : layers_) {
    for (int t = 0; t < T; ++t) layer_norm(&x[static_cast<std::size_t>(t) * D], L.ln1_w, L.ln1_b, D, &h[static_cast<std::size_t>(t) * D]);
    const std::vector<float> qkv = mm(L.attn, L.attn_b, h, T);
    for (int head = 0; head < H; ++head)
      for (int i = 0; i < T; ++i) {  // materialized scores, then softmax, then P V
        const float* q = &qkv[static_cast<std::size_t>(i) * 3 * D + head * hd];
        double m = -1e300;
        for (int j = 0; j <= i; ++j) {
          const float* k = &qkv[static_cast<std::size_t>(j) * 3 * D + D + head * hd];
          double s = 0;
          for (int d = 0; d < hd; ++d) s += static_cast<double>(q[d]) * k[d];
          p[static_cast<std::size_t>(j)] = s / std::sqrt(static_cast<double>(hd));
          m = std::max(m, p[static_cast<std::size_t>(j)]);
        }
        double sum = 0;
        for (int j = 0; j <= i; ++j) sum += (p[static_cast<std::size_t>(j)] = std::exp(p[static_cast<std::size_t>(j)] - m));
        for (int d = 0; d < hd; ++d) {
          double o = 0;
          for (int j = 0; j <= i; ++j) o += p[static_cast<std::size_t>(j)] * qkv[static_cast<std::size_t>(j) * 3 * D + 2 * D + head * hd + d];
          a[static_cast<std::size_t>(i) * D + head * hd + d] = static_cast<float>(o / sum);
        }
      }
    const std::vector<float> pr = mm(L.proj, L.proj_b, a, T);
    for (std::size_t i = 0; i < TD; ++i) x[i] += pr[i];
    for (int t = 0; t < T; ++t) layer_norm(&x[static_cast<std::size_t>(t) * D], L.ln2_w, L.ln2_b, D, &h[static_cast<std::size_t>(t) * D]);
    std::vector<float> f = mm(L.fc, L.fc_b, h, T);
    for (auto& v : f) v = gelu(v);
    const std::vector<float> o = mm(L.out, L.out_b, f, T);
    for (std::size_t i = 0; i < TD; ++i) x[i] += o[i];
  }
  for (int t = 0; t < T; ++t) layer_norm(&x[static_cast<std::size_t>(t) * D], lnf_w_, lnf_b_, D, &h[static_cast<std::size_t>(t) * D]);
  std::vector<float> logits = mm(head_, head_b_, h, T);
  (void)V;
  return logits;
}

// ---------------------------------------------------------------------------
// Engine.

Engine::Engine(const Model& m, const Ops& ops, int max_sequences, int block_size)
    : m_(m), ops_(ops),
      cache_(m.config().n_layer, m.config().n_embd, block_size,
             max_sequences * ((m.config().n_ctx + block_size - 1) / block_size)) {}

int Engine::prefill(const std::vector<int>& prompt) {
  const int n = static_cast<int>(prompt.size()), ctx = m_.config().n_ctx;
  if (n == 0) throw InputError("the prompt is empty: give at least one token");
  if (n > ctx)
    throw InputError("prompt of " + std::to_string(n) + " tokens is longer than the context of " + std::to_string(ctx) +
                     " tokens: shorten it");
  const int seq = cache_.add_sequence();
  if (last_.size() <= static_cast<std::size_t>(seq)) last_.resize(static_cast<std::size_t>(seq) + 1);
  std::vector<char> want(static_cast<std::size_t>(n), 0);
  want.back() = 1;
  m_.forward(cache_, ops_, std::vector<int>(static_cast<std::size_t>(n), seq), prompt, want, last_[static_cast<std::size_t>(seq)]);
  return seq;
}

void Engine::decode(const std::vector<int>& seqs, const std::vector<int>& tokens) {
  std::vector<float> logits;
  m_.forward(cache_, ops_, seqs, tokens, std::vector<char>(tokens.size(), 1), logits);
  const std::size_t V = static_cast<std::size_t>(m_.config().vocab_size);
  for (std::size_t r = 0; r < seqs.size(); ++r)
    last_[static_cast<std::size_t>(seqs[r])].assign(logits.begin() + static_cast<std::ptrdiff_t>(r * V),
                                                    logits.begin() + static_cast<std::ptrdiff_t>((r + 1) * V));
}

void Engine::release(int seq) { cache_.free_sequence(seq); }

std::vector<int> Engine::generate(const std::vector<int>& prompt, int max_new, Sampler& sampler, int eot,
                                  const std::function<void(int)>& on_token, GenerateStats* stats) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const int seq = prefill(prompt);
  const auto t1 = clock::now();
  std::vector<int> out;
  const int V = m_.config().vocab_size;
  for (int i = 0; i < max_new; ++i) {
    const int tok = sampler.sample(last_logits(seq).data(), V);
    out.push_back(tok);
    if (on_token) on_token(tok);
    if (tok == eot || length(seq) >= m_.config().n_ctx || i + 1 == max_new) break;
    decode({seq}, {tok});
  }
  const auto t2 = clock::now();
  release(seq);
  if (stats) {
    stats->prompt_tokens = static_cast<int>(prompt.size());
    stats->generated_tokens = static_cast<int>(out.size());
    stats->prefill_seconds = std::chrono::duration<double>(t1 - t0).count();
    stats->decode_seconds = std::chrono::duration<double>(t2 - t1).count();
  }
  return out;
}

double mean_nll(const Model& m, const Ops& ops, const std::vector<int>& tokens, int window) {
  window = std::min(window, m.config().n_ctx);
  const int V = m.config().vocab_size;
  double nll = 0;
  long count = 0;
  PagedKVCache cache(m.config().n_layer, m.config().n_embd, 16, (window + 15) / 16);
  std::vector<float> logits;
  for (std::size_t start = 0; start + 1 < tokens.size(); start += static_cast<std::size_t>(window)) {
    const std::size_t end = std::min(tokens.size(), start + static_cast<std::size_t>(window) + 1);
    const std::vector<int> in(tokens.begin() + static_cast<std::ptrdiff_t>(start), tokens.begin() + static_cast<std::ptrdiff_t>(end - 1));
    const int seq = cache.add_sequence();
    std::vector<char> want(in.size(), 1);
    m.forward(cache, ops, std::vector<int>(in.size(), seq), in, want, logits);
    cache.free_sequence(seq);
    for (std::size_t t = 0; t < in.size(); ++t) {
      const float* z = &logits[t * static_cast<std::size_t>(V)];
      const float mx = *std::max_element(z, z + V);
      double s = 0;
      for (int v = 0; v < V; ++v) s += std::exp(static_cast<double>(z[v] - mx));
      nll += std::log(s) + mx - z[tokens[start + t + 1]];
      ++count;
    }
  }
  return count ? nll / static_cast<double>(count) : 0.0;
}

// ---------------------------------------------------------------------------
// Sampling.

int Sampler::sample(const float* logits, int V) {
  if (c_.temperature <= 0.0f) return static_cast<int>(std::max_element(logits, logits + V) - logits);
  const int k = (c_.top_k > 0 && c_.top_k < V) ? c_.top_k : V;
  order_.resize(static_cast<std::size_t>(V));
  std::iota(order_.begin(), order_.end(), 0);
  auto by_logit = [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
  std::partial_sort(order_.begin(), order_.begin() + k, order_.end(), by_logit);
  probs_.assign(static_cast<std::size_t>(V), 0.0f);
  const float mx = logits[order_[0]];
  double sum = 0;
  for (int i = 0; i < k; ++i) sum += (probs_[static_cast<std::size_t>(order_[static_cast<std::size_t>(i)])] = std::exp((logits[order_[static_cast<std::size_t>(i)]] - mx) / c_.temperature));
  for (int i = 0; i < k; ++i) probs_[static_cast<std::size_t>(order_[static_cast<std::size_t>(i)])] /= static_cast<float>(sum);
  const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  return ops_.sample_top_p(probs_.data(), order_.data(), k, c_.top_p, u);
}

}  // namespace llm_decoder
