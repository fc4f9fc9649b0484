// cache-sim: a trace-driven cache simulator (build/<preset>/bin/cache-sim).
//   valgrind --tool=lackey --trace-mem=yes --log-file=prog.trace ./prog
//   cache-sim -s 5 -E 1 -b 5 -t prog.trace            (CS:APP's csim)
//   cache-sim --L1 32K,8,64 --L2 1M,16,64 --json prog.trace
//   cache-sim --help
#include <iostream>

#include "sim.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  const std::vector<std::string> args(argv + 1, argv + argc);
#ifdef CACHE_SIM_NO_REFERENCE
  const cache_sim::Implementations impls{nullptr, cache_sim::student::make_level};
#else
  const cache_sim::Implementations impls{cache_sim::reference::make_level, cache_sim::student::make_level};
#endif
  return cache_sim::cli_main(args, std::cout, std::cerr, impls);
}
