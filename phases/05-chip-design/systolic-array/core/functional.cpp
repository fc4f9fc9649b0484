// The functional model: int8 operands, int32 accumulators, simulated register
// by register on an R x C array, one fold at a time. It exists to show that
// the dataflows compute the right answer (bit-exact against a triple loop)
// and to give the RTL testbench its expected results and cycle counts.
#include <stdexcept>
#include <vector>

#include "systolic.hpp"

namespace systolic_array {
namespace {

using i64 = std::int64_t;

void check_args(const ArrayShape& a, i64 M, i64 N, i64 K) {
  if (a.rows < 1 || a.cols < 1) throw std::invalid_argument("array rows and cols must be >= 1");
  if (M < 0 || N < 0 || K < 0) throw std::invalid_argument("GEMM sizes must be >= 0");
}

// A stationary-operand fold (ws and is share it): S is the R x C tile held in
// the PEs, X (T x R) streams in from the left edge, skewed by one cycle per
// row; partial sums flow down and leave the bottom of column j. The fold
// first shifts S in from the top (R cycles; the last row enters first), then
// streams: X[t][i] meets PE(i, j) at cycle R + t + i + j, and Y[t][j] =
// sum_i X[t][i] * S[i][j] leaves the bottom at cycle R + t + (R - 1) + j.
// Returns the fold's cycle count, 2R + C + T - 2.
template <class GetS, class GetX, class PutY>
i64 stationary_fold(int R, int C, i64 T, GetS get_s, GetX get_x, PutY put_y, i64& macs, int used_r, int used_c) {
  std::vector<std::int32_t> w(static_cast<size_t>(R) * C, 0);
  // Weight load: each cycle every column shifts down by one PE.
  for (int l = 0; l < R; ++l)
    for (int i = R - 1; i >= 0; --i)
      for (int j = 0; j < C; ++j) w[i * C + j] = (i == 0) ? get_s(R - 1 - l, j) : w[(i - 1) * C + j];

  std::vector<std::int32_t> a_reg(static_cast<size_t>(R) * C, 0), p_reg(static_cast<size_t>(R) * C, 0);
  const i64 stream_cycles = T + R + C - 2;
  for (i64 t = 0; t < stream_cycles; ++t) {
    // Walk PEs from the far corner so each reads its neighbours' old values.
    for (int i = R - 1; i >= 0; --i)
      for (int j = C - 1; j >= 0; --j) {
        std::int32_t a_in;
        if (j == 0) {
          const i64 tt = t - i;
          a_in = (tt >= 0 && tt < T) ? get_x(tt, i) : 0;
        } else {
          a_in = a_reg[i * C + j - 1];
        }
        const std::int32_t p_in = (i == 0) ? 0 : p_reg[(i - 1) * C + j];
        a_reg[i * C + j] = a_in;
        p_reg[i * C + j] = p_in + a_in * w[i * C + j];
      }
    for (int j = 0; j < C; ++j) {
      const i64 tt = t - (R - 1) - j;
      if (tt >= 0 && tt < T) put_y(tt, j, p_reg[(R - 1) * C + j]);
    }
  }
  macs += static_cast<i64>(used_r) * used_c * T;
  return R + stream_cycles;
}

}  // namespace

std::vector<std::int32_t> gemm_int8_plain(i64 M, i64 N, i64 K, const std::int8_t* A, const std::int8_t* B) {
  std::vector<std::int32_t> C(static_cast<size_t>(M * N), 0);
  for (i64 m = 0; m < M; ++m)
    for (i64 k = 0; k < K; ++k) {
      const std::int32_t a = A[m * K + k];
      for (i64 n = 0; n < N; ++n) C[m * N + n] += a * B[k * N + n];
    }
  return C;
}

OsTile os_fold_int8(const ArrayShape& a, i64 M, i64 N, i64 K, const std::int8_t* A, const std::int8_t* B, i64 m0,
                    i64 n0) {
  check_args(a, M, N, K);
  const int R = a.rows, C = a.cols;
  OsTile tile;
  tile.acc.assign(static_cast<size_t>(R) * C, 0);
  const size_t pes = static_cast<size_t>(R) * static_cast<size_t>(C);
  std::vector<std::int32_t> regs(2 * pes, 0);  // the a and b pipeline registers of every PE
  std::int32_t* a_reg = regs.data();
  std::int32_t* b_reg = regs.data() + pes;
  // Row i of A enters the left edge i cycles late, column j of B the top
  // edge j cycles late, so A[m0+i][k] and B[k][n0+j] meet in PE(i, j) at
  // cycle k + i + j. The last pair meets at K + R + C - 3.
  tile.cycles = K + R + C - 2;
  for (i64 t = 0; t < tile.cycles; ++t)
    for (int i = R - 1; i >= 0; --i)
      for (int j = C - 1; j >= 0; --j) {
        std::int32_t a_in, b_in;
        if (j == 0) {
          const i64 k = t - i;
          a_in = (k >= 0 && k < K && m0 + i < M) ? A[(m0 + i) * K + k] : 0;
        } else {
          a_in = a_reg[i * C + j - 1];
        }
        if (i == 0) {
          const i64 k = t - j;
          b_in = (k >= 0 && k < K && n0 + j < N) ? B[k * N + n0 + j] : 0;
        } else {
          b_in = b_reg[(i - 1) * C + j];
        }
        a_reg[i * C + j] = a_in;
        b_reg[i * C + j] = b_in;
        tile.acc[i * C + j] += a_in * b_in;
      }
  return tile;
}

FunctionalResult run_gemm_int8(Dataflow df, const ArrayShape& a, i64 M, i64 N, i64 K, const std::int8_t* A,
                               const std::int8_t* B) {
  check_args(a, M, N, K);
  const int R = a.rows, C = a.cols;
  FunctionalResult res;
  res.C.assign(static_cast<size_t>(M * N), 0);
  auto fold_range = [](i64 size, int tile) { return size == 0 ? i64{0} : (size + tile - 1) / tile; };
  {
    const Dataflow d = df;
    const i64 rows = d == Dataflow::os ? M : K, cols = d == Dataflow::is ? M : N;
    res.fold_cycles.reserve(static_cast<size_t>(fold_range(rows, R) * fold_range(cols, C)));
  }

  if (df == Dataflow::os) {
    // Sr = M over rows, Sc = N over columns; column folds outermost, as SCALE-Sim orders them.
    for (i64 fc = 0; fc < fold_range(N, C); ++fc)
      for (i64 fr = 0; fr < fold_range(M, R); ++fr) {
        const i64 m0 = fr * R, n0 = fc * C;
        OsTile t = os_fold_int8(a, M, N, K, A, B, m0, n0);
        const int used_r = static_cast<int>(std::min<i64>(R, M - m0)), used_c = static_cast<int>(std::min<i64>(C, N - n0));
        for (int i = 0; i < used_r; ++i)
          for (int j = 0; j < used_c; ++j) res.C[(m0 + i) * N + n0 + j] = t.acc[i * C + j];
        res.fold_cycles.push_back(t.cycles);
        res.macs += static_cast<i64>(used_r) * used_c * K;
      }
  } else if (df == Dataflow::ws) {
    // Sr = K over rows, Sc = N over columns, T = M in time. Each row fold adds
    // a partial sum into C (SCALE-Sim counts those as ofmap writes).
    for (i64 fc = 0; fc < fold_range(N, C); ++fc)
      for (i64 fr = 0; fr < fold_range(K, R); ++fr) {
        const i64 k0 = fr * R, n0 = fc * C;
        const int used_r = static_cast<int>(std::min<i64>(R, K - k0)), used_c = static_cast<int>(std::min<i64>(C, N - n0));
        auto get_s = [&](int i, int j) -> std::int32_t {
          return (i < used_r && j < used_c) ? B[(k0 + i) * N + n0 + j] : 0;
        };
        auto get_x = [&](i64 t, int i) -> std::int32_t { return i < used_r ? A[t * K + k0 + i] : 0; };
        auto put_y = [&](i64 t, int j, std::int32_t v) {
          if (j < used_c) res.C[t * N + n0 + j] += v;
        };
        res.fold_cycles.push_back(stationary_fold(R, C, M, get_s, get_x, put_y, res.macs, used_r, used_c));
      }
  } else {
    // Sr = K over rows, Sc = M over columns, T = N in time: PE(i, j) holds
    // A[m0 + j][k0 + i]; row i of B streams in and C[m0 + j][n] leaves column j.
    for (i64 fc = 0; fc < fold_range(M, C); ++fc)
      for (i64 fr = 0; fr < fold_range(K, R); ++fr) {
        const i64 k0 = fr * R, m0 = fc * C;
        const int used_r = static_cast<int>(std::min<i64>(R, K - k0)), used_c = static_cast<int>(std::min<i64>(C, M - m0));
        auto get_s = [&](int i, int j) -> std::int32_t {
          return (i < used_r && j < used_c) ? A[(m0 + j) * K + k0 + i] : 0;
        };
        auto get_x = [&](i64 t, int i) -> std::int32_t { return i < used_r ? B[(k0 + i) * N + t] : 0; };
        auto put_y = [&](i64 t, int j, std::int32_t v) {
          if (j < used_c) res.C[(m0 + j) * N + t] += v;
        };
        res.fold_cycles.push_back(stationary_fold(R, C, N, get_s, get_x, put_y, res.macs, used_r, used_c));
      }
  }
  for (i64 c : res.fold_cycles) res.total_cycles += c;
  return res;
}

}  // namespace systolic_array
