// Short training runs on generated images (tiny_nn::generate_images: ten
// classes of bars, on noise), built against both implementations: the whole
// framework trains on LABKIT_IMPL's backward passes. The reference reaches
// 100% test accuracy on both in about a second on two cores; the thresholds
// (90%) leave room for seeds, and are out of reach for a backward pass that
// is wrong (a network that does not learn stays near 10%).
#include <gtest/gtest.h>

#include "gradcheck.hpp"
#include "tiny_nn.hpp"
#include "tiny_nn/train.hpp"

namespace impl = tiny_nn::LABKIT_IMPL;
using namespace tiny_nn;

namespace {

class Training : public ::testing::Test {
 protected:
  void SetUp() override { use_kernels(impl::kernels()); }
};

TEST_F(Training, MlpLearnsGeneratedImages) {
  const auto s = test::seed();
  const ImageSet train = generate_images(2048, 12, 12, s), test = generate_images(500, 12, 12, s + 1);
  Rng rng(s);
  Mlp model({144, 64, 10}, rng);
  TrainConfig cfg;
  cfg.epochs = 3;
  cfg.batch = 64;
  cfg.lr = 3e-3f;
  cfg.seed = s;
  const TrainResult r = train_classifier(model, train, test, cfg);
  EXPECT_GE(r.test_accuracy, 0.90) << "MLP 144-64-10, 3 epochs of 2048 generated images, Adam lr 3e-3; "
                                      "the first epoch's training loss was "
                                   << r.epochs.front().train_loss << ", the last " << r.epochs.back().train_loss;
}

TEST_F(Training, MlpWithSgdMomentum) {
  const auto s = test::seed();
  const ImageSet train = generate_images(2048, 12, 12, s + 2), test = generate_images(500, 12, 12, s + 3);
  Rng rng(s + 2);
  Mlp model({144, 64, 10}, rng);
  TrainConfig cfg;
  cfg.epochs = 3;
  cfg.batch = 64;
  cfg.optimizer = "sgd";
  cfg.lr = 0.05f;
  cfg.seed = s;
  const TrainResult r = train_classifier(model, train, test, cfg);
  EXPECT_GE(r.test_accuracy, 0.90) << "MLP with SGD, momentum 0.9, lr 0.05";
}

TEST_F(Training, CnnLearnsGeneratedImages) {
  const auto s = test::seed();
  const ImageSet train = generate_images(1024, 12, 12, s + 4), test = generate_images(300, 12, 12, s + 5);
  Rng rng(s + 4);
  Cnn model(12, 12, 4, 8, 32, 10, rng);
  TrainConfig cfg;
  cfg.epochs = 3;
  cfg.batch = 32;
  cfg.lr = 3e-3f;
  cfg.seed = s;
  const TrainResult r = train_classifier(model, train, test, cfg);
  EXPECT_GE(r.test_accuracy, 0.90) << "CNN conv(4)-pool-conv(8)-pool-fc32-fc10, 3 epochs of 1024 generated images";
}

}  // namespace
