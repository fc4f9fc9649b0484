// Run-time dispatch: choose the widest micro-kernel this CPU runs, once.
// labkit::best_isa() also honours LABKIT_ISA=scalar|avx2|avx512 from the
// environment, so you can force a narrower path to compare or to test it.
#include <labkit/cpu.hpp>

#include "packed_gemm.hpp"
#include "sgemm.hpp"

namespace sgemm::reference {
namespace detail {

const Kernel& dispatched_kernel() {
  // A function-local static is initialized exactly once, thread-safely.
  static const Kernel& chosen = []() -> const Kernel& {
    const labkit::Isa isa = labkit::best_isa();
    if (isa >= labkit::Isa::avx512 && has_avx512()) return avx512_kernel();
    if (isa >= labkit::Isa::avx2 && has_avx2()) return avx2_kernel();
    return portable_kernel();
  }();
  return chosen;
}

}  // namespace detail

void sgemm(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  detail::packed_gemm(detail::dispatched_kernel(), M, N, K, A, lda, B, ldb, C, ldc);
}

void sgemm_threaded(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                    int threads) {
  sgemm_openmp(M, N, K, A, lda, B, ldb, C, ldc, threads);
}

const char* dispatched_step() { return detail::dispatched_kernel().name; }

}  // namespace sgemm::reference
