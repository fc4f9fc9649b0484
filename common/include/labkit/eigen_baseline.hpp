// labkit/eigen_baseline.hpp: Eigen as a peer baseline (when Eigen is found;
// LABKIT_HAVE_EIGEN is then defined for targets linking labkit_eigen).
#pragma once

namespace labkit {

// C = A * B, row-major, single precision, through Eigen's GEMM. `threads`
// caps Eigen's own parallelism (1 = one core).
void eigen_sgemm(int m, int n, int k, const float* a, const float* b, float* c, int threads = 1);
// Best GFLOP/s of eigen_sgemm for n x n x n over a few runs.
double eigen_sgemm_gflops(int n, int threads = 1);

}  // namespace labkit
