// quantize: float32 files to ggml's Q8_0 / Q4_0 blocks and back, in the
// manner of llama.cpp's quantize tool (which does this per tensor of a GGUF).
//
//   quantize --type q8_0 IN.f32 OUT.q8_0        raw little-endian float32 in,
//                                               raw blocks out (34 bytes per 32 values)
//   quantize --type q4_0 IN.f32 OUT.q4_0        (18 bytes per 32 values)
//   quantize --dequantize --type q8_0 IN OUT.f32   blocks back to float32
//
// The blocks are byte for byte what ggml's quantize_row_q8_0_ref /
// quantize_row_q4_0_ref write, so a tensor quantized here can be placed in a
// GGUF file as is. The input length must be a multiple of 32 values.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "quantization.hpp"

namespace ref = quant::reference;

namespace {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::vector<char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open '" + path + "' for reading: " + std::strerror(errno));
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const void* data, std::size_t n) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error("cannot open '" + path + "' for writing: " + std::strerror(errno));
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
  if (!out) throw Error("writing '" + path + "' failed (disk full?)");
}

// Files are little-endian; on a big-endian host, swap.
template <class T>
void from_little_endian(T* v, std::size_t n) {
  if constexpr (std::endian::native == std::endian::big)
    for (std::size_t i = 0; i < n; ++i) {
      auto* b = reinterpret_cast<unsigned char*>(v + i);
      for (std::size_t j = 0; j < sizeof(T) / 2; ++j) std::swap(b[j], b[sizeof(T) - 1 - j]);
    }
}

int run(const std::string& type, bool dequantize, const std::string& in, const std::string& out) {
  const std::size_t block = type == "q8_0" ? sizeof(quant::BlockQ8_0) : sizeof(quant::BlockQ4_0);
  const std::vector<char> bytes = read_file(in);

  if (!dequantize) {
    if (bytes.size() % 4 != 0)
      throw Error("'" + in + "' is " + std::to_string(bytes.size()) +
                  " bytes, not a whole number of float32 values (4 bytes each): is it raw float32?");
    const std::size_t n = bytes.size() / 4;
    if (n % quant::kQK != 0)
      throw Error("'" + in + "' holds " + std::to_string(n) + " float32 values, not a multiple of 32 (" + type +
                  " quantizes blocks of 32): pad it with zeros to " + std::to_string((n + 31) / 32 * 32) + " values");
    std::vector<float> x(n);
    std::memcpy(x.data(), bytes.data(), bytes.size());
    from_little_endian(x.data(), n);
    for (std::size_t i = 0; i < n; ++i)
      if (!std::isfinite(x[i])) throw Error("'" + in + "': value " + std::to_string(i) + " is not finite");
    std::vector<float> back(n);
    std::vector<char> blocks(n / 32 * block);
    if (type == "q8_0") {
      auto* y = reinterpret_cast<quant::BlockQ8_0*>(blocks.data());
      ref::quantize_row_q8_0(x.data(), y, static_cast<std::int64_t>(n));
      ref::dequantize_row_q8_0(y, back.data(), static_cast<std::int64_t>(n));
    } else {
      auto* y = reinterpret_cast<quant::BlockQ4_0*>(blocks.data());
      ref::quantize_row_q4_0(x.data(), y, static_cast<std::int64_t>(n));
      ref::dequantize_row_q4_0(y, back.data(), static_cast<std::int64_t>(n));
    }
    // Block scales are stored little-endian, as ggml's files are.
    if constexpr (std::endian::native == std::endian::big)
      for (std::size_t b = 0; b < n / 32; ++b) std::swap(blocks[b * block], blocks[b * block + 1]);
    write_file(out, blocks.data(), blocks.size());
    double sq = 0, amax = 0;
    for (std::size_t i = 0; i < n; ++i) {
      sq += double(x[i] - back[i]) * (x[i] - back[i]);
      amax = std::max(amax, double(std::fabs(x[i] - back[i])));
    }
    std::printf("quantize: %s: %zu values -> %s: %zu %s blocks, %zu bytes (%.2f bits per value); "
                "round-trip RMSE %.3g, max error %.3g\n",
                in.c_str(), n, out.c_str(), n / 32, type.c_str(), blocks.size(), 8.0 * blocks.size() / (n ? n : 1),
                n ? std::sqrt(sq / n) : 0.0, amax);
    return 0;
  }

  if (bytes.size() % block != 0)
    throw Error("'" + in + "' is " + std::to_string(bytes.size()) + " bytes, not a whole number of " + type +
                " blocks (" + std::to_string(block) + " bytes each): was it written with --type " + type + "?");
  std::vector<char> blocks = bytes;
  if constexpr (std::endian::native == std::endian::big)
    for (std::size_t b = 0; b < blocks.size() / block; ++b) std::swap(blocks[b * block], blocks[b * block + 1]);
  const std::size_t n = blocks.size() / block * 32;
  std::vector<float> y(n);
  if (type == "q8_0") ref::dequantize_row_q8_0(reinterpret_cast<const quant::BlockQ8_0*>(blocks.data()), y.data(), static_cast<std::int64_t>(n));
  else ref::dequantize_row_q4_0(reinterpret_cast<const quant::BlockQ4_0*>(blocks.data()), y.data(), static_cast<std::int64_t>(n));
  from_little_endian(y.data(), n);
  write_file(out, y.data(), n * 4);
  std::printf("quantize: %s: %zu %s blocks -> %s: %zu float32 values\n", in.c_str(), n / 32, type.c_str(), out.c_str(), n);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"quantize: float32 files to ggml's Q8_0 / Q4_0 blocks and back", "quantize"};
  std::string type, in, out;
  bool dequantize = false;
  app.add_option("--type", type, "q8_0 (34 bytes per 32 values) or q4_0 (18 bytes per 32 values)")
      ->required()
      ->type_name("q8_0|q4_0")
      ->check([](const std::string& t) {
        return t == "q8_0" || t == "q4_0" ? std::string() : "unknown type '" + t + "': use --type q8_0 or --type q4_0";
      });
  app.add_flag("--dequantize", dequantize, "IN is such blocks, OUT is float32");
  app.add_option("IN", in, "quantizing: raw little-endian float32, a multiple of 32 values")->required();
  app.add_option("OUT", out, "raw ggml blocks (float32 with --dequantize)")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help: 0; bad input: CLI11's message, 2
  }
  try {
    return run(type, dequantize, in, out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "quantize: error: %s\n", e.what());
    return 2;
  }
}
