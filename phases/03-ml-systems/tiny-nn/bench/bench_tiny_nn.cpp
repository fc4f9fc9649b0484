// tiny-nn benchmark: training-step throughput of the MLP and the CNN with
// the reference's and your backward passes, next to textbook loops; the GEMM
// under them against Eigen; then (unless --smoke) a real training run on
// Fashion-MNIST, with progress lines and a loss curve.
//
//   tools/labctl bench tiny-nn                     # or build/default/bin/tiny-nn_bench --help
//   tools/labctl run tiny-nn --bench-arg=--cnn     # also train the CNN
//
// Timed cases (every implementation runs one optimizer step, Adam, on the
// same batch of generated 28 x 28 images; threads: 2 unless said otherwise):
//   mlp_step      MLP 784-256-128-10, batch 128: `loops` (textbook loops for
//                 the four backward passes, one thread), `reference`, `student`
//   cnn_step      CNN conv(16)-pool-conv(32)-pool-fc128-fc10, batch 64: the same three
//   mlp_threads   the reference MLP step on one thread (`reference_1t`) and two
//   gemm_fc1      the MLP's largest product, 128 x 784 x 256: Eigen (one thread,
//                 -march=native) against tiny_nn::gemm (the sgemm lab's kernel) on one and two
// Work per step is counted in flops (2 per multiply-add of every GEMM,
// forward and backward), so GFLOP/s x 1e9 / flops-per-image = images/s.
//
// Training (counts in the results; --smoke trains on generated images instead):
//   mlp_fashion_mnist  test accuracy (%) after --epochs (default 10, --quick 2)
//   cnn_fashion_mnist  with --cnn: test accuracy after --cnn-epochs (default 6, --quick 1)
// Extra flags (this bench's own): --cnn, --epochs N, --cnn-epochs N, --no-train,
// --threads N (default 2).
#include <CLI/CLI.hpp>
#include <labkit/harness.hpp>
#include <labkit/idx.hpp>
#include <labkit/plot.hpp>
#include <labkit/todo.hpp>

#ifdef LABKIT_HAVE_EIGEN
#include <labkit/eigen_baseline.hpp>
#endif

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tiny_nn.hpp"
#include "tiny_nn/kernels.hpp"
#include "tiny_nn/train.hpp"

namespace fs = std::filesystem;
using namespace tiny_nn;
using labkit::Role;

namespace {

// ---- The baseline: the four backward passes as textbook loops, one thread.
namespace loops {
void matmul_backward(int M, int N, int K, const float* A, const float* B, const float* dC, float* dA, float* dB) {
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      const float g = dC[static_cast<std::size_t>(i) * N + j];
      for (int k = 0; k < K; ++k) {
        if (dA) dA[static_cast<std::size_t>(i) * K + k] += g * B[static_cast<std::size_t>(k) * N + j];
        if (dB) dB[static_cast<std::size_t>(k) * N + j] += A[static_cast<std::size_t>(i) * K + k] * g;
      }
    }
}
void relu_backward(std::int64_t n, const float* x, const float* dy, float* dx) {
  for (std::int64_t i = 0; i < n; ++i) dx[i] += x[i] > 0 ? dy[i] : 0.0f;
}
void sce_backward(int batch, int classes, const float* z, const std::int32_t* y, float dloss, float* dz) {
  for (int b = 0; b < batch; ++b) {
    const float* row = z + static_cast<std::size_t>(b) * classes;
    const float m = *std::max_element(row, row + classes);
    float s = 0;
    for (int c = 0; c < classes; ++c) s += std::exp(row[c] - m);
    for (int c = 0; c < classes; ++c)
      dz[static_cast<std::size_t>(b) * classes + c] += dloss * (std::exp(row[c] - m) / s - (c == y[b])) / batch;
  }
}
void conv2d_backward(const Conv2dShape& s, const float* x, const float* w, const float* g, float* dx, float* dw,
                     float* db) {
  const int OH = s.out_height(), OW = s.out_width(), C = s.in_channels, K = s.kernel;
  for (int n = 0; n < s.batch; ++n)
    for (int o = 0; o < s.out_channels; ++o)
      for (int oy = 0; oy < OH; ++oy)
        for (int ox = 0; ox < OW; ++ox) {
          const float go = g[((static_cast<std::size_t>(n) * s.out_channels + o) * OH + oy) * OW + ox];
          if (db) db[o] += go;
          for (int c = 0; c < C; ++c)
            for (int ky = 0; ky < K; ++ky)
              for (int kx = 0; kx < K; ++kx) {
                const int yy = oy * s.stride - s.padding + ky, xx = ox * s.stride - s.padding + kx;
                if (yy < 0 || yy >= s.height || xx < 0 || xx >= s.width) continue;
                const std::size_t xi = ((static_cast<std::size_t>(n) * C + c) * s.height + yy) * s.width + xx;
                const std::size_t wi = ((static_cast<std::size_t>(o) * C + c) * K + ky) * K + kx;
                dw[wi] += go * x[xi];
                if (dx) dx[xi] += go * w[wi];
              }
        }
}
BackwardKernels kernels() { return {"loops", matmul_backward, relu_backward, sce_backward, conv2d_backward}; }
}  // namespace loops

// The flops of one training step: every GEMM forward, and its two backward
// GEMMs (one when the input needs no gradient: the first layer's images).
double mlp_step_flops(const std::vector<std::int64_t>& sizes, int batch) {
  double f = 0;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    const double mk = 2.0 * batch * sizes[l] * sizes[l + 1];
    f += mk * (l == 0 ? 2 : 3);
  }
  return f;
}

double cnn_step_flops(int batch) {
  // conv1: 28x28 outputs, 16 channels, patch 1*9; conv2: 14x14, 32, patch 16*9; fc1 1568x128; fc2 128x10
  const double conv1 = 2.0 * batch * 784 * 16 * 9, conv2 = 2.0 * batch * 196 * 32 * 144;
  const double fc1 = 2.0 * batch * 1568 * 128, fc2 = 2.0 * batch * 128 * 10;
  return conv1 * 2 + (conv2 + fc1 + fc2) * 3;
}

// One model, its optimizer and a fixed batch, stepping with one kernel table.
struct Stepper {
  std::unique_ptr<Classifier> model;
  std::unique_ptr<Optimizer> opt;
  BackwardKernels table;
  int threads;
  int batch;
  const ImageSet* data;
  float step() {
    use_kernels(table);
    set_num_threads(threads);
    return train_step(*model, *opt, *data, 0, batch);
  }
};

std::unique_ptr<Classifier> make_model(bool cnn, std::uint64_t seed) {
  Rng rng(seed);
  if (cnn) return std::make_unique<Cnn>(28, 28, 16, 32, 128, 10, rng);
  return std::make_unique<Mlp>(std::vector<std::int64_t>{784, 256, 128, 10}, rng);
}

std::shared_ptr<Stepper> make_stepper(bool cnn, const BackwardKernels& table, int threads, int batch,
                                      const ImageSet* data, bool adam = true) {
  auto s = std::make_shared<Stepper>();
  s->model = make_model(cnn, 42);
  if (adam) s->opt = std::make_unique<Adam>(s->model->parameters(), 1e-3f);
  else s->opt = std::make_unique<Sgd>(s->model->parameters(), 1.0f, 0.0f);
  s->table = table;
  s->threads = threads;
  s->batch = batch;
  s->data = data;
  return s;
}

// Validation: one plain SGD step (lr 1, no momentum: w -= g) from the same
// initial weights as the reference; the two updates, which are the
// gradients, must agree within 1e-3 of the largest one plus 1e-6.
std::string same_step_as_reference(bool cnn, const BackwardKernels& table, int threads, int batch,
                                   const ImageSet* data) {
  auto mine = make_stepper(cnn, table, threads, batch, data, false);
  auto ref = make_stepper(cnn, reference::kernels(), threads, batch, data, false);
  auto start = make_model(cnn, 42);
  const float l1 = mine->step(), l0 = ref->step();
  use_kernels(reference::kernels());
  if (!(std::abs(l1 - l0) <= 1e-4f * std::max(1.0f, std::abs(l0))))
    return "loss " + std::to_string(l1) + ", the reference's " + std::to_string(l0);
  const auto pm = mine->model->parameters(), pr = ref->model->parameters(), p0 = start->parameters();
  for (std::size_t i = 0; i < pm.size(); ++i) {
    const auto a = pm[i].tensor.to_vector(), b = pr[i].tensor.to_vector(), w0 = p0[i].tensor.to_vector();
    double largest = 0;
    for (std::size_t k = 0; k < a.size(); ++k) largest = std::max(largest, std::abs(double(b[k]) - w0[k]));
    for (std::size_t k = 0; k < a.size(); ++k) {
      const double got = double(w0[k]) - a[k], want = double(w0[k]) - b[k];
      if (!(std::abs(got - want) <= 1e-3 * largest + 1e-6))
        return "gradient of " + pm[i].name + "[" + std::to_string(k) + "] = " + std::to_string(got) +
               ", the reference's " + std::to_string(want);
    }
  }
  return "";
}

struct Options {
  bool cnn = false, no_train = false, filtered = false;
  int epochs = 0, cnn_epochs = 0, threads = 2;
};

// Splits this bench's own flags from the harness's: CLI11 takes ours, and
// every other argument (--smoke, --out FILE, --benchmark_*, ...) goes on to
// labkit::Harness, in its order. --help prints ours, then the harness's.
std::vector<std::string> parse(int argc, char** argv, Options& o) {
  CLI::App app{"tiny-nn_bench: training-step throughput of the MLP and the CNN, the GEMM under them, and a\n"
               "training run on Fashion-MNIST. This bench's own flags are below; every other flag goes to\n"
               "labkit's harness (listed after them).",
               "tiny-nn_bench"};
  app.allow_extras();
  app.set_help_flag();  // --help reaches the harness too: see below
  bool help = false;
  app.add_flag("-h,--help", help, "print this help, then the harness's flags, and exit");
  app.add_flag("--cnn", o.cnn, "also train the CNN (count cnn_fashion_mnist)");
  app.add_option("--epochs", o.epochs, "MLP training epochs (default 10, --quick 2)")->type_name("N")->check(CLI::Range(1, 1000));
  app.add_option("--cnn-epochs", o.cnn_epochs, "CNN training epochs, with --cnn (default 6, --quick 1)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000));
  app.add_flag("--no-train", o.no_train, "skip the training runs: timed cases only");
  app.add_option("--threads", o.threads, "threads of the two-thread cases")->type_name("N")->capture_default_str()
      ->check(CLI::Range(1, 1024));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e) == 0 ? 0 : 2);  // bad input: CLI11's message, 2
  }
  std::vector<std::string> rest = {argc > 0 ? argv[0] : "tiny-nn_bench"};
  for (const auto& a : app.remaining()) {
    if (a.rfind("--benchmark_filter=", 0) == 0) o.filtered = true;
    rest.push_back(a);
  }
  if (help) {
    std::printf("%s\n", app.help().c_str());
    rest.push_back("--help");  // the harness prints its usage and exits 0
  }
  return rest;
}

std::string out_dir(const std::vector<std::string>& args) {
  for (std::size_t i = 1; i + 1 < args.size(); ++i)
    if (args[i] == "--out") {
      const fs::path p(args[i + 1]);
      return p.has_parent_path() ? p.parent_path().string() : ".";
    }
  return "out/tiny-nn";
}

// Everything the training counts produce, for the loss curve.
struct Curves {
  std::vector<labkit::Series> series;
  std::string title;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::vector<std::string> args = parse(argc, argv, o);
  std::vector<char*> harness_argv;
  for (auto& a : args) harness_argv.push_back(a.data());
  labkit::Harness h("tiny-nn", static_cast<int>(harness_argv.size()), harness_argv.data());
  const int T = std::max(1, o.threads);
  std::printf("tiny-nn: %d threads; GEMM: %s\n", T,
#ifdef LABKIT_HAVE_EIGEN
              "the sgemm lab's packed kernel (Eigen compared in gemm_fc1)"
#else
              "the sgemm lab's packed kernel"
#endif
  );

  // ---- Training runs, recorded as counts (they run first, before the timing).
  const bool smoke = h.smoke(), quick = h.quick();
  auto curves = std::make_shared<Curves>();
  const std::string dir = out_dir(args);
  if (!o.no_train && !o.filtered) {
    auto train_count = [&, curves](bool cnn, const std::string& impl, Role role, BackwardKernels table) {
      const std::string kase = std::string(cnn ? "cnn" : "mlp") + (smoke ? "_generated" : "_fashion_mnist");
      const int epochs = smoke ? 1 : cnn ? (o.cnn_epochs ? o.cnn_epochs : quick ? 1 : 6)
                                         : (o.epochs ? o.epochs : quick ? 2 : 10);
      h.add_count(kase, smoke ? 2048 : 60000, impl, role, "test_accuracy_pct", [=]() -> double {
        ImageSet train, test;
        if (smoke) {
          train = generate_images(2048, 28, 28, 1);
          test = generate_images(500, 28, 28, 2);
        } else {
          train = load_fashion_mnist("train");  // a missing dataset: DataError naming the package
          test = load_fashion_mnist("test");
        }
        use_kernels(table);
        set_num_threads(T);
        auto model = make_model(cnn, 1);
        TrainConfig cfg;
        cfg.epochs = epochs;
        cfg.batch = cnn ? 64 : 128;
        cfg.lr = 1e-3f;
        std::printf("  training %s with %s backward passes: %lld images, %d epoch(s) of batch %d, Adam lr 1e-3\n",
                    model->describe().c_str(), impl.c_str(), static_cast<long long>(train.count), epochs, cfg.batch);
        std::fflush(stdout);
        const TrainResult r = train_classifier(*model, train, test, cfg, [&](const TrainProgress& p) {
          std::fprintf(stderr, "progress: %s %s epoch %d/%d  %d%%  loss %.3f  acc %.1f%%\n", cnn ? "cnn" : "mlp",
                       impl.c_str(), p.epoch, p.epochs, static_cast<int>(100 * p.step / p.steps_per_epoch), p.loss,
                       100 * p.accuracy);
        });
        for (const auto& e : r.epochs)
          std::printf("    epoch %d: loss %.4f, train %.2f%%, test %.2f%%, %.1f s\n", e.epoch, e.train_loss,
                      100 * e.train_accuracy, 100 * e.test_accuracy, e.seconds);
        curves->series.push_back({(cnn ? "CNN, " : "MLP, ") + impl, r.curve_step, r.curve_loss});
        std::fprintf(stderr, "progress: %s %s done: test accuracy %.2f%% after %d epoch(s)\n", cnn ? "cnn" : "mlp",
                     impl.c_str(), 100 * r.test_accuracy, epochs);
        use_kernels(reference::kernels());
        return 100.0 * r.test_accuracy;
      });
    };
    train_count(false, "reference", Role::reference, reference::kernels());
    train_count(false, "student", Role::student, student::kernels());
    if (o.cnn) {
      train_count(true, "reference", Role::reference, reference::kernels());
      train_count(true, "student", Role::student, student::kernels());
    }
  }

  // ---- Timed training steps on generated images (no dataset needed).
  auto images = std::make_shared<ImageSet>(generate_images(256, 28, 28, 3));
  const std::vector<std::int64_t> mlp_sizes = {784, 256, 128, 10};
  auto add_step = [&](const std::string& kase, bool cnn, int batch, const std::string& impl, Role role,
                      BackwardKernels table, int threads) {
    const double flops = cnn ? cnn_step_flops(batch) : mlp_step_flops(mlp_sizes, batch);
    const double params = cnn ? 16 * 9 + 32 * 144 + 1568 * 128 + 1280 : 784 * 256 + 256 * 128 + 1280;
    // Bytes: the batch once, and every parameter read and written by the step and by Adam (w, g, m, v).
    const double bytes = 4.0 * (batch * 784.0 + params * 8);
    auto stepper = make_stepper(cnn, table, threads, batch, images.get());
    h.add(kase, batch, impl, role, {flops, bytes}, [stepper] { labkit::do_not_optimize(stepper->step()); },
          [=] { return same_step_as_reference(cnn, table, threads, batch, images.get()); });
  };
  const auto mlp_batch = h.sizes({128}, {32}), cnn_batch = h.sizes({64}, {8});
  h.set_baseline("mlp_step", "loops");
  for (auto b : mlp_batch) {
    const int n = static_cast<int>(b);
    add_step("mlp_step", false, n, "loops", Role::baseline, loops::kernels(), 1);
    add_step("mlp_step", false, n, "reference", Role::reference, reference::kernels(), T);
    add_step("mlp_step", false, n, "student", Role::student, student::kernels(), T);
  }
  h.set_baseline("cnn_step", "loops");
  for (auto b : cnn_batch) {
    const int n = static_cast<int>(b);
    add_step("cnn_step", true, n, "loops", Role::baseline, loops::kernels(), 1);
    add_step("cnn_step", true, n, "reference", Role::reference, reference::kernels(), T);
    add_step("cnn_step", true, n, "student", Role::student, student::kernels(), T);
  }
  h.set_baseline("mlp_threads", "reference_1t");
  for (auto b : mlp_batch) {
    const int n = static_cast<int>(b);
    add_step("mlp_threads", false, n, "reference_1t", Role::baseline, reference::kernels(), 1);
    add_step("mlp_threads", false, n, "reference", Role::reference, reference::kernels(), T);
  }

  // ---- The GEMM under the MLP's first layer: [batch x 784] x [784 x 256].
  for (auto b : mlp_batch) {
    const int M = static_cast<int>(b), K = 784, N = 256;
    auto A = std::make_shared<std::vector<float>>(static_cast<std::size_t>(M) * K);
    auto B = std::make_shared<std::vector<float>>(static_cast<std::size_t>(K) * N);
    auto C = std::make_shared<std::vector<float>>(static_cast<std::size_t>(M) * N);
    Rng rng(5);
    for (auto& v : *A) v = rng.uniform(-1, 1);
    for (auto& v : *B) v = rng.uniform(-1, 1);
    // The answer in double, for validation.
    auto want = std::make_shared<std::vector<double>>(C->size(), 0.0);
    for (int i = 0; i < M; ++i)
      for (int k = 0; k < K; ++k)
        for (int j = 0; j < N; ++j) (*want)[static_cast<std::size_t>(i) * N + j] += double((*A)[i * K + k]) * (*B)[k * N + j];
    auto check = [=](std::function<void()> f) {
      return [=]() -> std::string {
        std::fill(C->begin(), C->end(), std::nanf(""));
        f();
        for (std::size_t i = 0; i < C->size(); ++i)
          if (!(std::abs((*C)[i] - (*want)[i]) <= 1e-3 * (1 + std::abs((*want)[i]))))
            return "C[" + std::to_string(i) + "] = " + std::to_string((*C)[i]) + ", expected " + std::to_string((*want)[i]);
        return "";
      };
    };
    const labkit::Work work{2.0 * M * N * K, 4.0 * (double(M) * K + double(K) * N + double(M) * N)};
    auto ours = [=](int threads) {
      return [=] { gemm(false, false, M, N, K, A->data(), B->data(), C->data(), false, threads); };
    };
#ifdef LABKIT_HAVE_EIGEN
    h.set_baseline("gemm_fc1", "eigen");
    auto eigen = [=] { labkit::eigen_sgemm(M, N, K, A->data(), B->data(), C->data(), 1); };
    h.add("gemm_fc1", b, "eigen", Role::baseline, work, eigen, check(eigen));
#else
    h.set_baseline("gemm_fc1", "sgemm_1t");
#endif
    h.add("gemm_fc1", b, "sgemm_1t", Role::reference, work, ours(1), check(ours(1)));
    h.add("gemm_fc1", b, "sgemm", Role::reference, work, ours(T), check(ours(T)));
  }

  const int rc = h.run();

  // ---- The loss curve of the training runs, next to the results.
  if (!curves->series.empty()) {
    labkit::LinePlot plot;
    plot.title = smoke ? "tiny-nn: training loss on generated images (smoke run)" : "tiny-nn: training loss on Fashion-MNIST";
    plot.x_label = "optimizer step";
    plot.y_label = "training loss (mean over windows of steps)";
    plot.log_y = true;
    plot.series = curves->series;
    fs::create_directories(dir);
    const fs::path file = fs::path(dir) / "loss.svg";
    std::ofstream out(file);
    plot.write_svg(out);
    std::printf("loss curve: %s\n", file.string().c_str());
  }
  return rc;
}
