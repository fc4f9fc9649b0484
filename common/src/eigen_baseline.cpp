#include "labkit/eigen_baseline.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <vector>

#include "labkit/clock.hpp"

namespace labkit {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

void eigen_sgemm(int m, int n, int k, const float* a, const float* b, float* c, int threads) {
  Eigen::setNbThreads(threads);
  Eigen::Map<const RowMajor> A(a, m, k);
  Eigen::Map<const RowMajor> B(b, k, n);
  Eigen::Map<RowMajor> C(c, m, n);
  C.noalias() = A * B;
}

double eigen_sgemm_gflops(int n, int threads) {
  std::vector<float> a(static_cast<std::size_t>(n) * n, 0.5f), b(a.size(), 0.25f), c(a.size());
  const double flops = 2.0 * n * n * n;
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const double ns = time_per_call_ns([&] { eigen_sgemm(n, n, n, a.data(), b.data(), c.data(), threads); }, 100'000'000);
    best = std::max(best, flops / ns);
  }
  return best;
}

}  // namespace labkit
