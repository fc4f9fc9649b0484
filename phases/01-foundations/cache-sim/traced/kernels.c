/* Small programs for the agreement test with cachegrind (tests/test_cachegrind.cpp):
 *   cache-sim_kernels transpose | matmul-naive | matmul-blocked | chase
 * Each runs once under `valgrind --tool=lackey --trace-mem=yes` (the trace
 * cache-sim reads) and once under `valgrind --tool=cachegrind` (the counts to
 * agree with). C, not C++: libstdc++'s start-up would be most of the trace.
 * Built for x86-64-v2 on x86 (Valgrind 3.19 cannot run AVX-512 code), and
 * statically where the C library allows: the dynamic loader would be the
 * largest part of every trace. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T = 64, G = 32, GB = 16, CHASE_NODES = 2048, CHASE_STEPS = 8192 };

static int ta[T][T], tb[T][T];
static float ga[G][G], gb[G][G], gc[G][G];
struct node { struct node* next; long pad[7]; }; /* 64 bytes: one line each */
static struct node nodes[CHASE_NODES];

static void transpose(void) {
  for (int i = 0; i < T; ++i)
    for (int j = 0; j < T; ++j) tb[j][i] = ta[i][j];
}

static void matmul_naive(void) {
  for (int i = 0; i < G; ++i)
    for (int j = 0; j < G; ++j) {
      float s = 0;
      for (int k = 0; k < G; ++k) s += ga[i][k] * gb[k][j];
      gc[i][j] = s;
    }
}

static void matmul_blocked(void) {
  for (int ii = 0; ii < G; ii += GB)
    for (int kk = 0; kk < G; kk += GB)
      for (int jj = 0; jj < G; jj += GB)
        for (int i = ii; i < ii + GB; ++i)
          for (int k = kk; k < kk + GB; ++k) {
            const float a = ga[i][k];
            for (int j = jj; j < jj + GB; ++j) gc[i][j] += a * gb[k][j];
          }
}

static long chase(void) {
  /* A random cyclic permutation (Sattolo's algorithm, fixed LCG seed), so
   * every load depends on the one before and lands on an unpredictable line. */
  static int order[CHASE_NODES];
  unsigned long long x = 20261126;
  for (int i = 0; i < CHASE_NODES; ++i) order[i] = i;
  for (int i = CHASE_NODES - 1; i > 0; --i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const int j = (int)((x >> 33) % (unsigned)i);
    const int t = order[i]; order[i] = order[j]; order[j] = t;
  }
  for (int i = 0; i < CHASE_NODES; ++i) nodes[order[i]].next = &nodes[order[(i + 1) % CHASE_NODES]];
  struct node* p = &nodes[0];
  long steps = 0;
  for (int i = 0; i < CHASE_STEPS; ++i) p = p->next, ++steps;
  return steps + (p - nodes);
}

int main(int argc, char** argv) {
  const char* what = argc > 1 ? argv[1] : "";
  long check = 0;
  if (strcmp(what, "transpose") == 0) {
    for (int i = 0; i < T; ++i) for (int j = 0; j < T; ++j) ta[i][j] = i * T + j;
    transpose();
    check = tb[3][5];
  } else if (strcmp(what, "matmul-naive") == 0 || strcmp(what, "matmul-blocked") == 0) {
    for (int i = 0; i < G; ++i) for (int j = 0; j < G; ++j) ga[i][j] = (float)(i - j), gb[i][j] = (float)(i + j);
    if (what[7] == 'n') matmul_naive(); else matmul_blocked();
    check = (long)gc[5][7];
  } else if (strcmp(what, "chase") == 0) {
    check = chase();
  } else {
    fprintf(stderr, "usage: %s transpose|matmul-naive|matmul-blocked|chase\n", argv[0]);
    return 2;
  }
  printf("%s %ld\n", what, check);
  return 0;
}
