// IDX files (the MNIST family's format) and the Fashion-MNIST dataset.
//
// An IDX file is a 4-byte magic (0, 0, element type, number of dimensions),
// one big-endian uint32 per dimension, then the elements row-major. Only the
// unsigned-byte element type (0x08) is used by the datasets here. Files may be
// gzip-compressed (read through zlib), as Debian's dataset-fashion-mnist
// package ships them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace labkit {

// A data file is missing or malformed. what() names the file and the fix.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct IdxArray {
  std::vector<std::uint32_t> dims;  // e.g. {60000, 28, 28}
  std::vector<std::uint8_t> data;   // product(dims) bytes, row-major
  std::size_t elements() const;
};

// Reads a raw or gzip-compressed IDX file of unsigned bytes.
IdxArray read_idx(const std::filesystem::path& file);
// Writes one (gzip-compressed if asked): tests generate small datasets with it.
void write_idx(const std::filesystem::path& file, const IdxArray& array, bool gzip);

// Images scaled to [0, 1], one row of rows*cols floats per image.
struct Dataset {
  std::vector<float> images;
  std::vector<std::uint8_t> labels;
  std::size_t count = 0, rows = 0, cols = 0;
  std::size_t pixels() const { return rows * cols; }
};

// $LABKIT_FASHION_MNIST if set, else /usr/share/datasets/fashion-mnist.
std::filesystem::path default_fashion_mnist_dir();

// split: "train" (60000 images) or "test" (10000). Reads
// <dir>/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]. A missing file
// throws DataError naming it and the Debian package that provides it.
Dataset load_fashion_mnist(const std::string& split,
                           const std::filesystem::path& dir = default_fashion_mnist_dir());

}  // namespace labkit
