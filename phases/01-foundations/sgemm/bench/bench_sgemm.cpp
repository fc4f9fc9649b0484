// sgemm benchmark: every step of the ladder, Eigen, the reference and your
// student/ code, timed in one process with interleaved repetitions.
//
//   tools/labctl bench sgemm            # or build/default/bin/sgemm_bench --help
//
// Square problems, M = N = K = n, contiguous (lda = ldb = ldc = n). Cases:
//   sgemm           one thread; speedups over naive
//   sgemm_2t        two threads (naive stays one thread: the same yardstick)
//   sgemm_vs_eigen  n = 1024, one thread; speedups over Eigen
//   sgemm_scaling   n = 2048; two threads over reference_1t (the reference on one)
//   sgemm_vs_onednn, sgemm_2t_vs_onednn
//                   n = 1024 on one thread, n = 2048 on two; speedups over
//                   oneDNN's dnnl_sgemm (only where oneDNN is installed)
//   blocked, packed, parallel
//                   n = 512: the three steps you write (sgemm_blocked,
//                   sgemm_packed, sgemm_threaded on 2 threads) and the
//                   reference's, each over naive: what the grader measures
// naive runs only at n = 256 and 512 (it needs about 2 s for one 1024^3
// product on the reference machine, and 17 s at 2048), so the speedups over
// naive exist only there.
//
// Work per call: 2 n^3 flops, and at least 12 n^2 bytes (A and B read once,
// C written once), so the arithmetic intensity is n / 6 flop/byte: far right
// of the ridge point on the roofline, where only the FMA peak limits.
#include <labkit/check.hpp>
#include <labkit/eigen_baseline.hpp>
#include <labkit/harness.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "sgemm.hpp"
#if defined(SGEMM_HAVE_ONEDNN)
#include "onednn_sgemm.hpp"
#endif

namespace ref = sgemm::reference;
namespace stu = sgemm::student;

namespace {

using Gemm = std::function<void(int, int, int, const float*, int, const float*, int, float*, int)>;

// One n x n x n problem: inputs, the output the timed calls write, and the
// double-precision answer for the rows the validation checks (all rows up to
// n = 512; above that, rows at the edges of the register tiles and a few at
// random, every column of each).
struct Problem {
  int n;
  std::vector<float> A, B, C;
  std::vector<int> rows;
  std::vector<double> expected, abs_sum;  // rows.size() x n

  explicit Problem(int n_) : n(n_), A(static_cast<std::size_t>(n_) * n_), B(A.size()), C(A.size()) {
    // Graders set LABKIT_SEED, so inputs differ from the ones a student tuned on.
    std::mt19937_64 rng(labkit::seed() + n);
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    for (auto& v : A) v = d(rng);
    for (auto& v : B) v = d(rng);
    if (n <= 512) {
      for (int i = 0; i < n; ++i) rows.push_back(i);
    } else {
      rows = {0, 1, 5, 6, 11, 12, n / 2, n - 2, n - 1};
      std::uniform_int_distribution<int> pick(0, n - 1);
      for (int i = 0; i < 5; ++i) rows.push_back(pick(rng));
    }
    expected.assign(rows.size() * n, 0.0);
    abs_sum.assign(expected.size(), 0.0);
    for (std::size_t r = 0; r < rows.size(); ++r)
      for (int k = 0; k < n; ++k) {
        const double a = A[static_cast<std::size_t>(rows[r]) * n + k];
        for (int j = 0; j < n; ++j) {
          const double p = a * B[static_cast<std::size_t>(k) * n + j];
          expected[r * n + j] += p;
          abs_sum[r * n + j] += std::abs(p);
        }
      }
  }
};

// Runs `gemm` once into a NaN-filled C and compares the checked rows with the
// double-precision answer, within 1.01 gamma_K * sum |a b| (tests/test_support.hpp
// explains the bound and the factor; labkit::gemm_error_bound() cites it).
std::string check(const Gemm& gemm, const Problem& p) {
  const int n = p.n;
  std::vector<float> C(p.C.size(), std::numeric_limits<float>::quiet_NaN());
  gemm(n, n, n, p.A.data(), n, p.B.data(), n, C.data(), n);
  std::vector<float> got(p.expected.size());
  for (std::size_t r = 0; r < p.rows.size(); ++r)
    std::copy_n(C.begin() + static_cast<std::ptrdiff_t>(p.rows[r]) * n, n, got.begin() + static_cast<std::ptrdiff_t>(r * n));
  const labkit::CloseReport rep = labkit::within(
      got, p.expected, [&](std::size_t x) { return 1.01 * labkit::gemm_error_bound(n, p.abs_sum[x]); }, {"C", std::size_t(n)});
  if (rep.ok) return "";
  // Above n = 512 the checked rows are a selection: say which row of C the first wrong one is.
  const std::size_t r = rep.first_index / n;
  if (p.rows[r] == static_cast<int>(r)) return rep.message;
  return rep.message + " (rows are numbered among the checked rows: row " + std::to_string(r) + " is C's row " +
         std::to_string(p.rows[r]) + ")";
}

// Eigen on `threads` threads. labkit's Eigen build has no OpenMP, so
// Eigen::setNbThreads cannot parallelize it; instead each thread runs Eigen's
// one-thread GEMM on its share of the rows of C (each packs all of B itself).
void eigen_threads(int threads, int M, int N, int K, const float* A, const float* B, float* C) {
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int t = 0; t < threads; ++t) {
    const int r0 = static_cast<int>(static_cast<long long>(M) * t / threads);
    const int r1 = static_cast<int>(static_cast<long long>(M) * (t + 1) / threads);
    labkit::eigen_sgemm(r1 - r0, N, K, A + static_cast<std::ptrdiff_t>(r0) * K, B,
                        C + static_cast<std::ptrdiff_t>(r0) * N, 1);
  }
}

Gemm eigen(int threads) {
  return [threads](int M, int N, int K, const float* A, int, const float* B, int, float* C, int) {
    if (threads == 1) labkit::eigen_sgemm(M, N, K, A, B, C, 1);
    else eigen_threads(threads, M, N, K, A, B, C);
  };
}

Gemm with_threads(void (*f)(int, int, int, const float*, int, const float*, int, float*, int, int), int threads) {
  return [f, threads](int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
    f(M, N, K, A, lda, B, ldb, C, ldc, threads);
  };
}

#if defined(SGEMM_HAVE_ONEDNN)
Gemm onednn(int threads) {
  return [threads](int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
    sgemm::bench::onednn_sgemm(threads, M, N, K, A, lda, B, ldb, C, ldc);
  };
}
#endif

}  // namespace

int main(int argc, char** argv) {
  labkit::Harness h("sgemm", argc, argv);
  std::printf("sgemm: the reference dispatches to the %s micro-kernel, blocks %s\n", ref::dispatched_step(),
              ref::dispatched_blocks().c_str());
#if defined(SGEMM_HAVE_ONEDNN)
  std::printf("sgemm: oneDNN %s's dnnl_sgemm is the peer baseline (rows \"onednn\")\n",
              sgemm::bench::onednn_version().c_str());
#else
  std::printf("sgemm: oneDNN not built in (apt-get install libdnnl-dev, then reconfigure): no \"onednn\" rows\n");
#endif

  std::map<int, std::shared_ptr<Problem>> problems;
  auto problem = [&](int n) {
    auto& p = problems[n];
    if (!p) p = std::make_shared<Problem>(n);
    return p;
  };
  // same_as_kase: the row is the same call as that case's row of the same
  // implementation and size, timed once for both (labkit/harness.hpp).
  auto add = [&](const std::string& kase, std::int64_t size, const std::string& impl, labkit::Role role, Gemm gemm,
                 const std::string& same_as_kase = "") {
    const int n = static_cast<int>(size);
    auto p = problem(n);
    const double nd = n;
    h.add(kase, size, impl, role, {2.0 * nd * nd * nd, 12.0 * nd * nd},
          [p, gemm, n] {
            gemm(n, n, n, p->A.data(), n, p->B.data(), n, p->C.data(), n);
            labkit::clobber_memory();
          },
          [p, gemm] { return check(gemm, *p); }, same_as_kase.empty() ? kase : same_as_kase);
  };
  using labkit::Role;
  const std::vector<std::int64_t> smoke = {33, 64};
  const auto all = h.sizes({256, 512, 1024, 2048}, smoke);
  const auto small = h.sizes({256, 512}, smoke);

  // One thread: every step, Eigen, the reference, yours.
  h.set_baseline("sgemm", "naive");
  for (auto n : small) add("sgemm", n, "naive", Role::baseline, ref::sgemm_naive);
  for (auto n : all) {
    add("sgemm", n, "ikj", Role::reference, ref::sgemm_ikj);
    add("sgemm", n, "blocked", Role::reference, ref::sgemm_blocked);
    add("sgemm", n, "packed", Role::reference, ref::sgemm_packed);
    if (ref::has_avx2()) add("sgemm", n, "avx2", Role::reference, ref::sgemm_microkernel_avx2);
    if (ref::has_avx512()) add("sgemm", n, "avx512", Role::reference, ref::sgemm_microkernel_avx512);
    add("sgemm", n, "eigen", Role::baseline, eigen(1));
#if defined(SGEMM_HAVE_ONEDNN)
    add("sgemm", n, "onednn", Role::baseline, onednn(1));
#endif
    add("sgemm", n, "reference", Role::reference, ref::sgemm);
    add("sgemm", n, "student", Role::student, stu::sgemm);
  }

  // Two threads.
  h.set_baseline("sgemm_2t", "naive");
  for (auto n : small) add("sgemm_2t", n, "naive", Role::baseline, ref::sgemm_naive, "sgemm");
  for (auto n : all) {
    add("sgemm_2t", n, "openmp", Role::reference, with_threads(ref::sgemm_openmp, 2));
    add("sgemm_2t", n, "tbb", Role::reference, with_threads(ref::sgemm_tbb, 2));
    add("sgemm_2t", n, "eigen", Role::baseline, eigen(2));
#if defined(SGEMM_HAVE_ONEDNN)
    add("sgemm_2t", n, "onednn", Role::baseline, onednn(2));
#endif
    add("sgemm_2t", n, "reference", Role::reference, with_threads(ref::sgemm_threaded, 2));
    add("sgemm_2t", n, "student", Role::student, with_threads(stu::sgemm_threaded, 2));
  }

  // The reference (and yours) against Eigen, one thread.
  h.set_baseline("sgemm_vs_eigen", "eigen");
  for (auto n : h.sizes({1024}, {64})) {
    add("sgemm_vs_eigen", n, "eigen", Role::baseline, eigen(1));
    add("sgemm_vs_eigen", n, "reference", Role::reference, ref::sgemm);
    add("sgemm_vs_eigen", n, "student", Role::student, stu::sgemm);
  }

#if defined(SGEMM_HAVE_ONEDNN)
  // The reference against oneDNN's dnnl_sgemm: one thread at n = 1024, two at
  // n = 2048 (where the second core has enough work to pay for itself).
  h.set_baseline("sgemm_vs_onednn", "onednn");
  for (auto n : h.sizes({1024}, {64})) {
    add("sgemm_vs_onednn", n, "onednn", Role::baseline, onednn(1));
    add("sgemm_vs_onednn", n, "reference", Role::reference, ref::sgemm);
    add("sgemm_vs_onednn", n, "student", Role::student, stu::sgemm);
  }
  h.set_baseline("sgemm_2t_vs_onednn", "onednn");
  for (auto n : h.sizes({2048}, {64})) {
    add("sgemm_2t_vs_onednn", n, "onednn", Role::baseline, onednn(2));
    add("sgemm_2t_vs_onednn", n, "reference", Role::reference, with_threads(ref::sgemm_threaded, 2));
    add("sgemm_2t_vs_onednn", n, "student", Role::student, with_threads(stu::sgemm_threaded, 2));
  }
#endif

  // Two threads over one, at the largest size.
  h.set_baseline("sgemm_scaling", "reference_1t");
  for (auto n : h.sizes({2048}, {64})) {
    add("sgemm_scaling", n, "reference_1t", Role::baseline, ref::sgemm);
    add("sgemm_scaling", n, "reference", Role::reference, with_threads(ref::sgemm_threaded, 2));
    add("sgemm_scaling", n, "student", Role::student, with_threads(stu::sgemm_threaded, 2));
  }

  // What the grader measures: each step you write against naive, next to the
  // reference's version of the same step.
  h.set_baseline("blocked", "naive");
  h.set_baseline("packed", "naive");
  h.set_baseline("parallel", "naive");
  for (auto n : h.sizes({512}, {64})) {
    add("blocked", n, "naive", Role::baseline, ref::sgemm_naive, "sgemm");  // naive at 512 is timed once, for five cases
    add("blocked", n, "reference", Role::reference, ref::sgemm_blocked);
    add("blocked", n, "student", Role::student, stu::sgemm_blocked);
    add("packed", n, "naive", Role::baseline, ref::sgemm_naive, "sgemm");  // naive at 512 is timed once, for five cases
    add("packed", n, "reference", Role::reference, ref::sgemm);
    add("packed", n, "student", Role::student, stu::sgemm_packed);
    add("parallel", n, "naive", Role::baseline, ref::sgemm_naive, "sgemm");  // naive at 512 is timed once, for five cases
    add("parallel", n, "reference", Role::reference, with_threads(ref::sgemm_threaded, 2));
    add("parallel", n, "student", Role::student, with_threads(stu::sgemm_threaded, 2));
  }
  return h.run();
}
