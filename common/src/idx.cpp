#include "labkit/idx.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

#if LABKIT_HAVE_ZLIB
#include <zlib.h>
#endif

namespace labkit {
namespace fs = std::filesystem;

std::size_t IdxArray::elements() const {
  std::size_t n = 1;
  for (auto d : dims) n *= d;
  return dims.empty() ? 0 : n;
}

namespace {

bool is_gzip(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  unsigned char magic[2] = {0, 0};
  in.read(reinterpret_cast<char*>(magic), 2);
  return in.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

// Reads the whole file, inflating it when it is gzip-compressed.
std::vector<std::uint8_t> read_bytes(const fs::path& file) {
  if (!fs::exists(file)) throw DataError(file.string() + ": no such file");
  std::vector<std::uint8_t> bytes;
  if (is_gzip(file)) {
#if LABKIT_HAVE_ZLIB
    gzFile gz = gzopen(file.c_str(), "rb");
    if (!gz) throw DataError(file.string() + ": cannot open");
    std::array<std::uint8_t, 1 << 16> buf{};
    int n;
    while ((n = gzread(gz, buf.data(), static_cast<unsigned>(buf.size()))) > 0) bytes.insert(bytes.end(), buf.begin(), buf.begin() + n);
    int err = 0;
    const char* msg = gzerror(gz, &err);
    const bool failed = n < 0 || (err != Z_OK && err != Z_STREAM_END);
    const std::string why = failed ? std::string(msg ? msg : "read error") : "";
    gzclose(gz);
    if (failed) throw DataError(file.string() + ": corrupt gzip data (" + why + "); download or reinstall it");
#else
    throw DataError(file.string() + " is gzip-compressed, but labkit was built without zlib "
                    "(sudo apt-get install zlib1g-dev, then reconfigure), or gunzip it");
#endif
  } else {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  return bytes;
}

std::uint32_t big_endian32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

IdxArray read_idx(const fs::path& file) {
  const auto bytes = read_bytes(file);
  const std::string where = file.string() + ": ";
  if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0)
    throw DataError(where + "not an IDX file (it must start with two zero bytes, a type and a rank)");
  if (bytes[2] != 0x08)
    throw DataError(where + "IDX element type 0x" + std::to_string(bytes[2]) + " is not unsigned byte (0x08), the only one supported");
  const std::size_t rank = bytes[3];
  if (rank == 0 || bytes.size() < 4 + 4 * rank) throw DataError(where + "truncated IDX header");
  IdxArray a;
  for (std::size_t d = 0; d < rank; ++d) a.dims.push_back(big_endian32(&bytes[4 + 4 * d]));
  const std::size_t header = 4 + 4 * rank, n = a.elements();
  if (bytes.size() - header != n)
    throw DataError(where + "the header promises " + std::to_string(n) + " bytes of data, the file has " +
                    std::to_string(bytes.size() - header) + " (truncated download?)");
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return a;
}

void write_idx(const fs::path& file, const IdxArray& array, bool gzip) {
  if (array.data.size() != array.elements()) throw std::invalid_argument("write_idx: data size does not match dims");
  std::vector<std::uint8_t> bytes = {0, 0, 0x08, static_cast<std::uint8_t>(array.dims.size())};
  for (auto d : array.dims)
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<std::uint8_t>(d >> shift));
  bytes.insert(bytes.end(), array.data.begin(), array.data.end());
  if (gzip) {
#if LABKIT_HAVE_ZLIB
    gzFile gz = gzopen(file.c_str(), "wb");
    if (!gz || gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())) != static_cast<int>(bytes.size())) {
      if (gz) gzclose(gz);
      throw DataError(file.string() + ": cannot write");
    }
    gzclose(gz);
    return;
#else
    throw DataError("write_idx: labkit was built without zlib");
#endif
  }
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw DataError(file.string() + ": cannot write");
}

fs::path default_fashion_mnist_dir() {
  if (const char* dir = std::getenv("LABKIT_FASHION_MNIST"); dir && *dir) return dir;
  return "/usr/share/datasets/fashion-mnist";
}

Dataset load_fashion_mnist(const std::string& split, const fs::path& dir) {
  if (split != "train" && split != "test")
    throw std::invalid_argument("load_fashion_mnist: split must be \"train\" or \"test\", not \"" + split + "\"");
  const std::string stem = split == "train" ? "train" : "t10k";
  auto find = [&](const std::string& name) {
    for (const auto& candidate : {dir / (name + ".gz"), dir / name})
      if (fs::exists(candidate)) return candidate;
    throw DataError((dir / (name + ".gz")).string() +
                    ": Fashion-MNIST not found. Install it with `sudo apt-get install dataset-fashion-mnist` "
                    "(or `tools/labctl deps`), or point LABKIT_FASHION_MNIST at a folder with the four IDX files");
  };
  const auto image_file = find(stem + "-images-idx3-ubyte");
  const auto label_file = find(stem + "-labels-idx1-ubyte");
  const auto images = read_idx(image_file);
  const auto labels = read_idx(label_file);
  if (images.dims.size() != 3) throw DataError(image_file.string() + ": expected 3 dimensions (count, rows, cols)");
  if (labels.dims.size() != 1) throw DataError(label_file.string() + ": expected 1 dimension (count)");
  if (images.dims[0] != labels.dims[0])
    throw DataError(image_file.string() + " has " + std::to_string(images.dims[0]) + " images but " +
                    label_file.string() + " has " + std::to_string(labels.dims[0]) + " labels");
  for (auto l : labels.data)
    if (l > 9) throw DataError(label_file.string() + ": label " + std::to_string(l) + " is outside 0-9");
  Dataset d;
  d.count = images.dims[0];
  d.rows = images.dims[1];
  d.cols = images.dims[2];
  d.images.resize(images.data.size());
  for (std::size_t i = 0; i < images.data.size(); ++i) d.images[i] = static_cast<float>(images.data[i]) / 255.0f;
  d.labels = labels.data;
  return d;
}

}  // namespace labkit
