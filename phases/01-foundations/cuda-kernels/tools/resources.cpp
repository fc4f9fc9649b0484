// cuda-kernels_resources: registers, spills, shared memory and theoretical
// occupancy of every kernel of the lab, from what ptxas reported when they
// were compiled. Needs no GPU.
//
//   build/default/bin/cuda-kernels_resources                 # every kernel, every architecture
//   build/default/bin/cuda-kernels_resources --brief         # one line per kernel, worst case
//   build/default/bin/cuda-kernels_resources --arch sm_86    # occupancy on an RTX 30xx / A10
//   build/default/bin/cuda-kernels_resources --kernel student --block 512
//   build/default/bin/cuda-kernels_resources --help
#include <labkit/cuda.hpp>

#include "../bench/kernels.hpp"

int main(int argc, char** argv) {
  const auto launches = cuda_kernels::kernel_launches();
  return labkit::cuda::resource_report_main("cuda-kernels", labkit_cuda_embedded_resource_usage(), launches, argc, argv);
}
