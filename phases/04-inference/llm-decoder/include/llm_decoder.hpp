// llm-decoder: a GPT-2-layout decoder-only transformer, from weights on disk
// to streamed tokens, on the CPU.
//
// What is given (namespace llm_decoder, engine/ — one library for both
// implementations):
//   Config, load_config / save_config      config.json (GPT-2's keys)
//   Checkpoint, load_checkpoint            safetensors with GPT-2's tensor names
//   Tokenizer                              byte-level BPE: train, encode, decode,
//                                          vocab.json + merges.txt
//   PagedKVCache                           K and V rows in fixed-size blocks,
//                                          one block table per sequence (vLLM)
//   Model, Engine                          prefill and decode, batched decode
//   Sampler                                greedy, temperature, top-k, top-p, seed
//   attention_naive_prefill                the materialized-scores attention
//
// What you write (namespace llm_decoder::student, student/llm_decoder.cpp),
// the same four functions the reference has in llm_decoder::reference:
//   TODO(1) attend        one query against n cached keys: the online softmax
//   TODO(2) kv_reserve, kv_row   append a position to a sequence (a new block
//                         from the free list when it starts one) and find a
//                         row through the block table
//   TODO(3) bpe_merge     one BPE merge step over a token sequence
//   TODO(4) sample_top_p  nucleus sampling over sorted probabilities
//
// The engine calls them through an Ops table (ops() in each namespace), so
// the whole decoder runs on your functions in the student tests.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace llm_decoder {

// A bad file or argument: the message names the file or value and the fix.
// The commands exit with code 2 on it.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------
// config.json: GPT-2's keys. n_ctx and n_positions are synonyms.
struct Config {
  int n_layer = 4, n_head = 4, n_embd = 128, n_ctx = 256, vocab_size = 512;
  int head_dim() const { return n_embd / n_head; }
};
Config load_config(const std::filesystem::path& file);
void save_config(const std::filesystem::path& file, const Config& c);

// ---------------------------------------------------------------------------
// The weights, in GPT-2's names and layouts (Hugging Face's GPT2Model):
//   wte.weight [vocab, D]   wpe.weight [n_ctx, D]
//   h.N.ln_1.weight/bias [D]
//   h.N.attn.c_attn.weight [D, 3D] (Conv1D: [in, out])   .bias [3D]
//   h.N.attn.c_proj.weight [D, D]                         .bias [D]
//   h.N.ln_2.weight/bias [D]
//   h.N.mlp.c_fc.weight [D, 4D]   .bias [4D]
//   h.N.mlp.c_proj.weight [4D, D] .bias [D]
//   ln_f.weight/bias [D]
// optionally lm_head.weight ([D, vocab] as tiny-nn's Linear writes it, or
// [vocab, D] as PyTorch's nn.Linear) and lm_head.bias [vocab]; without it the
// head is tied to wte, as in GPT-2. A "transformer." prefix is accepted.
struct Checkpoint {
  Config config;
  std::map<std::string, std::vector<float>> tensors;  // names without the prefix
  const std::vector<float>& at(const std::string& name) const;
  bool has(const std::string& name) const { return tensors.count(name) != 0; }
};
// The names and shapes a config expects (lm_head excluded).
std::vector<std::pair<std::string, std::vector<std::int64_t>>> expected_tensors(const Config& c);
// Reads a safetensors file; a missing tensor or a wrong shape throws
// InputError naming the file, the tensor, and both shapes.
Checkpoint load_checkpoint(const std::filesystem::path& safetensors, const Config& c);
void save_checkpoint(const std::filesystem::path& safetensors, const Checkpoint& ck);
// Random weights of a config (N(0, 0.02), LayerNorm 1/0): tests and benches.
Checkpoint random_checkpoint(const Config& c, std::uint64_t seed);

// ---------------------------------------------------------------------------
// The paged KV cache. Physical block b holds, for every layer, block_size K
// rows then block_size V rows of `width` floats:
//   pool[((b * layers + layer) * 2 + which) * block_size * width + slot * width]
// which = 0 for K, 1 for V. A sequence's position p lives in block
// table[p / block_size] at slot p % block_size. A contiguous cache is the
// same structure with block_size = the context (one block per sequence).
struct PagedKVCache {
  int layers = 0, width = 0, block_size = 16, num_blocks = 0;
  std::vector<float> pool;
  std::vector<int> free_blocks;  // a stack: the next block handed out is free_blocks.back()
  struct Sequence {
    std::vector<int> block_table;
    int length = 0;  // positions written so far
    bool active = false;
  };
  std::vector<Sequence> seqs;

  PagedKVCache() = default;
  PagedKVCache(int layers, int width, int block_size, int num_blocks);
  int add_sequence();           // a new empty sequence's id
  void free_sequence(int seq);  // its blocks go back to the free list
  std::size_t block_floats() const { return static_cast<std::size_t>(layers) * 2 * block_size * width; }
};

// The keys and values one query attends to, block by block: key j is at
// k[j / block_size] + (j % block_size) * stride (likewise v).
struct KVSpan {
  const float* const* k = nullptr;
  const float* const* v = nullptr;
  int block_size = 0;
  int stride = 0;
};

// ---------------------------------------------------------------------------
// The four functions of the lab, per implementation (see the top of the file).
struct Ops {
  void (*attend)(const float* q, const KVSpan& kv, int n, int head_dim, float scale, float* out);
  int (*kv_reserve)(PagedKVCache& cache, int seq);
  float* (*kv_row)(PagedKVCache& cache, int seq, int layer, int pos, int which);
  int (*bpe_merge)(std::vector<int>& ids, int left, int right, int merged);
  int (*sample_top_p)(const float* probs, const int* order, int n, float top_p, double u);
  const char* name;
};

#define LLM_DECODER_FUNCTIONS                                                                      \
  /* TODO(1): out[0..head_dim) = sum_j softmax(scale * q.k_j)_j v_j over keys 0..n-1, in one  */ \
  /* pass with a running max and sum (the online softmax); n >= 1.                           */ \
  void attend(const float* q, const KVSpan& kv, int n, int head_dim, float scale, float* out);     \
  /* TODO(2): append one position to sequence seq (take a block from the free list when the  */ \
  /* position starts a new block; throw std::runtime_error when none is free); returns it.   */ \
  int kv_reserve(PagedKVCache& cache, int seq);                                                    \
  /* TODO(2): the address of K (which = 0) or V (which = 1) of one position of one layer.    */ \
  float* kv_row(PagedKVCache& cache, int seq, int layer, int pos, int which);                      \
  /* TODO(3): replace every (left, right) pair, scanning left to right without overlaps, by  */ \
  /* merged; returns how many were replaced.                                                 */ \
  int bpe_merge(std::vector<int>& ids, int left, int right, int merged);                           \
  /* TODO(4): order[0..n) sorts probs descending. Keep the shortest prefix whose mass reaches */ \
  /* top_p (at least one token), renormalize, and return the token where the cumulative     */ \
  /* renormalized mass first exceeds u (u in [0, 1)).                                        */ \
  int sample_top_p(const float* probs, const int* order, int n, float top_p, double u);            \
  Ops ops();

namespace reference {
LLM_DECODER_FUNCTIONS
// The steps of attend: scalar, and AVX2 / AVX-512 (only where the CPU has
// them; attend dispatches with labkit::best_isa()).
void attend_scalar(const float* q, const KVSpan& kv, int n, int head_dim, float scale, float* out);
void attend_avx2(const float* q, const KVSpan& kv, int n, int head_dim, float scale, float* out);
void attend_avx512(const float* q, const KVSpan& kv, int n, int head_dim, float scale, float* out);
const char* attend_isa();  // what attend runs here
}  // namespace reference
namespace student {
LLM_DECODER_FUNCTIONS
}  // namespace student
#undef LLM_DECODER_FUNCTIONS

// ---------------------------------------------------------------------------
// Attention over a whole sequence (prefill of one head), Q, K, V [T, ld],
// causal, into O [T, ld]:
//   naive   materializes the T x T scores (T*T floats of scratch), softmax
//           row by row, then P V
//   flash   attend() for each query over its prefix: one pass, O(head_dim) scratch
void attention_naive_prefill(const float* Q, const float* K, const float* V, int T, int head_dim, int ld,
                             float* O, std::vector<float>& scratch);
void attention_flash_prefill(const Ops& ops, const float* Q, const float* K, const float* V, int T, int head_dim,
                             int ld, float* O);
using AttendFn = void (*)(const float*, const KVSpan&, int, int, float, float*);
void attention_flash_prefill(AttendFn attend, const float* Q, const float* K, const float* V, int T, int head_dim,
                             int ld, float* O);

// ---------------------------------------------------------------------------
// Byte-level BPE, GPT-2's: bytes map to printable code points
// (bytes_to_unicode), text is cut into pre-tokens (GPT-2's regex, written by
// hand: see pretokenize), each pre-token's bytes are merged by rank.
// Token ids 0..255 are the bytes, in bytes_to_unicode's order (GPT-2's);
// merge r makes id 256 + r; "<|endoftext|>" is the last id.
const std::vector<std::string>& byte_to_unicode();  // byte -> UTF-8 of its code point
// GPT-2's pattern 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// with letters = ASCII letters and every byte >= 0x80, digits = 0-9,
// whitespace = space, \t \n \v \f \r. The pieces concatenate to the input.
std::vector<std::string> pretokenize(const std::string& text);

class Tokenizer {
 public:
  Tokenizer();  // the 256 byte tokens and <|endoftext|>, no merges
  // Learns merges until the vocabulary has vocab_size entries (bytes, merges,
  // <|endoftext|>): the most frequent adjacent pair over all pre-tokens,
  // ties to the pair of smaller ids.
  static Tokenizer train(const std::string& text, int vocab_size, const Ops& ops);
  static Tokenizer load(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt);
  void save(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt) const;

  std::vector<int> encode(const std::string& text, const Ops& ops) const;
  std::string decode(const std::vector<int>& ids) const;
  std::string token_bytes(int id) const { return bytes_.at(static_cast<std::size_t>(id)); }
  int vocab_size() const { return static_cast<int>(bytes_.size()); }
  int eot() const { return vocab_size() - 1; }
  int merges() const { return static_cast<int>(merges_.size()); }

 private:
  void rebuild();
  std::vector<std::string> bytes_;                  // id -> bytes
  std::vector<std::pair<int, int>> merges_;         // rank -> (left, right)
  std::vector<int> merged_id_;                      // rank -> id
  std::map<std::pair<int, int>, int> rank_;         // (left, right) -> rank
  std::vector<int> byte_id_;                        // byte -> id
};

// ---------------------------------------------------------------------------
// Sampling: logits -> (temperature) -> top-k -> softmax -> top-p -> a draw.
struct SamplerConfig {
  float temperature = 1.0f;  // 0: greedy (argmax)
  int top_k = 0;             // 0: all
  float top_p = 1.0f;        // 1: all
  std::uint64_t seed = 1;
};
class Sampler {
 public:
  Sampler(SamplerConfig c, const Ops& ops) : c_(c), ops_(ops), rng_(c.seed) {}
  int sample(const float* logits, int vocab);
 private:
  SamplerConfig c_;
  Ops ops_;
  std::mt19937_64 rng_;
  std::vector<float> probs_;
  std::vector<int> order_;
};

// ---------------------------------------------------------------------------
// The model: weights in the layout the matrix-vector products want (each
// matrix as rows of its outputs, [out][in]), fp32 or quantized per row in
// ggml's Q8_0 / Q4_0 blocks (the quantization lab's), activations quantized
// to Q8_0 for the dot products on packed blocks.
enum class WeightFormat { f32, q8_0, q4_0 };
// The fp32 weights' dot product (AVX2 + FMA where the CPU has them).
float dot_f32(const float* a, const float* b, int n);
const char* format_name(WeightFormat f);
WeightFormat parse_format(const std::string& s);

struct Matrix {
  WeightFormat format = WeightFormat::f32;
  int rows = 0, cols = 0;                  // out, in
  std::vector<float> f32;                  // rows * cols
  std::vector<std::uint8_t> packed;        // rows * (cols / 32) blocks
  std::size_t bytes() const;               // what one pass over the weights reads
};

class Model {
 public:
  Model(const Checkpoint& ck, WeightFormat format = WeightFormat::f32);
  const Config& config() const { return c_; }
  std::size_t weight_bytes_per_token() const;  // every matrix once, plus one row of each embedding

  // Forward pass for R rows, each one (sequence, token) at the sequence's next
  // position: appends K and V to the cache, returns the logits of the rows
  // with want_logits[r] (vocab floats each, in order).
  void forward(PagedKVCache& cache, const Ops& ops, const std::vector<int>& seqs, const std::vector<int>& tokens,
               const std::vector<char>& want_logits, std::vector<float>& logits) const;

  // The plain yardstick: no cache, attention with materialized scores,
  // double-precision accumulation; logits of every position [T, vocab].
  std::vector<float> forward_no_cache(const std::vector<int>& tokens) const;

 private:
  struct Layer {
    std::vector<float> ln1_w, ln1_b, ln2_w, ln2_b, attn_b, proj_b, fc_b, out_b;
    Matrix attn, proj, fc, out;
  };
  void matmul(const Matrix& W, const float* bias, const float* X, int R, float* Y) const;
  Config c_;
  std::vector<float> wte_, wpe_, lnf_w_, lnf_b_, head_b_;
  Matrix head_;
  std::vector<Layer> layers_;
};

// Prefill and decode one or several sequences, with timing.
struct GenerateStats {
  int prompt_tokens = 0, generated_tokens = 0;
  double prefill_seconds = 0, decode_seconds = 0;
};
class Engine {
 public:
  Engine(const Model& m, const Ops& ops, int max_sequences = 1, int block_size = 16);
  // Runs the prompt; throws InputError ("prompt of N tokens is longer than the
  // context of M tokens") when it does not fit. Returns the sequence's id;
  // its last logits are in last_logits(seq).
  int prefill(const std::vector<int>& prompt);
  // One decode step for each sequence in seqs with its next token.
  void decode(const std::vector<int>& seqs, const std::vector<int>& tokens);
  const std::vector<float>& last_logits(int seq) const { return last_.at(static_cast<std::size_t>(seq)); }
  int length(int seq) const { return cache_.seqs.at(static_cast<std::size_t>(seq)).length; }
  void release(int seq);
  PagedKVCache& cache() { return cache_; }
  // Prompt, then up to max_new tokens (stopping at eot when eot >= 0),
  // calling on_token for each; stats get the times.
  std::vector<int> generate(const std::vector<int>& prompt, int max_new, Sampler& sampler, int eot,
                            const std::function<void(int)>& on_token, GenerateStats* stats);

 private:
  const Model& m_;
  Ops ops_;
  PagedKVCache cache_;
  std::vector<std::vector<float>> last_;
};

// Mean negative log-likelihood per token of `tokens` in windows of the
// context (each window prefilled at once); perplexity = exp of it.
double mean_nll(const Model& m, const Ops& ops, const std::vector<int>& tokens, int window);

// ---------------------------------------------------------------------------
// Training with tiny-nn (engine/train.cpp): a tiny_nn::Transformer whose
// parameter names are GPT-2's, next-token loss on random windows of the text.
struct TrainConfig {
  Config model;
  int steps = 600, batch = 16;
  float lr = 3e-3f;
  std::uint64_t seed = 1;
  int threads = 2;
};
struct TrainResult {
  std::vector<double> losses;  // per step
  double seconds = 0;
  Checkpoint checkpoint;       // GPT-2 names; lm_head.weight [D, vocab] and lm_head.bias
};
TrainResult train_gpt(const std::vector<int>& tokens, const TrainConfig& config,
                      const std::function<void(int step, double loss)>& on_step = {});
// The tiny-nn transformer's logits [T, vocab] for a checkpoint (the bridge the
// tests use): the same weights in tiny_nn::Transformer's parameters.
std::vector<float> tiny_nn_logits(const Checkpoint& ck, const std::vector<int>& tokens);

}  // namespace llm_decoder
