// ml-compiler benchmark, one process, one thread:
//   mlp, cnn, transformer   tiny-nn's eager forward pass (baseline) against the
//                           compiled model without fusion ("unfused") and with
//                           it ("reference", "student": whose passes ran)
//   matmul_fc1              the MLP's largest matmul (batch x 784 -> 256):
//                           the sgemm lab's reference kernel (baseline)
//                           against the auto-scheduled generated loop nest
//   systolic_*              cycles of each model's Gemm/Conv layers on a
//                           32x32 output-stationary array (a count)
//
// The auto-scheduler: random search over tile sizes and unroll factors, each
// candidate compiled (-O3 -march=native) and timed; the fastest is kept.
#include <labkit/check.hpp>
#include <labkit/harness.hpp>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <random>
#include <sgemm.hpp>
#include <tiny_nn/nn.hpp>
#include <tiny_nn/transformer.hpp>

#include "ml_compiler.hpp"

namespace mc = ml_compiler;

namespace {

std::string compare(const mc::TensorMap& got, const mc::TensorMap& want, double tol) {
  for (const auto& [name, t] : want) {
    const auto& g = got.at(name).data;
    for (std::size_t i = 0; i < t.data.size(); ++i)
      if (!(std::fabs(g[i] - t.data[i]) <= tol * (1.0 + std::fabs(t.data[i]))))
        return name + "[" + std::to_string(i) + "] = " + std::to_string(g[i]) + ", expected " + std::to_string(t.data[i]);
  }
  return "";
}

double time_of(const std::function<void()>& f, int reps) {
  f();
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

double model_flops(const mc::Graph& g) {
  mc::Graph s = g;
  mc::infer_shapes(s);
  double f = 0;
  for (const auto& n : s.nodes) {
    const auto& y = s.shapes.at(n.outputs[0]);
    if (n.op == "MatMul" || n.op == "Gemm") {
      const auto& a = s.shapes.at(n.inputs[0]);
      f += 2.0 * static_cast<double>(mc::numel(y)) * static_cast<double>(a.back());
    } else if (n.op == "Conv") {
      const auto& w = s.shapes.at(n.inputs[1]);
      f += 2.0 * static_cast<double>(mc::numel(y)) * static_cast<double>(w[1] * w[2] * w[3]);
    }
  }
  return f;
}

// One model: tiny-nn eager, compiled unfused, compiled fused (reference and student).
// --smoke (CTest runs it): -O1 modules, the MLP only, one schedule; the
// point is that the harness works, and each generated module costs a compile.
std::string g_flags = "-O3 -march=native";

void add_model(labkit::Harness& h, const std::string& kase, std::int64_t size, const mc::ExportedModel& m,
               const std::function<void()>& eager) {
  h.set_baseline(kase, "tiny-nn");
  const double flops = model_flops(m.graph);
  auto model = std::make_shared<mc::ExportedModel>(m);
  h.add(kase, size, "tiny-nn", labkit::Role::baseline, {flops, 0}, eager, [] { return std::string(); });
  struct Variant {
    const char* name;
    labkit::Role role;
    const mc::Impl* (*impl)();
    bool fuse;
  };
  const Variant variants[] = {
      {"unfused", labkit::Role::reference, [] { return &mc::reference::impl(); }, false},
      {"reference", labkit::Role::reference, [] { return &mc::reference::impl(); }, true},
      {"student", labkit::Role::student, [] { return &mc::student::impl(); }, true}};
  for (const Variant& v : variants) {
    auto exe = std::make_shared<std::unique_ptr<mc::Executable>>();
    const auto impl = v.impl;
    const bool fuse = v.fuse;
    h.add(kase, size, v.name, v.role, {flops, 0}, [exe] { (*exe)->run_raw(); },
          [exe, model, impl, fuse]() -> std::string {
            mc::CompileOptions o;
            o.fuse = fuse;
            o.opt_flags = g_flags;
            *exe = std::make_unique<mc::Executable>(model->graph, *impl(), o);
            return compare((*exe)->run(model->example_inputs), model->tiny_nn_outputs, 1e-3);
          });
  }
}

// An image classifier: tiny-nn's eager forward pass on the exported model's input.
void add_classifier(labkit::Harness& h, const std::string& kase, std::int64_t size, const mc::ExportedModel& m,
                    std::shared_ptr<tiny_nn::Classifier> net) {
  const auto& in = m.example_inputs.at("images");
  auto x = std::make_shared<tiny_nn::Tensor>(tiny_nn::Tensor::from(in.shape, in.data));
  add_model(h, kase, size, m, [net, x] {
    tiny_nn::NoGradGuard g;
    auto y = net->forward(*x);
    labkit::do_not_optimize(y.data());
  });
}

// The MLP's largest matmul as a one-node graph.
mc::Graph matmul_graph(std::int64_t M, std::int64_t N, std::int64_t K, const std::vector<float>& b) {
  mc::Graph g;
  g.name = "matmul";
  g.inputs.push_back({"a", {M, K}, true, 1});
  mc::Constant w;
  w.shape = {K, N};
  w.data = b;
  g.initializers["b"] = w;
  mc::Node n;
  n.op = "MatMul";
  n.name = "fc1";
  n.inputs = {"a", "b"};
  n.outputs = {"c"};
  g.nodes.push_back(n);
  g.outputs.push_back({"c", {}, false, 1});
  return g;
}

// Random search over schedules; returns the fastest and prints each.
mc::MatmulSchedule autoschedule(const mc::Graph& g, const mc::TensorMap& in, const mc::Impl& impl, int candidates,
                                std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::int64_t tis[] = {8, 16, 32, 64, 128}, tjs[] = {32, 64, 128, 256}, tks[] = {64, 128, 256, 0};
  const std::int64_t mrs[] = {2, 4, 8}, nrs[] = {16, 32, 64};
  std::vector<mc::MatmulSchedule> tried = {{32, 256, 256, 0, false, 8, 32}};  // the default first
  for (int guard = 0; static_cast<int>(tried.size()) < candidates && guard < 1000; ++guard) {
    mc::MatmulSchedule s{tis[rng() % 5], tjs[rng() % 4], tks[rng() % 4], 0, false, mrs[rng() % 3], nrs[rng() % 3]};
    if (s.ti % s.mr || s.tj % s.nr) continue;  // register tiles that divide the cache tile
    bool dup = false;
    for (const auto& t : tried) dup |= t.describe() == s.describe();
    if (!dup) tried.push_back(s);
  }
  mc::MatmulSchedule best = tried[0];
  double best_t = 1e30;
  int i = 0;
  for (const auto& s : tried) {
    mc::CompileOptions o;
    o.matmul = s;
    o.opt_flags = g_flags;
    mc::Executable exe(g, impl, o);
    exe.run(in);
    const double t = time_of([&] { exe.run_raw(); }, 5);
    std::cerr << "progress: autoschedule " << ++i << "/" << tried.size() << "  " << s.describe() << "  "
              << t * 1e6 << " us\n";
    if (t < best_t) best_t = t, best = s;
  }
  std::cerr << "progress: autoschedule best " << best.describe() << "\n";
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  labkit::Harness h("ml-compiler", argc, argv);
  omp_set_num_threads(1);  // every row on one core: tiny-nn's GEMM would take both
  const bool smoke = h.smoke();
  if (smoke) g_flags = "-O1";

  // ---- whole models ----
  for (std::int64_t batch : h.sizes({64}, {2})) {
    // The exporter perturbed the biases; the eager rows time the same shapes.
    auto mlp = mc::export_mlp(static_cast<int>(batch), 1);
    tiny_nn::Rng rng(1);
    add_classifier(h, "mlp", batch, mlp,
                   std::make_shared<tiny_nn::Mlp>(std::vector<std::int64_t>{784, 256, 128, 10}, rng));
    if (smoke) continue;
    auto cnn = mc::export_cnn(static_cast<int>(batch), 1, false);
    add_classifier(h, "cnn", batch, cnn, std::make_shared<tiny_nn::Cnn>(28, 28, 16, 32, 128, 10, rng));
    const int T = 16;
    auto tf = mc::export_transformer(static_cast<int>(batch / 8 > 0 ? batch / 8 : 1), T, 1);
    {
      tiny_nn::Rng rng(1);
      auto net = std::make_shared<tiny_nn::Transformer>(tiny_nn::TransformerConfig{}, rng);
      const auto& ids_f = tf.example_inputs["ids"];
      auto ids = std::make_shared<std::vector<std::int32_t>>(ids_f.data.begin(), ids_f.data.end());
      const int b = static_cast<int>(ids_f.shape[0]);
      add_model(h, "transformer", b, tf, [net, ids, b] {
        tiny_nn::NoGradGuard g;
        auto y = net->forward(*ids, b, 16);
        labkit::do_not_optimize(y.data());
      });
    }
    // Cycles on a 32x32 output-stationary array (deterministic).
    for (const auto* m : {&mlp, &cnn, &tf}) {  // not in --smoke
      auto graph = std::make_shared<mc::Graph>(m->graph);
      h.add_count("systolic_" + m->graph.name.substr(8), batch, "reference", labkit::Role::reference, "cycles",
                  [graph] {
                    mc::Graph g = *graph;
                    mc::infer_shapes(g);
                    double cycles = 0;
                    for (const auto& l : mc::systolic_layers(g, "")) cycles += static_cast<double>(l.cycles);
                    return cycles;
                  });
    }
  }

  // ---- the MLP's largest matmul: auto-scheduled against the sgemm lab ----
  for (std::int64_t M : h.sizes({128}, {8})) {
    const std::int64_t N = 256, K = 784;
    std::mt19937_64 rng(labkit::seed() + static_cast<std::uint64_t>(M));
    std::uniform_real_distribution<float> d(-1, 1);
    auto A = std::make_shared<std::vector<float>>(static_cast<std::size_t>(M * K));
    auto B = std::make_shared<std::vector<float>>(static_cast<std::size_t>(K * N));
    auto C = std::make_shared<std::vector<float>>(static_cast<std::size_t>(M * N));
    for (auto& v : *A) v = d(rng);
    for (auto& v : *B) v = d(rng);
    const mc::Graph g = matmul_graph(M, N, K, *B);
    mc::TensorMap in;
    in["a"].shape = {M, K};
    in["a"].data = *A;
    auto expected = std::make_shared<std::vector<float>>(static_cast<std::size_t>(M * N));
    sgemm::reference::sgemm(static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), A->data(),
                            static_cast<int>(K), B->data(), static_cast<int>(N), expected->data(), static_cast<int>(N));
    const double flops = 2.0 * static_cast<double>(M * N * K);
    h.set_baseline("matmul_fc1", "sgemm");
    h.add("matmul_fc1", M, "sgemm", labkit::Role::baseline, {flops, 4.0 * static_cast<double>(M * K + K * N + M * N)},
          [=] {
            sgemm::reference::sgemm(static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), A->data(),
                                    static_cast<int>(K), B->data(), static_cast<int>(N), C->data(), static_cast<int>(N));
            labkit::clobber_memory();
          },
          [] { return std::string(); });
    const int candidates = smoke ? 1 : 12;
    const struct {
      const char* name;
      labkit::Role role;
      const mc::Impl* (*impl)();
    } rows[] = {{"reference", labkit::Role::reference, [] { return &mc::reference::impl(); }},
                {"student", labkit::Role::student, [] { return &mc::student::impl(); }}};
    for (const auto& r : rows) {
      auto exe = std::make_shared<std::unique_ptr<mc::Executable>>();
      const auto impl = r.impl;
      h.add("matmul_fc1", M, r.name, r.role, {flops, 4.0 * static_cast<double>(M * K + K * N + M * N)},
            [exe] { (*exe)->run_raw(); },
            [=]() -> std::string {
              const mc::MatmulSchedule best = autoschedule(g, in, *impl(), candidates, 42);
              mc::CompileOptions o;
              o.matmul = best;
              o.opt_flags = g_flags;
              *exe = std::make_unique<mc::Executable>(g, *impl(), o);
              mc::TensorMap want;
              want["c"].shape = {M, N};
              want["c"].data = *expected;
              return compare((*exe)->run(in), want, 1e-4);
            });
    }
  }
  return h.run();
}
