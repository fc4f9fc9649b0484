// oneDNN's dnnl_sgemm, the peer baseline of the sgemm bench, behind a small
// interface so the bench compiles without oneDNN (bench/onednn_sgemm.cpp is
// built only when CMake finds it: Debian's libdnnl-dev).
#pragma once
#include <string>

namespace sgemm::bench {
// C = A * B, row-major, on `threads` threads (oneDNN runs on OpenMP here).
void onednn_sgemm(int threads, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                  int ldc);
std::string onednn_version();
}  // namespace sgemm::bench
