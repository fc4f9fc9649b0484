#include "labkit/safetensors.hpp"

#include <bit>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "labkit/idx.hpp"  // DataError

namespace labkit {
namespace fs = std::filesystem;
using nlohmann::json;

// The format is little-endian; so are x86-64 and Arm Linux, which lets tensor
// bytes be copied as they are.
static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

std::int64_t Tensor::elements() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::size_t dtype_size(const std::string& dtype) {
  static const std::map<std::string, std::size_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
      {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},     {"I64", 8},     {"U64", 8}, {"F64", 8}};
  const auto it = sizes.find(dtype);
  if (it == sizes.end()) throw std::invalid_argument("unknown safetensors dtype \"" + dtype + "\"");
  return it->second;
}

Tensor tensor_f32(std::vector<std::int64_t> shape, const float* values) {
  Tensor t;
  t.dtype = "F32";
  t.shape = std::move(shape);
  t.data.resize(static_cast<std::size_t>(t.elements()) * sizeof(float));
  if (!t.data.empty()) std::memcpy(t.data.data(), values, t.data.size());
  return t;
}

std::vector<float> as_f32(const Tensor& t) {
  if (t.dtype != "F32") throw std::invalid_argument("as_f32: tensor has dtype " + t.dtype + ", not F32");
  std::vector<float> v(t.data.size() / sizeof(float));
  if (!v.empty()) std::memcpy(v.data(), t.data.data(), v.size() * sizeof(float));
  return v;
}

void save_safetensors(const fs::path& file, const TensorMap& tensors, const Metadata& metadata) {
  json header = json::object();
  std::uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") throw std::invalid_argument("save_safetensors: \"__metadata__\" is reserved");
    const auto expected = static_cast<std::size_t>(t.elements()) * dtype_size(t.dtype);
    if (t.data.size() != expected)
      throw std::invalid_argument("save_safetensors: tensor \"" + name + "\" has " + std::to_string(t.data.size()) +
                                  " bytes, its shape and dtype need " + std::to_string(expected));
    header[name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump();
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  while ((8 + text.size()) % 8) text.push_back(' ');
  const std::uint64_t length = text.size();
  std::ofstream out(file, std::ios::binary);
  if (!out) throw DataError(file.string() + ": cannot open for writing");
  out.write(reinterpret_cast<const char*>(&length), 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  for (const auto& [name, t] : tensors)
    out.write(reinterpret_cast<const char*>(t.data.data()), static_cast<std::streamsize>(t.data.size()));
  if (!out) throw DataError(file.string() + ": write failed (disk full?)");
}

TensorMap load_safetensors(const fs::path& file, Metadata* metadata) {
  const std::string where = file.string() + ": ";
  std::ifstream in(file, std::ios::binary);
  if (!in) throw DataError(where + "cannot open (no such file?)");
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  if (bytes.size() < 8) throw DataError(where + "too short to be a safetensors file");
  std::uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  if (length > bytes.size() - 8) throw DataError(where + "header length " + std::to_string(length) + " runs past the end of the file");
  json header;
  try {
    header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(length));
  } catch (const json::exception& e) {
    throw DataError(where + "the JSON header does not parse: " + e.what());
  }
  if (!header.is_object()) throw DataError(where + "the JSON header is not an object");
  const std::size_t data_begin = 8 + length, data_size = bytes.size() - data_begin;
  TensorMap tensors;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (metadata)
        for (const auto& [k, v] : entry.items()) (*metadata)[k] = v.is_string() ? v.get<std::string>() : v.dump();
      continue;
    }
    try {
      Tensor t;
      t.dtype = entry.at("dtype").get<std::string>();
      t.shape = entry.at("shape").get<std::vector<std::int64_t>>();
      const auto offsets = entry.at("data_offsets").get<std::vector<std::uint64_t>>();
      if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size)
        throw DataError("data_offsets out of range");
      const auto expected = static_cast<std::uint64_t>(t.elements()) * dtype_size(t.dtype);
      if (offsets[1] - offsets[0] != expected)
        throw DataError("data_offsets span " + std::to_string(offsets[1] - offsets[0]) + " bytes, shape and dtype need " +
                        std::to_string(expected));
      const auto* first = reinterpret_cast<const std::byte*>(bytes.data() + data_begin + offsets[0]);
      t.data.assign(first, first + expected);
      tensors.emplace(name, std::move(t));
    } catch (const std::exception& e) {
      throw DataError(where + "tensor \"" + name + "\": " + e.what());
    }
  }
  return tensors;
}

}  // namespace labkit
