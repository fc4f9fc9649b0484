// quantization benchmark: the integer GEMM against the project's fp32 SGEMM
// and oneDNN, and your three kernels against their scalar versions, timed in
// one process with interleaved repetitions.
//
//   tools/labctl bench quantization        # or build/default/bin/quantization_bench --help
//
// Cases (sizes in elements; "ops" counts a multiply-add as 2, for int8 and
// fp32 alike, so GFLOP/s columns compare directly):
//   gemm           n x n x n, one thread. Baseline fp32: sgemm::reference::sgemm
//                  (the sgemm lab's packed AVX-512/AVX2 kernel) on float data.
//                  int8: scalar (three loops; n = 256 only), portable, avx2 and
//                  vnni on B packed once, reference (packs B in every call, as
//                  sgemm does), onednn (weights reordered once)
//   gemm_vs_onednn n = 1024: the reference over oneDNN's int8 matmul
//   dot            dot_u8s8: scalar baseline, avx2, vnni, reference, student (TODO 3)
//   quantize_q8_0  quantize_row_q8_0: scalar (ggml's ref) baseline, avx512,
//                  reference, student (TODO 1)
//   requantize     requantize_row, per-channel: scalar baseline, avx512,
//                  reference, student (TODO 2)
//   q4_0_dot       vec_dot_q4_0_q8_0: scalar baseline, avx2
#include <labkit/check.hpp>
#include <labkit/harness.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "quantization.hpp"

#include "sgemm.hpp"  // the fp32 baseline, the sgemm lab's kernel: lab.toml says uses = ["sgemm"]
#if defined(QUANT_HAVE_ONEDNN)
#include "onednn_baseline.hpp"
#endif

namespace ref = quant::reference;
namespace stu = quant::student;
using labkit::Role;
using namespace quant;

namespace {

// Graders set LABKIT_SEED (labkit::seed(), else labkit::kDefaultSeed).
std::uint64_t seed(std::uint64_t salt) { return labkit::seed() * 1000003u + salt; }

struct GemmProblem {
  int n;
  std::vector<std::uint8_t> A;
  std::vector<std::int8_t> B;
  std::vector<float> Af, Bf, Cf;
  std::vector<std::int32_t> C;
  PackedB packed;
  std::vector<std::int32_t> expected;  // rows `rows` of the exact answer
  std::vector<int> rows;

  explicit GemmProblem(int n_) : n(n_) {
    const std::size_t nn = static_cast<std::size_t>(n) * n;
    std::mt19937_64 rng(seed(n));
    A.resize(nn);
    B.resize(nn);
    for (auto& v : A) v = static_cast<std::uint8_t>(rng());
    for (auto& v : B) v = static_cast<std::int8_t>(rng());
    Af.assign(A.begin(), A.end());
    Bf.assign(B.begin(), B.end());
    Cf.resize(nn);
    C.resize(nn);
    packed = ref::pack_b(n, n, B.data(), n);
    rows = {0, 1, 5, 6, 7, n / 2, n - 1};
    for (int i = 0; i < n && n <= 64; ++i) rows.push_back(i);
    expected.resize(rows.size() * n);
    for (std::size_t r = 0; r < rows.size(); ++r)
      for (int j = 0; j < n; ++j) {
        std::int64_t s = 0;
        for (int k = 0; k < n; ++k) s += std::int64_t{A[static_cast<std::size_t>(rows[r]) * n + k]} * B[static_cast<std::size_t>(k) * n + j];
        expected[r * n + j] = static_cast<std::int32_t>(s);
      }
  }
  std::string check(const std::vector<std::int32_t>& got) const {
    for (std::size_t r = 0; r < rows.size(); ++r)
      for (int j = 0; j < n; ++j)
        if (got[static_cast<std::size_t>(rows[r]) * n + j] != expected[r * n + j])
          return "C[" + std::to_string(rows[r]) + "][" + std::to_string(j) + "] = " +
                 std::to_string(got[static_cast<std::size_t>(rows[r]) * n + j]) + ", expected " +
                 std::to_string(expected[r * n + j]);
    return "";
  }
};

}  // namespace

int main(int argc, char** argv) {
  labkit::Harness h("quantization", argc, argv);
  std::printf("quantization: int8 GEMM dispatches to %s; your dot_u8s8 runs %s\n", ref::dispatched_gemm(),
              stu::dot_u8s8_path());

  // ---- gemm ----------------------------------------------------------------
  h.set_baseline("gemm", "fp32");
  h.set_baseline("gemm_vs_onednn", "onednn");
  using PackedGemm = void (*)(int, const std::uint8_t*, int, const PackedB&, std::int32_t*, int);
  for (auto n64 : h.sizes({256, 512, 1024}, {33, 64})) {
    const int n = static_cast<int>(n64);
    auto p = std::make_shared<GemmProblem>(n);
    const double nd = n;
    const labkit::Work int8_work{2.0 * nd * nd * nd, 6.0 * nd * nd}, fp32_work{2.0 * nd * nd * nd, 12.0 * nd * nd};
    auto add_packed = [&](const std::string& kase, const std::string& name, Role role, PackedGemm f) {
      h.add(kase, n, name, role, int8_work,
            [p, f, n] { f(n, p->A.data(), n, p->packed, p->C.data(), n); labkit::clobber_memory(); },
            [p, f, n] {
              std::vector<std::int32_t> C(p->C.size(), -1);
              f(n, p->A.data(), n, p->packed, C.data(), n);
              return p->check(C);
            });
    };
    h.add("gemm", n, "fp32", Role::baseline, fp32_work,
          [p, n] {
            sgemm::reference::sgemm(n, n, n, p->Af.data(), n, p->Bf.data(), n, p->Cf.data(), n);
            labkit::clobber_memory();
          },
          [p, n] {
            // Small integers: every product and partial sum is exact in float
            // up to 2^24, so fp32 must give the integer answer where it fits.
            std::vector<float> C(p->Cf.size());
            sgemm::reference::sgemm(n, n, n, p->Af.data(), n, p->Bf.data(), n, C.data(), n);
            for (std::size_t r = 0; r < p->rows.size(); ++r)
              for (int j = 0; j < n; ++j) {
                const double want = p->expected[r * n + j], got = C[static_cast<std::size_t>(p->rows[r]) * n + j];
                if (std::abs(got - want) > 1e-6 * 255.0 * 128.0 * n)
                  return std::string("fp32 sgemm disagrees with the integer answer");
              }
            return std::string();
          });
    if (n <= 256)
      h.add("gemm", n, "scalar", Role::baseline, int8_work,
            [p, n] { ref::gemm_u8s8s32_scalar(n, n, n, p->A.data(), n, p->B.data(), n, p->C.data(), n); labkit::clobber_memory(); },
            [p, n] {
              std::vector<std::int32_t> C(p->C.size(), -1);
              ref::gemm_u8s8s32_scalar(n, n, n, p->A.data(), n, p->B.data(), n, C.data(), n);
              return p->check(C);
            });
    add_packed("gemm", "portable", Role::reference, ref::gemm_u8s8s32_portable);
    if (ref::has_avx2()) add_packed("gemm", "avx2", Role::reference, ref::gemm_u8s8s32_avx2);
    if (ref::has_avx512_vnni()) add_packed("gemm", "vnni", Role::reference, ref::gemm_u8s8s32_vnni);
    auto add_reference = [&](const std::string& kase) {
      h.add(kase, n, "reference", Role::reference, int8_work,
            [p, n] { ref::gemm_u8s8s32(n, n, n, p->A.data(), n, p->B.data(), n, p->C.data(), n); labkit::clobber_memory(); },
            [p, n] {
              std::vector<std::int32_t> C(p->C.size(), -1);
              ref::gemm_u8s8s32(n, n, n, p->A.data(), n, p->B.data(), n, C.data(), n);
              return p->check(C);
            });
    };
    add_reference("gemm");
#if defined(QUANT_HAVE_ONEDNN)
    auto dnnl = quant::bench::onednn_make(n, n, n, p->B.data());
    auto add_onednn = [&](const std::string& kase) {
      h.add(kase, n, "onednn", Role::baseline, int8_work,
            [p, dnnl] { quant::bench::onednn_run(*dnnl, p->A.data(), p->C.data()); labkit::clobber_memory(); },
            [p, dnnl] {
              std::vector<std::int32_t> C(p->C.size(), -1);
              quant::bench::onednn_run(*dnnl, p->A.data(), C.data());
              return p->check(C);
            });
    };
    add_onednn("gemm");
    if (n == 1024 || h.smoke()) {
      add_onednn("gemm_vs_onednn");
      add_reference("gemm_vs_onednn");
    }
#endif
  }
#if defined(QUANT_HAVE_ONEDNN)
  std::printf("quantization: oneDNN %s, one thread\n", quant::bench::onednn_version().c_str());
#else
  std::printf("quantization: oneDNN not built in (apt-get install libdnnl-dev, then reconfigure)\n");
#endif

  // ---- dot -----------------------------------------------------------------
  h.set_baseline("dot", "scalar");
  for (auto n : h.sizes({4096, 65536}, {100})) {
    auto a = std::make_shared<std::vector<std::uint8_t>>(n);
    auto b = std::make_shared<std::vector<std::int8_t>>(n);
    std::mt19937_64 rng(seed(7 + n));
    for (auto& v : *a) v = static_cast<std::uint8_t>(rng());
    for (auto& v : *b) v = static_cast<std::int8_t>(rng());
    const std::int32_t want = ref::dot_u8s8_scalar(a->data(), b->data(), n);
    using Dot = std::int32_t (*)(const std::uint8_t*, const std::int8_t*, std::int64_t);
    auto add = [&](const std::string& name, Role role, Dot f) {
      h.add("dot", n, name, role, {2.0 * n, 2.0 * n},
            [a, b, f, n] { labkit::do_not_optimize(f(a->data(), b->data(), n)); },
            [a, b, f, n, want] {
              const std::int32_t got = f(a->data(), b->data(), n);
              return got == want ? std::string() : "dot = " + std::to_string(got) + ", expected " + std::to_string(want);
            });
    };
    add("scalar", Role::baseline, ref::dot_u8s8_scalar);
    if (ref::has_avx2()) add("avx2", Role::reference, ref::dot_u8s8_avx2);
    if (ref::has_avx512_vnni()) add("vnni", Role::reference, ref::dot_u8s8_vnni);
    add("reference", Role::reference, ref::dot_u8s8);
    add("student", Role::student, stu::dot_u8s8);
  }

  // ---- quantize_q8_0 -------------------------------------------------------
  h.set_baseline("quantize_q8_0", "scalar");
  for (auto n : h.sizes({65536}, {64})) {
    std::mt19937_64 rng(seed(11));
    std::uniform_real_distribution<float> d(-4.0f, 4.0f);
    auto x = std::make_shared<std::vector<float>>(n);
    for (auto& v : *x) v = d(rng);
    auto y = std::make_shared<std::vector<BlockQ8_0>>(n / 32);
    auto want = std::make_shared<std::vector<BlockQ8_0>>(n / 32);
    ref::quantize_row_q8_0_scalar(x->data(), want->data(), n);
    using Quant = void (*)(const float*, BlockQ8_0*, std::int64_t);
    auto add = [&](const std::string& name, Role role, Quant f) {
      h.add("quantize_q8_0", n, name, role, {1.0 * n, 4.0 * n + 34.0 * n / 32},
            [x, y, f, n] { f(x->data(), y->data(), n); labkit::clobber_memory(); },
            [x, want, f, n] {
              std::vector<BlockQ8_0> got(n / 32);
              f(x->data(), got.data(), n);
              if (std::memcmp(got.data(), want->data(), sizeof(BlockQ8_0) * got.size()) != 0)
                return std::string("bytes differ from ggml's quantize_row_q8_0_ref");
              return std::string();
            });
    };
    add("scalar", Role::baseline, ref::quantize_row_q8_0_scalar);
    if (ref::has_avx512()) add("avx512", Role::reference, ref::quantize_row_q8_0_avx512);
    add("reference", Role::reference, ref::quantize_row_q8_0);
    add("student", Role::student, stu::quantize_row_q8_0);
  }

  // ---- requantize ----------------------------------------------------------
  h.set_baseline("requantize", "scalar");
  for (auto n : h.sizes({4096}, {100})) {
    std::mt19937_64 rng(seed(13));
    std::uniform_int_distribution<std::int32_t> acc_d(-3000000, 3000000);
    std::uniform_real_distribution<double> m_d(1e-6, 1e-4);
    auto acc = std::make_shared<std::vector<std::int32_t>>(n);
    auto r = std::make_shared<std::vector<Requant>>(n);
    for (auto& v : *acc) v = acc_d(rng);
    for (auto& v : *r) v = make_requant(m_d(rng));
    auto out = std::make_shared<std::vector<std::uint8_t>>(n);
    using Req = void (*)(int, const std::int32_t*, const Requant*, std::int32_t, std::int32_t, std::int32_t, std::uint8_t*);
    auto add = [&](const std::string& name, Role role, Req f) {
      h.add("requantize", n, name, role, {3.0 * n, 13.0 * n},
            [acc, r, out, f, n] { f(static_cast<int>(n), acc->data(), r->data(), 128, 0, 255, out->data()); labkit::clobber_memory(); },
            [acc, r, f, n] {
              std::vector<std::uint8_t> got(n);
              f(static_cast<int>(n), acc->data(), r->data(), 128, 0, 255, got.data());
              for (int j = 0; j < n; ++j)
                if (got[j] != requantize_one((*acc)[j], (*r)[j], 128, 0, 255))
                  return "out[" + std::to_string(j) + "] = " + std::to_string(got[j]) + ", expected " +
                         std::to_string(requantize_one((*acc)[j], (*r)[j], 128, 0, 255));
              return std::string();
            });
    };
    add("scalar", Role::baseline, ref::requantize_row_scalar);
    if (ref::has_avx512()) add("avx512", Role::reference, ref::requantize_row_avx512);
    add("reference", Role::reference, ref::requantize_row);
    add("student", Role::student, stu::requantize_row);
  }

  // ---- q4_0_dot ------------------------------------------------------------
  h.set_baseline("q4_0_dot", "scalar");
  for (auto k : h.sizes({4096}, {256})) {
    std::mt19937_64 rng(seed(17));
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> w(k), a(k);
    for (auto& v : w) v = g(rng);
    for (auto& v : a) v = g(rng);
    auto wq = std::make_shared<std::vector<BlockQ4_0>>(k / 32);
    auto aq = std::make_shared<std::vector<BlockQ8_0>>(k / 32);
    ref::quantize_row_q4_0(w.data(), wq->data(), k);
    ref::quantize_row_q8_0(a.data(), aq->data(), k);
    const float want = ref::vec_dot_q4_0_q8_0_scalar(k, wq->data(), aq->data());
    using VDot = float (*)(std::int64_t, const BlockQ4_0*, const BlockQ8_0*);
    auto add = [&](const std::string& name, Role role, VDot f) {
      h.add("q4_0_dot", k, name, role, {2.0 * k, 18.0 * k / 32 + 34.0 * k / 32},
            [wq, aq, f, k] { labkit::do_not_optimize(f(k, wq->data(), aq->data())); },
            [wq, aq, f, k, want] {
              const float got = f(k, wq->data(), aq->data());
              return got == want ? std::string() : "dot = " + std::to_string(got) + ", expected " + std::to_string(want);
            });
    };
    add("scalar", Role::baseline, ref::vec_dot_q4_0_q8_0_scalar);
    if (ref::has_avx2()) add("avx2", Role::reference, ref::vec_dot_q4_0_q8_0_avx2);
  }
  return h.run();
}
