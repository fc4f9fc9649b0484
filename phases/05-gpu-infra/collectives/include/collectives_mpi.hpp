// Small helpers both implementations use: the MPI datatype of an element type,
// and the rank and size of a communicator.
#pragma once
#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace collectives {

template <class T>
MPI_Datatype mpi_type() {
  if constexpr (std::is_same_v<T, float>) return MPI_FLOAT;
  else if constexpr (std::is_same_v<T, double>) return MPI_DOUBLE;
  else {
    static_assert(std::is_same_v<T, std::int64_t>, "float, double or int64_t");
    return MPI_INT64_T;
  }
}

inline int comm_rank(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}
inline int comm_size(MPI_Comm comm) {
  int p = 1;
  MPI_Comm_size(comm, &p);
  return p;
}

// A receive buffer of at least `count` elements, kept from call to call (one
// per thread and element type): allocating and zeroing a fresh 256 MiB
// vector in every call would cost more than the messages. Its contents are
// whatever the last call left.
template <class T>
T* scratch(std::size_t count) {
  thread_local std::vector<T> buffer;
  if (buffer.size() < count) buffer.resize(count);
  return buffer.data();
}

// Tags, one per algorithm, so that a message of one can never match another.
enum Tag : int { kTagRing = 101, kTagRecursive = 102, kTagTree = 103, kTagNaive = 104, kTagGather = 105 };

}  // namespace collectives
