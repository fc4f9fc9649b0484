// tiny-nn_train: trains one of the lab's models and reports what it reached.
//
//   build/default/bin/tiny-nn_train mlp                  # Fashion-MNIST, 784-256-128-10
//   build/default/bin/tiny-nn_train cnn --epochs 3
//   build/default/bin/tiny-nn_train transformer          # the reversal task
//   build/default/bin/tiny-nn_train mlp --student        # with your backward passes
//   build/default/bin/tiny-nn_train --help
//
// Writes the loss curve (--svg, default out/tiny-nn/<model>-loss.svg) and the
// trained weights as safetensors (--save, default out/tiny-nn/<model>.safetensors).
#include <labkit/idx.hpp>
#include <labkit/plot.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tiny_nn.hpp"
#include "tiny_nn/kernels.hpp"
#include "tiny_nn/train.hpp"
#include "tiny_nn/transformer.hpp"

namespace fs = std::filesystem;
using namespace tiny_nn;

namespace {

void usage(const char* argv0) {
  std::printf(
      "usage: %s mlp|cnn|transformer [options]\n"
      "  --epochs N        passes over the training set (mlp: 10, cnn: 6)\n"
      "  --steps N         transformer: optimizer steps (600)\n"
      "  --batch N         mini-batch size (mlp: 128, cnn: 64, transformer: 64)\n"
      "  --lr X            learning rate (adam: mlp 1e-3, cnn 1e-3, transformer 3e-3)\n"
      "  --optimizer NAME  adam or sgd (mlp and cnn)\n"
      "  --threads N       OpenMP threads (default: all cores)\n"
      "  --seed N          initialization and shuffling seed (1)\n"
      "  --limit N         train on the first N images only\n"
      "  --student         use your backward passes (student/backward.cpp)\n"
      "  --svg FILE        loss curve (default out/tiny-nn/<model>-loss.svg)\n"
      "  --save FILE       weights, safetensors (default out/tiny-nn/<model>.safetensors)\n"
      "  --load FILE       mlp and cnn: evaluate saved weights on the test set, no training\n"
      "Fashion-MNIST comes from $LABKIT_FASHION_MNIST or /usr/share/datasets/fashion-mnist\n"
      "(sudo apt-get install dataset-fashion-mnist).\n",
      argv0);
}

void write_curve(const fs::path& file, const std::string& title, const std::vector<double>& x,
                 const std::vector<double>& y) {
  if (file.has_parent_path()) fs::create_directories(file.parent_path());
  labkit::LinePlot plot;
  plot.title = title;
  plot.x_label = "step";
  plot.y_label = "training loss";
  plot.log_y = true;
  plot.series.push_back({"loss", x, y});
  std::ofstream out(file);
  plot.write_svg(out);
  std::printf("loss curve: %s\n", file.string().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    usage(argv[0]);
    return argc < 2 ? 2 : 0;
  }
  const std::string model_name = argv[1];
  if (model_name != "mlp" && model_name != "cnn" && model_name != "transformer") {
    std::fprintf(stderr, "tiny-nn_train: unknown model '%s': choose mlp, cnn or transformer\n", model_name.c_str());
    return 2;
  }
  const bool is_cnn = model_name == "cnn", is_tf = model_name == "transformer";
  TrainConfig cfg;
  cfg.epochs = is_cnn ? 6 : 10;
  cfg.batch = is_cnn ? 64 : 128;
  cfg.lr = 1e-3f;
  TransformerTrainConfig tcfg;
  std::int64_t limit = 0;
  bool lr_set = false;
  std::string svg = "out/tiny-nn/" + model_name + "-loss.svg", save = "out/tiny-nn/" + model_name + ".safetensors",
              load;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "tiny-nn_train: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--epochs") cfg.epochs = std::atoi(value().c_str());
    else if (a == "--steps") tcfg.steps = std::atoi(value().c_str());
    else if (a == "--batch") cfg.batch = tcfg.batch = std::atoi(value().c_str());
    else if (a == "--lr") cfg.lr = tcfg.lr = std::strtof(value().c_str(), nullptr), lr_set = true;
    else if (a == "--optimizer") cfg.optimizer = value();
    else if (a == "--threads") set_num_threads(std::atoi(value().c_str()));
    else if (a == "--seed") cfg.seed = tcfg.seed = std::strtoull(value().c_str(), nullptr, 10);
    else if (a == "--limit") limit = std::atoll(value().c_str());
    else if (a == "--student") use_kernels(student::kernels());
    else if (a == "--svg") svg = value();
    else if (a == "--save") save = value();
    else if (a == "--load") load = value();
    else {
      std::fprintf(stderr, "tiny-nn_train: unknown option '%s' (try --help)\n", a.c_str());
      return 2;
    }
  }
  if (cfg.optimizer == "sgd" && !lr_set) cfg.lr = 0.05f;
  std::printf("tiny-nn_train: %s, %d threads, backward kernels: %s\n", model_name.c_str(), num_threads(),
              kernels().name);
  try {
    if (is_tf) {
      Rng rng(tcfg.seed);
      ReverseTask task;
      TransformerConfig tc;
      tc.context = task.input_length();
      Transformer model(tc, rng);
      std::printf("transformer: %d layers, d_model %d, %d heads; reverse %d digits; %d steps of batch %d, Adam lr %g\n",
                  tc.layers, tc.d_model, tc.heads, task.length, tcfg.steps, tcfg.batch, tcfg.lr);
      auto r = train_transformer(model, task, tcfg, [&](int step, double loss) {
        std::fprintf(stderr, "progress: step %d/%d  %d%%  loss %.4f\n", step, tcfg.steps, 100 * step / tcfg.steps, loss);
      });
      std::printf("transformer: final loss %.2e (mean of the last 50 steps), exact match %.1f%%, digits right %.2f%%, "
                  "%.1f s\n",
                  r.final_loss, 100 * r.exact_match, 100 * r.token_accuracy, r.seconds);
      write_curve(svg, "tiny-nn transformer, sequence reversal", r.curve_step, r.curve_loss);
      save_weights(save, model.parameters(), {{"model", "transformer"}, {"task", "reverse 8 digits"}});
      std::printf("weights: %s\n", save.c_str());
      return 0;
    }
    ImageSet train = load_fashion_mnist("train"), test = load_fashion_mnist("test");
    if (limit > 0 && limit < train.count) {
      train.count = limit;
      train.images.resize(static_cast<std::size_t>(limit * train.pixels()));
      train.labels.resize(static_cast<std::size_t>(limit));
    }
    Rng rng(cfg.seed);
    std::unique_ptr<Classifier> model;
    if (is_cnn) model = std::make_unique<Cnn>(28, 28, 16, 32, 128, 10, rng);
    else model = std::make_unique<Mlp>(std::vector<std::int64_t>{784, 256, 128, 10}, rng);
    if (!load.empty()) {
      load_weights(load, model->parameters());
      std::printf("%s from %s: test accuracy %.2f%%\n", model->describe().c_str(), load.c_str(),
                  100 * evaluate(*model, test));
      return 0;
    }
    std::printf("%s; %lld training images, %d epochs of batch %d, %s lr %g\n", model->describe().c_str(),
                static_cast<long long>(train.count), cfg.epochs, cfg.batch, cfg.optimizer.c_str(), cfg.lr);
    auto r = train_classifier(*model, train, test, cfg, [](const TrainProgress& p) {
      std::fprintf(stderr, "progress: epoch %d/%d  %d%%  loss %.3f  acc %.1f%%\n", p.epoch, p.epochs,
                   static_cast<int>(100 * p.step / p.steps_per_epoch), p.loss, 100 * p.accuracy);
    });
    for (const auto& e : r.epochs)
      std::printf("epoch %2d: train loss %.4f, train accuracy %.2f%%, test accuracy %.2f%%, %.1f s (%.0f images/s)\n",
                  e.epoch, e.train_loss, 100 * e.train_accuracy, 100 * e.test_accuracy, e.seconds,
                  static_cast<double>(r.images_trained) / r.epochs.size() / e.seconds);
    std::printf("%s: test accuracy %.2f%% after %d epochs (%.1f s of training)\n", model->describe().c_str(),
                100 * r.test_accuracy, static_cast<int>(r.epochs.size()), r.train_seconds);
    write_curve(svg, "tiny-nn " + model->describe() + ", Fashion-MNIST", r.curve_step, r.curve_loss);
    save_weights(save, model->parameters(), {{"model", model->describe()}, {"test_accuracy", std::to_string(r.test_accuracy)}});
    std::printf("weights: %s\n", save.c_str());
  } catch (const labkit::DataError& e) {
    std::fprintf(stderr, "tiny-nn_train: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tiny-nn_train: %s\n", e.what());
    return 1;
  }
  return 0;
}
