#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "labkit/idx.hpp"
#include "labkit/safetensors.hpp"

namespace fs = std::filesystem;
using namespace labkit;

namespace {

fs::path temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("labkit_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

IdxArray images(std::uint32_t n) {
  IdxArray a{{n, 2, 3}, {}};
  for (std::uint32_t i = 0; i < n * 6; ++i) a.data.push_back(static_cast<std::uint8_t>(i * 37));
  return a;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no DataError)";
}

}  // namespace

TEST(Idx, RoundTripsRawAndGzip) {
  const auto dir = temp_dir("idx");
  const auto a = images(4);
  for (bool gz : {false, true}) {
    const auto file = dir / (gz ? "a.gz" : "a");
    write_idx(file, a, gz);
    const auto b = read_idx(file);
    EXPECT_EQ(b.dims, a.dims);
    EXPECT_EQ(b.data, a.data);
  }
  // The raw file is exactly the format: magic 0 0 8 3, big-endian dims.
  std::ifstream in(dir / "a", std::ios::binary);
  std::vector<unsigned char> head(8);
  in.read(reinterpret_cast<char*>(head.data()), 8);
  EXPECT_EQ(head, (std::vector<unsigned char>{0, 0, 8, 3, 0, 0, 0, 4}));
  fs::remove_all(dir);
}

TEST(Idx, MalformedFilesNameTheFileAndTheProblem) {
  const auto dir = temp_dir("idx_bad");
  EXPECT_NE(error_of([&] { read_idx(dir / "missing"); }).find("missing: no such file"), std::string::npos);
  std::ofstream(dir / "text") << "hello world";
  EXPECT_NE(error_of([&] { read_idx(dir / "text"); }).find("text: not an IDX file"), std::string::npos);
  auto a = images(3);
  write_idx(dir / "short", a, false);
  fs::resize_file(dir / "short", fs::file_size(dir / "short") - 5);
  const auto msg = error_of([&] { read_idx(dir / "short"); });
  EXPECT_NE(msg.find("short: the header promises 18 bytes of data, the file has 13"), std::string::npos) << msg;
  fs::remove_all(dir);
}

TEST(FashionMnist, LoadsAGeneratedSplitAndScalesPixels) {
  const auto dir = temp_dir("fmnist");
  IdxArray img{{3, 2, 2}, {0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8}};
  IdxArray lab{{3}, {9, 0, 4}};
  write_idx(dir / "t10k-images-idx3-ubyte.gz", img, true);
  write_idx(dir / "t10k-labels-idx1-ubyte", lab, false);  // raw files load too
  const auto d = load_fashion_mnist("test", dir);
  EXPECT_EQ(d.count, 3u);
  EXPECT_EQ(d.pixels(), 4u);
  EXPECT_FLOAT_EQ(d.images[1], 1.0f);
  EXPECT_FLOAT_EQ(d.images[2], 0.2f);
  EXPECT_EQ(d.labels, (std::vector<std::uint8_t>{9, 0, 4}));
  // The training split is missing: the error names the file and the package.
  const auto msg = error_of([&] { load_fashion_mnist("train", dir); });
  EXPECT_NE(msg.find("train-images-idx3-ubyte.gz"), std::string::npos) << msg;
  EXPECT_NE(msg.find("apt-get install dataset-fashion-mnist"), std::string::npos) << msg;
  // Labels and images that disagree in count.
  write_idx(dir / "t10k-labels-idx1-ubyte", IdxArray{{2}, {1, 2}}, false);
  EXPECT_NE(error_of([&] { load_fashion_mnist("test", dir); }).find("has 3 images but"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Safetensors, RoundTripsTensorsAndMetadata) {
  const auto dir = temp_dir("st");
  const float w[6] = {1.5f, -2.0f, 0.0f, 3.25f, 1e-8f, -0.0f};
  TensorMap m;
  m["layer.weight"] = tensor_f32({2, 3}, w);
  Tensor q;
  q.dtype = "I8";
  q.shape = {4};
  for (int v : {-128, -1, 0, 127}) q.data.push_back(static_cast<std::byte>(static_cast<std::int8_t>(v)));
  m["q"] = q;
  save_safetensors(dir / "m.safetensors", m, {{"format", "pt"}, {"epochs", "3"}});

  // The file is the format: an 8-byte length, JSON, then 8-byte aligned data.
  std::ifstream in(dir / "m.safetensors", std::ios::binary);
  std::uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  EXPECT_EQ((8 + n) % 8, 0u);
  EXPECT_EQ(fs::file_size(dir / "m.safetensors"), 8 + n + 24 + 4);

  Metadata meta;
  const auto back = load_safetensors(dir / "m.safetensors", &meta);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back.at("layer.weight").shape, (std::vector<std::int64_t>{2, 3}));
  const auto v = as_f32(back.at("layer.weight"));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(std::memcmp(&v[i], &w[i], 4), 0) << i;  // bit-exact, -0.0 included
  EXPECT_EQ(back.at("q").data, q.data);
  EXPECT_EQ(meta.at("epochs"), "3");
  EXPECT_THROW(as_f32(back.at("q")), std::invalid_argument);
  fs::remove_all(dir);
}

TEST(Safetensors, RejectsMalformedFilesWithTheReason) {
  const auto dir = temp_dir("st_bad");
  std::ofstream(dir / "tiny", std::ios::binary) << "abc";
  EXPECT_NE(error_of([&] { load_safetensors(dir / "tiny"); }).find("too short"), std::string::npos);
  auto write = [&](const std::string& header, std::size_t data_bytes) {
    std::ofstream out(dir / "f", std::ios::binary);
    const std::uint64_t n = header.size();
    out.write(reinterpret_cast<const char*>(&n), 8);
    out << header << std::string(data_bytes, '\0');
  };
  write("{not json", 0);
  EXPECT_NE(error_of([&] { load_safetensors(dir / "f"); }).find("does not parse"), std::string::npos);
  write(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})", 12);
  const auto msg = error_of([&] { load_safetensors(dir / "f"); });
  EXPECT_NE(msg.find("tensor \"w\": data_offsets span 12 bytes, shape and dtype need 16"), std::string::npos) << msg;
  write(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4);
  EXPECT_NE(error_of([&] { load_safetensors(dir / "f"); }).find("out of range"), std::string::npos);
  fs::remove_all(dir);
}
