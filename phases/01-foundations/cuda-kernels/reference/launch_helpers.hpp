// Host-side helpers of the reference wrappers.
#pragma once
#include <labkit/cuda.hpp>

#include <algorithm>
#include <cstdint>

namespace cuda_kernels::reference {

// How many blocks of a kernel the current device holds at once: the grid
// size for a grid-stride loop (more blocks would only queue up behind these).
// Wrappers keep the answer in a function-local static: it costs a few
// microseconds to ask, too much to ask on every call.
template <class Kernel>
int resident_blocks(Kernel kernel, int block_threads) {
  int device = 0, sms = 0, per_sm = 0;
  LABKIT_CUDA_CHECK(cudaGetDevice(&device));
  LABKIT_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  LABKIT_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, block_threads, 0));
  return std::max(1, sms * std::max(per_sm, 1));
}

// Elements before the first `alignment`-byte boundary of p (at most n).
inline int head_to_alignment(const void* p, int element_bytes, int alignment, int n) {
  const auto misalign = static_cast<int>(reinterpret_cast<std::uintptr_t>(p) % alignment);
  const int head = misalign == 0 ? 0 : (alignment - misalign) / element_bytes;
  return std::min(head, n);
}

}  // namespace cuda_kernels::reference
