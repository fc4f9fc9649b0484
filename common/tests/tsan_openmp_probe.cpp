// Proves the tsan preset's checker works on OpenMP code both ways (ctest
// tsan.*): built with TSAN_PROBE_RACY it sums into one variable from two
// threads, a real race ThreadSanitizer must report (the test expects the
// failure); built without, the same loops with a reduction and a barrier
// between writer and reader, which it must not report (Archer tells TSan
// about OpenMP's barriers; without it this one fails too).
#include <cstdio>

int main() {
  long values[256] = {};
#pragma omp parallel for num_threads(2) schedule(static, 1)
  for (int i = 0; i < 256; ++i) values[i] = i;  // every element written by one thread
  long total = 0;
#if defined(TSAN_PROBE_RACY)
#pragma omp parallel for num_threads(2) schedule(static, 1)
  for (int i = 0; i < 256; ++i) total += values[i];  // no reduction: a data race
#else
#pragma omp parallel for num_threads(2) schedule(static, 1) reduction(+ : total)
  for (int i = 0; i < 256; ++i) total += values[i];  // read after the first loop's barrier
#endif
  std::printf("total %ld (expected 32640)\n", total);
  return 0;
}
