// Your VNNI dot product: TODO(3). Edit only files in student/.
//
// This file alone is compiled with -mavx512f -mavx512bw ... -mavx512vnni, so
// AVX-512 and VNNI intrinsics work anywhere in it; student/dot.cpp calls it
// only on CPUs that have them. README.md, "TODO(3)".
#include <labkit/todo.hpp>

#include "quantization.hpp"

#if defined(__AVX512F__) && defined(__AVX512VNNI__) && defined(__AVX512BW__)
#include <immintrin.h>

namespace quant::student {

bool dot_u8s8_vnni_compiled() { return true; }

std::int32_t dot_u8s8_vnni(const std::uint8_t* a, const std::int8_t* b, std::int64_t n) {
  // TODO(3): sum a[i] * b[i] (a unsigned, b signed bytes), exactly.
  //   acc = _mm512_dpbusd_epi32(acc, 64 bytes of a, 64 bytes of b)   (vpdpbusd)
  // adds 4 products into each of 16 int32 lanes; _mm512_reduce_add_epi32 sums
  // the lanes. Use several accumulators (the instruction's latency), and a
  // masked load (_mm512_maskz_loadu_epi8) or a scalar loop for the last n % 64.
  (void)a, (void)b, (void)n;
  LABKIT_TODO(3, "write dot_u8s8_vnni in student/dot_vnni.cpp with _mm512_dpbusd_epi32");
}

}  // namespace quant::student

#else  // this compiler cannot build VNNI code: dot.cpp never calls the kernel

namespace quant::student {
bool dot_u8s8_vnni_compiled() { return false; }
std::int32_t dot_u8s8_vnni(const std::uint8_t*, const std::int8_t*, std::int64_t) { return 0; }
}  // namespace quant::student

#endif
