// The collectives bench, after nccl-tests: per size, the time of each
// allreduce, its algorithm bandwidth (bytes / time) and bus bandwidth
// (algbw x 2(p-1)/p), next to MPI_Allreduce measured in the same run; then
// a ping-pong, the alpha-beta fit, and each algorithm's predicted time.
//
//   build/default/bin/collectives_bench [--ranks=N] [--full] [--smoke] [--out FILE]
//   tools/labctl bench collectives      (--bench-arg=--full: 8 B to 256 MiB)
//
// The program runs itself under mpirun (COLLECTIVES_BENCH_WORKER set): the
// ranks measure and rank 0 writes plain lines to a file, which this process
// reads, prints, registers with labkit's harness (as counts: nothing here is
// re-timed by the harness) and draws: <out dir>/collectives-{allreduce.json,
// busbw.svg,model.svg}, the out dir being --out's folder, else out/collectives.
#include <labkit/harness.hpp>
#include <labkit/plot.hpp>
#include <labkit/todo.hpp>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "collectives.hpp"
#include "collectives_mpi.hpp"
#include "launch.hpp"

namespace fs = std::filesystem;
using namespace collectives;

namespace {

using Fn = std::function<void(float*, std::size_t, MPI_Comm)>;
struct Variant {
  std::string impl;  // "mpi", "naive", "reference", "student"
  std::string algo;  // "mpi", "naive", "ring", "recursive", "tree"
  Fn fn;
};

std::vector<Variant> variants() {
  auto mpi = [](float* d, std::size_t n, MPI_Comm c) {
    MPI_Allreduce(MPI_IN_PLACE, d, static_cast<int>(n), MPI_FLOAT, MPI_SUM, c);
  };
  auto naive = [](float* d, std::size_t n, MPI_Comm c) { allreduce_naive(d, n, c); };
  std::vector<Variant> v = {{"mpi", "mpi", mpi}, {"naive", "naive", naive}};
  v.push_back({"reference", "ring", [](float* d, std::size_t n, MPI_Comm c) { reference::allreduce_ring(d, n, c); }});
  v.push_back({"reference", "recursive", [](float* d, std::size_t n, MPI_Comm c) { reference::allreduce_recursive(d, n, c); }});
  v.push_back({"reference", "tree", [](float* d, std::size_t n, MPI_Comm c) { reference::allreduce_tree(d, n, c); }});
  v.push_back({"student", "ring", [](float* d, std::size_t n, MPI_Comm c) { student::allreduce_ring(d, n, c); }});
  v.push_back({"student", "recursive", [](float* d, std::size_t n, MPI_Comm c) { student::allreduce_recursive(d, n, c); }});
  v.push_back({"student", "tree", [](float* d, std::size_t n, MPI_Comm c) { student::allreduce_tree(d, n, c); }});
  return v;
}

std::vector<std::int64_t> bench_sizes(std::int64_t max_bytes, bool smoke) {
  if (smoke) return {8, 4096, 65536};
  std::vector<std::int64_t> s;
  const std::int64_t step = max_bytes > (8 << 20) ? 2 : 4;
  for (std::int64_t b = 8; b <= max_bytes; b *= step) s.push_back(b);
  if (s.back() != max_bytes) s.push_back(max_bytes);
  return s;
}

// Calls per timed round: about 8 MiB of traffic, at least 2, at most 200.
int iterations(std::int64_t bytes, bool smoke) {
  if (smoke) return 2;
  return static_cast<int>(std::clamp<std::int64_t>((8 << 20) / std::max<std::int64_t>(bytes, 1), 2, 200));
}

// ---- the MPI side ---------------------------------------------------------

int worker(const std::string& out_path, std::int64_t max_bytes, bool smoke) {
  MPI_Init(nullptr, nullptr);
  const MPI_Comm comm = MPI_COMM_WORLD;
  const int p = comm_size(comm), r = comm_rank(comm);
  std::ofstream out;
  if (r == 0) out.open(out_path);
  auto say = [&](const std::string& line) {
    if (r == 0) out << line << "\n" << std::flush;
  };
  std::vector<Variant> vs = variants();
  std::vector<bool> dead(vs.size(), false);
  const std::size_t max_count = static_cast<std::size_t>(max_bytes) / sizeof(float);
  std::vector<float> buf(max_count);
  const int rounds = smoke ? 1 : 3;
  for (std::int64_t bytes : bench_sizes(max_bytes, smoke)) {
    const std::size_t n = static_cast<std::size_t>(bytes) / sizeof(float);
    // Validate once per size: small integers sum exactly in any order.
    for (std::size_t k = 0; k < vs.size(); ++k) {
      if (dead[k]) continue;
      for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<float>((r + static_cast<int>(i)) % 7);
      std::string err;
      try {
        vs[k].fn(buf.data(), n, comm);
        for (std::size_t i = 0; i < n && err.empty(); ++i) {
          float want = 0;
          for (int q = 0; q < p; ++q) want += static_cast<float>((q + static_cast<int>(i)) % 7);
          if (buf[i] != want)
            err = "element " + std::to_string(i) + " is " + std::to_string(buf[i]) + ", expected " + std::to_string(want);
        }
      } catch (const labkit::NotImplemented& e) {
        err = std::string("TODO ") + e.what();
      } catch (const std::exception& e) {
        err = std::string("threw: ") + e.what();
      }
      int bad = err.empty() ? 0 : 1, any = 0;
      MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, comm);
      if (any) {
        dead[k] = true;
        if (r == 0) say((err.rfind("TODO ", 0) == 0 ? "TODO " : "WRONG ") + vs[k].impl + " " + vs[k].algo + " " +
                        std::to_string(bytes) + " " + (err.empty() ? "wrong on another rank" : err));
      }
    }
    // Time: rounds x variants, interleaved, each round `iters` calls on
    // zeros (sums of zeros stay zeros: no overflow, no denormals).
    std::fill(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n), 0.0f);
    const int iters = iterations(bytes, smoke);
    std::vector<std::vector<double>> times(vs.size());
    for (int round = 0; round < rounds; ++round)
      for (std::size_t k = 0; k < vs.size(); ++k) {
        if (dead[k]) continue;
        vs[k].fn(buf.data(), n, comm);  // warm-up
        MPI_Barrier(comm);
        const double t0 = MPI_Wtime();
        for (int it = 0; it < iters; ++it) vs[k].fn(buf.data(), n, comm);
        double t = (MPI_Wtime() - t0) / iters, slowest = 0;
        MPI_Reduce(&t, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, comm);  // a collective ends when its last rank does
        times[k].push_back(slowest);
      }
    for (std::size_t k = 0; k < vs.size(); ++k) {
      if (dead[k] || times[k].empty()) continue;
      std::sort(times[k].begin(), times[k].end());
      std::ostringstream line;
      line.precision(9);
      line << "TIME " << vs[k].impl << " " << vs[k].algo << " " << bytes << " " << times[k][times[k].size() / 2];
      say(line.str());
    }
  }
  // Ping-pong between ranks 0 and 1: half the round trip.
  if (p >= 2) {
    const std::int64_t pp_max = std::min<std::int64_t>(max_bytes, 4 << 20);
    std::vector<char> msg(static_cast<std::size_t>(pp_max));
    for (std::int64_t bytes = 8; bytes <= pp_max; bytes *= 4) {
      const int iters = iterations(bytes, smoke), nb = static_cast<int>(bytes);
      std::vector<double> rts;
      for (int round = 0; round < rounds; ++round) {
        MPI_Barrier(comm);
        const double t0 = MPI_Wtime();
        for (int it = 0; it < iters + 1; ++it) {
          if (it == 1 && r == 0) rts.push_back(-MPI_Wtime());  // the first exchange warms up
          if (r == 0) {
            MPI_Send(msg.data(), nb, MPI_CHAR, 1, 7, comm);
            MPI_Recv(msg.data(), nb, MPI_CHAR, 1, 7, comm, MPI_STATUS_IGNORE);
          } else if (r == 1) {
            MPI_Recv(msg.data(), nb, MPI_CHAR, 0, 7, comm, MPI_STATUS_IGNORE);
            MPI_Send(msg.data(), nb, MPI_CHAR, 0, 7, comm);
          }
        }
        if (r == 0) rts.back() = (rts.back() + MPI_Wtime()) / iters / 2;
        (void)t0;
      }
      if (r == 0) {
        std::sort(rts.begin(), rts.end());
        std::ostringstream line;
        line.precision(9);
        line << "PINGPONG " << bytes << " " << rts[rts.size() / 2];
        say(line.str());
      }
    }
  }
  say("DONE " + std::to_string(p));
  MPI_Finalize();
  return 0;
}

// ---- the report side --------------------------------------------------------

struct Results {
  int ranks = 0;
  std::map<std::string, std::map<std::int64_t, double>> time;  // "impl/algo" -> bytes -> seconds
  std::map<std::string, std::string> failed;                    // "impl/algo" -> TODO or WRONG line
  std::vector<Sample> pingpong;
};

Results read_results(const std::string& path) {
  Results res;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream s(line);
    std::string kind, impl, algo;
    s >> kind;
    if (kind == "TIME") {
      std::int64_t b;
      double t;
      s >> impl >> algo >> b >> t;
      res.time[impl + "/" + algo][b] = t;
    } else if (kind == "TODO" || kind == "WRONG") {
      s >> impl >> algo;
      std::string rest;
      std::getline(s, rest);
      res.failed[impl + "/" + algo] = kind + rest;
    } else if (kind == "PINGPONG") {
      Sample x;
      s >> x.bytes >> x.seconds;
      res.pingpong.push_back(x);
    } else if (kind == "DONE") {
      s >> res.ranks;
    }
  }
  return res;
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  bool full = false, smoke = false;
  int ranks = 0;
  std::string out_arg, worker_out;
  std::int64_t worker_max = 0;
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--full") full = true;
    else if (a.rfind("--ranks=", 0) == 0) ranks = std::atoi(a.c_str() + 8);
    else if (a == "--worker-out" && i + 1 < argc) worker_out = argv[++i];
    else if (a == "--worker-max" && i + 1 < argc) worker_max = std::atoll(argv[++i]);
    else {
      if (a == "--smoke") smoke = true;
      if (a == "--out" && i + 1 < argc) out_arg = argv[i + 1];
      rest.push_back(argv[i]);
    }
  }
  if (std::getenv("COLLECTIVES_BENCH_WORKER")) return worker(worker_out, worker_max, smoke);

  labkit::Harness h("collectives", static_cast<int>(rest.size()), rest.data());
  // Ranks: 4 by default (two non-trivial algorithms need more than 2), at
  // most 8. Over the core count they share cores, and the numbers say more
  // about the scheduler than the algorithm: the table says so.
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (ranks <= 0) ranks = smoke ? 2 : 4;
  if (ranks < 2 || ranks > 8) {
    std::fprintf(stderr, "collectives_bench: --ranks must be 2 to 8, not %d\n", ranks);
    return 2;
  }
  const std::int64_t max_bytes = smoke ? 65536 : full ? (256ll << 20) : (4ll << 20);
  const fs::path out_dir = out_arg.empty() ? fs::path("out/collectives") : fs::path(out_arg).parent_path();
  fs::create_directories(out_dir.empty() ? fs::path(".") : out_dir);
  const fs::path lines = (out_dir.empty() ? fs::path(".") : out_dir) / "collectives-raw.txt";
  fs::remove(lines);

  if (find_mpirun().empty()) {
    std::printf("collectives: mpirun is not on PATH (apt-get install openmpi-bin libopenmpi-dev): nothing measured\n");
    return h.run();
  }
  std::fprintf(stderr, "progress: mpirun -np %d, sizes 8 B to %lld B\n", ranks, static_cast<long long>(max_bytes));
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  std::vector<std::string> args = {"--worker-out", lines.string(), "--worker-max", std::to_string(max_bytes)};
  if (smoke) args.push_back("--smoke");
  const Launch l = launch(self, ranks, {"COLLECTIVES_BENCH_WORKER=1"}, args, full ? 1800 : 300);
  const Results res = read_results(lines.string());
  if (l.exit_code != 0 || res.ranks != ranks) {
    std::fprintf(stderr, "collectives_bench: the MPI run failed (exit %d)\n  %s\n%s\n", l.exit_code, l.command.c_str(),
                 l.output.c_str());
    return 1;
  }
  const int p = res.ranks;
  std::printf("\ncollectives: allreduce of float sums on %d ranks (%d cores%s), median of 3 rounds\n", p, cores,
              p > cores ? "; ranks share cores, so times include the scheduler's" : "");
  std::printf("algbw = bytes / time; busbw = algbw x 2(p-1)/p = algbw x %.3f (nccl-tests)\n",
              2.0 * (p - 1) / p);

  // The table: one row per size, per algorithm time / busbw, and the time
  // of MPI_Allreduce over it (x_mpi > 1: faster than MPI).
  const std::vector<std::string> cols = {"mpi/mpi", "naive/naive", "reference/ring", "reference/recursive",
                                         "reference/tree", "student/ring", "student/recursive", "student/tree"};
  std::printf("\n%10s", "bytes");
  for (const auto& c : cols) std::printf(" | %-21s", c.c_str());
  std::printf("\n%10s", "");
  for (std::size_t i = 0; i < cols.size(); ++i) std::printf(" | %9s %11s", "time us", "busbw GB/s");
  std::printf("\n");
  for (std::int64_t b : bench_sizes(max_bytes, smoke)) {
    std::printf("%10lld", static_cast<long long>(b));
    for (const auto& c : cols) {
      const auto t = res.time.find(c);
      if (t == res.time.end() || !t->second.count(b)) {
        std::printf(" | %21s", res.failed.count(c) ? res.failed.at(c).substr(0, 4).c_str() : "-");
        continue;
      }
      const double s = t->second.at(b), algbw = static_cast<double>(b) / s;
      std::printf(" | %9.2f %11.3f", s * 1e6, reference::busbw(Collective::allreduce, algbw, p) / 1e9);
    }
    std::printf("\n");
  }
  for (const auto& [name, why] : res.failed) std::printf("%s: %s\n", name.c_str(), why.c_str());

  // Counts for the harness's report and JSON (labctl bench shows them):
  // busbw and the speed over MPI_Allreduce (x_mpi > 1: faster) per size; a
  // student algorithm still at a TODO shows once, as TODO.
  for (const auto& c : cols) {
    const std::string impl = c.substr(0, c.find('/')), algo = c.substr(c.find('/') + 1);
    const labkit::Role role = impl == "student" ? labkit::Role::student
                              : impl == "reference" ? labkit::Role::reference : labkit::Role::baseline;
    const std::string name = impl == "reference" || impl == "student" ? impl + "-" + algo : algo;
    const auto f = res.failed.find(c);
    if (f != res.failed.end()) {
      const std::string why = f->second;
      const std::int64_t largest = bench_sizes(max_bytes, smoke).back();
      h.add_count("allreduce", largest, name, role, "busbw_GBs", [why]() -> double {
        // "file:line: TODO(n): text", as labkit::NotImplemented wrote it.
        const std::size_t todo = why.find(": TODO("), space = why.rfind(' ', todo);
        const std::size_t colon = todo == std::string::npos ? todo : why.rfind(':', todo - 1);
        if (todo != std::string::npos && colon != std::string::npos && space != std::string::npos && space < colon) {
          const std::string file = why.substr(space + 1, colon - space - 1);
          const std::size_t close = why.find("): ", todo);
          throw labkit::NotImplemented(file.c_str(), std::atoi(why.c_str() + colon + 1), std::atoi(why.c_str() + todo + 7),
                                       close == std::string::npos ? why : why.substr(close + 3));
        }
        throw std::runtime_error(why);
      });
      continue;
    }
    if (!res.time.count(c)) continue;
    for (const auto& [b, s] : res.time.at(c)) {
      const double algbw = static_cast<double>(b) / s, mpi = res.time.at("mpi/mpi").at(b);
      const double bus = impl == "student" ? student::busbw(Collective::allreduce, algbw, p)
                                           : reference::busbw(Collective::allreduce, algbw, p);
      h.add_count("allreduce", b, name, role, "busbw_GBs", [bus] { return bus / 1e9; });
      if (c != "mpi/mpi") h.add_count("allreduce", b, name, role, "x_mpi", [mpi, s] { return mpi / s; });
    }
  }

  // The alpha-beta model, fitted to the ping-pong by the reference (and by
  // the student's fit, when written), and each algorithm's prediction.
  AlphaBeta m;
  if (res.pingpong.size() >= 2) {
    m = reference::fit_alpha_beta(res.pingpong);
    std::printf("\nping-pong (ranks 0 and 1, half the round trip):");
    for (const Sample& s : res.pingpong) std::printf(" %.0f B %.2f us;", s.bytes, s.seconds * 1e6);
    std::printf("\nalpha-beta fit (reference): alpha = %.3f us, beta = %.4f ns/B (%.2f GB/s)\n", m.alpha_s * 1e6,
                m.beta_s_per_byte * 1e9, 1e-9 / m.beta_s_per_byte);
    try {
      const AlphaBeta sm = student::fit_alpha_beta(res.pingpong);
      std::printf("alpha-beta fit (student):   alpha = %.3f us, beta = %.4f ns/B\n", sm.alpha_s * 1e6,
                  sm.beta_s_per_byte * 1e9);
      h.add_count("alpha-beta", 0, "student", labkit::Role::student, "alpha_us", [sm] { return sm.alpha_s * 1e6; });
    } catch (const labkit::NotImplemented& e) {
      std::printf("alpha-beta fit (student):   %s\n", e.what());
    }
    h.add_count("alpha-beta", 0, "reference", labkit::Role::reference, "alpha_us", [m] { return m.alpha_s * 1e6; });
    h.add_count("alpha-beta", 0, "reference", labkit::Role::reference, "beta_ns_per_byte",
                [m] { return m.beta_s_per_byte * 1e9; });

    std::printf("\npredicted / measured time, us (model: include/collectives.hpp; no compute term)\n%10s", "bytes");
    const std::vector<std::pair<Algo, std::string>> algos = {
        {Algo::ring, "reference/ring"}, {Algo::recursive, "reference/recursive"},
        {Algo::tree, "reference/tree"}, {Algo::naive, "naive/naive"}};
    for (const auto& a : algos) std::printf(" | %-21s", algo_name(a.first));
    std::printf("\n");
    for (std::int64_t b : bench_sizes(max_bytes, smoke)) {
      std::printf("%10lld", static_cast<long long>(b));
      for (const auto& [algo, col] : algos) {
        const double pred = predict_seconds(algo, p, static_cast<double>(b), m);
        const auto t = res.time.find(col);
        const double meas = t != res.time.end() && t->second.count(b) ? t->second.at(b) : NAN;
        std::printf(" | %9.2f / %9.2f", pred * 1e6, meas * 1e6);
      }
      std::printf("\n");
    }
    // Crossover: the size from which the bandwidth-optimal ring beats every
    // other algorithm, in the model (scanning sizes) and in this run (the
    // smallest measured size from which the ring stays the fastest).
    double model_x = NAN;
    for (double b = 1; b < 1e11; b *= 1.02) {
      const double ring = predict_seconds(Algo::ring, p, b, m);
      if (ring < predict_seconds(Algo::recursive, p, b, m) && ring < predict_seconds(Algo::tree, p, b, m)) {
        model_x = b;
        break;
      }
    }
    std::int64_t measured_x = -1;
    if (res.time.count("reference/ring") && res.time.count("reference/recursive") && res.time.count("reference/tree")) {
      const auto& ring = res.time.at("reference/ring");
      for (auto it = ring.rbegin(); it != ring.rend(); ++it) {
        if (it->second >= res.time.at("reference/recursive").at(it->first) ||
            it->second >= res.time.at("reference/tree").at(it->first))
          break;
        measured_x = it->first;
      }
    }
    std::printf("\ncrossover, ring faster than recursive and tree from: model %s, measured %s\n",
                std::isnan(model_x) ? "never" : model_x <= 1 ? "every size" : (fmt("%.0f", model_x) + " B").c_str(),
                measured_x < 0 ? "never in this run" : (std::to_string(measured_x) + " B").c_str());

    // Plots: busbw per algorithm, and predicted against measured time.
    labkit::LinePlot bw{"allreduce bus bandwidth, " + std::to_string(p) + " ranks", "bytes per rank", "busbw, GB/s",
                        true, false, {}};
    labkit::LinePlot model{"allreduce: alpha-beta prediction (dashed names) vs measured", "bytes per rank",
                           "time, us", true, true, {}};
    for (const auto& c : cols) {
      if (!res.time.count(c) || c.rfind("student", 0) == 0) continue;
      labkit::Series s{c, {}, {}};
      for (const auto& [b, t] : res.time.at(c)) {
        s.x.push_back(static_cast<double>(b));
        s.y.push_back(reference::busbw(Collective::allreduce, static_cast<double>(b) / t, p) / 1e9);
      }
      bw.series.push_back(s);
    }
    for (const auto& [algo, col] : algos) {
      if (!res.time.count(col)) continue;
      labkit::Series meas{std::string(algo_name(algo)) + " measured", {}, {}}, pred{std::string(algo_name(algo)) + " model", {}, {}};
      for (const auto& [b, t] : res.time.at(col)) {
        meas.x.push_back(static_cast<double>(b)), meas.y.push_back(t * 1e6);
        pred.x.push_back(static_cast<double>(b)), pred.y.push_back(predict_seconds(algo, p, static_cast<double>(b), m) * 1e6);
      }
      model.series.push_back(meas), model.series.push_back(pred);
    }
    std::ofstream(out_dir / "collectives-busbw.svg") << [&] { std::ostringstream o; bw.write_svg(o); return o.str(); }();
    std::ofstream(out_dir / "collectives-model.svg") << [&] { std::ostringstream o; model.write_svg(o); return o.str(); }();

    // Our own JSON, nccl-tests' columns per algorithm and size.
    std::ofstream js(out_dir / "collectives-allreduce.json");
    js << "{\n  \"schema\": \"collectives.allreduce/1\",\n  \"ranks\": " << p << ",\n  \"cores\": " << cores
       << ",\n  \"alpha_s\": " << m.alpha_s << ",\n  \"beta_s_per_byte\": " << m.beta_s_per_byte
       << ",\n  \"crossover_ring_tree_bytes_model\": " << (std::isnan(model_x) ? -1.0 : model_x)
       << ",\n  \"crossover_ring_tree_bytes_measured\": " << measured_x << ",\n  \"rows\": [";
    bool first = true;
    for (const auto& [c, by] : res.time)
      for (const auto& [b, t] : by) {
        const double algbw = static_cast<double>(b) / t;
        js << (first ? "\n" : ",\n") << "    {\"impl\": \"" << c << "\", \"bytes\": " << b << ", \"time_s\": " << t
           << ", \"algbw_GBs\": " << algbw / 1e9
           << ", \"busbw_GBs\": " << reference::busbw(Collective::allreduce, algbw, p) / 1e9 << "}";
        first = false;
      }
    js << "\n  ]\n}\n";
    std::printf("wrote %s, %s and %s\n", (out_dir / "collectives-allreduce.json").c_str(),
                (out_dir / "collectives-busbw.svg").c_str(), (out_dir / "collectives-model.svg").c_str());
  }
  return h.run();
}
