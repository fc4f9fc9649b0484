// SAXPY, y = a x + y: the smallest useful CUDA kernel.
//
// One thread per element. Consecutive threads of a warp touch consecutive
// floats, so each warp's load of x is one 128-byte transaction: the accesses
// are *coalesced*, and the kernel runs at close to the copy bandwidth.
#include <labkit/cuda.hpp>

#include "cuda_kernels.hpp"

namespace cuda_kernels::reference {

// x and y may be the same array: each thread reads its y[i] before writing it.
__global__ void saxpy_kernel(float a, const float* x, float* y, int n) {
  const unsigned i = blockIdx.x * blockDim.x + threadIdx.x;  // unsigned: no overflow below 2^32
  if (i < static_cast<unsigned>(n)) y[i] = a * x[i] + y[i];
}

void saxpy(float a, const float* x, float* y, int n, cudaStream_t stream) {
  if (n <= 0) return;
  saxpy_kernel<<<ceil_div(n, kBlock), kBlock, 0, stream>>>(a, x, y, n);
  LABKIT_CUDA_CHECK(cudaGetLastError());
}

}  // namespace cuda_kernels::reference
