// Your requantization step: TODO(2). Edit only files in student/.
//
// Goal: out[j] = requantize_one(acc[j], r[j], zero_point, qmin, qmax) bit for
// bit (the definition is in include/quant_formats.hpp), then faster than the
// scalar loop. README.md, "TODO(2)".
#include <labkit/cpu.hpp>
#include <labkit/todo.hpp>

#include "quantization.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace quant::student {

void requantize_row(int n, const std::int32_t* acc, const Requant* r, std::int32_t zero_point, std::int32_t qmin,
                    std::int32_t qmax, std::uint8_t* out) {
  // TODO(2): for each j:
  //   total  = 31 + r[j].shift
  //   scaled = (int64(acc[j]) * r[j].multiplier + (int64(1) << (total - 1))) >> total
  //   out[j] = clamp(scaled + zero_point, qmin, qmax)
  // Do not call quant::requantize_one: write the arithmetic (the test compares
  // with it). For speed: 16 elements at a time with AVX-512 (_mm512_mul_epi32
  // multiplies the even 32-bit lanes into 64-bit products; _mm512_srav_epi64
  // shifts each 64-bit lane by its own count), README, Hints.
  (void)n, (void)acc, (void)r, (void)zero_point, (void)qmin, (void)qmax, (void)out;
  LABKIT_TODO(2, "write requantize_row in student/requantize.cpp: (acc * multiplier + round) >> (31 + shift), + zero point, clamp");
}

}  // namespace quant::student
