// Collectives from point-to-point messages: the interface of the collectives
// lab. Every function here is collective: every rank of `comm` calls it with
// the same `count`, and it works for any number of ranks (1, 2, 3, ... 8 are
// tested) and any count, including counts smaller than the number of ranks.
// Only the sum is implemented (what data-parallel training needs).
//
// Block layout, shared by every algorithm (support/, block_range): `count`
// elements split into p contiguous blocks, the first count % p of them one
// element longer. Block b belongs to rank b after a reduce-scatter.
#pragma once
#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace collectives {

struct Range {
  std::size_t begin = 0, end = 0;
  std::size_t size() const { return end - begin; }
};

// Block b of `count` elements split over p ranks (0 <= b < p).
inline Range block_range(std::size_t count, int p, int b) {
  const std::size_t q = count / static_cast<std::size_t>(p), r = count % static_cast<std::size_t>(p);
  const std::size_t ub = static_cast<std::size_t>(b);
  const std::size_t begin = ub * q + (ub < r ? ub : r);
  return {begin, begin + q + (ub < r ? 1 : 0)};
}

// What the bus bandwidth of a collective is normalised by (nccl-tests,
// doc/PERFORMANCE.md): the fraction of the data each rank must send.
enum class Collective { allreduce, reduce_scatter, allgather };

// t(n) = alpha + beta * n for one message of n bytes (Hockney's model).
struct AlphaBeta {
  double alpha_s = 0;          // latency, seconds
  double beta_s_per_byte = 0;  // inverse bandwidth, seconds per byte
};
struct Sample {
  double bytes = 0, seconds = 0;
};

// Given (support/given.cpp, not a learner's task): the ring allgather (the
// mirror image of the ring reduce-scatter), a naive reduce-to-0 + broadcast,
// and the algorithms' alpha-beta cost model.
void allgather_ring(float* data, std::size_t count, MPI_Comm comm);
void allgather_ring(std::int64_t* data, std::size_t count, MPI_Comm comm);
void allreduce_naive(float* data, std::size_t count, MPI_Comm comm);
void allreduce_naive(std::int64_t* data, std::size_t count, MPI_Comm comm);

// Throws std::invalid_argument naming `who` for a null buffer with count > 0
// or a null communicator: before any message, so no rank is left waiting.
void require_args(const void* data, std::size_t count, MPI_Comm comm, const char* who);

enum class Algo { ring, recursive, tree, naive };
const char* algo_name(Algo a);
// Predicted allreduce time on p ranks for n bytes per rank (Thakur,
// Rabenseifner and Gropp 2005, without the reduction's compute term):
//   ring       2(p-1) alpha + 2 (p-1)/p n beta
//   recursive  2 log2(p') alpha + 2 (p'-1)/p' n beta, + 2(alpha + n beta) when p != p'
//              (p' the largest power of two <= p; the fold and unfold of the extra ranks)
//   tree       2 h k (alpha + n beta): depth h = floor(log2 p), k = min(p-1, 2) children
//   naive      2 (p-1) (alpha + n beta)
double predict_seconds(Algo a, int p, double bytes, const AlphaBeta& m);

// The two implementations, reference/ and student/, declared alike so that
// the bench can run them side by side.
namespace reference {
// In place: afterwards block `rank` of data holds the sum over the ranks of
// that block; the other blocks are scratch.
void reduce_scatter_ring(float* data, std::size_t count, MPI_Comm comm);
void reduce_scatter_ring(std::int64_t* data, std::size_t count, MPI_Comm comm);
// Reduce-scatter + allgather: every rank ends with the sum, bit-identical.
void allreduce_ring(float* data, std::size_t count, MPI_Comm comm);
void allreduce_ring(std::int64_t* data, std::size_t count, MPI_Comm comm);
// Rabenseifner: fold the ranks past the largest power of two, recursive
// halving (a reduce-scatter), recursive doubling (an allgather), unfold.
void allreduce_recursive(float* data, std::size_t count, MPI_Comm comm);
void allreduce_recursive(std::int64_t* data, std::size_t count, MPI_Comm comm);
// Binary tree: reduce up to rank 0 (children of r: 2r+1, 2r+2), broadcast down.
void allreduce_tree(float* data, std::size_t count, MPI_Comm comm);
void allreduce_tree(std::int64_t* data, std::size_t count, MPI_Comm comm);
// busbw from algbw (both in bytes/s) on p ranks, as nccl-tests defines it.
double busbw(Collective c, double algbw, int p);
// Fits t = alpha + beta n to ping-pong samples, minimising the sum of the
// squared relative errors ((alpha + beta n_i - t_i) / t_i)^2. Needs samples
// at two or more distinct sizes.
AlphaBeta fit_alpha_beta(const std::vector<Sample>& samples);
}  // namespace reference

namespace student {
// The same functions, written by you in student/collectives.cpp. In place:
// afterwards block `rank` of data holds the sum over the ranks of that
// block; the other blocks are scratch.
void reduce_scatter_ring(float* data, std::size_t count, MPI_Comm comm);
void reduce_scatter_ring(std::int64_t* data, std::size_t count, MPI_Comm comm);
// Reduce-scatter + allgather: every rank ends with the sum, bit-identical.
void allreduce_ring(float* data, std::size_t count, MPI_Comm comm);
void allreduce_ring(std::int64_t* data, std::size_t count, MPI_Comm comm);
// Rabenseifner: fold the ranks past the largest power of two, recursive
// halving (a reduce-scatter), recursive doubling (an allgather), unfold.
void allreduce_recursive(float* data, std::size_t count, MPI_Comm comm);
void allreduce_recursive(std::int64_t* data, std::size_t count, MPI_Comm comm);
// Binary tree: reduce up to rank 0 (children of r: 2r+1, 2r+2), broadcast down.
void allreduce_tree(float* data, std::size_t count, MPI_Comm comm);
void allreduce_tree(std::int64_t* data, std::size_t count, MPI_Comm comm);
// busbw from algbw (both in bytes/s) on p ranks, as nccl-tests defines it.
double busbw(Collective c, double algbw, int p);
// Fits t = alpha + beta n to ping-pong samples, minimising the sum of the
// squared relative errors ((alpha + beta n_i - t_i) / t_i)^2. Needs samples
// at two or more distinct sizes.
AlphaBeta fit_alpha_beta(const std::vector<Sample>& samples);
}  // namespace student

}  // namespace collectives
