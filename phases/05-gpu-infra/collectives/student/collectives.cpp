// Your collectives. Edit only files in student/. The ring allgather and the
// naive allreduce in support/given.cpp are worked examples to read first.
#include <labkit/todo.hpp>

#include <stdexcept>
#include <vector>

#include "collectives.hpp"
#include "collectives_mpi.hpp"

namespace collectives::student {
namespace {

template <class T>
void rs_ring(T* data, std::size_t count, MPI_Comm comm) {
  require_args(data, count, comm, "reduce_scatter_ring");
  const int p = comm_size(comm), r = comm_rank(comm);
  if (p == 1) return;
  const int right = (r + 1) % p, left = (r - 1 + p) % p;
  T* incoming = scratch<T>(block_range(count, p, 0).size());  // block 0 is the longest
  for (int s = 0; s < p - 1; ++s) {
    // TODO(1): one step of the ring: send one block to `right`, receive one
    // from `left` into `incoming` (one MPI_Sendrecv, kTagRing), and add it
    // into that block of data. Choose the blocks so that after p-1 steps
    // block r holds the sum over all ranks (allgather_ring in
    // support/given.cpp walks the blocks the same way, one step later).
    (void)right, (void)left, (void)s, (void)incoming;
    LABKIT_TODO(1, "write the ring reduce-scatter step in student/collectives.cpp (rs_ring)");
  }
}

template <class T>
void ar_ring(T* data, std::size_t count, MPI_Comm comm) {
  rs_ring(data, count, comm);
  allgather_ring(data, count, comm);
}

template <class T>
void ar_recursive(T* data, std::size_t count, MPI_Comm comm) {
  require_args(data, count, comm, "allreduce_recursive");
  // TODO(2): Rabenseifner's allreduce (README, "Recursive halving and
  // doubling"): fold the p - p' extra ranks into their neighbours, recursive
  // halving, recursive doubling, unfold. Use kTagRecursive.
  LABKIT_TODO(2, "write allreduce_recursive in student/collectives.cpp (ar_recursive)");
}

template <class T>
void ar_tree(T* data, std::size_t count, MPI_Comm comm) {
  require_args(data, count, comm, "allreduce_tree");
  // TODO(3): reduce up a binary tree to rank 0 (the children of r are 2r+1
  // and 2r+2), then broadcast down the same tree. Use kTagTree.
  LABKIT_TODO(3, "write allreduce_tree in student/collectives.cpp (ar_tree)");
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
  // TODO(4): nccl-tests' bus bandwidth: algbw times the fraction of the data
  // each rank sends, 2(p-1)/p for an allreduce, (p-1)/p for a reduce-scatter
  // or an allgather. Throw std::invalid_argument for p < 1.
  (void)c, (void)algbw, (void)p;
  LABKIT_TODO(4, "write busbw() in student/collectives.cpp");
}

AlphaBeta fit_alpha_beta(const std::vector<Sample>& samples) {
  // TODO(5): least squares for t = alpha + beta * n, weighting each sample by
  // 1/t^2 (so that 8-byte and 4-MiB messages count alike): solve the 2x2
  // normal equations. Throw std::invalid_argument for a time <= 0 or fewer
  // than two distinct sizes.
  (void)samples;
  LABKIT_TODO(5, "write fit_alpha_beta() in student/collectives.cpp");
}

}  // namespace collectives::student
