/* embedded-buses: simd-dot's two kernels (phases/01-foundations/simd-dot)
 * ported to Arm NEON (AArch64 Advanced SIMD), as a static Linux user-space
 * program that qemu-aarch64 runs on any host. No C library: the program
 * writes and exits by system call, so only gcc-aarch64-linux-gnu is needed.
 *
 * It checks dot and saxpy against plain loops for n = 0..67 at every
 * misalignment 0..3 floats, then prints dot over 1000 and 4099 elements
 * of small integers (exact in float: the host test compares them exactly).
 * Exit code 0 when every check passed, 1 otherwise. Timings under emulation
 * mean nothing: this program measures none. */
#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

void* memset(void* d, int v, size_t n) {
  unsigned char* p = d;
  while (n--) *p++ = (unsigned char)v;
  return d;
}
void* memcpy(void* d, const void* s, size_t n) {
  unsigned char* p = d;
  const unsigned char* q = s;
  while (n--) *p++ = *q++;
  return d;
}

static long sys3(long nr, long a, long b, long c) {
  register long x8 __asm__("x8") = nr;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  __asm__ __volatile__("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  return x0;
}
static void put(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  sys3(64, 1, (long)s, (long)n); /* write(1, s, n) */
}
static void put_int(long v) {
  char buf[24];
  int n = 0;
  unsigned long u = v < 0 ? (unsigned long)-v : (unsigned long)v;
  do buf[n++] = (char)('0' + u % 10); while (u /= 10);
  if (v < 0) buf[n++] = '-';
  char out[24];
  for (int i = 0; i < n; ++i) out[i] = buf[n - 1 - i];
  out[n] = 0;
  put(out);
}

/* 16 floats a step in four accumulators (four independent FMA chains), then
 * 4 at a time, then a scalar tail. Unaligned loads are fine on AArch64. */
float dot_neon(const float* x, const float* y, size_t n) {
  float32x4_t a0 = vdupq_n_f32(0), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = vfmaq_f32(a0, vld1q_f32(x + i), vld1q_f32(y + i));
    a1 = vfmaq_f32(a1, vld1q_f32(x + i + 4), vld1q_f32(y + i + 4));
    a2 = vfmaq_f32(a2, vld1q_f32(x + i + 8), vld1q_f32(y + i + 8));
    a3 = vfmaq_f32(a3, vld1q_f32(x + i + 12), vld1q_f32(y + i + 12));
  }
  for (; i + 4 <= n; i += 4) a0 = vfmaq_f32(a0, vld1q_f32(x + i), vld1q_f32(y + i));
  float s = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
  for (; i < n; ++i) s += x[i] * y[i];
  return s;
}

void saxpy_neon(float a, const float* x, float* y, size_t n) {
  const float32x4_t va = vdupq_n_f32(a);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vfmaq_f32(vld1q_f32(y + i), va, vld1q_f32(x + i)));
  for (; i < n; ++i) y[i] = a * x[i] + y[i];
}

#define MAXN 4104
static float xs[MAXN], ys[MAXN], yr[MAXN];

static float value(uint32_t i, uint32_t salt) { return (float)((int)((i * 2654435761u + salt) >> 28) - 8); }

int main(void) {
  int failures = 0, cases = 0;
  for (size_t n = 0; n <= 67; ++n)
    for (size_t off = 0; off < 4; ++off) {
      float* x = xs + off;
      float* y = ys + (3 - off);
      for (size_t i = 0; i < n; ++i) x[i] = value((uint32_t)i, 1), y[i] = value((uint32_t)i, 2);
      float want = 0;
      for (size_t i = 0; i < n; ++i) want += x[i] * y[i]; /* small integers: exact in any order */
      if (dot_neon(x, y, n) != want) ++failures, put("neon: dot wrong\n");
      for (size_t i = 0; i < n + 2; ++i) yr[i] = y[i];
      saxpy_neon(3.0f, x, y, n);
      for (size_t i = 0; i < n; ++i)
        if (y[i] != 3.0f * x[i] + yr[i]) ++failures, put("neon: saxpy wrong\n");
      if (y[n] != yr[n] || y[n + 1] != yr[n + 1]) ++failures, put("neon: saxpy wrote past y[n-1]\n");
      ++cases;
    }
  put("neon: dot and saxpy against plain loops, ");
  put_int(cases);
  put(" cases, ");
  put_int(failures);
  put(" failures\n");
  const size_t sizes[2] = {1000, 4099};
  for (int s = 0; s < 2; ++s) {
    for (size_t i = 0; i < sizes[s]; ++i) xs[i] = value((uint32_t)i, 5), ys[i] = value((uint32_t)i, 7);
    put("neon: dot n=");
    put_int((long)sizes[s]);
    put(" = ");
    put_int((long)dot_neon(xs, ys, sizes[s]));
    put("\n");
  }
  return failures ? 1 : 0;
}

__asm__(
    ".text\n"
    ".global _start\n"
    "_start:\n"
    "  bl main\n"
    "  mov x8, #94\n" /* exit_group(main's result) */
    "  svc #0\n");
