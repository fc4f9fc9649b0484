// The reference: ring reduce-scatter, Rabenseifner's recursive halving and
// doubling, a binary tree; the busbw formula and the alpha-beta fit.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "collectives.hpp"
#include "collectives_mpi.hpp"

namespace collectives::reference {
namespace {

template <class T>
void rs_ring(T* data, std::size_t count, MPI_Comm comm) {
  require_args(data, count, comm, "reduce_scatter_ring");
  const int p = comm_size(comm), r = comm_rank(comm);
  if (p == 1) return;
  const int right = (r + 1) % p, left = (r - 1 + p) % p;
  T* incoming = scratch<T>(block_range(count, p, 0).size());  // block 0 is the longest
  // Step s: pass block r-s-1 on to the right, add block r-s-2 from the left
  // into our copy. After p-1 steps, block r has been through every rank.
  for (int s = 0; s < p - 1; ++s) {
    const Range out = block_range(count, p, ((r - s - 1) % p + p) % p);
    const Range in = block_range(count, p, ((r - s - 2) % p + p) % p);
    MPI_Sendrecv(data + out.begin, static_cast<int>(out.size()), mpi_type<T>(), right, kTagRing,
                 incoming, static_cast<int>(in.size()), mpi_type<T>(), left, kTagRing, comm,
                 MPI_STATUS_IGNORE);
    for (std::size_t i = 0; i < in.size(); ++i) data[in.begin + i] += incoming[i];
  }
}

template <class T>
void ar_ring(T* data, std::size_t count, MPI_Comm comm) {
  rs_ring(data, count, comm);
  allgather_ring(data, count, comm);
}

// Rabenseifner (Thakur, Rabenseifner and Gropp 2005, section 4.4).
template <class T>
void ar_recursive(T* data, std::size_t count, MPI_Comm comm) {
  require_args(data, count, comm, "allreduce_recursive");
  const int p = comm_size(comm), r = comm_rank(comm);
  if (p == 1) return;
  int pof2 = 1;
  while (pof2 * 2 <= p) pof2 *= 2;
  const int extra = p - pof2;
  const int n = static_cast<int>(count);
  T* incoming = scratch<T>(count);
  // Fold: of the first 2*extra ranks, each even one hands its vector to the
  // odd one above it and sits out; the rest renumber 0..pof2-1.
  int vr;  // rank among the pof2 that take part, or -1
  if (r < 2 * extra) {
    if (r % 2 == 0) {
      MPI_Send(data, n, mpi_type<T>(), r + 1, kTagRecursive, comm);
      vr = -1;
    } else {
      MPI_Recv(incoming, n, mpi_type<T>(), r - 1, kTagRecursive, comm, MPI_STATUS_IGNORE);
      for (std::size_t i = 0; i < count; ++i) data[i] += incoming[i];
      vr = r / 2;
    }
  } else {
    vr = r - extra;
  }
  auto real = [&](int v) { return v < extra ? 2 * v + 1 : v + extra; };
  if (vr >= 0) {
    // Recursive halving over blocks [lo, hi) of the pof2-block layout: keep
    // the half our bit selects, send the other, add the partner's copy of ours.
    int lo = 0, hi = pof2;
    for (int mask = pof2 / 2; mask >= 1; mask /= 2) {
      const int partner = real(vr ^ mask), mid = (lo + hi) / 2;
      const bool upper = (vr & mask) != 0;
      const int keep_lo = upper ? mid : lo, keep_hi = upper ? hi : mid;
      const int send_lo = upper ? lo : mid, send_hi = upper ? mid : hi;
      const Range keep{block_range(count, pof2, keep_lo).begin, block_range(count, pof2, keep_hi - 1).end};
      const Range give{block_range(count, pof2, send_lo).begin, block_range(count, pof2, send_hi - 1).end};
      MPI_Sendrecv(data + give.begin, static_cast<int>(give.size()), mpi_type<T>(), partner, kTagRecursive,
                   incoming, static_cast<int>(keep.size()), mpi_type<T>(), partner, kTagRecursive, comm,
                   MPI_STATUS_IGNORE);
      for (std::size_t i = 0; i < keep.size(); ++i) data[keep.begin + i] += incoming[i];
      lo = keep_lo, hi = keep_hi;
    }
    // Now block vr is complete here. Recursive doubling: swap what we hold
    // with the partner, doubling it each step.
    for (int mask = 1; mask < pof2; mask *= 2) {
      const int partner = real(vr ^ mask);
      const int mine_lo = vr & ~(mask - 1);  // we hold blocks [mine_lo, mine_lo + mask)
      const int theirs_lo = mine_lo ^ mask;
      const Range mine{block_range(count, pof2, mine_lo).begin, block_range(count, pof2, mine_lo + mask - 1).end};
      const Range theirs{block_range(count, pof2, theirs_lo).begin,
                         block_range(count, pof2, theirs_lo + mask - 1).end};
      MPI_Sendrecv(data + mine.begin, static_cast<int>(mine.size()), mpi_type<T>(), partner, kTagRecursive,
                   data + theirs.begin, static_cast<int>(theirs.size()), mpi_type<T>(), partner, kTagRecursive,
                   comm, MPI_STATUS_IGNORE);
    }
  }
  // Unfold: the odd ranks of the first 2*extra give the result back.
  if (r < 2 * extra) {
    if (r % 2 == 1) MPI_Send(data, n, mpi_type<T>(), r - 1, kTagRecursive, comm);
    else MPI_Recv(data, n, mpi_type<T>(), r + 1, kTagRecursive, comm, MPI_STATUS_IGNORE);
  }
}

template <class T>
void ar_tree(T* data, std::size_t count, MPI_Comm comm) {
  require_args(data, count, comm, "allreduce_tree");
  const int p = comm_size(comm), r = comm_rank(comm);
  const int n = static_cast<int>(count);
  T* incoming = scratch<T>(count);
  // Reduce: children first (2r+1, then 2r+2), then hand the subtree's sum up.
  for (int child : {2 * r + 1, 2 * r + 2}) {
    if (child >= p) continue;
    MPI_Recv(incoming, n, mpi_type<T>(), child, kTagTree, comm, MPI_STATUS_IGNORE);
    for (std::size_t i = 0; i < count; ++i) data[i] += incoming[i];
  }
  if (r > 0) {
    MPI_Send(data, n, mpi_type<T>(), (r - 1) / 2, kTagTree, comm);
    MPI_Recv(data, n, mpi_type<T>(), (r - 1) / 2, kTagTree, comm, MPI_STATUS_IGNORE);
  }
  for (int child : {2 * r + 1, 2 * r + 2})
    if (child < p) MPI_Send(data, n, mpi_type<T>(), child, kTagTree, comm);
}

}  // namespace

void reduce_scatter_ring(float* d, std::size_t n, MPI_Comm c) { rs_ring(d, n, c); }
void reduce_scatter_ring(std::int64_t* d, std::size_t n, MPI_Comm c) { rs_ring(d, n, c); }
void allreduce_ring(float* d, std::size_t n, MPI_Comm c) { ar_ring(d, n, c); }
void allreduce_ring(std::int64_t* d, std::size_t n, MPI_Comm c) { ar_ring(d, n, c); }
void allreduce_recursive(float* d, std::size_t n, MPI_Comm c) { ar_recursive(d, n, c); }
void allreduce_recursive(std::int64_t* d, std::size_t n, MPI_Comm c) { ar_recursive(d, n, c); }
void allreduce_tree(float* d, std::size_t n, MPI_Comm c) { ar_tree(d, n, c); }
void allreduce_tree(std::int64_t* d, std::size_t n, MPI_Comm c) { ar_tree(d, n, c); }

double busbw(Collective c, double algbw, int p) {
  if (p < 1) throw std::invalid_argument("busbw: p must be at least 1");
  // Allreduce moves 2(p-1)/p of the data per rank (reduce-scatter, then
  // allgather); each of those alone (p-1)/p.
  const double f = (c == Collective::allreduce ? 2.0 : 1.0) * (p - 1) / p;
  return algbw * f;
}

AlphaBeta fit_alpha_beta(const std::vector<Sample>& samples) {
  // Weighted least squares, weights 1/t^2: the normal equations of
  // sum w (alpha + beta n - t)^2.
  double sw = 0, sn = 0, snn = 0, st = 0, snt = 0;
  for (const Sample& s : samples) {
    if (!(s.seconds > 0)) throw std::invalid_argument("fit_alpha_beta: every time must be positive");
    const double w = 1.0 / (s.seconds * s.seconds);
    sw += w, sn += w * s.bytes, snn += w * s.bytes * s.bytes, st += w * s.seconds, snt += w * s.bytes * s.seconds;
  }
  const double det = sw * snn - sn * sn;
  if (samples.size() < 2 || !(std::abs(det) > 1e-12 * sw * snn))
    throw std::invalid_argument("fit_alpha_beta: needs samples at two or more distinct sizes");
  return {(st * snn - sn * snt) / det, (sw * snt - sn * st) / det};
}

}  // namespace collectives::reference
