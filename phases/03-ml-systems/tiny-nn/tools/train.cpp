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
#include <CLI/CLI.hpp>
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
  CLI::App app{"tiny-nn_train: trains one of the lab's models and reports what it reached", "tiny-nn_train"};
  app.footer("Fashion-MNIST comes from $LABKIT_FASHION_MNIST or /usr/share/datasets/fashion-mnist\n"
             "(sudo apt-get install dataset-fashion-mnist).");
  std::string model_name;
  TrainConfig cfg;
  TransformerTrainConfig tcfg;
  int threads = 0, batch = 0;
  float lr = 0;
  std::uint64_t seed = 1;
  std::int64_t limit = 0;
  bool student_kernels = false;
  std::string svg, save, load;
  app.add_option("model", model_name, "mlp (Fashion-MNIST, 784-256-128-10), cnn, or transformer (the reversal task)")
      ->required()
      ->check(CLI::IsMember({"mlp", "cnn", "transformer"}));
  auto* epochs_opt = app.add_option("--epochs", cfg.epochs, "passes over the training set (mlp: 10, cnn: 6)")
                         ->check(CLI::Range(1, 1000));
  app.add_option("--steps", tcfg.steps, "transformer: optimizer steps")->capture_default_str()->check(CLI::Range(1, 1000000));
  auto* batch_opt = app.add_option("--batch", batch, "mini-batch size (mlp: 128, cnn: 64, transformer: 64)")
                        ->check(CLI::Range(1, 65536));
  auto* lr_opt = app.add_option("--lr", lr, "learning rate (adam: mlp 1e-3, cnn 1e-3, transformer 3e-3; sgd: 0.05)");
  app.add_option("--optimizer", cfg.optimizer, "mlp and cnn")->capture_default_str()->check(CLI::IsMember({"adam", "sgd"}));
  app.add_option("--threads", threads, "OpenMP threads (default: all cores)")->check(CLI::Range(1, 1024));
  auto* seed_opt = app.add_option("--seed", seed, "initialization and shuffling seed (mlp, cnn: 1; transformer: 7)");
  app.add_option("--limit", limit, "train on the first N images only")->type_name("N")->check(CLI::Range(0, 1000000000));
  app.add_flag("--student", student_kernels, "use your backward passes (student/backward.cpp)");
  app.add_option("--svg", svg, "loss curve (default out/tiny-nn/<model>-loss.svg)")->type_name("FILE");
  app.add_option("--save", save, "weights, safetensors (default out/tiny-nn/<model>.safetensors)")->type_name("FILE");
  app.add_option("--load", load, "mlp and cnn: evaluate saved weights on the test set, no training")->type_name("FILE");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help: 0; bad input: CLI11's message, 2
  }
  const bool is_cnn = model_name == "cnn", is_tf = model_name == "transformer";
  // The defaults that depend on the model, where the flag was not given.
  if (!epochs_opt->count()) cfg.epochs = is_cnn ? 6 : 10;
  cfg.batch = batch_opt->count() ? batch : is_cnn ? 64 : 128;
  if (batch_opt->count()) tcfg.batch = batch;
  const bool lr_set = lr_opt->count() > 0;
  cfg.lr = lr_set ? lr : 1e-3f;
  if (lr_set) tcfg.lr = lr;
  if (seed_opt->count()) cfg.seed = tcfg.seed = seed;
  if (threads > 0) set_num_threads(threads);
  if (student_kernels) use_kernels(student::kernels());
  if (svg.empty()) svg = "out/tiny-nn/" + model_name + "-loss.svg";
  if (save.empty()) save = "out/tiny-nn/" + model_name + ".safetensors";
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
