// rv32-sim: an RV32I instruction-set simulator (build/<preset>/bin/rv32-sim).
//   rv32-sim prog.elf                                   run it; exit with its exit code
//   rv32-sim prog.elf --commit-log c.log --branch-trace b.trace
//   rv32-sim prog.elf --impl student --predictors        your decoder; MPKI of each predictor
//   rv32-sim --help
#include <iostream>

#include "sim.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  const std::vector<std::string> args(argv + 1, argv + argc);
  rv32::Implementations impls;
  impls.student = {rv32::student::decode, rv32::student::alu, rv32::student::branch_taken};
  impls.student_gshare = rv32::student::make_gshare;
#ifndef RV32_NO_REFERENCE
  static const rv32::Isa reference{rv32::reference::decode, rv32::reference::alu, rv32::reference::branch_taken};
  impls.reference = &reference;
  impls.reference_gshare = rv32::reference::make_gshare;
#endif
  return rv32::cli_main(args, std::cout, std::cerr, impls);
}
