// The source of ptxas_sm75_sm90.txt, captured on the project machine (CUDA 13.0) with
//   nvcc -c --resource-usage -maxrregcount=24 -gencode arch=compute_75,code=sm_75 \
//        -gencode arch=compute_90,code=sm_90 ptxas_sample_source.cu -o /dev/null 2> ptxas_sm75_sm90.txt
// (-maxrregcount=24 forces hungry_kernel to spill.) Not compiled by the build.
namespace demo {
__device__ __noinline__ float helper(float x) { return x * x + 1.0f; }
__global__ void saxpy_kernel(float a, const float* x, float* y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + helper(y[i]);
}
template <bool kPad>
__global__ void tile_kernel(const float* in, float* out, int n) {
  __shared__ float t[32][32 + kPad];
  int i = threadIdx.x;
  t[i % 32][i / 32] = in[i];
  __syncthreads();
  out[i] = t[i / 32][i % 32] + n;
}
template __global__ void tile_kernel<true>(const float*, float*, int);
namespace {
__global__ void hungry_kernel(float* out, int n) {
  float acc[48];
  for (int i = 0; i < 48; ++i) acc[i] = out[(i * n) & 1023];
  for (int k = 0; k < n; ++k)
    for (int i = 0; i < 48; ++i) acc[i] = acc[i] * acc[(i + k) % 48] + 1.0f;
  float s = 0;
  for (int i = 0; i < 48; ++i) s += acc[i];
  out[threadIdx.x] = s;
}
}
void launch(float* p, int n) { hungry_kernel<<<1, 32>>>(p, n); }
}
