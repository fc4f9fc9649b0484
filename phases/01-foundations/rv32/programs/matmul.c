/* Integer matrix multiply, C = A x B, N x N. RV32I has no multiply: GCC
   calls libgcc's __mulsi3, a shift-and-add loop, for every product. */
#include "rt.h"

#ifndef N
#define N 16
#endif

static int32_t A[N][N], B[N][N], C[N][N];

int main(void) {
  uint32_t s = 99;
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      A[i][j] = (int32_t)(rt_rand(&s) % 201) - 100;
      B[i][j] = (int32_t)(rt_rand(&s) % 201) - 100;
    }
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      int32_t acc = 0;
      for (int k = 0; k < N; ++k) acc += A[i][k] * B[k][j];
      C[i][j] = acc;
    }
  int32_t trace = 0;
  uint32_t hash = 0;
  for (int i = 0; i < N; ++i) {
    trace += C[i][i];
    for (int j = 0; j < N; ++j) hash = (hash ^ (uint32_t)C[i][j]) * 16777619u;
  }
  print_str("matmul: n=");
  print_u32(N);
  print_str(" trace=");
  print_i32(trace);
  print_str(" C[0][N-1]=");
  print_i32(C[0][N - 1]);
  print_str(" hash=");
  print_hex(hash);
  print_nl();
  return 0;
}
