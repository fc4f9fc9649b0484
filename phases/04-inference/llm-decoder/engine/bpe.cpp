// Byte-level BPE with GPT-2's byte map, pre-tokenizer and file formats.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <unordered_map>

#include "llm_decoder.hpp"

namespace llm_decoder {
namespace {

std::string utf8(int cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else {  // code points here are < 0x800: two bytes
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

// GPT-2's bytes_to_unicode: the printable bytes keep their code point, the
// other 68 get 256, 257, ... in byte order. Also the order of ids 0..255.
struct ByteMap {
  std::vector<int> order;              // id -> byte
  std::vector<std::string> to_unicode; // byte -> UTF-8
  std::unordered_map<std::string, int> to_byte;
  ByteMap() : to_unicode(256) {
    std::vector<int> cp(256, -1);
    auto keep = [&](int lo, int hi) {
      for (int b = lo; b <= hi; ++b) {
        order.push_back(b);
        cp[b] = b;
      }
    };
    keep('!', '~');
    keep(0xA1, 0xAC);
    keep(0xAE, 0xFF);
    int n = 0;
    for (int b = 0; b < 256; ++b)
      if (cp[b] < 0) {
        order.push_back(b);
        cp[b] = 256 + n++;
      }
    for (int b = 0; b < 256; ++b) {
      to_unicode[b] = utf8(cp[b]);
      to_byte[to_unicode[b]] = b;
    }
  }
};
const ByteMap& byte_map() {
  static const ByteMap m;
  return m;
}

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
bool is_letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80; }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_other(unsigned char c) { return !is_space(c) && !is_letter(c) && !is_digit(c); }

// GPT-2's token text (bytes through the byte map) -> bytes.
std::string unicode_to_bytes(const std::string& s, const std::filesystem::path& file) {
  std::string out;
  const auto& m = byte_map().to_byte;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = (static_cast<unsigned char>(s[i]) < 0x80) ? 1 : 2;
    auto it = m.find(s.substr(i, len));
    if (it == m.end())
      throw InputError(file.string() + ": token \"" + s + "\" has a character outside GPT-2's byte map");
    out += static_cast<char>(it->second);
    i += len;
  }
  return out;
}

std::string to_unicode(const std::string& bytes) {
  std::string s;
  for (unsigned char b : bytes) s += byte_map().to_unicode[b];
  return s;
}

}  // namespace

const std::vector<std::string>& byte_to_unicode() { return byte_map().to_unicode; }

std::vector<std::string> pretokenize(const std::string& text) {
  std::vector<std::string> out;
  const std::size_t n = text.size();
  auto at = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  std::size_t i = 0;
  while (i < n) {
    std::size_t j = i;
    const unsigned char c = at(i);
    // 's 't 're 've 'm 'll 'd
    if (c == '\'' && i + 1 < n) {
      const char a = text[i + 1], b = i + 2 < n ? text[i + 2] : '\0';
      if (a == 's' || a == 't' || a == 'm' || a == 'd') j = i + 2;
      else if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) j = i + 3;
    }
    if (j == i) {
      // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+': an optional space, then a run of one class.
      const std::size_t k = (c == ' ' && i + 1 < n) ? i + 1 : i;
      for (auto cls : {is_letter, is_digit, is_other}) {
        if (k < n && cls(at(k))) {
          j = k;
          while (j < n && cls(at(j))) ++j;
          break;
        }
      }
    }
    if (j == i) {
      // '\s+(?!\S)' then '\s+': a run of whitespace; before a non-space, its
      // last character is left for the next piece (" word") if the run has two or more.
      std::size_t e = i;
      while (e < n && is_space(at(e))) ++e;
      j = (e < n && e - i >= 2) ? e - 1 : e;
    }
    out.push_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

Tokenizer::Tokenizer() {
  for (int b : byte_map().order) bytes_.push_back(std::string(1, static_cast<char>(b)));
  bytes_.push_back("<|endoftext|>");
  rebuild();
}

void Tokenizer::rebuild() {
  byte_id_.assign(256, -1);
  for (int id = 0; id < 256; ++id) byte_id_[static_cast<unsigned char>(bytes_[static_cast<std::size_t>(id)][0])] = id;
  rank_.clear();
  for (std::size_t r = 0; r < merges_.size(); ++r) rank_[merges_[r]] = static_cast<int>(r);
}

Tokenizer Tokenizer::train(const std::string& text, int vocab_size, const Ops& ops) {
  Tokenizer t;
  if (vocab_size < 257) throw InputError("BPE: vocab_size " + std::to_string(vocab_size) + " is below 257 (256 bytes + <|endoftext|>)");
  std::unordered_map<std::string, long> counts;
  for (auto& w : pretokenize(text)) ++counts[w];
  std::vector<std::string> keys;
  for (auto& [w, n] : counts) keys.push_back(w);
  std::sort(keys.begin(), keys.end());  // a fixed order: the result does not depend on the hash
  std::vector<std::vector<int>> words;
  std::vector<long> freq;
  for (auto& w : keys) {
    std::vector<int> ids;
    for (unsigned char b : w) ids.push_back(t.byte_id_[b]);
    words.push_back(std::move(ids));
    freq.push_back(counts[w]);
  }
  t.bytes_.pop_back();  // <|endoftext|> goes last again at the end
  std::unordered_map<std::uint64_t, long> pairs;
  while (static_cast<int>(t.bytes_.size()) + 1 < vocab_size) {
    pairs.clear();
    for (std::size_t w = 0; w < words.size(); ++w)
      for (std::size_t i = 0; i + 1 < words[w].size(); ++i)
        pairs[(static_cast<std::uint64_t>(words[w][i]) << 32) | static_cast<std::uint32_t>(words[w][i + 1])] += freq[w];
    std::uint64_t best = 0;
    long best_n = 0;
    for (auto [p, n] : pairs)
      if (n > best_n || (n == best_n && p < best)) {
        best = p;
        best_n = n;
      }
    if (best_n < 2) break;  // nothing left worth a token
    const int left = static_cast<int>(best >> 32), right = static_cast<int>(best & 0xFFFFFFFFu);
    const int id = static_cast<int>(t.bytes_.size());
    t.merges_.push_back({left, right});
    t.bytes_.push_back(t.bytes_[static_cast<std::size_t>(left)] + t.bytes_[static_cast<std::size_t>(right)]);
    for (auto& w : words)
      if (w.size() >= 2) ops.bpe_merge(w, left, right, id);
  }
  t.bytes_.push_back("<|endoftext|>");
  t.rebuild();
  return t;
}

std::vector<int> Tokenizer::encode(const std::string& text, const Ops& ops) const {
  std::vector<int> out;
  std::unordered_map<std::string, std::vector<int>> memo;
  for (const std::string& piece : pretokenize(text)) {
    auto it = memo.find(piece);
    if (it == memo.end()) {
      std::vector<int> ids;
      for (unsigned char b : piece) ids.push_back(byte_id_[b]);
      // GPT-2's loop: merge the adjacent pair of lowest rank, all its occurrences, until none has a rank.
      while (ids.size() >= 2) {
        int best = -1;
        for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
          auto r = rank_.find({ids[i], ids[i + 1]});
          if (r != rank_.end() && (best < 0 || r->second < best)) best = r->second;
        }
        if (best < 0) break;
        const auto [l, r] = merges_[static_cast<std::size_t>(best)];
        const int merged = 256 + best;
        if (ops.bpe_merge(ids, l, r, merged) == 0)
          throw std::logic_error("bpe_merge replaced nothing although (" + std::to_string(l) + ", " +
                                 std::to_string(r) + ") is in the sequence");
      }
      it = memo.emplace(piece, std::move(ids)).first;
    }
    out.insert(out.end(), it->second.begin(), it->second.end());
  }
  return out;
}

std::string Tokenizer::decode(const std::vector<int>& ids) const {
  std::string s;
  for (int id : ids) {
    if (id < 0 || id >= vocab_size())
      throw InputError("decode: token id " + std::to_string(id) + " is outside the vocabulary of " +
                       std::to_string(vocab_size()));
    s += bytes_[static_cast<std::size_t>(id)];
  }
  return s;
}

void Tokenizer::save(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt) const {
  nlohmann::json v = nlohmann::json::object();
  for (int id = 0; id < vocab_size(); ++id)
    v[id == eot() ? bytes_.back() : to_unicode(bytes_[static_cast<std::size_t>(id)])] = id;
  std::ofstream vo(vocab_json);
  vo << v.dump() << "\n";
  std::ofstream mo(merges_txt);
  mo << "#version: 0.2\n";
  for (auto [l, r] : merges_)
    mo << to_unicode(bytes_[static_cast<std::size_t>(l)]) << ' ' << to_unicode(bytes_[static_cast<std::size_t>(r)]) << '\n';
  if (!vo || !mo) throw InputError(vocab_json.string() + ": cannot write the tokenizer files");
}

Tokenizer Tokenizer::load(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt) {
  std::ifstream vi(vocab_json);
  if (!vi) throw InputError(vocab_json.string() + ": cannot open (GPT-2's vocab.json, or train one with llm-train)");
  nlohmann::json v;
  try {
    v = nlohmann::json::parse(vi);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(vocab_json.string() + ": not JSON: " + e.what());
  }
  if (!v.is_object() || v.size() < 257)
    throw InputError(vocab_json.string() + ": expected an object of at least 257 token -> id entries");
  Tokenizer t;
  t.bytes_.assign(v.size(), std::string());
  std::vector<char> seen(v.size(), 0);
  std::unordered_map<std::string, int> id_of;
  for (auto& [tok, idj] : v.items()) {
    if (!idj.is_number_integer() || idj.get<long long>() < 0 || idj.get<std::size_t>() >= v.size() || seen[idj.get<std::size_t>()])
      throw InputError(vocab_json.string() + ": token \"" + tok + "\" has id " + idj.dump() +
                       "; ids must be 0..N-1, each once");
    const int id = idj.get<int>();
    seen[static_cast<std::size_t>(id)] = 1;
    id_of[tok] = id;
    t.bytes_[static_cast<std::size_t>(id)] = (tok.size() > 2 && tok.front() == '<' && tok.back() == '>' && tok.find("|") != std::string::npos)
                                                 ? tok
                                                 : unicode_to_bytes(tok, vocab_json);
  }
  std::ifstream mi(merges_txt);
  if (!mi) throw InputError(merges_txt.string() + ": cannot open (GPT-2's merges.txt)");
  std::string line;
  int lineno = 0;
  while (std::getline(mi, line)) {
    ++lineno;
    if (line.empty() || line.rfind("#version", 0) == 0) continue;
    const auto sp = line.find(' ');
    if (sp == std::string::npos)
      throw InputError(merges_txt.string() + ":" + std::to_string(lineno) + ": expected two tokens separated by a space");
    const std::string a = line.substr(0, sp), b = line.substr(sp + 1);
    auto ia = id_of.find(a), ib = id_of.find(b), im = id_of.find(a + b);
    if (ia == id_of.end() || ib == id_of.end() || im == id_of.end())
      throw InputError(merges_txt.string() + ":" + std::to_string(lineno) + ": merge \"" + line +
                       "\" names a token that vocab.json lacks");
    if (im->second != 256 + static_cast<int>(t.merges_.size()))
      throw InputError(merges_txt.string() + ":" + std::to_string(lineno) + ": merge \"" + line + "\" makes id " +
                       std::to_string(im->second) + ", expected 256 + its rank = " +
                       std::to_string(256 + t.merges_.size()));
    t.merges_.push_back({ia->second, ib->second});
  }
  t.rebuild();
  for (int b = 0; b < 256; ++b)
    if (t.byte_id_[static_cast<std::size_t>(b)] < 0 || t.bytes_[static_cast<std::size_t>(t.byte_id_[static_cast<std::size_t>(b)])].size() != 1)
      throw InputError(vocab_json.string() + ": ids 0..255 must be the 256 single bytes");
  return t;
}

}  // namespace llm_decoder
