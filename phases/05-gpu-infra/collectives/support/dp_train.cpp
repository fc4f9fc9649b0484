// collectives_dp_train: data-parallel training of the tiny-nn MLP on this
// lab's ring allreduce (README, "Data-parallel training for real").
//
//   mpirun -np 2 build/default/bin/collectives_dp_train [--impl=reference|student]
//       [--steps=40] [--batch=64] [--hidden=64] [--images=2048] [--lr=0.05] [--seed=1]
//       [--data=synthetic|fashion-mnist] [--out=FILE.json]
//
// Every rank builds the same model from the same seed. Step s uses the global
// batch of images [s*batch, (s+1)*batch) (wrapping around the set); rank r
// computes the loss and gradients of its 1/p share of it, the ranks sum their
// gradients with allreduce_ring (one flat buffer: a single bucket), divide by
// p, and take the same SGD step. Because every share has the same size, the
// mean of the shares' mean losses is the global batch's mean loss, so the
// loss curve is the one-process curve up to float rounding (the order of the
// sums differs). Rank 0 prints it and writes it as JSON for the test.
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "collectives.hpp"
#include "tiny_nn/nn.hpp"
#include "tiny_nn/train.hpp"

namespace {

using AllreduceFn = void (*)(float*, std::size_t, MPI_Comm);

struct Options {
  std::string impl = "reference", data = "synthetic", out;
  int steps = 40, batch = 64, hidden = 64;
  std::int64_t images = 2048;
  float lr = 0.05f;
  std::uint64_t seed = 1;
};

struct Curve {
  std::vector<double> loss;  // the global batch's mean loss, per step
  double seconds = 0, allreduce_seconds = 0;  // the slowest rank's
};

// The gradients of all parameters, end to end in one buffer (and back).
std::vector<float> pack_grads(const tiny_nn::Parameters& params) {
  std::vector<float> flat;
  for (const auto& p : params) {
    tiny_nn::Tensor t = p.tensor;  // a handle: the same gradient buffer
    flat.insert(flat.end(), t.grad(), t.grad() + t.numel());
  }
  return flat;
}
void unpack_grads(const std::vector<float>& flat, float scale, const tiny_nn::Parameters& params) {
  std::size_t at = 0;
  for (const auto& p : params) {
    tiny_nn::Tensor t = p.tensor;
    float* g = t.grad();
    for (std::int64_t i = 0; i < t.numel(); ++i) g[i] = flat[at++] * scale;
  }
}

Curve train(const Options& o, const tiny_nn::ImageSet& set, AllreduceFn allreduce, int rank, int ranks) {
  tiny_nn::Rng rng(o.seed);
  const tiny_nn::Mlp model({set.pixels(), o.hidden, set.classes}, rng);
  const tiny_nn::Parameters params = model.parameters();
  tiny_nn::Sgd sgd(params, o.lr, 0.9f);
  const int share = o.batch / ranks;
  Curve c;
  std::vector<float> images(static_cast<std::size_t>(share * set.pixels()));
  std::vector<std::int32_t> labels(static_cast<std::size_t>(share));
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  for (int step = 0; step < o.steps; ++step) {
    for (int i = 0; i < share; ++i) {
      const std::int64_t image = (static_cast<std::int64_t>(step) * o.batch + rank * share + i) % set.count;
      std::copy_n(set.images.begin() + image * set.pixels(), set.pixels(), images.begin() + i * set.pixels());
      labels[static_cast<std::size_t>(i)] = set.labels[static_cast<std::size_t>(image)];
    }
    sgd.zero_grad();
    tiny_nn::Tensor loss = tiny_nn::softmax_cross_entropy(
        model.forward(tiny_nn::Tensor::from({share, set.pixels()}, images)), labels);
    loss.backward();
    std::vector<float> grads = pack_grads(params);
    const double t0 = MPI_Wtime();
    if (ranks > 1) allreduce(grads.data(), grads.size(), MPI_COMM_WORLD);
    c.allreduce_seconds += MPI_Wtime() - t0;
    unpack_grads(grads, 1.0f / static_cast<float>(ranks), params);
    sgd.step();
    double mean = loss.item();
    MPI_Allreduce(MPI_IN_PLACE, &mean, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);  // the log only
    c.loss.push_back(mean / ranks);
  }
  c.seconds = MPI_Wtime() - start;
  MPI_Allreduce(MPI_IN_PLACE, &c.seconds, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  MPI_Allreduce(MPI_IN_PLACE, &c.allreduce_seconds, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return c;
}

int run(const Options& o, int rank, int ranks) {
  if (o.batch % ranks != 0)
    throw std::invalid_argument("--batch " + std::to_string(o.batch) + " does not split evenly over " +
                                std::to_string(ranks) + " ranks: every rank needs the same share, or the mean of "
                                "their mean losses is not the global mean (fix: a batch that is a multiple of -np)");
  const AllreduceFn allreduce = o.impl == "student" ? static_cast<AllreduceFn>(collectives::student::allreduce_ring)
                                                    : static_cast<AllreduceFn>(collectives::reference::allreduce_ring);
  const tiny_nn::ImageSet set = o.data == "fashion-mnist" ? tiny_nn::load_fashion_mnist("train")
                                                          : tiny_nn::generate_images(o.images, 12, 12, o.seed + 1);
  const Curve c = train(o, set, allreduce, rank, ranks);
  if (rank != 0) return 0;
  std::printf("data-parallel SGD on %d rank(s), %s allreduce_ring, MLP %lld-%d-%d, global batch %d (%d per rank), %s images\n",
              ranks, o.impl.c_str(), static_cast<long long>(set.pixels()), o.hidden, set.classes, o.batch, o.batch / ranks,
              o.data.c_str());
  for (std::size_t s = 0; s < c.loss.size(); s += std::max<std::size_t>(1, c.loss.size() / 8))
    std::printf("  step %3zu  loss %.6f\n", s, c.loss[s]);
  std::printf("  step %3zu  loss %.6f\n", c.loss.size() - 1, c.loss.back());
  std::printf("%.3f s for %d steps (%.2f ms a step, of which allreduce %.2f ms)\n", c.seconds, o.steps,
              1e3 * c.seconds / o.steps, 1e3 * c.allreduce_seconds / o.steps);
  if (!o.out.empty()) {
    FILE* f = std::fopen(o.out.c_str(), "w");
    if (!f) throw std::runtime_error("cannot write " + o.out);
    std::fprintf(f, "{\"ranks\": %d, \"impl\": \"%s\", \"batch\": %d, \"steps\": %d, \"data\": \"%s\",\n",
                 ranks, o.impl.c_str(), o.batch, o.steps, o.data.c_str());
    std::fprintf(f, " \"seconds\": %.6f, \"allreduce_seconds\": %.6f,\n \"loss\": [", c.seconds, c.allreduce_seconds);
    for (std::size_t s = 0; s < c.loss.size(); ++s) std::fprintf(f, "%s%.9g", s ? ", " : "", c.loss[s]);
    std::fprintf(f, "]}\n");
    std::fclose(f);
  }
  return 0;
}

// --name=value arguments (the cluster tool's style: no option library to compile).
bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      const std::string k = std::string("--") + name + "=";
      return a.rfind(k, 0) == 0 ? a.c_str() + k.size() : nullptr;
    };
    if (const char* v = value("impl")) o.impl = v;
    else if (const char* v = value("data")) o.data = v;
    else if (const char* v = value("out")) o.out = v;
    else if (const char* v = value("steps")) o.steps = std::atoi(v);
    else if (const char* v = value("batch")) o.batch = std::atoi(v);
    else if (const char* v = value("hidden")) o.hidden = std::atoi(v);
    else if (const char* v = value("images")) o.images = std::atoll(v);
    else if (const char* v = value("lr")) o.lr = static_cast<float>(std::atof(v));
    else if (const char* v = value("seed")) o.seed = std::strtoull(v, nullptr, 10);
    else {
      std::fprintf(stderr, "collectives_dp_train: unknown argument '%s' (see the header of support/dp_train.cpp)\n", argv[i]);
      return false;
    }
  }
  if ((o.impl != "reference" && o.impl != "student") || (o.data != "synthetic" && o.data != "fashion-mnist") ||
      o.steps < 1 || o.batch < 1 || o.hidden < 1 || o.images < 1 || !(o.lr > 0)) {
    std::fprintf(stderr, "collectives_dp_train: --impl is reference or student, --data synthetic or fashion-mnist; "
                         "--steps, --batch, --hidden, --images and --lr are positive\n");
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) return 2;
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  int rc = 0;
  try {
    rc = run(o, rank, ranks);
  } catch (const std::exception& e) {
    if (rank == 0) std::fprintf(stderr, "collectives_dp_train: %s\n", e.what());
    rc = 2;
    // A TODO or a bad argument on one rank: stop them all, not wait in a collective.
    MPI_Abort(MPI_COMM_WORLD, rc);
  }
  MPI_Finalize();
  return rc;
}
