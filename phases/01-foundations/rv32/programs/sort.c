/* Sorting: the same random array by insertion sort and by quicksort, then
   checked. Data-dependent branches (the comparisons) next to loop branches.
   N is set at build time (-DN=...). */
#include "rt.h"

#ifndef N
#define N 400
#endif

static int32_t a[N], b[N];

static void insertion_sort(int32_t* v, int n) {
  for (int i = 1; i < n; ++i) {
    int32_t x = v[i];
    int j = i - 1;
    while (j >= 0 && v[j] > x) {
      v[j + 1] = v[j];
      --j;
    }
    v[j + 1] = x;
  }
}

static void quicksort(int32_t* v, int lo, int hi) {
  while (lo < hi) {
    int32_t pivot = v[lo + (hi - lo) / 2];
    int i = lo, j = hi;
    while (i <= j) {
      while (v[i] < pivot) ++i;
      while (v[j] > pivot) --j;
      if (i <= j) {
        int32_t t = v[i];
        v[i] = v[j];
        v[j] = t;
        ++i;
        --j;
      }
    }
    if (j - lo < hi - i) {
      quicksort(v, lo, j);
      lo = i;
    } else {
      quicksort(v, i, hi);
      hi = j;
    }
  }
}

int main(void) {
  uint32_t s = 2463534242u;
  for (int i = 0; i < N; ++i) a[i] = b[i] = (int32_t)(rt_rand(&s) % 20001u) - 10000;
  insertion_sort(a, N);
  quicksort(b, 0, N - 1);
  uint32_t sum = 0;
  int bad = 0;
  for (int i = 0; i < N; ++i) {
    if (a[i] != b[i] || (i && a[i - 1] > a[i])) ++bad;
    sum = sum * 31 + (uint32_t)a[i];
  }
  print_str("sort: n=");
  print_u32(N);
  print_str(" min=");
  print_i32(a[0]);
  print_str(" median=");
  print_i32(a[N / 2]);
  print_str(" max=");
  print_i32(a[N - 1]);
  print_str(" hash=");
  print_hex(sum);
  print_str(bad ? " WRONG\n" : " ok\n");
  return bad ? 1 : 0;
}
