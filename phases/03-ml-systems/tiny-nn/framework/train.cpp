// Datasets and the training loop (include/tiny_nn/train.hpp).
#include "tiny_nn/train.hpp"

#include <labkit/idx.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "tiny_nn/kernels.hpp"

namespace tiny_nn {

ImageSet from_dataset(const labkit::Dataset& d) {
  ImageSet s;
  s.images = d.images;
  s.labels.assign(d.labels.begin(), d.labels.end());
  s.count = static_cast<std::int64_t>(d.count);
  s.rows = static_cast<std::int64_t>(d.rows);
  s.cols = static_cast<std::int64_t>(d.cols);
  s.classes = 10;
  return s;
}

ImageSet load_fashion_mnist(const std::string& split) { return from_dataset(labkit::load_fashion_mnist(split)); }

ImageSet generate_images(std::int64_t count, int rows, int cols, std::uint64_t seed) {
  ImageSet s;
  s.count = count;
  s.rows = rows;
  s.cols = cols;
  s.images.assign(static_cast<std::size_t>(count * rows * cols), 0.0f);
  s.labels.resize(static_cast<std::size_t>(count));
  Rng rng(seed);
  for (std::int64_t n = 0; n < count; ++n) {
    const int c = static_cast<int>(rng.below(10));
    s.labels[n] = c;
    float* img = s.images.data() + n * rows * cols;
    for (int i = 0; i < rows * cols; ++i) img[i] = 0.3f * rng.uniform();
    // A stroke: horizontal for classes 0-4, vertical for 5-9, at one of five
    // positions span/6 apart; `width` pixels thick; jittered by a pixel where
    // the positions are far enough apart (28 x 28) for that not to make
    // classes overlap; covering a random two thirds or more of its length.
    const bool vertical = c >= 5;
    const int span = vertical ? cols : rows, length = vertical ? rows : cols;
    const int width = std::max(1, span / 12);
    const int jitter = span >= 24 ? static_cast<int>(rng.below(3)) - 1 : 0;
    const int at = std::clamp((c % 5 + 1) * span / 6 + jitter, 0, span - width);
    const int covered = length * 2 / 3 + static_cast<int>(rng.below(static_cast<std::uint64_t>(length / 3 + 1)));
    const int start = static_cast<int>(rng.below(static_cast<std::uint64_t>(length - covered + 1)));
    for (int t = start; t < start + covered; ++t)
      for (int w = 0; w < width; ++w) {
        const int y = vertical ? t : at + w, x = vertical ? at + w : t;
        img[y * cols + x] = std::min(1.0f, 0.7f + 0.3f * rng.uniform());
      }
  }
  return s;
}

namespace {

Tensor batch_images(const ImageSet& data, const std::vector<std::int64_t>& order, std::int64_t first, int batch) {
  const std::int64_t P = data.pixels();
  std::vector<float> x(static_cast<std::size_t>(batch * P));
  for (int b = 0; b < batch; ++b)
    std::copy_n(data.images.data() + order[first + b] * P, P, x.data() + b * P);
  return Tensor::from({batch, P}, std::move(x));
}

std::vector<std::int32_t> batch_labels(const ImageSet& data, const std::vector<std::int64_t>& order,
                                       std::int64_t first, int batch) {
  std::vector<std::int32_t> y(static_cast<std::size_t>(batch));
  for (int b = 0; b < batch; ++b) y[b] = data.labels[order[first + b]];
  return y;
}

int correct(const Tensor& logits, const std::vector<std::int32_t>& labels) {
  const std::int64_t C = logits.dim(1);
  const float* z = logits.data();
  int right = 0;
  for (std::size_t b = 0; b < labels.size(); ++b) {
    const float* row = z + b * C;
    right += static_cast<int>(std::max_element(row, row + C) - row) == labels[b];
  }
  return right;
}

void check_set(const ImageSet& d, const char* what) {
  if (d.count <= 0 || static_cast<std::int64_t>(d.images.size()) != d.count * d.pixels() ||
      static_cast<std::int64_t>(d.labels.size()) != d.count)
    throw std::invalid_argument(std::string("tiny_nn: the ") + what + " set is empty or its sizes disagree");
}

}  // namespace

double evaluate(const Classifier& model, const ImageSet& data, int batch) {
  check_set(data, "evaluation");
  NoGradGuard no_grad;
  std::vector<std::int64_t> order(static_cast<std::size_t>(data.count));
  std::iota(order.begin(), order.end(), 0);
  std::int64_t right = 0;
  for (std::int64_t first = 0; first < data.count; first += batch) {
    const int b = static_cast<int>(std::min<std::int64_t>(batch, data.count - first));
    right += correct(model.forward(batch_images(data, order, first, b)), batch_labels(data, order, first, b));
  }
  return static_cast<double>(right) / static_cast<double>(data.count);
}

float train_step(const Classifier& model, Optimizer& optimizer, const ImageSet& data, std::int64_t first, int batch) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(batch));
  for (int b = 0; b < batch; ++b) order[b] = (first + b) % data.count;
  optimizer.zero_grad();
  Tensor loss = softmax_cross_entropy(model.forward(batch_images(data, order, 0, batch)),
                                      batch_labels(data, order, 0, batch));
  loss.backward();
  optimizer.step();
  return loss.item();
}

TrainResult train_classifier(const Classifier& model, const ImageSet& train, const ImageSet& test,
                             const TrainConfig& config, const std::function<void(const TrainProgress&)>& on_progress) {
  check_set(train, "training");
  if (config.batch <= 0 || config.epochs <= 0)
    throw std::invalid_argument("tiny_nn::train_classifier: batch and epochs must be positive");
  std::unique_ptr<Optimizer> opt;
  if (config.optimizer == "adam") opt = std::make_unique<Adam>(model.parameters(), config.lr);
  else if (config.optimizer == "sgd") opt = std::make_unique<Sgd>(model.parameters(), config.lr, config.momentum);
  else throw std::invalid_argument("tiny_nn::train_classifier: optimizer must be adam or sgd, not '" + config.optimizer + "'");

  TrainResult result;
  Rng rng(config.seed);
  std::vector<std::int64_t> order(static_cast<std::size_t>(train.count));
  std::iota(order.begin(), order.end(), 0);
  const std::int64_t steps = train.count / config.batch;  // the last partial batch is dropped
  if (steps == 0) throw std::invalid_argument("tiny_nn::train_classifier: fewer images than one batch");
  const std::int64_t window = std::max<std::int64_t>(1, steps / 20);
  const std::int64_t report = std::max<std::int64_t>(1, steps / 50);  // progress about every 2%
  const double total = static_cast<double>(config.max_steps > 0 ? std::min<std::int64_t>(config.max_steps, steps * config.epochs)
                                                                 : steps * config.epochs);
  std::int64_t global = 0;
  double window_loss = 0;
  int window_count = 0;
  for (int epoch = 1; epoch <= config.epochs; ++epoch) {
    for (std::int64_t i = train.count - 1; i > 0; --i)  // Fisher-Yates
      std::swap(order[i], order[static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(i + 1)))]);
    const auto t0 = std::chrono::steady_clock::now();
    double loss_sum = 0;
    std::int64_t right = 0, seen = 0;
    for (std::int64_t s = 0; s < steps; ++s) {
      const std::int64_t first = s * config.batch;
      const auto labels = batch_labels(train, order, first, config.batch);
      if (config.cosine)
        opt->lr = static_cast<float>(config.lr * 0.5 * (1.0 + std::cos(M_PI * static_cast<double>(global) / total)));
      opt->zero_grad();
      Tensor logits = model.forward(batch_images(train, order, first, config.batch));
      Tensor loss = softmax_cross_entropy(logits, labels);
      loss.backward();
      opt->step();
      const double l = loss.item();
      if (!std::isfinite(l)) throw std::runtime_error("tiny_nn: the training loss is not finite: lower the learning rate");
      loss_sum += l * config.batch;
      right += correct(logits, labels);
      seen += config.batch;
      window_loss += l;
      ++global;
      if (++window_count == window) {
        result.curve_step.push_back(static_cast<double>(global));
        result.curve_loss.push_back(window_loss / window_count);
        window_loss = 0;
        window_count = 0;
      }
      if (on_progress && ((s + 1) % report == 0 || s + 1 == steps))
        on_progress({epoch, config.epochs, s + 1, steps, loss_sum / seen, static_cast<double>(right) / seen});
      if (config.max_steps > 0 && global >= config.max_steps) break;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.train_seconds += secs;
    result.images_trained += seen;
    EpochStats e;
    e.epoch = epoch;
    e.train_loss = loss_sum / seen;
    e.train_accuracy = static_cast<double>(right) / seen;
    e.seconds = secs;
    e.test_accuracy = test.count > 0 ? evaluate(model, test) : 0.0;
    result.epochs.push_back(e);
    if (config.max_steps > 0 && global >= config.max_steps) break;
  }
  result.test_accuracy = result.epochs.back().test_accuracy;
  return result;
}

}  // namespace tiny_nn
