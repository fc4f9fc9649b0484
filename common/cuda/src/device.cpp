// labkit::cuda: errors, device presence and query, event timer.
#include <dlfcn.h>

#include <cstdio>
#include <sstream>

#include "labkit/cuda.hpp"

namespace labkit::cuda {

void throw_error(cudaError_t error, const char* call, const char* file, int line) {
  std::ostringstream os;
  os << file << ":" << line << ": " << call << " failed: " << cudaGetErrorString(error) << " ("
     << cudaGetErrorName(error) << ")";
  throw Error(os.str());
}

namespace {

// The runtime's message for "no driver" is "CUDA driver version is
// insufficient for CUDA runtime version", which sends people looking for a
// driver update on machines that have no GPU at all. Say what is missing.
std::string explain(cudaError_t error) {
  std::string why = std::string(cudaGetErrorString(error)) + " (" + cudaGetErrorName(error) + ")";
  if (error == cudaErrorInsufficientDriver || error == cudaErrorNoDevice) {
    void* driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (!driver) return "no NVIDIA driver (libcuda.so.1 cannot be loaded; " + std::string(cudaGetErrorName(error)) + ")";
    dlclose(driver);
  }
  return why;
}

}  // namespace

const DeviceStatus& device_status() {
  static const DeviceStatus status = [] {
    DeviceStatus s;
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
      s.reason = explain(e);
      cudaGetLastError();  // clear the sticky error so later calls start clean
      return s;
    }
    if (count == 0) {
      s.reason = "the CUDA runtime found no device (is CUDA_VISIBLE_DEVICES empty?)";
      return s;
    }
    s.available = true;
    s.count = count;
    return s;
  }();
  return status;
}

double peak_bandwidth_gbs(int memory_clock_khz, int bus_width_bits) {
  // Double data rate: two transfers per clock, bus_width_bits / 8 bytes each.
  return 2.0 * memory_clock_khz * 1e3 * (bus_width_bits / 8.0) / 1e9;
}

DeviceInfo query_device(int device) {
  DeviceInfo d;
  cudaDeviceProp p{};
  LABKIT_CUDA_CHECK(cudaGetDeviceProperties(&p, device));
  auto attr = [device](cudaDeviceAttr a) {
    int v = 0;
    LABKIT_CUDA_CHECK(cudaDeviceGetAttribute(&v, a, device));
    return v;
  };
  d.index = device;
  d.name = p.name;
  d.cc_major = p.major;
  d.cc_minor = p.minor;
  d.sm_count = p.multiProcessorCount;
  d.global_memory_bytes = p.totalGlobalMem;
  // CUDA 13 removed the clock fields from cudaDeviceProp; the attributes remain.
  d.sm_clock_khz = attr(cudaDevAttrClockRate);
  d.memory_clock_khz = attr(cudaDevAttrMemoryClockRate);
  d.memory_bus_width_bits = attr(cudaDevAttrGlobalMemoryBusWidth);
  d.peak_bandwidth_gbs = peak_bandwidth_gbs(d.memory_clock_khz, d.memory_bus_width_bits);
  d.l2_cache_bytes = p.l2CacheSize;
  d.max_threads_per_sm = p.maxThreadsPerMultiProcessor;
  d.max_blocks_per_sm = p.maxBlocksPerMultiProcessor;
  d.registers_per_sm = p.regsPerMultiprocessor;
  d.shared_memory_per_sm = p.sharedMemPerMultiprocessor;
  d.shared_memory_per_block_optin = p.sharedMemPerBlockOptin;
  cudaDriverGetVersion(&d.driver_version);
  cudaRuntimeGetVersion(&d.runtime_version);
  return d;
}

std::string describe(const DeviceInfo& d) {
  char buf[640];
  std::snprintf(buf, sizeof buf,
                "%s (sm_%d%d), %d SMs at %.2f GHz, %.1f GiB, %d-bit bus at %.0f MHz: peak %.0f GB/s, "
                "L2 %.0f MiB, %zu KiB shared memory and %d registers per SM; driver %d.%d, runtime %d.%d",
                d.name.c_str(), d.cc_major, d.cc_minor, d.sm_count, d.sm_clock_khz / 1e6,
                d.global_memory_bytes / 1073741824.0, d.memory_bus_width_bits, d.memory_clock_khz / 1e3,
                d.peak_bandwidth_gbs, d.l2_cache_bytes / 1048576.0, d.shared_memory_per_sm / 1024,
                d.registers_per_sm, d.driver_version / 1000, d.driver_version % 1000 / 10,
                d.runtime_version / 1000, d.runtime_version % 1000 / 10);
  return buf;
}

EventTimer::EventTimer() {
  LABKIT_CUDA_CHECK(cudaEventCreate(&start_));
  LABKIT_CUDA_CHECK(cudaEventCreate(&stop_));
}

EventTimer::~EventTimer() {
  if (start_) cudaEventDestroy(start_);
  if (stop_) cudaEventDestroy(stop_);
}

void EventTimer::start(cudaStream_t stream) { LABKIT_CUDA_CHECK(cudaEventRecord(start_, stream)); }
void EventTimer::stop(cudaStream_t stream) { LABKIT_CUDA_CHECK(cudaEventRecord(stop_, stream)); }

float EventTimer::elapsed_ms() {
  LABKIT_CUDA_CHECK(cudaEventSynchronize(stop_));
  float ms = 0;
  LABKIT_CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
  return ms;
}

}  // namespace labkit::cuda
