// oneDNN's dnnl_sgemm: row-major, like the lab's interface, so it runs on
// the very same A, B and C as the reference, with nothing repacked outside
// the timed call (it packs inside, as the reference does).
#include "onednn_sgemm.hpp"

#include <dnnl.h>
#include <omp.h>

#include <stdexcept>

namespace sgemm::bench {

void onednn_sgemm(int threads, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                  int ldc) {
  // oneDNN's OpenMP regions take their size from this thread's setting; the
  // bench's own regions name theirs (num_threads), so this changes nothing else.
  omp_set_num_threads(threads);
  if (dnnl_sgemm('N', 'N', M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, ldc) != dnnl_success)
    throw std::runtime_error("dnnl_sgemm failed");
}

std::string onednn_version() {
  const dnnl_version_t* v = dnnl_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

}  // namespace sgemm::bench
