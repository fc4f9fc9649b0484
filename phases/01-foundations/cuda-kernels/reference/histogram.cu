// Histogram of bytes into 256 bins, in two steps.
//
//   a. histogram_global_atomics     every element does atomicAdd on its bin in
//                                   global memory. Many threads updating the
//                                   same bin serialize in the L2 cache: the
//                                   more skewed the data, the slower.
//   b. histogram_shared_privatized  each block counts into its own 256 bins in
//                                   shared memory (atomics there are much
//                                   cheaper and contend only within the block),
//                                   then adds its non-zero bins to the global
//                                   ones: 256 global atomics per block instead
//                                   of one per element.
//
// Both read 4 bytes per thread per step (uchar4) in a grid-stride loop; the
// bytes before the first 4-byte boundary and the last n % 4 go one by one.
#include <labkit/cuda.hpp>

#include <algorithm>
#include <cstdint>

#include "cuda_kernels.hpp"
#include "launch_helpers.hpp"

namespace cuda_kernels::reference {

__global__ void histogram_global_atomics_kernel(const std::uint8_t* __restrict__ data, int n, int head,
                                                unsigned int* __restrict__ bins) {
  const unsigned tid = blockIdx.x * blockDim.x + threadIdx.x;
  const unsigned stride = gridDim.x * blockDim.x;
  if (tid < static_cast<unsigned>(head)) atomicAdd(&bins[data[tid]], 1u);
  const unsigned body = static_cast<unsigned>(n - head) / 4;
  const uchar4* d4 = reinterpret_cast<const uchar4*>(data + head);
  for (unsigned i = tid; i < body; i += stride) {
    const uchar4 v = d4[i];
    atomicAdd(&bins[v.x], 1u);
    atomicAdd(&bins[v.y], 1u);
    atomicAdd(&bins[v.z], 1u);
    atomicAdd(&bins[v.w], 1u);
  }
  for (unsigned i = head + 4 * body + tid; i < static_cast<unsigned>(n); i += stride) atomicAdd(&bins[data[i]], 1u);
}

__global__ void histogram_shared_privatized_kernel(const std::uint8_t* __restrict__ data, int n, int head,
                                                   unsigned int* __restrict__ bins) {
  __shared__ unsigned int local[kHistogramBins];
  for (int b = threadIdx.x; b < kHistogramBins; b += blockDim.x) local[b] = 0;
  __syncthreads();
  const unsigned tid = blockIdx.x * blockDim.x + threadIdx.x;
  const unsigned stride = gridDim.x * blockDim.x;
  if (tid < static_cast<unsigned>(head)) atomicAdd(&local[data[tid]], 1u);
  const unsigned body = static_cast<unsigned>(n - head) / 4;
  const uchar4* d4 = reinterpret_cast<const uchar4*>(data + head);
  for (unsigned i = tid; i < body; i += stride) {
    const uchar4 v = d4[i];
    atomicAdd(&local[v.x], 1u);
    atomicAdd(&local[v.y], 1u);
    atomicAdd(&local[v.z], 1u);
    atomicAdd(&local[v.w], 1u);
  }
  for (unsigned i = head + 4 * body + tid; i < static_cast<unsigned>(n); i += stride) atomicAdd(&local[data[i]], 1u);
  __syncthreads();
  for (int b = threadIdx.x; b < kHistogramBins; b += blockDim.x)
    if (local[b] != 0) atomicAdd(&bins[b], local[b]);
}

namespace {

template <class Kernel>
void launch(Kernel kernel, int resident, const std::uint8_t* data, int n, unsigned int* bins, cudaStream_t stream) {
  LABKIT_CUDA_CHECK(cudaMemsetAsync(bins, 0, kHistogramBins * sizeof(unsigned int), stream));
  const int head = head_to_alignment(data, 1, 4, n);
  const int blocks = std::min(ceil_div(n, 4 * kBlock), resident);
  kernel<<<blocks, kBlock, 0, stream>>>(data, n, head, bins);
  LABKIT_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

void histogram_global_atomics(const std::uint8_t* data, int n, unsigned int* bins, cudaStream_t stream) {
  if (n <= 0) return;
  static const int resident = resident_blocks(histogram_global_atomics_kernel, kBlock);
  launch(histogram_global_atomics_kernel, resident, data, n, bins, stream);
}

void histogram_shared_privatized(const std::uint8_t* data, int n, unsigned int* bins, cudaStream_t stream) {
  if (n <= 0) return;
  static const int resident = resident_blocks(histogram_shared_privatized_kernel, kBlock);
  launch(histogram_shared_privatized_kernel, resident, data, n, bins, stream);
}

}  // namespace cuda_kernels::reference
