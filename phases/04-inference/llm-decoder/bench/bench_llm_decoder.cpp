// llm-decoder's bench:
//   attention      prefill attention of one head (head_dim 64, causal) at
//                  T = 256..4096: naive (materialized T x T scores) against
//                  flash (online softmax, one pass) scalar / AVX2 / AVX-512
//   decode         one decode step of a GPT-2-small-width model (8 layers,
//                  d_model 768, vocabulary 8192) with fp32, Q8_0 and Q4_0
//                  weights: bytes of weights per token against time, and
//                  the roofline bound (bandwidth / bytes per token)
//   decode_batch   8 sequences: one decode step each, against one batched step
//                  (fp32; decode_batch_q8_0 the same with Q8_0 weights)
#include <labkit/check.hpp>
#include <labkit/cpu.hpp>
#include <labkit/harness.hpp>
#include <labkit/machine.hpp>

#include <cmath>
#include <cstdio>
#include <memory>
#include <random>

#include "llm_decoder.hpp"

using namespace llm_decoder;

namespace {

std::string compare(const std::vector<float>& got, const std::vector<float>& want, double tol) {
  const labkit::CloseReport r = labkit::allclose(got, want, tol, tol);
  return r.ok ? std::string() : r.message;
}

void attention_cases(labkit::Harness& h) {
  const int hd = 64;
  h.set_baseline("attention", "naive");
  for (std::int64_t T : h.sizes({256, 1024, 4096}, {96})) {
    const int n = static_cast<int>(T);
    auto Q = std::make_shared<std::vector<float>>(static_cast<std::size_t>(n) * hd);
    auto K = std::make_shared<std::vector<float>>(Q->size()), V = std::make_shared<std::vector<float>>(Q->size());
    std::mt19937_64 rng(labkit::seed() + static_cast<std::uint64_t>(T));
    std::normal_distribution<float> nd(0.0f, 1.0f);
    for (auto* v : {Q.get(), K.get(), V.get()})
      for (auto& x : *v) x = nd(rng);
    auto want = std::make_shared<std::vector<float>>(Q->size());
    auto scratch = std::make_shared<std::vector<float>>();
    attention_naive_prefill(Q->data(), K->data(), V->data(), n, hd, hd, want->data(), *scratch);
    const double pairs = 0.5 * static_cast<double>(T) * static_cast<double>(T + 1);
    const double flops = 4.0 * hd * pairs;                  // q.k and p v: 2 flops per element each
    const double io = 16.0 * static_cast<double>(T) * hd;   // Q, K, V in and O out, once
    const double naive_bytes = io + 12.0 * pairs;           // + scores written, then read by softmax and by P V
    h.add("attention", T, "naive", labkit::Role::baseline, {flops, naive_bytes},
          [=] { attention_naive_prefill(Q->data(), K->data(), V->data(), n, hd, hd, want->data(), *scratch); },
          [] { return std::string(); });
    struct Step {
      const char* name;
      AttendFn f;
      labkit::Role role;
      bool ok;
    };
    const labkit::Isa isa = labkit::best_isa();
    const std::vector<Step> steps = {
        {"flash_scalar", &reference::attend_scalar, labkit::Role::reference, true},
        {"flash_avx2", &reference::attend_avx2, labkit::Role::reference, isa != labkit::Isa::scalar},
        {"flash_avx512", &reference::attend_avx512, labkit::Role::reference, isa == labkit::Isa::avx512},
        {"reference", &reference::attend, labkit::Role::reference, true},
        {"student", &student::attend, labkit::Role::student, true}};
    for (const Step& s : steps) {
      if (!s.ok) continue;
      auto out = std::make_shared<std::vector<float>>(Q->size());
      h.add("attention", T, s.name, s.role, {flops, io},
            [=] { attention_flash_prefill(s.f, Q->data(), K->data(), V->data(), n, hd, hd, out->data()); },
            [=] {
              attention_flash_prefill(s.f, Q->data(), K->data(), V->data(), n, hd, hd, out->data());
              return compare(*out, *want, 1e-4);
            });
    }
  }
}

// The decode model, built on first use: a filtered run (a grader's, or
// --benchmark_filter=attention) never pays for 241 MB of random weights.
struct LazyCheckpoint {
  Config c;
  std::unique_ptr<Checkpoint> ck;
  const Checkpoint& get() {
    if (!ck) {
      std::fprintf(stderr, "progress: random weights for %d layers x d_model %d\n", c.n_layer, c.n_embd);
      ck = std::make_unique<Checkpoint>(random_checkpoint(c, 5));
    }
    return *ck;
  }
};

struct DecodeSetup {
  std::unique_ptr<Model> model;
  std::unique_ptr<Engine> engine;
  int seq = 0;
};

void decode_cases(labkit::Harness& h, std::shared_ptr<LazyCheckpoint> ck, int width) {
  h.set_baseline("decode", "fp32");
  auto ref_logits = std::make_shared<std::vector<float>>();  // fp32 logits after 17 tokens and a 7: the timed step writes position 17, inside the second block
  for (WeightFormat f : {WeightFormat::f32, WeightFormat::q8_0, WeightFormat::q4_0}) {
    for (bool student_ops : {false, true}) {
      if (student_ops && f != WeightFormat::f32) continue;
      auto s = std::make_shared<DecodeSetup>();
      // Bytes per token without building the model: every matrix once (in its
      // format) and one row of each embedding.
      const Config& c = ck->c;
      const double D = c.n_embd, per_weight = f == WeightFormat::f32 ? 4.0 : f == WeightFormat::q8_0 ? 34.0 / 32 : 18.0 / 32;
      const double bytes = per_weight * (c.n_layer * 12.0 * D * D + static_cast<double>(c.vocab_size) * D) + 8.0 * D;
      const double flops = 2.0 * bytes / (f == WeightFormat::f32 ? 4.0 : f == WeightFormat::q8_0 ? 34.0 / 32 : 18.0 / 32);
      const std::string name = student_ops ? "student" : format_name(f);
      auto step = [s] {
        s->engine->decode({s->seq}, {7});
        s->engine->cache().seqs[static_cast<std::size_t>(s->seq)].length -= 1;  // rewind: the next call writes the same position
      };
      h.add("decode", width, name, student_ops ? labkit::Role::student : (f == WeightFormat::f32 ? labkit::Role::baseline : labkit::Role::reference),
            {flops, bytes}, step, [s, step, f, ref_logits, ck, student_ops]() -> std::string {
              s->model = std::make_unique<Model>(ck->get(), f);
              s->engine = std::make_unique<Engine>(*s->model, student_ops ? student::ops() : reference::ops(), 1);
              s->seq = s->engine->prefill(std::vector<int>(17, 5));
              step();
              const auto& z = s->engine->last_logits(s->seq);
              if (f == WeightFormat::f32) {
                if (ref_logits->empty()) *ref_logits = z;
                return compare(z, *ref_logits, 1e-3);
              }
              // Quantized: against the same quantized weights, dequantized, with fp32
              // activations and double sums (Model::forward_no_cache): what is left is
              // the Q8_0 rounding of the activations, a few percent at most.
              std::vector<int> tokens(17, 5);
              tokens.push_back(7);
              const std::vector<float> full = s->model->forward_no_cache(tokens);
              const std::vector<float> want(full.end() - static_cast<std::ptrdiff_t>(z.size()), full.end());
              double num = 0, den = 0;
              for (std::size_t i = 0; i < z.size(); ++i) {
                num += (z[i] - want[i]) * static_cast<double>(z[i] - want[i]);
                den += static_cast<double>(want[i]) * want[i];
              }
              return std::sqrt(num / den) < 0.05 ? std::string()
                                                 : "logits too far from the dequantized weights': relative RMS " +
                                                       std::to_string(std::sqrt(num / den));
            });
    }
  }
}

void batch_cases(labkit::Harness& h, std::shared_ptr<LazyCheckpoint> ck, int batch, WeightFormat f,
                 const std::string& kase) {
  h.set_baseline(kase, "one_at_a_time");
  auto model = std::make_shared<std::unique_ptr<Model>>();
  for (bool batched : {false, true}) {
    auto engine = std::make_shared<std::unique_ptr<Engine>>();
    auto seqs = std::make_shared<std::vector<int>>();
    auto step = [=] {
      Engine* e = engine->get();
      if (batched) {
        e->decode(*seqs, std::vector<int>(seqs->size(), 7));
      } else {
        for (int s : *seqs) e->decode({s}, {7});
      }
      for (int s : *seqs) e->cache().seqs[static_cast<std::size_t>(s)].length -= 1;
    };
    const Config& c = ck->c;
    const double per_weight = f == WeightFormat::f32 ? 4.0 : f == WeightFormat::q8_0 ? 34.0 / 32 : 18.0 / 32;
    const double bytes = per_weight * (c.n_layer * 12.0 * c.n_embd * c.n_embd + static_cast<double>(c.vocab_size) * c.n_embd) * (batched ? 1 : batch);
    h.add(kase, batch, batched ? "batched" : "one_at_a_time", batched ? labkit::Role::reference : labkit::Role::baseline,
          {0.0, bytes}, step, [=]() -> std::string {
            if (!*model) *model = std::make_unique<Model>(ck->get(), f);
            *engine = std::make_unique<Engine>(**model, reference::ops(), batch);
            for (int i = 0; i < batch; ++i) seqs->push_back((*engine)->prefill(std::vector<int>(17 + i % 3 * 16, 3 + i)));
            step();
            return std::string();
          });
  }
}

}  // namespace

int main(int argc, char** argv) {
  labkit::Harness h("llm-decoder", argc, argv);
  attention_cases(h);
  // GPT-2 small's width (768) and 8 of its 12 layers, vocabulary 8192: 241 MB
  // of fp32 weights per token, well past the last-level cache.
  auto ck = std::make_shared<LazyCheckpoint>();
  ck->c = h.smoke() ? Config{2, 4, 64, 64, 256} : Config{8, 12, 768, 256, 8192};
  decode_cases(h, ck, ck->c.n_embd);
  batch_cases(h, ck, h.smoke() ? 2 : 8, WeightFormat::f32, "decode_batch");
  batch_cases(h, ck, h.smoke() ? 2 : 8, WeightFormat::q8_0, "decode_batch_q8_0");
  const int rc = h.run();
  if (!ck->ck) return rc;  // no decode case ran

  // The roofline of decode: every weight is read once per token, so tokens/s
  // <= bandwidth / (bytes of weights per token).
  if (h.smoke()) {
    std::printf("\ndecode roofline: not measured in --smoke (a 256 MiB bandwidth sweep)\n");
    return rc;
  }
  const double bw = labkit::measure_read_bandwidth(256ull << 20, 1, h.quick()) * 1e9;
  std::printf("\ndecode roofline (one thread, read bandwidth measured now at 256 MiB: %.1f GB/s)\n", bw / 1e9);
  std::printf("  %-10s %14s %12s %14s %10s\n", "weights", "MB per token", "tokens/s", "bound tok/s", "of bound");
  for (const auto& r : h.results())
    if (r.kase == "decode" && r.summary.median > 0 && r.impl != "student") {
      const double tps = 1e9 / r.summary.median, bound = bw / r.bytes;
      std::printf("  %-10s %14.1f %12.1f %14.1f %9.0f%%\n", r.impl.c_str(), r.bytes / 1e6, tps, bound, 100 * tps / bound);
    }
  for (const auto& r : h.results())
    if (r.kase == "attention" && r.impl == "naive" && r.summary.median > 0)
      std::printf("attention T=%lld: naive materializes %.1f MiB of scores; flash keeps 32 floats per query\n",
                  static_cast<long long>(r.size), 4.0 * static_cast<double>(r.size) * static_cast<double>(r.size) / (1 << 20));
  return rc;
}
