// Data: small IDX files generated here, read back through the same loader
// that reads Fashion-MNIST; and the error a missing dataset gives.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <labkit/check_gtest.hpp>
#include <labkit/idx.hpp>

#include "gradcheck.hpp"
#include "tiny_nn/train.hpp"

using namespace tiny_nn;
namespace fs = std::filesystem;

namespace {
fs::path temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("tiny_nn_" + name + "_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

void write_split(const fs::path& dir, const std::string& prefix, const ImageSet& s, bool gzip) {
  labkit::IdxArray images, labels;
  images.dims = {static_cast<std::uint32_t>(s.count), static_cast<std::uint32_t>(s.rows),
                 static_cast<std::uint32_t>(s.cols)};
  for (float v : s.images) images.data.push_back(static_cast<std::uint8_t>(v * 255.0f + 0.5f));
  labels.dims = {static_cast<std::uint32_t>(s.count)};
  for (auto y : s.labels) labels.data.push_back(static_cast<std::uint8_t>(y));
  const std::string ext = gzip ? ".gz" : "";
  labkit::write_idx(dir / (prefix + "-images-idx3-ubyte" + ext), images, gzip);
  labkit::write_idx(dir / (prefix + "-labels-idx1-ubyte" + ext), labels, gzip);
}
}  // namespace

TEST(Data, GeneratedIdxFilesLoadLikeFashionMnist) {
  for (bool gzip : {true, false}) {
    const fs::path dir = temp_dir(gzip ? "idx_gz" : "idx_raw");
    const ImageSet train = generate_images(300, 28, 28, test::seed()), test = generate_images(100, 28, 28, test::seed() + 1);
    write_split(dir, "train", train, gzip);
    write_split(dir, "t10k", test, gzip);
    const ImageSet loaded = from_dataset(labkit::load_fashion_mnist("train", dir));
    ASSERT_EQ(loaded.count, 300);
    EXPECT_EQ(loaded.rows, 28);
    EXPECT_EQ(loaded.cols, 28);
    EXPECT_ELEMENTS_EQ(loaded.labels, train.labels);
    for (std::size_t i = 0; i < loaded.images.size(); ++i)
      ASSERT_NEAR(loaded.images[i], train.images[i], 0.5f / 255.0f + 1e-6f) << "pixel " << i;  // 8-bit quantized
    EXPECT_EQ(from_dataset(labkit::load_fashion_mnist("test", dir)).count, 100);
    fs::remove_all(dir);
  }
}

TEST(Data, MissingDatasetNamesThePackage) {
  const fs::path dir = temp_dir("empty");
  try {
    labkit::load_fashion_mnist("train", dir);
    ADD_FAILURE() << "loading from an empty folder should fail";
  } catch (const labkit::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("dataset-fashion-mnist"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

TEST(Data, GeneratedImagesAreDeterministicAndBalanced) {
  const ImageSet a = generate_images(1000, 12, 12, 5), b = generate_images(1000, 12, 12, 5);
  EXPECT_ELEMENTS_EQ(a.images, b.images);
  EXPECT_ELEMENTS_EQ(a.labels, b.labels);
  std::vector<int> per_class(10, 0);
  for (auto y : a.labels) ++per_class[y];
  for (int c = 0; c < 10; ++c) EXPECT_GT(per_class[c], 60) << "class " << c;
  for (float v : a.images) ASSERT_TRUE(v >= 0.0f && v <= 1.0f);
}
