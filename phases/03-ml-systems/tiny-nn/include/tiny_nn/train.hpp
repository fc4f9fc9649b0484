// Datasets and the training loop for the image classifiers.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tiny_nn/nn.hpp"

namespace labkit {
struct Dataset;
}

namespace tiny_nn {

struct ImageSet {
  std::vector<float> images;          // count x (rows*cols), in [0, 1]
  std::vector<std::int32_t> labels;   // count, in [0, classes)
  std::int64_t count = 0, rows = 0, cols = 0;
  int classes = 10;
  std::int64_t pixels() const { return rows * cols; }
};

ImageSet from_dataset(const labkit::Dataset& d);
// Fashion-MNIST's "train" or "test" split (labkit::load_fashion_mnist: a
// missing file throws labkit::DataError naming it and the package to install).
ImageSet load_fashion_mnist(const std::string& split);

// A synthetic 10-class image set that trains in seconds: class c is a bright
// stroke (a bar at one of 5 positions, horizontal for c < 5, vertical else),
// jittered by a pixel or two, on noise. Deterministic for a seed. The tests
// and the benchmark's smoke run use it, so nothing there needs the dataset.
ImageSet generate_images(std::int64_t count, int rows, int cols, std::uint64_t seed);

struct TrainConfig {
  int epochs = 1;
  int batch = 128;
  std::string optimizer = "adam";  // adam | sgd
  float lr = 1e-3f;
  float momentum = 0.9f;           // sgd only
  std::uint64_t seed = 1;          // shuffling
  std::int64_t max_steps = 0;      // stop after this many steps (0: no limit)
  // Cosine decay of the learning rate from lr to 0 over the run (the last
  // steps take small, careful steps; typically +0.5-1% test accuracy here).
  bool cosine = true;
};

struct EpochStats {
  int epoch = 0;
  double train_loss = 0, train_accuracy = 0, test_accuracy = 0, seconds = 0;
};

struct TrainProgress {
  int epoch, epochs;
  std::int64_t step, steps_per_epoch;
  double loss, accuracy;  // running means over this epoch so far
};

struct TrainResult {
  std::vector<EpochStats> epochs;
  std::vector<double> curve_step, curve_loss;  // the training loss, averaged over windows of steps
  double test_accuracy = 0;
  double train_seconds = 0;                    // training only (no evaluation)
  std::int64_t images_trained = 0;
};

// Trains with mini-batches in a fresh shuffled order each epoch; evaluates on
// `test` after each epoch. `on_progress` (optional) is called every few steps.
TrainResult train_classifier(const Classifier& model, const ImageSet& train, const ImageSet& test,
                             const TrainConfig& config,
                             const std::function<void(const TrainProgress&)>& on_progress = {});

// Fraction of `data` the model classifies correctly.
double evaluate(const Classifier& model, const ImageSet& data, int batch = 500);

// One optimizer step on images [first, first + batch) of `data` (what the
// benchmark times). Returns the loss.
float train_step(const Classifier& model, Optimizer& optimizer, const ImageSet& data, std::int64_t first, int batch);

}  // namespace tiny_nn
