// The RTL testbench: rtl/systolic_array_os.sv with the PE of this
// build (reference/ or student/systolic_pe.sv), Verilated as 4x4, 3x5 and 8x8 arrays,
// runs whole GEMMs fold by fold. Every accumulator of every fold is compared
// with the C++ model (os_fold_int8), every fold's cycle count with the
// model's (K + R + C - 2, what SCALE-Sim charges), the assembled C with a
// plain triple loop, and the total cycles with analytical_compute().
#include <gtest/gtest.h>
#include <labkit/check_gtest.hpp>
#include <labkit/hdl.hpp>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "systolic.hpp"
#include "systolic_rtl_models.hpp"

namespace sa = systolic_array;

namespace {

// The array's edge ports are flat packed vectors (rtl/systolic_array_os.sv
// says why): an operand port holds one 8-bit lane per row or column, a flag
// port one bit. Verilator maps a port of up to 8, 16, 32 or 64 bits to
// CData, SData, IData or QData, and a wider one to VlWide<N>, an array of
// 32-bit words (word w holds bits [32*w +: 32]). The sizes built here need
// at most 64 bits (8x8: a_in and b_in); the VlWide case is what a 9x9 or
// wider array would need, and RtlPorts.LanesOfWidePorts checks it.
template <class Port>
void set_field(Port& port, int lsb, int width, std::uint32_t value) {  // width <= 8, no word crossing
  const std::uint32_t mask = (1u << width) - 1u;
  value &= mask;
  if constexpr (std::is_integral_v<Port>) {
    using U = std::conditional_t<(sizeof(Port) > 4), std::uint64_t, std::uint32_t>;
    const U cleared = static_cast<U>(port) & ~(static_cast<U>(mask) << lsb);
    port = static_cast<Port>(cleared | (static_cast<U>(value) << lsb));
  } else {  // VlWide<N>
    auto& word = port[lsb / 32];
    const int shift = lsb % 32;
    word = (word & ~(mask << shift)) | (value << shift);
  }
}

// Lane `lane` (bits [8*lane +: 8]) of an int8 operand port.
template <class Port>
void set_lane(Port& port, int lane, std::int8_t value) {
  set_field(port, 8 * lane, 8, static_cast<std::uint8_t>(value));
}

// Bit `bit` of a flag port (a_valid, a_first, a_last, b_valid).
template <class Port>
void set_bit(Port& port, int bit, bool value) {
  set_field(port, bit, 1, value ? 1u : 0u);
}

template <class Dut, int R, int C>
void run_gemm(std::int64_t M, std::int64_t N, std::int64_t K) {
  labkit::hdl::Sim<Dut> sim;
  labkit::hdl::Random rng;
  std::vector<std::int8_t> A(M * K), B(K * N);
  for (auto& x : A) x = static_cast<std::int8_t>(rng.bits(8));
  for (auto& x : B) x = static_cast<std::int8_t>(rng.bits(8));
  const std::vector<std::int32_t> want = sa::gemm_int8_plain(M, N, K, A.data(), B.data());
  std::vector<std::int32_t> got(want.size(), 0);
  const std::string shape = "M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K) +
                            " on " + std::to_string(R) + "x" + std::to_string(C);

  auto idle_inputs = [&] {
    sim->a_valid = sim->a_first = sim->a_last = 0;
    sim->a_in = 0;
    sim->b_valid = 0;
    sim->b_in = 0;
  };
  idle_inputs();
  sim.reset();

  std::int64_t total_cycles = 0;
  for (std::int64_t n0 = 0; n0 < N; n0 += C)    // column folds outside,
    for (std::int64_t m0 = 0; m0 < M; m0 += R) {  // row folds inside, as SCALE-Sim walks them
      const sa::OsTile model = sa::os_fold_int8({R, C}, M, N, K, A.data(), B.data(), m0, n0);
      const std::string fold = shape + ", fold at (" + std::to_string(m0) + ", " + std::to_string(n0) + ")";
      // Drive the skewed edges: row i gets A[m0 + i][t - i], column j gets
      // B[t - j][n0 + j]. Rows and columns past the matrix carry zeros, so the
      // array's timing never depends on the edge of the problem.
      std::int64_t cycles = 0;
      const std::int64_t limit = model.cycles + 8;
      bool done = false;
      for (std::int64_t t = 0; t < limit && !done; ++t) {
        for (int i = 0; i < R; ++i) {
          const std::int64_t k = t - i;
          const bool v = k >= 0 && k < K;
          set_bit(sim->a_valid, i, v);
          set_bit(sim->a_first, i, v && k == 0);
          set_bit(sim->a_last, i, v && k == K - 1);
          set_lane(sim->a_in, i, v && m0 + i < M ? A[(m0 + i) * K + k] : std::int8_t{0});
        }
        for (int j = 0; j < C; ++j) {
          const std::int64_t k = t - j;
          const bool v = k >= 0 && k < K;
          set_bit(sim->b_valid, j, v);
          set_lane(sim->b_in, j, v && n0 + j < N ? B[k * N + n0 + j] : std::int8_t{0});
        }
        sim.tick();
        ++cycles;
        done = sim->done;
      }
      idle_inputs();
      if (!sim.check("done", done ? static_cast<std::uint64_t>(cycles) : 0, static_cast<std::uint64_t>(model.cycles),
                     "fold cycles until done: " + fold, "last_mac"))
        return;
      total_cycles += cycles;
      // Read the tile out of the PEs (combinational; no clock edges).
      for (int i = 0; i < R; ++i)
        for (int j = 0; j < C; ++j) {
          sim->rd_row = static_cast<std::uint8_t>(i);
          sim->rd_col = static_cast<std::uint8_t>(j);
          sim.eval();
          const auto acc = static_cast<std::int32_t>(sim->rd_acc);
          if (!sim.check("acc", static_cast<std::uint32_t>(acc), static_cast<std::uint32_t>(model.acc[i * C + j]),
                         "PE(" + std::to_string(i) + ", " + std::to_string(j) + "), " + fold, "multiply-accumulate"))
            return;
          if (m0 + i < M && n0 + j < N) got[(m0 + i) * N + n0 + j] = acc;
        }
    }
  // C[m][n]: the first wrong element of the M x N result, not two lists.
  EXPECT_CLOSE(labkit::exactly_equal(got, want, {"C", static_cast<std::size_t>(N)})) << shape;
  // The RTL's cycles are the SCALE-Sim accounting's: total cycles + 1 (it reports the last cycle's index).
  EXPECT_EQ(total_cycles, sa::analytical_compute(sa::Dataflow::os, {M, N, K}, {R, C}).total_cycles + 1) << shape;
}

}  // namespace

// The lane helpers on the port types Verilator generates: QData (the 8x8
// array's a_in), IData, CData and a VlWide the sizes built here do not use.
TEST(RtlPorts, LanesOfWidePorts) {
  QData q = ~QData{0};
  set_lane(q, 7, std::int8_t{0x12});
  set_lane(q, 0, std::int8_t{-2});
  EXPECT_EQ(q, 0x12fffffffffffffeULL);
  IData d = 0;
  set_lane(d, 3, std::int8_t{-128});
  set_lane(d, 1, std::int8_t{0x7f});
  EXPECT_EQ(d, 0x80007f00u);
  CData c = 0;
  set_bit(c, 7, true);
  set_bit(c, 0, true);
  set_bit(c, 7, false);
  EXPECT_EQ(c, 0x01);
  VlWide<3> w;
  for (int i = 0; i < 3; ++i) w[i] = 0;
  set_lane(w, 4, std::int8_t{0x5a});   // word 1, bits [0 +: 8]
  set_lane(w, 11, std::int8_t{-1});    // word 2, bits [24 +: 8]
  set_bit(w, 65, true);                // word 2, bit 1
  EXPECT_EQ(w[0], 0u);
  EXPECT_EQ(w[1], 0x5au);
  EXPECT_EQ(w[2], 0xff000002u);
}

HDL_TEST(RtlOsArray, FourByFour) {
  using Dut = systolic_rtl::Array4x4;
  run_gemm<Dut, 4, 4>(4, 4, 1);
  run_gemm<Dut, 4, 4>(4, 4, 8);
  run_gemm<Dut, 4, 4>(9, 7, 13);
  run_gemm<Dut, 4, 4>(16, 16, 40);
}

HDL_TEST(RtlOsArray, ThreeByFive) {
  using Dut = systolic_rtl::Array3x5;
  run_gemm<Dut, 3, 5>(3, 5, 4);
  run_gemm<Dut, 3, 5>(10, 11, 9);
  run_gemm<Dut, 3, 5>(1, 17, 30);
}

HDL_TEST(RtlOsArray, EightByEightPublishedCase) {
  // SCALE-Sim's published 8x8, M = N = K = 64 case: 64 folds of 78 cycles,
  // 4992 cycles in all (SCALE-Sim reports 4991, the last cycle's index).
  using Dut = systolic_rtl::Array8x8;
  run_gemm<Dut, 8, 8>(64, 64, 64);
  run_gemm<Dut, 8, 8>(20, 9, 33);
}
