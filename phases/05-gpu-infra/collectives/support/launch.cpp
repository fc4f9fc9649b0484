// The mpirun launcher and the correctness worker (support/launch.hpp).
#include "launch.hpp"

#include <labkit/check.hpp>
#include <labkit/todo.hpp>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <sstream>
#include <stdexcept>

#include "collectives_mpi.hpp"

namespace collectives {

std::string find_mpirun() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string d; std::getline(dirs, d, ':');) {
    const std::filesystem::path p = std::filesystem::path(d.empty() ? "." : d) / "mpirun";
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

namespace {
std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
}  // namespace

Launch launch(const std::string& exe, int ranks, const std::vector<std::string>& env,
              const std::vector<std::string>& args, int time_limit_s) {
  Launch l;
  const std::string mpirun = find_mpirun();
  if (mpirun.empty()) throw std::runtime_error("mpirun is not on PATH: apt-get install openmpi-bin libopenmpi-dev");
  // Open MPI refuses root without both the flag and these variables; ranks
  // over the core count need --oversubscribe; the single-copy (CMA) path
  // needs ptrace rights that containers and sandboxes often withhold.
  std::string cmd = "env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none";
  for (const std::string& e : env) cmd += " " + quote(e);
  cmd += " timeout -k 5 " + std::to_string(time_limit_s) + " " + quote(mpirun) + " -np " + std::to_string(ranks) +
         " --oversubscribe --bind-to none";
  if (::geteuid() == 0) cmd += " --allow-run-as-root";
  cmd += " " + quote(exe);
  for (const std::string& a : args) cmd += " " + quote(a);
  l.command = cmd;
  cmd += " 2>&1 < /dev/null";
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) throw std::runtime_error("cannot start: " + l.command);
  std::array<char, 4096> buf;
  for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), f)) > 0;) l.output.append(buf.data(), n);
  const int status = ::pclose(f);
  l.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return l;
}

const std::vector<std::size_t>& check_counts() {
  // Empty, one element, fewer elements than ranks, uneven blocks, a prime.
  static const std::vector<std::size_t> counts = {0, 1, 3, 7, 8, 13, 1000, 4099, 65539};
  return counts;
}
const std::vector<std::string>& check_algos() {
  static const std::vector<std::string> algos = {"reduce_scatter_ring", "allgather_ring",      "allreduce_ring",
                                                 "allreduce_recursive", "allreduce_tree", "allreduce_naive"};
  return algos;
}

namespace {

template <class T>
void fill(std::vector<T>& x, int rank, std::size_t n) {
  std::mt19937_64 rng(labkit::seed() + 1000003u * static_cast<unsigned>(rank) + n);
  for (T& v : x) {
    if constexpr (std::is_integral_v<T>) v = static_cast<T>(rng() % (1ull << 41)) - (static_cast<T>(1) << 40);
    else v = std::uniform_real_distribution<T>(-1, 1)(rng);
  }
}

template <class T>
std::string pick(const ImplTable& t, const std::string& algo, std::vector<T>& data, MPI_Comm comm) {
  using F = void (*)(T*, std::size_t, MPI_Comm);
  constexpr bool f = std::is_same_v<T, float>;
  F fn = nullptr;
  if (algo == "reduce_scatter_ring") fn = f ? F(t.reduce_scatter_ring_f) : F(t.reduce_scatter_ring_i);
  else if (algo == "allreduce_ring") fn = f ? F(t.allreduce_ring_f) : F(t.allreduce_ring_i);
  else if (algo == "allreduce_recursive") fn = f ? F(t.allreduce_recursive_f) : F(t.allreduce_recursive_i);
  else if (algo == "allreduce_tree") fn = f ? F(t.allreduce_tree_f) : F(t.allreduce_tree_i);
  else if (algo == "allgather_ring") fn = static_cast<F>(&allgather_ring);
  else if (algo == "allreduce_naive") fn = static_cast<F>(&allreduce_naive);
  try {
    fn(data.data(), data.size(), comm);
  } catch (const std::exception& e) {
    return std::string("threw: ") + e.what();
  }
  return "";
}

// One check on one communicator: "" or what is wrong (on this rank).
template <class T>
std::string check_one(const ImplTable& t, const std::string& algo, std::size_t n, MPI_Comm comm, bool* todo) {
  const int p = comm_size(comm), r = comm_rank(comm);
  std::vector<T> data(n), expected(n);
  fill(data, r, n);
  MPI_Allreduce(data.data(), expected.data(), static_cast<int>(n), mpi_type<T>(), MPI_SUM, comm);
  std::vector<double> abs_in(n), abs_sum(n);
  for (std::size_t i = 0; i < n; ++i) abs_in[i] = std::abs(static_cast<double>(data[i]));
  MPI_Allreduce(abs_in.data(), abs_sum.data(), static_cast<int>(n), MPI_DOUBLE, MPI_SUM, comm);
  const bool gather = algo == "allgather_ring";
  const Range own = block_range(n, p, r);
  if (gather) {  // the input: only our block, with its final values; the rest -1
    for (std::size_t i = 0; i < n; ++i) data[i] = (i >= own.begin && i < own.end) ? expected[i] : T(-1);
  }
  std::string err = pick(t, algo, data, comm);
  *todo = err.find("TODO(") != std::string::npos;
  if (!err.empty()) return err;
  const bool scatter = algo == "reduce_scatter_ring";
  const std::size_t lo = scatter ? own.begin : 0, hi = scatter ? own.end : n;
  // Floats: MPI_Allreduce and the algorithm each sum p terms in some order,
  // each within gamma_{p-1} sum|x_i| of the exact sum (Higham, Lemma 3.1 and
  // section 4.2), so they differ by at most twice that. Integers: exactly.
  const double g = 2 * labkit::gamma_n(static_cast<std::size_t>(p > 1 ? p - 1 : 0));
  for (std::size_t i = lo; i < hi; ++i) {
    const double d = std::abs(static_cast<double>(data[i]) - static_cast<double>(expected[i]));
    const bool bad = std::is_integral_v<T> ? data[i] != expected[i] : !(d <= g * abs_sum[i]);
    if (bad) {
      std::ostringstream m;
      m.precision(17);
      m << "element " << i << " is " << data[i] << ", MPI_Allreduce gives " << expected[i];
      if constexpr (!std::is_integral_v<T>) m << " (bound " << g * abs_sum[i] << ")";
      if (scatter) m << "; this rank's block is [" << own.begin << ", " << own.end << ")";
      return m.str();
    }
  }
  if (!scatter) {  // every rank must hold the same bits, or replicas drift apart
    std::vector<T> root(data);
    MPI_Bcast(root.data(), static_cast<int>(n), mpi_type<T>(), 0, comm);
    if (n && std::memcmp(root.data(), data.data(), n * sizeof(T)) != 0)
      return "the result differs from rank 0's in its bits (every rank must end with the same sum)";
  }
  return "";
}

}  // namespace

int run_check_worker(const ImplTable& t) {
  MPI_Init(nullptr, nullptr);
  const int world = comm_size(MPI_COMM_WORLD), me = comm_rank(MPI_COMM_WORLD);
  std::map<std::string, bool> todo_seen;  // an algorithm at a TODO is not called again
  for (int p = 1; p <= world; ++p) {
    MPI_Comm comm = MPI_COMM_NULL;
    MPI_Comm_split(MPI_COMM_WORLD, me < p ? 0 : MPI_UNDEFINED, me, &comm);
    for (const std::string& algo : check_algos()) {
      for (const char* dtype : {"int64", "float"}) {
        for (std::size_t n : check_counts()) {
          std::string err;
          bool todo = false;
          const bool skip = todo_seen[algo];
          if (comm != MPI_COMM_NULL && !skip) {
            err = dtype[0] == 'i' ? check_one<std::int64_t>(t, algo, n, comm, &todo)
                                  : check_one<float>(t, algo, n, comm, &todo);
          }
          // Rank 0 collects the first rank's complaint.
          std::array<char, 256> mine{}, all_buf{};
          std::vector<char> all(256 * static_cast<std::size_t>(world));
          std::snprintf(mine.data(), mine.size(), "%s", err.c_str());
          MPI_Gather(mine.data(), 256, MPI_CHAR, all.data(), 256, MPI_CHAR, 0, MPI_COMM_WORLD);
          int any_todo = todo ? 1 : 0, todo_all = 0;
          MPI_Allreduce(&any_todo, &todo_all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
          if (todo_all) todo_seen[algo] = true;
          (void)all_buf;
          if (me == 0 && !skip) {
            std::string first;
            for (int k = 0; k < p && first.empty(); ++k)
              if (all[256 * k]) first = "rank " + std::to_string(k) + ": " + std::string(&all[256 * k]);
            std::printf("CHECK %s %s p=%d n=%zu: %s\n", algo.c_str(), dtype, p, n, first.empty() ? "ok" : first.c_str());
            std::fflush(stdout);
          }
        }
      }
    }
    if (comm != MPI_COMM_NULL) MPI_Comm_free(&comm);
  }
  MPI_Finalize();
  return 0;
}

CheckReport run_checks(const std::string& self_exe, int world_ranks, int time_limit_s) {
  CheckReport rep;
  if (find_mpirun().empty()) {
    rep.skip_reason = "mpirun is not on PATH: apt-get install openmpi-bin libopenmpi-dev (or run tools/labctl)";
    return rep;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const Launch l = launch(self_exe, world_ranks, {"COLLECTIVES_CHECK_WORKER=1"}, {}, time_limit_s);
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::istringstream in(l.output);
  std::string last;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("CHECK ", 0) != 0) continue;
    last = line;
    const std::string algo = line.substr(6, line.find(' ', 6) - 6);
    const std::size_t colon = line.find(": ");
    (line.compare(colon + 2, std::string::npos, "ok") == 0 ? rep.ok : rep.failed)[algo].push_back(line.substr(6));
  }
  if (l.exit_code != 0) {
    const std::string tail = l.output.size() > 3000 ? l.output.substr(l.output.size() - 3000) : l.output;
    rep.error = (l.exit_code == 124 ? "timed out after " + std::to_string(time_limit_s) + " s (a deadlock?)"
                                    : "exited with " + std::to_string(l.exit_code)) +
                (l.output.find("unable to find network interfaces") != std::string::npos
                     ? " (no network interface: Open MPI's launcher needs a loopback, so in a private network "
                       "namespace 'lo' must be up)"
                     : "") +
                "; the last check reported: " + (last.empty() ? "none" : last) + "\n  command: " + l.command +
                "\n  output tail:\n" + tail;
  }
  return rep;
}

}  // namespace collectives
