// The layer ops' gradients by finite differences (tests/gradcheck.hpp), and
// the layers, initializers, optimizers and weight files built on them.
// (matmul, relu, softmax cross-entropy and conv2d: tests/test_gradcheck.cpp.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include <unistd.h>

#include <labkit/check_gtest.hpp>
#include <labkit/idx.hpp>
#include <labkit/safetensors.hpp>

#include "gradcheck.hpp"
#include "tiny_nn/nn.hpp"
#include "tiny_nn/transformer.hpp"

using namespace tiny_nn;
using namespace tiny_nn::test;
namespace fs = std::filesystem;

TEST(Gradcheck, Linear) {
  Rng rng(seed());
  Tensor x = random_tensor({2, 3, 5}, rng), w = random_tensor({5, 4}, rng), b = random_tensor({4}, rng);
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return linear(v[0], v[1], v[2]); }, {x, w, b}));
}

TEST(Gradcheck, MaxPool) {
  Rng rng(seed() + 1);
  // Distinct values 0.01 apart, shuffled: no two in a window are within 2 eps
  // of each other, so nudging one never changes which is the maximum.
  const int n = 2 * 3 * 6 * 6;
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = 0.01f * static_cast<float>(i) - 1.0f;
  for (int i = n - 1; i > 0; --i) std::swap(v[i], v[rng.below(i + 1)]);
  Tensor x = Tensor::from({2, 3, 6, 6}, v, true);
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& t) { return max_pool2d(t[0], 2, 2); }, {x})) << "2x2, stride 2";
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& t) { return max_pool2d(t[0], 3, 1); }, {x})) << "3x3, stride 1";
}

TEST(Gradcheck, LayerNorm) {
  Rng rng(seed() + 2);
  Tensor x = random_tensor({3, 4, 8}, rng, -2.0f, 2.0f), g = random_tensor({8}, rng, 0.5f, 1.5f),
         b = random_tensor({8}, rng);
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return layer_norm(v[0], v[1], v[2]); }, {x, g, b}));
}

TEST(Gradcheck, Embedding) {
  Rng rng(seed() + 3);
  Tensor table = random_tensor({7, 5}, rng);
  const std::vector<std::int32_t> ids = {0, 3, 3, 6, 1, 3};  // repeats: their gradients add up
  EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& v) { return embedding(v[0], ids, {2, 3}); }, {table}));
}

TEST(Gradcheck, IndexRows) {
  Rng rng(seed() + 4);
  Tensor x = random_tensor({6, 4}, rng);
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& v) { return index_rows(v[0], {5, 0, 5, 2}); }, {x}));
}

TEST(Gradcheck, Attention) {
  Rng rng(seed() + 5);
  for (bool causal : {false, true}) {
    Tensor q = random_tensor({2, 2, 5, 4}, rng), k = random_tensor({2, 2, 5, 4}, rng), v = random_tensor({2, 2, 5, 4}, rng);
    EXPECT_TRUE(gradcheck(
        [causal](const std::vector<Tensor>& t) { return scaled_dot_product_attention(t[0], t[1], t[2], causal); },
        {q, k, v}))
        << (causal ? "causal" : "not causal");
  }
}

TEST(Attention, CausalMaskHidesTheFuture) {
  Rng rng(seed() + 6);
  Tensor q = random_tensor({1, 1, 4, 3}, rng, -1, 1, false), k = random_tensor({1, 1, 4, 3}, rng, -1, 1, false);
  Tensor v = random_tensor({1, 1, 4, 3}, rng, -1, 1, false);
  const auto before = scaled_dot_product_attention(q, k, v, true).to_vector();
  // Changing the last position's key and value changes only the last output row.
  Tensor k2 = Tensor::from(k.shape(), k.to_vector()), v2 = Tensor::from(v.shape(), v.to_vector());
  for (int d = 0; d < 3; ++d) k2.data()[9 + d] += 5.0f, v2.data()[9 + d] -= 5.0f;
  const auto after = scaled_dot_product_attention(q, k2, v2, true).to_vector();
  for (int i = 0; i < 9; ++i) EXPECT_EQ(before[i], after[i]) << "row " << i / 3 << " saw the future";
  // The first position attends only to itself: its output is v[0].
  for (int d = 0; d < 3; ++d) EXPECT_NEAR(before[d], v.data()[d], 1e-6);
}

TEST(Gradcheck, TransformerEndToEnd) {
  // The whole transformer (embedding, layer norm, attention, GELU MLP,
  // residuals, views) as one function of two of its parameters.
  Rng rng(seed() + 7);
  TransformerConfig c;
  c.vocab = 5, c.context = 4, c.d_model = 8, c.heads = 2, c.layers = 1;
  Transformer model(c, rng);
  const std::vector<std::int32_t> ids = {1, 2, 3, 4, 0, 1, 1, 2};
  const Parameters p = model.parameters();
  auto find = [&](const std::string& name) {
    for (const auto& t : p)
      if (t.name == name) return t.tensor;
    throw std::runtime_error("no parameter " + name);
  };
  // GPT-2's embeddings start tiny (N(0, 0.02)); layer norm then divides by
  // their spread, so a step of eps = 1e-3 would be far from infinitesimal.
  // Scaled to order 1, central differences are accurate again.
  for (const std::string name : {"wte.weight", "wpe.weight"}) {
    Tensor t = find(name);
    for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] *= 50.0f;
  }
  for (const std::string name : {"h.0.attn.c_attn.weight", "wte.weight", "h.0.ln_1.weight"}) {
    Tensor w = find(name);
    EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>&) { return model.forward(ids, 2, 4); }, {w})) << name;
  }
}

TEST(Init, KaimingAndXavierBounds) {
  Rng rng(seed() + 8);
  Tensor k = kaiming_uniform({400, 300}, 400, rng), x = xavier_uniform({400, 300}, 400, 300, rng);
  auto stats = [](const Tensor& t, double* var, float* maxabs) {
    double s = 0, s2 = 0;
    *maxabs = 0;
    for (float v : t.to_vector()) s += v, s2 += double(v) * v, *maxabs = std::max(*maxabs, std::abs(v));
    *var = s2 / t.numel() - (s / t.numel()) * (s / t.numel());
  };
  double var;
  float m;
  stats(k, &var, &m);
  EXPECT_NEAR(var, 2.0 / 400, 0.05 * 2.0 / 400) << "Kaiming: variance 2 / fan_in";
  EXPECT_LE(m, std::sqrt(6.0f / 400));
  stats(x, &var, &m);
  EXPECT_NEAR(var, 2.0 / 700, 0.05 * 2.0 / 700) << "Xavier: variance 2 / (fan_in + fan_out)";
  EXPECT_LE(m, std::sqrt(6.0f / 700));
}

TEST(Optim, SgdMomentumAndAdamSteps) {
  // One parameter, gradient 1 every step: SGD momentum moves by lr * (1, 1.9, 2.71);
  // Adam's bias-corrected first step is lr * sign(g).
  Tensor w = Tensor::from({1}, {0.0f}, true);
  Sgd sgd({{"w", w}}, 0.1f, 0.9f);
  const float expect[] = {-0.1f, -0.29f, -0.561f};
  for (float e : expect) {
    w.grad()[0] = 1.0f;
    sgd.step();
    EXPECT_NEAR(w.data()[0], e, 1e-6);
  }
  Tensor u = Tensor::from({2}, {1.0f, 1.0f}, true);
  Adam adam({{"u", u}}, 0.01f);
  u.grad()[0] = 5.0f, u.grad()[1] = -0.001f;
  adam.step();
  EXPECT_NEAR(u.data()[0], 0.99f, 1e-5);
  EXPECT_NEAR(u.data()[1], 1.01f, 1e-4);
  adam.zero_grad();
  EXPECT_ELEMENTS_EQ(u.grad_vector(), (std::vector<float>{0, 0}));
}

TEST(Weights, SafetensorsRoundTrip) {
  const fs::path dir = fs::temp_directory_path() / ("tiny_nn_weights_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  Rng rng(seed() + 9);
  Cnn a(12, 12, 4, 8, 16, 10, rng), b(12, 12, 4, 8, 16, 10, rng);  // different initial weights
  save_weights(dir / "cnn.safetensors", a.parameters(), {{"model", "test"}});
  const auto meta = load_weights(dir / "cnn.safetensors", b.parameters());
  EXPECT_EQ(meta.at("model"), "test");
  const auto pa = a.parameters(), pb = b.parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) EXPECT_ELEMENTS_EQ(pa[i].tensor.to_vector(), pb[i].tensor.to_vector()) << pa[i].name;

  // The file itself, as other tools read it: an 8-byte little-endian header
  // length, a JSON header naming each tensor, the raw float32 data.
  std::ifstream in(dir / "cnn.safetensors", std::ios::binary);
  unsigned char len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  std::uint64_t len = 0;
  for (int i = 7; i >= 0; --i) len = len << 8 | len_bytes[i];
  std::string header(len, ' ');
  in.read(header.data(), static_cast<std::streamsize>(len));
  EXPECT_EQ(header.front(), '{');
  EXPECT_NE(header.find("\"conv1.weight\""), std::string::npos);
  EXPECT_NE(header.find("\"F32\""), std::string::npos);
  const auto file_size = fs::file_size(dir / "cnn.safetensors");
  std::int64_t floats = 0;
  for (const auto& p : pa) floats += p.tensor.numel();
  EXPECT_EQ(file_size, 8 + len + 4 * floats);

  // A model of another shape: a clear error naming the file and the tensor.
  Mlp other({144, 10}, rng);
  try {
    load_weights(dir / "cnn.safetensors", other.parameters());
    ADD_FAILURE() << "loading CNN weights into an MLP should fail";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cnn.safetensors"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fc1.weight"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}
