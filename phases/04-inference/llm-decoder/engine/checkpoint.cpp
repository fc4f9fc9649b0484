// config.json and the GPT-2 checkpoint on top of labkit's safetensors reader.
#include <labkit/safetensors.hpp>

#include <nlohmann/json.hpp>

#include <bit>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "llm_decoder.hpp"
#include "quant_formats.hpp"

namespace llm_decoder {
namespace {

std::string shape_str(const std::vector<std::int64_t>& s) {
  std::string r = "[";
  for (std::size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

std::vector<float> to_f32(const labkit::Tensor& t, const std::string& file, const std::string& name) {
  const std::int64_t n = t.elements();
  std::vector<float> out(static_cast<std::size_t>(n));
  const std::byte* p = t.data.data();
  if (t.dtype == "F32") {
    std::memcpy(out.data(), p, out.size() * 4);
  } else if (t.dtype == "F16" || t.dtype == "BF16") {
    for (std::int64_t i = 0; i < n; ++i) {
      std::uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      out[static_cast<std::size_t>(i)] =
          t.dtype == "F16" ? quant::fp16_to_fp32(h) : std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16);
    }
  } else {
    throw InputError(file + ": tensor " + name + " has dtype " + t.dtype +
                     "; this engine reads F32, F16 and BF16 (convert the checkpoint to one of them)");
  }
  return out;
}

int get_int(const nlohmann::json& j, const std::filesystem::path& file, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (j.contains(k)) {
      if (!j[k].is_number_integer() || j[k].get<long long>() <= 0)
        throw InputError(file.string() + ": \"" + k + "\" must be a positive integer");
      return j[k].get<int>();
    }
  throw InputError(file.string() + ": no \"" + *keys.begin() + "\"; a GPT-2 config.json has n_layer, n_head, n_embd, " +
                   "n_ctx (or n_positions) and vocab_size");
}

}  // namespace

Config load_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError(file.string() + ": cannot open (write a config.json, or train one with llm-train)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file.string() + ": not JSON: " + e.what());
  }
  Config c;
  c.n_layer = get_int(j, file, {"n_layer", "num_hidden_layers"});
  c.n_head = get_int(j, file, {"n_head", "num_attention_heads"});
  c.n_embd = get_int(j, file, {"n_embd", "hidden_size"});
  c.n_ctx = get_int(j, file, {"n_ctx", "n_positions", "max_position_embeddings"});
  c.vocab_size = get_int(j, file, {"vocab_size"});
  if (c.n_embd % c.n_head != 0)
    throw InputError(file.string() + ": n_embd " + std::to_string(c.n_embd) + " is not a multiple of n_head " +
                     std::to_string(c.n_head));
  return c;
}

void save_config(const std::filesystem::path& file, const Config& c) {
  nlohmann::json j = {{"model_type", "gpt2"},       {"n_layer", c.n_layer},   {"n_head", c.n_head},
                      {"n_embd", c.n_embd},         {"n_ctx", c.n_ctx},       {"n_positions", c.n_ctx},
                      {"vocab_size", c.vocab_size}, {"activation_function", "gelu_new"},
                      {"layer_norm_epsilon", 1e-5}};
  std::ofstream out(file);
  out << j.dump(2) << "\n";
  if (!out) throw InputError(file.string() + ": cannot write");
}

const std::vector<float>& Checkpoint::at(const std::string& name) const {
  auto it = tensors.find(name);
  if (it == tensors.end()) throw InputError("checkpoint: no tensor " + name);
  return it->second;
}

std::vector<std::pair<std::string, std::vector<std::int64_t>>> expected_tensors(const Config& c) {
  const std::int64_t D = c.n_embd;
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> e = {{"wte.weight", {c.vocab_size, D}},
                                                                      {"wpe.weight", {c.n_ctx, D}}};
  for (int l = 0; l < c.n_layer; ++l) {
    const std::string h = "h." + std::to_string(l) + ".";
    for (auto [n, s] : std::vector<std::pair<std::string, std::vector<std::int64_t>>>{
             {"ln_1.weight", {D}},           {"ln_1.bias", {D}},
             {"attn.c_attn.weight", {D, 3 * D}}, {"attn.c_attn.bias", {3 * D}},
             {"attn.c_proj.weight", {D, D}}, {"attn.c_proj.bias", {D}},
             {"ln_2.weight", {D}},           {"ln_2.bias", {D}},
             {"mlp.c_fc.weight", {D, 4 * D}}, {"mlp.c_fc.bias", {4 * D}},
             {"mlp.c_proj.weight", {4 * D, D}}, {"mlp.c_proj.bias", {D}}})
      e.emplace_back(h + n, s);
  }
  e.push_back({"ln_f.weight", {D}});
  e.push_back({"ln_f.bias", {D}});
  return e;
}

Checkpoint load_checkpoint(const std::filesystem::path& path, const Config& c) {
  const std::string file = path.string();
  labkit::TensorMap raw;
  labkit::Metadata meta;
  try {
    raw = labkit::load_safetensors(path, &meta);
  } catch (const std::exception& e) {
    throw InputError(e.what());
  }
  // Accept "transformer.h.0..." (GPT2LMHeadModel) as well as "h.0..." (GPT2Model).
  std::map<std::string, const labkit::Tensor*> by_name;
  for (const auto& [name, t] : raw) {
    std::string n = name;
    if (n.rfind("transformer.", 0) == 0) n = n.substr(12);
    by_name[n] = &t;
  }
  Checkpoint ck;
  ck.config = c;
  for (const auto& [name, shape] : expected_tensors(c)) {
    auto it = by_name.find(name);
    if (it == by_name.end())
      throw InputError(file + ": tensor " + name + " is missing (expected shape " + shape_str(shape) +
                       " for the config's n_layer " + std::to_string(c.n_layer) + ", n_embd " +
                       std::to_string(c.n_embd) + "); is config.json the checkpoint's own?");
    if (it->second->shape != shape)
      throw InputError(file + ": tensor " + name + " has shape " + shape_str(it->second->shape) + ", expected " +
                       shape_str(shape) + " (from config.json: n_embd " + std::to_string(c.n_embd) + ", n_ctx " +
                       std::to_string(c.n_ctx) + ", vocab_size " + std::to_string(c.vocab_size) + ")");
    ck.tensors[name] = to_f32(*it->second, file, name);
  }
  // The head: absent (tied to wte), [D, V] (tiny-nn's Linear), or [V, D] (nn.Linear).
  const std::int64_t D = c.n_embd, V = c.vocab_size;
  if (auto it = by_name.find("lm_head.weight"); it != by_name.end()) {
    const auto& s = it->second->shape;
    std::vector<float> w = to_f32(*it->second, file, "lm_head.weight");
    const bool in_out = s == std::vector<std::int64_t>{D, V} && (D != V || meta["lm_head_layout"] == "in_out");
    if (in_out) {
      ck.tensors["lm_head.weight"] = std::move(w);  // [D, V]
    } else if (s == std::vector<std::int64_t>{V, D}) {
      std::vector<float> t(w.size());
      for (std::int64_t v = 0; v < V; ++v)
        for (std::int64_t d = 0; d < D; ++d) t[static_cast<std::size_t>(d * V + v)] = w[static_cast<std::size_t>(v * D + d)];
      ck.tensors["lm_head.weight"] = std::move(t);
    } else {
      throw InputError(file + ": tensor lm_head.weight has shape " + shape_str(s) + ", expected " +
                       shape_str({D, V}) + " or " + shape_str({V, D}));
    }
    if (auto b = by_name.find("lm_head.bias"); b != by_name.end()) {
      if (b->second->shape != std::vector<std::int64_t>{V})
        throw InputError(file + ": tensor lm_head.bias has shape " + shape_str(b->second->shape) + ", expected " +
                         shape_str({V}));
      ck.tensors["lm_head.bias"] = to_f32(*b->second, file, "lm_head.bias");
    }
  }
  return ck;
}

void save_checkpoint(const std::filesystem::path& file, const Checkpoint& ck) {
  labkit::TensorMap out;
  const auto& c = ck.config;
  for (const auto& [name, shape] : expected_tensors(c)) out[name] = labkit::tensor_f32(shape, ck.at(name).data());
  if (ck.has("lm_head.weight"))
    out["lm_head.weight"] = labkit::tensor_f32({c.n_embd, c.vocab_size}, ck.at("lm_head.weight").data());
  if (ck.has("lm_head.bias")) out["lm_head.bias"] = labkit::tensor_f32({c.vocab_size}, ck.at("lm_head.bias").data());
  labkit::save_safetensors(file, out, {{"format", "pt"}, {"lm_head_layout", "in_out"}});
}

Checkpoint random_checkpoint(const Config& c, std::uint64_t seed) {
  Checkpoint ck;
  ck.config = c;
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::uniform_real_distribution<float> jitter(-0.1f, 0.1f);
  for (const auto& [name, shape] : expected_tensors(c)) {
    std::size_t n = 1;
    for (auto d : shape) n *= static_cast<std::size_t>(d);
    std::vector<float> v(n);
    const bool ln = name.find("ln_") != std::string::npos;
    const bool bias = name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    for (auto& x : v) x = ln ? (bias ? jitter(rng) : 1.0f + jitter(rng)) : (bias ? jitter(rng) * 0.1f : normal(rng) * 5.0f);
    ck.tensors[name] = std::move(v);
  }
  return ck;
}

}  // namespace llm_decoder
