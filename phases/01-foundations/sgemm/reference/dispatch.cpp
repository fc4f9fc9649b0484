// Run-time dispatch: choose the widest micro-kernel this CPU runs, once.
// labkit::best_isa() also honours LABKIT_ISA=scalar|avx2|avx512 from the
// environment, so you can force a narrower path to compare or to test it.
#include <labkit/cpu.hpp>

#include <string>

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

std::string dispatched_blocks() {
  const detail::Kernel& k = detail::dispatched_kernel();
  std::string s = "MC " + std::to_string(k.mc) + ", KC " + std::to_string(k.kc) + ", NC " + std::to_string(k.nc);
  // By name: asking for avx512_kernel() itself would run its AVX-512 probe,
  // which a CPU without AVX-512 cannot execute.
  if (std::string(k.name) == "avx512") {
    const detail::Blocks b = detail::avx512_blocks();
    s += b.full_width ? " (512-bit FMAs at full width, measured; " : " (512-bit FMAs in two halves, measured; ";
    s += b.l2_bytes ? "L2 " + std::to_string(b.l2_bytes >> 10) + " KiB)" : "L2 size unknown)";
  }
  return s;
}

}  // namespace sgemm::reference
