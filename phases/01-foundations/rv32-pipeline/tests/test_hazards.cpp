// The hazard unit, one hazard at a time: a few hand-encoded instructions each,
// every retired instruction compared with the ISA simulator, and the cycles
// counted exactly (n instructions take n + 4 cycles with no hazard; a
// load-use stall adds 1, a taken branch or jump 2). Then random instruction
// mixes with dense dependences, loads, stores, branches and jumps.
#include <gtest/gtest.h>

#include <labkit/hdl.hpp>

#include "core_tb.hpp"
#include "hdl_models.hpp"

namespace rv32_pipeline::hazards {

using Dut = rv32_pipeline::LABKIT_IMPL::Vrv32_core;
namespace enc = rv32::enc;
using Code = std::vector<std::uint32_t>;

constexpr int a0 = 10;
constexpr int data = 6;  // x6 = kDataBase in every program here

// x6 = kDataBase, then `body`, then exit(a0). Runs it on the core, which must
// retire exactly what the simulator does.
inline CoreReport run(const Code& body) {
  Code code = {enc::lui(data, kDataBase >> 12)};
  code.insert(code.end(), body.begin(), body.end());
  labkit::hdl::Sim<Dut> sim;
  CoreRun<Dut> core(sim);
  core.load_code(code);
  return core.run(10000);
}

// The cycles of a run with `retired` instructions and these hazards.
inline std::uint64_t ideal(const CoreReport& r, std::uint64_t load_use, std::uint64_t flushes) {
  return r.retired + kFill + load_use + 2 * flushes;
}

inline void expect_cycles(const CoreReport& r, std::uint64_t load_use, std::uint64_t flushes) {
  EXPECT_EQ(r.load_use, load_use) << "load-use stall cycles " << labkit::hdl::todo_hint("stall_load_use", "load-use");
  EXPECT_EQ(r.flushes, flushes) << "redirects that squashed two instructions "
                                << labkit::hdl::todo_hint("flush", "flush");
  EXPECT_EQ(r.cycles, ideal(r, load_use, flushes))
      << r.retired << " instructions; expected " << load_use << " load-use stall(s) and " << flushes
      << " flush(es): a stall where no hazard is costs a cycle " << labkit::hdl::todo_hint("stall_load_use", "load-use");
}

// ---- forwarding -----------------------------------------------------------------

HDL_TEST(Forwarding, FromMemToTheNextInstruction) {
  const CoreReport r = run({enc::addi(1, 0, 5), enc::add(2, 1, 1), enc::add(a0, 2, 1)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 15);
  expect_cycles(r, 0, 0);
}

HDL_TEST(Forwarding, FromWbTwoInstructionsLater) {
  const CoreReport r = run({enc::addi(1, 0, 7), enc::addi(9, 0, 1), enc::sub(2, 0, 1), enc::addi(a0, 2, 9)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 2);
  expect_cycles(r, 0, 0);
}

HDL_TEST(Forwarding, TheNewestValueWins) {
  // x1 is in MEM (2) and in WB (1) when the add reads it: MEM is newer.
  const CoreReport r = run({enc::addi(1, 0, 1), enc::addi(1, 0, 2), enc::add(a0, 1, 1)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 4);
  expect_cycles(r, 0, 0);
}

HDL_TEST(Forwarding, NeverIntoOrFromX0) {
  // addi x0 "writes" 5 to x0; the add reads x0 (still 0) and x1 (forwarded).
  const CoreReport r = run({enc::addi(0, 0, 5), enc::addi(1, 0, 3), enc::add(a0, 0, 1), enc::add(a0, a0, 0)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 3);
  expect_cycles(r, 0, 0);
}

HDL_TEST(Forwarding, StoreDataAndAddress) {
  const CoreReport r = run({enc::addi(5, 0, 0x55),     // rs2 of the store, from MEM
                            enc::sw(5, data, 0),
                            enc::addi(7, data, 8),     // rs1 of the store, from MEM
                            enc::sb(5, 7, -4),
                            enc::lw(1, data, 0), enc::lbu(2, data, 4), enc::add(a0, 1, 2)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 0xaa);
  expect_cycles(r, 1, 0);  // the add waits for the lbu
}

HDL_TEST(Forwarding, BranchOperands) {
  // Taken only if both operands are forwarded (from MEM and from WB).
  const CoreReport r = run({enc::addi(1, 0, 3), enc::addi(2, 0, 3), enc::beq(1, 2, 8), enc::addi(a0, 0, 1),
                            enc::addi(a0, 1, 40)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 43);
  expect_cycles(r, 0, 1);
}

HDL_TEST(Forwarding, JalrTarget) {
  // x1 = the address of the sub, computed just before the jalr.
  const CoreReport r = run({enc::auipc(1, 0), enc::addi(1, 1, 20), enc::jalr(5, 1, 0), enc::addi(a0, 0, 1),
                            enc::addi(a0, 0, 2), enc::sub(a0, 5, 1)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 256 - 8);  // the jalr's pc + 4 minus the target
  expect_cycles(r, 0, 1);
}

HDL_TEST(Forwarding, RegisterFileThreeInstructionsLater) {
  // No forwarding here: WB writes the register file and ID reads the new value in the same cycle.
  const CoreReport r = run({enc::addi(1, 0, 9), enc::addi(2, 0, 1), enc::addi(3, 0, 1), enc::add(a0, 1, 1),
                            enc::add(a0, a0, 2)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 19);
  expect_cycles(r, 0, 0);
}

// ---- the load-use stall ------------------------------------------------------------

HDL_TEST(LoadUse, StallsExactlyOneCycle) {
  const CoreReport r = run({enc::addi(1, 0, 21), enc::sw(1, data, 0), enc::lw(2, data, 0), enc::add(a0, 2, 2)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 42);
  expect_cycles(r, 1, 0);
}

HDL_TEST(LoadUse, AStoreOfTheLoadedValue) {
  const CoreReport r = run({enc::addi(1, 0, -3), enc::sw(1, data, 0), enc::lh(2, data, 0), enc::sw(2, data, 8),
                            enc::lw(a0, data, 8), enc::sub(a0, 0, a0)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 3);
  expect_cycles(r, 2, 0);
}

HDL_TEST(LoadUse, NoStallOneInstructionLater) {
  // One instruction between the load and its use: forwarded from WB, no stall.
  const CoreReport r = run({enc::addi(1, 0, 12), enc::sw(1, data, 4), enc::lw(2, data, 4), enc::addi(3, 0, 1),
                            enc::add(a0, 2, 3)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 13);
  expect_cycles(r, 0, 0);
}

HDL_TEST(LoadUse, NoStallForX0OrAnUnrelatedRegister) {
  const CoreReport r = run({enc::lw(0, data, 0), enc::add(1, 0, 0), enc::addi(1, 1, 6), enc::lw(2, data, 0),
                            enc::add(a0, 1, 1)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 12);
  expect_cycles(r, 0, 0);
}

HDL_TEST(LoadUse, ABranchOnALoadedValue) {
  const CoreReport r = run({enc::addi(1, 0, 5), enc::sw(1, data, 0), enc::lw(2, data, 0), enc::bne(2, 1, 8),
                            enc::addi(a0, 2, 1)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 6);
  expect_cycles(r, 1, 0);
}

// ---- squashing after a redirect ---------------------------------------------------------

HDL_TEST(Flush, ATakenBranchSquashesTwo) {
  const CoreReport r = run({enc::addi(1, 0, 1), enc::bne(1, 0, 12), enc::addi(a0, 0, 7), enc::addi(a0, 0, 8),
                            enc::addi(a0, 1, 1)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 2);
  expect_cycles(r, 0, 1);
}

HDL_TEST(Flush, ANotTakenBranchCostsNothing) {
  const CoreReport r = run({enc::addi(1, 0, 1), enc::beq(1, 0, 8), enc::add(a0, 1, 1), enc::addi(a0, a0, 1)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 3);
  expect_cycles(r, 0, 0);
}

HDL_TEST(Flush, JalAndJalr) {
  // jal over two instructions to a jalr that returns to the instruction after the jal.
  const CoreReport r = run({enc::addi(a0, 0, 1), enc::jal(1, 16), enc::addi(a0, a0, 10), enc::jal(0, 16),
                            enc::addi(a0, a0, 100), enc::jalr(0, 1, 0), enc::addi(a0, a0, 1000)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 11);
  expect_cycles(r, 0, 3);
}

HDL_TEST(Flush, BackToBackBranches) {
  // The second branch is on the wrong path of the first: it must not redirect.
  const CoreReport r = run({enc::addi(1, 0, 1), enc::bne(1, 0, 12), enc::bne(1, 0, 16), enc::addi(a0, 0, 9),
                            enc::addi(a0, 1, 4), enc::addi(a0, a0, 2)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 7);
  expect_cycles(r, 0, 1);
}

HDL_TEST(Flush, ALoadOnTheWrongPathDoesNotStall) {
  // The lw and its use behind a taken jal are squashed: no stall, no access.
  const CoreReport r = run({enc::addi(1, 0, 3), enc::jal(0, 12), enc::lw(2, data, 0), enc::add(a0, 2, 2),
                            enc::add(a0, 1, 1)});
  ASSERT_TRUE(r.error.empty()) << "(the first difference is reported above)";
  EXPECT_EQ(r.exit_code, 6);
  expect_cycles(r, 0, 1);
}

// ---- random instruction mixes -------------------------------------------------------------

// `n` random instructions over x1..x5 (so nearly every one depends on one of
// the last few), with loads and stores of every width at any alignment in the
// data page, forward branches, jal, and jalr through x7 = x8 + 0 just before
// it (x8 = x7 = kCodeBase from the start: a branch over the addi finds x7 the same), each
// skipping up to three instructions. The mix starts `first` words after kCodeBase.
inline Code random_mix(labkit::hdl::Random& rng, int n, int first) {
  auto reg = [&] { return int(rng.range(1, 5)); };
  auto src = [&] { return int(rng.range(0, 5)); };
  auto skip_target = [&](int at, int after_pair) {  // a byte offset that stays inside the program
    const int skip = int(rng.range(0, 3));
    return std::min(skip, n - at - 1 - after_pair) * 4 + 4 + 4 * after_pair;
  };
  Code code;
  while (int(code.size()) < n) {
    const int at = int(code.size());
    const int kind = int(rng.range(0, 99));
    if (kind < 30) {
      static const auto ops = {enc::add, enc::sub, enc::sll, enc::slt, enc::sltu, enc::xor_, enc::srl, enc::sra,
                               enc::or_, enc::and_};
      code.push_back(std::data(ops)[rng.range(0, 9)](reg(), src(), src()));
    } else if (kind < 50) {
      const int which = int(rng.range(0, 8));
      const int imm = int(rng.range(-2048, 2047)), shamt = int(rng.range(0, 31));
      const int rd = reg(), rs = src();
      switch (which) {
        case 0: code.push_back(enc::addi(rd, rs, imm)); break;
        case 1: code.push_back(enc::slti(rd, rs, imm)); break;
        case 2: code.push_back(enc::sltiu(rd, rs, imm)); break;
        case 3: code.push_back(enc::xori(rd, rs, imm)); break;
        case 4: code.push_back(enc::ori(rd, rs, imm)); break;
        case 5: code.push_back(enc::andi(rd, rs, imm)); break;
        case 6: code.push_back(enc::slli(rd, rs, shamt)); break;
        case 7: code.push_back(enc::srli(rd, rs, shamt)); break;
        default: code.push_back(enc::srai(rd, rs, shamt)); break;
      }
    } else if (kind < 55) {
      code.push_back(rng.chance(0.5) ? enc::lui(reg(), std::uint32_t(rng.bits(20))) : enc::auipc(reg(), std::uint32_t(rng.bits(20))));
    } else if (kind < 70) {
      static const auto ops = {enc::lb, enc::lh, enc::lw, enc::lbu, enc::lhu};
      code.push_back(std::data(ops)[rng.range(0, 4)](reg(), data, int(rng.range(0, 250))));
    } else if (kind < 82) {
      static const auto ops = {enc::sb, enc::sh, enc::sw};
      code.push_back(std::data(ops)[rng.range(0, 2)](src(), data, int(rng.range(0, 250))));
    } else if (kind < 94) {
      static const auto ops = {enc::beq, enc::bne, enc::blt, enc::bge, enc::bltu, enc::bgeu};
      code.push_back(std::data(ops)[rng.range(0, 5)](src(), src(), skip_target(at, 0)));
    } else if (kind < 97) {
      code.push_back(enc::jal(rng.chance(0.5) ? 0 : reg(), skip_target(at, 0)));
    } else if (at + 2 <= n) {
      code.push_back(enc::addi(7, 8, 0));
      code.push_back(enc::jalr(rng.chance(0.5) ? 0 : reg(), 7, 4 * (first + at) + skip_target(at, 1)));
    }
  }
  return code;
}

HDL_TEST(RandomMix, DenseDependencesLoadsStoresAndBranches) {
  labkit::hdl::Random rng;
  labkit::hdl::Sim<Dut> sim;
  std::uint64_t load_use = 0, flushes = 0, retired = 0;
  for (int program = 0; program < 16 && !::testing::Test::HasFailure(); ++program) {
    Code code = {enc::lui(data, kDataBase >> 12)};
    for (int r = 1; r <= 5; ++r) code.push_back(enc::addi(r, 0, int(rng.range(-2048, 2047))));
    code.push_back(enc::lui(8, kCodeBase >> 12));
    code.push_back(enc::addi(7, 8, 0));  // for a jalr reached by a branch over its addi
    const Code mix = random_mix(rng, 150, int(code.size()));
    code.insert(code.end(), mix.begin(), mix.end());
    CoreRun<Dut> core(sim);
    core.load_code(code);
    const CoreReport r = core.run(20000);
    ASSERT_TRUE(r.error.empty()) << "random program " << program << " (LABKIT_SEED=" << labkit::hdl::settings().seed << ")";
    EXPECT_EQ(r.cycles, r.accounted()) << "program " << program << ": the cycles do not add up: " << r.summary("random");
    load_use += r.load_use, flushes += r.flushes, retired += r.retired;
  }
  // The mixes do exercise the hazards (a seed that does not is a bad test).
  EXPECT_GT(load_use, 20u);
  EXPECT_GT(flushes, 100u);
  std::printf("[ mix ] %llu instructions, %llu load-use stalls, %llu flushes\n", (unsigned long long)retired,
              (unsigned long long)load_use, (unsigned long long)flushes);
}

}  // namespace rv32_pipeline::hazards
