// Running this lab's programs under mpirun: the tests' correctness worker
// and the bench's measurement both re-run their own executable on p ranks.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "collectives.hpp"

namespace collectives {

// The functions of one implementation (reference or student), by name.
struct ImplTable {
  void (*reduce_scatter_ring_f)(float*, std::size_t, MPI_Comm);
  void (*reduce_scatter_ring_i)(std::int64_t*, std::size_t, MPI_Comm);
  void (*allreduce_ring_f)(float*, std::size_t, MPI_Comm);
  void (*allreduce_ring_i)(std::int64_t*, std::size_t, MPI_Comm);
  void (*allreduce_recursive_f)(float*, std::size_t, MPI_Comm);
  void (*allreduce_recursive_i)(std::int64_t*, std::size_t, MPI_Comm);
  void (*allreduce_tree_f)(float*, std::size_t, MPI_Comm);
  void (*allreduce_tree_i)(std::int64_t*, std::size_t, MPI_Comm);
};

// The path of mpirun on PATH, or "" (then tests skip, saying so).
std::string find_mpirun();

struct Launch {
  int exit_code = -1;    // 124: killed by the time limit
  std::string output;    // stdout and stderr of all ranks
  std::string command;
};
// Runs `exe args` on `ranks` ranks with mpirun (--oversubscribe, and
// --allow-run-as-root as root), with `env` (NAME=value) set and a time limit.
Launch launch(const std::string& exe, int ranks, const std::vector<std::string>& env,
              const std::vector<std::string>& args, int time_limit_s);

// The correctness worker: under mpirun, on world sizes of 8 or so, it checks
// every algorithm on sub-communicators of 1..world ranks, for int64 and float
// data and the sizes in check_counts(), against MPI_Allreduce, and prints one
// line per check on rank 0: "CHECK <algo> <dtype> p=<p> n=<count>: ok" or
// ": <what is wrong>". Returns the exit code.
int run_check_worker(const ImplTable& impl);
const std::vector<std::size_t>& check_counts();
const std::vector<std::string>& check_algos();

// The parsed output of one worker run: per algorithm, its lines.
struct CheckReport {
  std::string skip_reason;  // mpirun missing
  std::string error;        // the launch failed or timed out: what and the output's tail
  std::map<std::string, std::vector<std::string>> ok, failed;
  double seconds = 0;
};
CheckReport run_checks(const std::string& self_exe, int world_ranks, int time_limit_s);

}  // namespace collectives
