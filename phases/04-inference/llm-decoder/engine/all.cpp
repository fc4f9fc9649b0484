// The engine as one translation unit (the lab's build stays small): the
// checkpoint, the tokenizer, the model and engine, training with tiny-nn.
#include "checkpoint.cpp"
#include "bpe.cpp"
#include "model.cpp"
#include "train.cpp"

#include <labkit/cpu.hpp>
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

namespace llm_decoder {
namespace {
float dot_f32_scalar(const float* a, const float* b, int n) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // eight partial sums: the compiler vectorizes them
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) s[k] += a[i + k] * b[i + k];
  float r = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; i < n; ++i) r += a[i] * b[i];
  return r;
}
#if defined(__x86_64__) || defined(_M_X64)
__attribute__((target("avx2,fma"))) inline float hsum_avx2(__m256 a) {  // the 8 lanes' sum
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}
__attribute__((target("avx2,fma"))) float dot_f32_avx2(const float* a, const float* b, int n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  float r = hsum_avx2(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) r += a[i] * b[i];
  return r;
}
// w . x_r for four rows x_r at once: each load of w feeds four FMAs (batched
// decode and prefill read each weight once for four rows). The same sums in
// the same order as dot_f32_avx2, so a row's result does not depend on
// whether it was computed in a batch (the tests hold batched decode to one
// sequence at a time, bit for bit).
__attribute__((target("avx2,fma"))) void dot4_f32_avx2(const float* w, const float* x, std::size_t ldx, int n,
                                                        float* out) {
  __m256 s0[4], s1[4];
  for (int r = 0; r < 4; ++r) s0[r] = s1[r] = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 w0 = _mm256_loadu_ps(w + i), w1 = _mm256_loadu_ps(w + i + 8);
    for (int r = 0; r < 4; ++r) {
      s0[r] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + r * ldx + i), s0[r]);
      s1[r] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + r * ldx + i + 8), s1[r]);
    }
  }
  const int i16 = i;
  for (int r = 0; r < 4; ++r) {
    int j = i16;
    __m256 a = s0[r];
    for (; j + 8 <= n; j += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(w + j), _mm256_loadu_ps(x + r * ldx + j), a);
    a = _mm256_add_ps(a, s1[r]);
    float t = hsum_avx2(a);
    for (; j < n; ++j) t += w[j] * x[r * ldx + j];
    out[r] = t;
  }
}
#endif
}  // namespace

void dot4_f32(const float* w, const float* x, std::size_t ldx, int n, float* out) {
#if defined(__x86_64__) || defined(_M_X64)
  if (labkit::best_isa() != labkit::Isa::scalar) return dot4_f32_avx2(w, x, ldx, n, out);
#endif
  for (int r = 0; r < 4; ++r) out[r] = dot_f32_scalar(w, x + r * ldx, n);
}

float dot_f32(const float* a, const float* b, int n) {
#if defined(__x86_64__) || defined(_M_X64)
  if (labkit::best_isa() != labkit::Isa::scalar) return dot_f32_avx2(a, b, n);
#endif
  return dot_f32_scalar(a, b, n);
}

}  // namespace llm_decoder
