// The safetensors format, so weights a lab saves open in standard tools
// (Python's `safetensors`, Hugging Face viewers):
//   8 bytes   little-endian uint64 N, the header's length
//   N bytes   a JSON object: {"name": {"dtype": "F32", "shape": [..],
//             "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}}
//   the rest  the tensors' raw little-endian bytes; offsets count from here
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace labkit {

struct Tensor {
  std::string dtype = "F32";  // F32, F16, BF16, I8, U8, I32, I64, F64 ...
  std::vector<std::int64_t> shape;
  std::vector<std::byte> data;  // little-endian, row-major
  std::int64_t elements() const;
};

using TensorMap = std::map<std::string, Tensor>;
using Metadata = std::map<std::string, std::string>;

// Bytes per element of a dtype name; throws std::invalid_argument if unknown.
std::size_t dtype_size(const std::string& dtype);

Tensor tensor_f32(std::vector<std::int64_t> shape, const float* values);
// The values of an F32 tensor; throws std::invalid_argument for another dtype.
std::vector<float> as_f32(const Tensor& t);

void save_safetensors(const std::filesystem::path& file, const TensorMap& tensors,
                      const Metadata& metadata = {});
// Throws labkit::DataError (labkit/idx.hpp) naming the file on a malformed one.
TensorMap load_safetensors(const std::filesystem::path& file, Metadata* metadata = nullptr);

}  // namespace labkit
