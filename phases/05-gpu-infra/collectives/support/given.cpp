// What the lab gives: the ring allgather, the naive allreduce, argument
// checks and the cost model (declared in include/collectives.hpp).
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "collectives.hpp"
#include "collectives_mpi.hpp"

namespace collectives {
namespace {

// Rank r starts owning block r; step s passes block r-s on to the right and
// takes block r-s-1 from the left, straight into place.
template <class T>
void ag_ring(T* data, std::size_t count, MPI_Comm comm) {
  require_args(data, count, comm, "allgather_ring");
  const int p = comm_size(comm), r = comm_rank(comm);
  const int right = (r + 1) % p, left = (r - 1 + p) % p;
  for (int s = 0; s < p - 1; ++s) {
    const Range out = block_range(count, p, ((r - s) % p + p) % p);
    const Range in = block_range(count, p, ((r - s - 1) % p + p) % p);
    MPI_Sendrecv(data + out.begin, static_cast<int>(out.size()), mpi_type<T>(), right, kTagGather,
                 data + in.begin, static_cast<int>(in.size()), mpi_type<T>(), left, kTagGather, comm,
                 MPI_STATUS_IGNORE);
  }
}

// Rank 0 adds every other rank's vector in rank order, then sends the sum to
// each: 2(p-1) full messages through one rank.
template <class T>
void ar_naive(T* data, std::size_t count, MPI_Comm comm) {
  require_args(data, count, comm, "allreduce_naive");
  const int p = comm_size(comm), r = comm_rank(comm), n = static_cast<int>(count);
  if (r == 0) {
    T* incoming = scratch<T>(count);
    for (int src = 1; src < p; ++src) {
      MPI_Recv(incoming, n, mpi_type<T>(), src, kTagNaive, comm, MPI_STATUS_IGNORE);
      for (std::size_t i = 0; i < count; ++i) data[i] += incoming[i];
    }
    for (int dst = 1; dst < p; ++dst) MPI_Send(data, n, mpi_type<T>(), dst, kTagNaive, comm);
  } else {
    MPI_Send(data, n, mpi_type<T>(), 0, kTagNaive, comm);
    MPI_Recv(data, n, mpi_type<T>(), 0, kTagNaive, comm, MPI_STATUS_IGNORE);
  }
}

}  // namespace

void allgather_ring(float* d, std::size_t n, MPI_Comm c) { ag_ring(d, n, c); }
void allgather_ring(std::int64_t* d, std::size_t n, MPI_Comm c) { ag_ring(d, n, c); }
void allreduce_naive(float* d, std::size_t n, MPI_Comm c) { ar_naive(d, n, c); }
void allreduce_naive(std::int64_t* d, std::size_t n, MPI_Comm c) { ar_naive(d, n, c); }

void require_args(const void* data, std::size_t count, MPI_Comm comm, const char* who) {
  if (comm == MPI_COMM_NULL) throw std::invalid_argument(std::string(who) + ": the communicator is MPI_COMM_NULL");
  if (data == nullptr && count > 0)
    throw std::invalid_argument(std::string(who) + ": data is null but count is " + std::to_string(count));
  if (count > static_cast<std::size_t>(1) << 30)
    throw std::invalid_argument(std::string(who) + ": count " + std::to_string(count) +
                                " is past 2^30 elements (MPI counts are int)");
}

const char* algo_name(Algo a) {
  switch (a) {
    case Algo::ring: return "ring";
    case Algo::recursive: return "recursive";
    case Algo::tree: return "tree";
    case Algo::naive: return "naive";
  }
  return "?";
}

double predict_seconds(Algo a, int p, double bytes, const AlphaBeta& m) {
  if (p < 1) throw std::invalid_argument("predict_seconds: p must be at least 1");
  if (p == 1) return 0.0;
  const double msg = m.alpha_s + bytes * m.beta_s_per_byte;  // one full-vector message
  switch (a) {
    case Algo::ring: return 2.0 * (p - 1) * m.alpha_s + 2.0 * (p - 1) / p * bytes * m.beta_s_per_byte;
    case Algo::recursive: {
      int pof2 = 1, lg = 0;
      while (pof2 * 2 <= p) pof2 *= 2, ++lg;
      double t = 2.0 * lg * m.alpha_s + 2.0 * (pof2 - 1) / pof2 * bytes * m.beta_s_per_byte;
      return p == pof2 ? t : t + 2.0 * msg;
    }
    case Algo::tree: {
      int h = 0;
      while ((2 << h) <= p) ++h;  // floor(log2 p)
      const int k = p - 1 < 2 ? p - 1 : 2;
      return 2.0 * h * k * msg;
    }
    case Algo::naive: return 2.0 * (p - 1) * msg;
  }
  return 0.0;
}

}  // namespace collectives
