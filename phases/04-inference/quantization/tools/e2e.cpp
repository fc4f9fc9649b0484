// quantization_e2e: post-training quantization of a Fashion-MNIST MLP, end to
// end. Trains (or loads) a 784-256-10 fp32 model, calibrates the hidden
// activations three ways, quantizes with every scheme of the lab, and prints
// two Markdown tables: calibration methods, and accuracy / size / latency per
// scheme against fp32.
//
//   build/default/bin/quantization_e2e                 # the tables (trains once, ~1 min; cached)
//   build/default/bin/quantization_e2e --retrain       # train again
//   build/default/bin/quantization_e2e --synthetic     # a tiny generated dataset: a smoke test
//
// Data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, or
// $LABKIT_FASHION_MNIST). Weights are cached as safetensors in
// out/quantization/mlp-784-256-10.safetensors (--weights to change).
#include <CLI/CLI.hpp>
#include <labkit/clock.hpp>
#include <labkit/idx.hpp>
#include <labkit/machine.hpp>
#include <labkit/safetensors.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "mlp.hpp"
#include "quantization.hpp"

namespace fs = std::filesystem;
namespace ref = quant::reference;
using namespace quant::e2e;

namespace {

struct Options {
  fs::path data_dir = labkit::default_fashion_mnist_dir();
  fs::path weights = "out/quantization/mlp-784-256-10.safetensors";
  bool retrain = false, synthetic = false;
  int epochs = 8;
  std::size_t calibration = 5000, latency_images = 2000;
};

// A small dataset that needs no files: 10 classes, each a random prototype
// image plus noise. For the smoke test only.
labkit::Dataset synthetic_dataset(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> protos(10 * 784);
  std::mt19937_64 proto_rng(7);  // the same prototypes for train and test
  for (auto& v : protos) v = u(proto_rng) < 0.3f ? 1.0f : 0.0f;
  labkit::Dataset d;
  d.count = count, d.rows = 28, d.cols = 28;
  d.images.resize(count * 784);
  d.labels.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    const int c = static_cast<int>(rng() % 10);
    d.labels[i] = static_cast<std::uint8_t>(c);
    for (int p = 0; p < 784; ++p) d.images[i * 784 + p] = std::clamp(protos[c * 784 + p] + 0.3f * (u(rng) - 0.5f), 0.0f, 1.0f);
  }
  return d;
}

bool load_weights(const fs::path& file, Mlp& m) {
  if (!fs::exists(file)) return false;
  labkit::Metadata meta;
  const auto t = labkit::load_safetensors(file, &meta);
  if (meta["model"] != "mlp-784-256-10") return false;
  for (const char* name : {"W1", "b1", "W2", "b2"})
    if (!t.count(name)) throw labkit::DataError(file.string() + ": no tensor '" + name + "'; delete the file or run with --retrain");
  m.W1 = labkit::as_f32(t.at("W1"));
  m.b1 = labkit::as_f32(t.at("b1"));
  m.W2 = labkit::as_f32(t.at("W2"));
  m.b2 = labkit::as_f32(t.at("b2"));
  if (m.W1.size() != 784u * 256 || m.b1.size() != 256 || m.W2.size() != 2560 || m.b2.size() != 10)
    throw labkit::DataError(file.string() + ": tensor shapes are not 784-256-10; delete the file or run with --retrain");
  return true;
}

void save_weights(const fs::path& file, const Mlp& m, int epochs) {
  fs::create_directories(file.parent_path().empty() ? fs::path(".") : file.parent_path());
  labkit::TensorMap t;
  t["W1"] = labkit::tensor_f32({m.in, m.hidden}, m.W1.data());
  t["b1"] = labkit::tensor_f32({m.hidden}, m.b1.data());
  t["W2"] = labkit::tensor_f32({m.hidden, m.out}, m.W2.data());
  t["b2"] = labkit::tensor_f32({m.out}, m.b2.data());
  labkit::save_safetensors(file, t, {{"model", "mlp-784-256-10"}, {"epochs", std::to_string(epochs)},
                                     {"input", "(pixel / 255 - 0.2860) / 0.3530"}});
}

// The best of 7 passes of the time per image, one image per call: noise from
// other programs only ever slows a pass down.
double latency_us(const std::function<void(const float*, float*)>& one, const labkit::Dataset& d, std::size_t images) {
  images = std::min(images, d.count);
  std::vector<float> logits(16);
  std::vector<double> per_image;
  for (int rep = 0; rep < 7; ++rep) {
    const auto t0 = labkit::now_ns();
    for (std::size_t i = 0; i < images; ++i) one(&d.images[i * 784], logits.data());
    labkit::do_not_optimize(logits[0]);
    per_image.push_back(static_cast<double>(labkit::now_ns() - t0) / 1000.0 / images);
  }
  return *std::min_element(per_image.begin(), per_image.end());
}

// Test accuracy of a batched forward function.
double test_accuracy(const std::function<void(const float*, int, float*)>& forward, const labkit::Dataset& test) {
  std::vector<float> logits(test.count * 10);
  const int batch = 250;
  for (std::size_t s = 0; s < test.count; s += batch) {
    const int rows = static_cast<int>(std::min<std::size_t>(batch, test.count - s));
    forward(&test.images[s * 784], rows, &logits[s * 10]);
  }
  return accuracy(logits, test.labels, test.count, 10);
}

int run(Options o) {
  labkit::Dataset train, test;
  if (o.synthetic) {
    train = synthetic_dataset(2000, 1);
    test = synthetic_dataset(500, 2);
    o.epochs = std::min(o.epochs, 2);
    o.calibration = std::min<std::size_t>(o.calibration, 500);
    o.latency_images = std::min<std::size_t>(o.latency_images, 50);
  } else {
    train = labkit::load_fashion_mnist("train", o.data_dir);
    test = labkit::load_fashion_mnist("test", o.data_dir);
  }
  if (train.pixels() != 784 || test.pixels() != 784)
    throw labkit::DataError("the images are not 28 x 28 (" + std::to_string(train.rows) + " x " + std::to_string(train.cols) + ")");

  Mlp m;
  if (o.synthetic || o.retrain || !load_weights(o.weights, m)) {
    std::printf("training the fp32 MLP 784-256-10 on %zu images, %d epochs...\n", train.count, o.epochs);
    const auto t0 = labkit::now_ns();
    TrainOptions to;
    to.epochs = o.epochs;
    m = quant::e2e::train(train.images, train.labels, train.count, to);
    std::printf("  trained in %.1f s\n", static_cast<double>(labkit::now_ns() - t0) * 1e-9);
    if (!o.synthetic) {
      save_weights(o.weights, m, o.epochs);
      std::printf("  saved %s\n", o.weights.string().c_str());
    }
  } else {
    std::printf("loaded the fp32 MLP from %s (--retrain to train again)\n", o.weights.string().c_str());
  }

  const labkit::MachineInfo machine = labkit::describe_machine();
  std::printf("\nmachine: %s, %d logical CPUs, kernels: int8 GEMM %s; one thread\n\n", machine.cpu_model.c_str(),
              machine.logical_cpus, ref::dispatched_gemm());

  // ---- Calibration of the hidden activations ---------------------------------
  const std::size_t ncal = std::min(o.calibration, train.count);
  std::vector<float> hidden(ncal * m.hidden);
  hidden_fp32(m, train.images.data(), static_cast<int>(ncal), hidden.data());
  const float hmax = std::max(*std::max_element(hidden.begin(), hidden.end()), 1e-6f);
  quant::Histogram hist = ref::make_histogram(hmax, 2048);
  ref::histogram_add(hist, hidden.data(), hidden.size());
  struct Calib {
    std::string name;
    float threshold;
  };
  const std::vector<Calib> calibs = {{"min-max", ref::calibrate_minmax(hist)},
                                     {"percentile 99.99%", ref::calibrate_percentile(hist, 99.99)},
                                     {"percentile 99.9%", ref::calibrate_percentile(hist, 99.9)},
                                     {"entropy (KL, 255 levels)", ref::calibrate_entropy(hist, 255)}};
  const double fp32_acc = test_accuracy([&](const float* x, int r, float* l) { forward_fp32(m, x, r, l); }, test);

  std::printf("Calibration of the hidden layer (post-ReLU, uint8, zero point 0) on %zu training images;\n"
              "weights int8 per channel; test accuracy on %zu images (fp32: %.2f%%)\n\n",
              ncal, test.count, 100 * fp32_acc);
  std::printf("| calibration | threshold T | values clipped | activation RMSE | test accuracy | vs fp32 |\n");
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  // The scheme table uses the calibration with the smallest activation error
  // on the calibration images: chosen without looking at the test set.
  float chosen = calibs.front().threshold;
  std::string chosen_name = calibs.front().name;
  double best_rmse = 1e300;
  for (const Calib& c : calibs) {
    const quant::QuantParams p = ref::choose_asymmetric(0.0f, c.threshold);
    std::vector<std::uint8_t> q(hidden.size());
    std::vector<float> back(hidden.size());
    ref::quantize_u8(hidden.data(), hidden.size(), p, q.data());
    ref::dequantize_u8(q.data(), q.size(), p, back.data());
    double sq = 0;
    std::size_t clipped = 0;
    for (std::size_t i = 0; i < hidden.size(); ++i) {
      sq += double(hidden[i] - back[i]) * (hidden[i] - back[i]);
      clipped += hidden[i] > c.threshold;
    }
    if (std::sqrt(sq / hidden.size()) < best_rmse) {
      best_rmse = std::sqrt(sq / hidden.size());
      chosen = c.threshold;
      chosen_name = c.name;
    }
    const auto qm = quantize_int8(m, true, c.threshold);
    const double acc = test_accuracy([&](const float* x, int r, float* l) { forward_int8(qm, x, r, l); }, test);
    std::printf("| %s | %.3f | %.4f%% | %.4f | %.2f%% | %+.2f |\n", c.name.c_str(), c.threshold,
                100.0 * clipped / hidden.size(), std::sqrt(sq / hidden.size()), 100 * acc, 100 * (acc - fp32_acc));
  }

  // ---- Schemes ----------------------------------------------------------------
  const auto q_tensor = quantize_int8(m, false, chosen), q_channel = quantize_int8(m, true, chosen);
  const auto q8 = quantize_blocks(m, false), q4 = quantize_blocks(m, true);
  struct Row {
    std::string name;
    double acc;
    std::size_t bytes;
    double us;
  };
  std::vector<Row> rows;
  rows.push_back({"fp32", fp32_acc, fp32_bytes(m),
                  latency_us([&](const float* x, float* l) { forward_fp32(m, x, 1, l); }, test, o.latency_images)});
  auto add_int8 = [&](const std::string& name, const Int8Mlp& q) {
    rows.push_back({name, test_accuracy([&](const float* x, int r, float* l) { forward_int8(q, x, r, l); }, test), q.bytes(),
                    latency_us([&](const float* x, float* l) { forward_int8(q, x, 1, l); }, test, o.latency_images)});
  };
  add_int8("int8 per-tensor weights, uint8 activations", q_tensor);
  add_int8("int8 per-channel weights, uint8 activations", q_channel);
  auto add_blocks = [&](const std::string& name, const BlockMlp& q) {
    rows.push_back({name, test_accuracy([&](const float* x, int r, float* l) { forward_blocks(q, x, r, l); }, test), q.bytes(),
                    latency_us([&](const float* x, float* l) { forward_blocks(q, x, 1, l); }, test, o.latency_images)});
  };
  add_blocks("Q8_0 weights, Q8_0 activations (ggml)", q8);
  add_blocks("Q4_0 weights, Q8_0 activations (ggml)", q4);

  std::printf("\nPost-training quantization, per scheme: test accuracy on %zu images, model size, latency per\n"
              "image at batch 1 (best of 7 passes over %zu images); hidden layer calibrated by %s\n"
              "(T = %.3f: the smallest activation RMSE above)\n\n",
              test.count, std::min(o.latency_images, test.count), chosen_name.c_str(), chosen);
  std::printf("| scheme | test accuracy | vs fp32 (points) | size | vs fp32 | latency per image | speedup |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
  for (const Row& r : rows)
    std::printf("| %s | %.2f%% | %+.2f | %.1f KiB | %.2fx smaller | %.1f us | %.2fx |\n", r.name.c_str(), 100 * r.acc,
                100 * (r.acc - fp32_acc), r.bytes / 1024.0, static_cast<double>(rows[0].bytes) / r.bytes, r.us,
                rows[0].us / r.us);
  const double drop = 100 * (fp32_acc - rows[2].acc);
  std::printf("\ntarget: int8 per-channel accuracy drop <= 0.5 points: %.2f points, %s\n", drop,
              drop <= 0.5 ? "met" : "missed");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"quantization_e2e: post-training quantization of a Fashion-MNIST MLP, end to end: trains (or loads)\n"
               "a 784-256-10 fp32 model, calibrates, quantizes with every scheme, prints two Markdown tables.",
               "quantization_e2e"};
  Options o;
  std::string data_dir = o.data_dir.string(), weights = o.weights.string();
  app.add_option("--data", data_dir, "Fashion-MNIST folder (default $LABKIT_FASHION_MNIST, else Debian's)")
      ->type_name("DIR")
      ->capture_default_str();
  app.add_option("--weights", weights, "the fp32 model, cached as safetensors")->type_name("FILE")->capture_default_str();
  app.add_flag("--retrain", o.retrain, "train again, even when --weights exists");
  app.add_option("--epochs", o.epochs, "training epochs")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--calibration", o.calibration, "images to calibrate the activations on")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--latency-images", o.latency_images, "images per latency measurement")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_flag("--synthetic", o.synthetic, "a tiny generated dataset, no files: a smoke test");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help: 0; bad input: CLI11's message, 2
  }
  o.data_dir = data_dir;
  o.weights = weights;
  try {
    return run(o);
  } catch (const labkit::DataError& e) {
    std::fprintf(stderr, "quantization_e2e: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "quantization_e2e: error: %s\n", e.what());
    return 2;
  }
}
