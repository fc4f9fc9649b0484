// The ALU testbench: every operation on every pair of 8-bit operands,
// compared with the golden model (model/alu_model.hpp), plus directed corner
// cases whose answers are written out by hand (they hold the model to account).
// Built twice: against the reference RTL and against student/alu.sv.
#include <gtest/gtest.h>

#include <cstdio>
#include <labkit/hdl.hpp>
#include <string>

#include "alu_model.hpp"
#include "hdl_models.hpp"

namespace {

using namespace hdl_alu;
using Dut = hdl_alu::LABKIT_IMPL::Valu;
using Sim = labkit::hdl::Sim<Dut>;

std::string applied(unsigned op, unsigned a, unsigned b) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "op=%s a=0x%02x b=0x%02x", op_name(op), a, b);
  return buf;
}

// Applies one input, settles the logic, compares all five outputs.
// Returns false on a mismatch (already reported, with the cycle and inputs).
bool apply_and_check(Sim& sim, unsigned op, unsigned a, unsigned b) {
  sim->op = op;
  sim->a = a;
  sim->b = b;
  sim.eval();
  const AluOut want = alu_model(op, static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b));
  const bool same = sim->y == want.y && sim->n == want.n && sim->z == want.z && sim->c == want.c && sim->v == want.v;
  if (!same) {
    // Point the y/c/v mismatches at the TODO of this operation, n/z at the flags'.
    const std::string in = applied(op, a, b);
    const char* topic = op_name(op);
    sim.check("y", sim->y, want.y, in, topic);
    sim.check("c", sim->c, want.c, in, topic);
    sim.check("v", sim->v, want.v, in, topic);
    sim.check("n", sim->n, want.n, in, "flags");
    sim.check("z", sim->z, want.z, in, "flags");
  }
  sim.step();  // one input per cycle, so the waveform shows each
  return same;
}

void exhaustive(std::initializer_list<unsigned> ops) {
  Sim sim;
  for (unsigned op : ops)
    for (unsigned a = 0; a < 256; ++a)
      for (unsigned b = 0; b < 256; ++b) apply_and_check(sim, op, a, b);
}

}  // namespace

HDL_TEST(Alu, AddSubExhaustive) { exhaustive({ADD, SUB}); }
HDL_TEST(Alu, LogicExhaustive) { exhaustive({AND, OR, XOR}); }
HDL_TEST(Alu, ShiftsExhaustive) { exhaustive({SLL, SRL, SRA}); }
HDL_TEST(Alu, SetLessThanExhaustive) { exhaustive({SLT, SLTU}); }
HDL_TEST(Alu, UndefinedOpsGiveZero) { exhaustive({10, 11, 12, 13, 14, 15}); }

// Hand-computed answers: the corners where carry and overflow differ.
struct Corner {
  unsigned op, a, b;
  unsigned y;
  bool n, z, c, v;
};

HDL_TEST(Alu, DirectedCorners) {
  const Corner corners[] = {
      {ADD, 0x7f, 0x01, 0x80, true, false, false, true},   // signed overflow, no carry
      {ADD, 0xff, 0x01, 0x00, false, true, true, false},   // carry, no overflow: -1 + 1 = 0
      {ADD, 0x80, 0x80, 0x00, false, true, true, true},    // -128 + -128: both
      {SUB, 0x05, 0x05, 0x00, false, true, true, false},   // equal: zero, no borrow
      {SUB, 0x00, 0x01, 0xff, true, false, false, false},  // borrow: c = 0
      {SUB, 0x80, 0x01, 0x7f, false, false, true, true},   // -128 - 1 overflows
      {SLL, 0x81, 0x01, 0x02, false, false, true, false},  // the top bit falls out into c
      {SRL, 0x81, 0x01, 0x40, false, false, true, false},
      {SRA, 0x81, 0x01, 0xc0, true, false, true, false},   // the sign bit fills in
      {SRA, 0x80, 0x07, 0xff, true, false, false, false},
      {SLL, 0xff, 0x08, 0xff, true, false, false, false},  // only b[2:0] counts: shift by 0
      {SLT, 0x80, 0x01, 0x01, false, false, false, false}, // -128 < 1
      {SLTU, 0x80, 0x01, 0x00, false, true, false, false}, // 128 > 1
  };
  Sim sim;
  for (const auto& k : corners) {
    // The model first: a wrong model would make every other test meaningless.
    const AluOut m = alu_model(k.op, static_cast<std::uint8_t>(k.a), static_cast<std::uint8_t>(k.b));
    EXPECT_EQ(m.y, k.y) << applied(k.op, k.a, k.b);
    EXPECT_EQ(m.n, k.n) << applied(k.op, k.a, k.b);
    EXPECT_EQ(m.z, k.z) << applied(k.op, k.a, k.b);
    EXPECT_EQ(m.c, k.c) << applied(k.op, k.a, k.b);
    EXPECT_EQ(m.v, k.v) << applied(k.op, k.a, k.b);
    apply_and_check(sim, k.op, k.a, k.b);
  }
}
