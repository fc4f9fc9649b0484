// labkit/cuda.hpp: CUDA support for the labs (built when nvcc is found).
//
//   errors     LABKIT_CUDA_CHECK(call) throws labkit::cuda::Error with the file,
//              the line and CUDA's own message.
//   presence   device_status() says whether a device can be used, and if not,
//              why; LABKIT_CUDA_REQUIRE_DEVICE() skips a GoogleTest test with
//              "no CUDA device: <reason>".
//   query      query_device(): SMs, memory, clocks, and the peak DRAM bandwidth
//              computed from the memory clock and bus width.
//   memory     DeviceBuffer<T>: cudaMalloc'd storage that frees itself.
//              DeviceGuarded<G>: a guarded host buffer (labkit::GuardedBuffer,
//              labkit/check.hpp) mirrored on the device, canaries included.
//   timing     EventTimer: CUDA events around work queued on a stream.
//   resources  parse_resource_usage() reads what ptxas (nvcc --resource-usage,
//              -Xptxas -v) or `cuobjdump --dump-resource-usage` print, and
//              occupancy() computes theoretical occupancy from a table of
//              per-architecture limits. Neither needs a GPU.
//   bench      Bench: a GPU benchmark runner that validates, times with CUDA
//              events, interleaves repetitions, re-measures noisy speedups,
//              and writes labkit.bench/1 JSON (the schema labctl reads), like
//              labkit::Harness does on the CPU: both share labkit/bench_core.hpp.
//
// The header compiles with g++ (tests and benches are .cpp files) and with
// nvcc (kernels and their host wrappers are .cu files).
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace labkit::cuda {

// ---------------------------------------------------------------- errors

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void throw_error(cudaError_t error, const char* call, const char* file, int line);

}  // namespace labkit::cuda

// LABKIT_CUDA_CHECK(cudaMalloc(&p, bytes)); after a launch:
// LABKIT_CUDA_CHECK(cudaGetLastError()).
#define LABKIT_CUDA_CHECK(call)                                                   \
  do {                                                                            \
    const cudaError_t labkit_cuda_error_ = (call);                                \
    if (labkit_cuda_error_ != cudaSuccess)                                        \
      ::labkit::cuda::throw_error(labkit_cuda_error_, #call, __FILE__, __LINE__); \
  } while (0)

namespace labkit::cuda {

// ---------------------------------------------------------------- presence

struct DeviceStatus {
  bool available = false;
  int count = 0;        // devices the runtime sees
  std::string reason;   // why none can be used (empty when available)
};

// Asks the runtime once (cudaGetDeviceCount) and remembers the answer. Never
// throws: on a machine without a GPU or driver it says so in `reason`.
const DeviceStatus& device_status();

}  // namespace labkit::cuda

// In a GoogleTest test body: skip, with the reason, when no device is usable.
#define LABKIT_CUDA_REQUIRE_DEVICE()                                                       \
  do {                                                                                     \
    const ::labkit::cuda::DeviceStatus& labkit_cuda_status_ = ::labkit::cuda::device_status(); \
    if (!labkit_cuda_status_.available) GTEST_SKIP() << "no CUDA device: " << labkit_cuda_status_.reason; \
  } while (0)

namespace labkit::cuda {

// ---------------------------------------------------------------- query

struct DeviceInfo {
  int index = 0;
  std::string name;
  int cc_major = 0, cc_minor = 0;     // compute capability: 8.0 is A100, 9.0 is H100/H200
  int sm_count = 0;
  std::size_t global_memory_bytes = 0;
  int sm_clock_khz = 0;               // peak SM clock
  int memory_clock_khz = 0;           // peak memory clock
  int memory_bus_width_bits = 0;
  // 2 transfers per clock (DDR/HBM) x memory clock x bus width: the number on
  // the data sheet, which no kernel reaches; a device-to-device copy gets ~85-95%.
  double peak_bandwidth_gbs = 0;
  int l2_cache_bytes = 0;
  int max_threads_per_sm = 0;
  int max_blocks_per_sm = 0;
  int registers_per_sm = 0;
  std::size_t shared_memory_per_sm = 0;
  std::size_t shared_memory_per_block_optin = 0;
  int driver_version = 0, runtime_version = 0;   // e.g. 13000 for 13.0
  int arch() const { return cc_major * 10 + cc_minor; }   // 90 for sm_90
};

DeviceInfo query_device(int device = 0);
// GB/s from the memory clock (kHz) and bus width: 2 x clock x width / 8.
double peak_bandwidth_gbs(int memory_clock_khz, int bus_width_bits);
// One paragraph a person can read: name, SMs, memory, clocks, peak bandwidth.
std::string describe(const DeviceInfo& d);

// ---------------------------------------------------------------- memory

template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t n) : n_(n) {
    if (n_ > 0) LABKIT_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&p_), n_ * sizeof(T)));
  }
  explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { upload(host); }
  ~DeviceBuffer() {
    if (p_) cudaFree(p_);
  }
  DeviceBuffer(DeviceBuffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* get() const { return p_; }
  std::size_t size() const { return n_; }
  void upload(const std::vector<T>& host) {
    if (host.size() != n_) throw Error("DeviceBuffer::upload: size mismatch");
    if (n_) LABKIT_CUDA_CHECK(cudaMemcpy(p_, host.data(), n_ * sizeof(T), cudaMemcpyHostToDevice));
  }
  std::vector<T> download() const {
    std::vector<T> host(n_);
    if (n_) LABKIT_CUDA_CHECK(cudaMemcpy(host.data(), p_, n_ * sizeof(T), cudaMemcpyDeviceToHost));
    return host;
  }

 private:
  T* p_ = nullptr;
  std::size_t n_ = 0;
};

// A guarded host buffer (labkit::GuardedBuffer or GuardedMatrix, from
// labkit/check.hpp) mirrored on the device whole, canaries and all: a kernel
// writes data(), download() copies every element back, and the host buffer's
// canaries_report() says whether the kernel wrote outside its output. (This
// header stays C++17 for nvcc, so it takes the host buffer as a template.)
template <class Guarded>
class DeviceGuarded {
 public:
  using T = std::remove_cv_t<std::remove_reference_t<decltype(*std::declval<Guarded&>().data())>>;
  explicit DeviceGuarded(Guarded& host) : host_(host), dev_(host.storage().size()) { upload(); }
  T* data() const { return dev_.get() + host_.payload_offset(); }
  void upload() {
    if (dev_.size()) LABKIT_CUDA_CHECK(cudaMemcpy(dev_.get(), host_.storage().data(), dev_.size() * sizeof(T), cudaMemcpyHostToDevice));
  }
  Guarded& download() {
    if (dev_.size()) LABKIT_CUDA_CHECK(cudaMemcpy(host_.storage().data(), dev_.get(), dev_.size() * sizeof(T), cudaMemcpyDeviceToHost));
    return host_;
  }

 private:
  Guarded& host_;
  DeviceBuffer<T> dev_;
};

// ---------------------------------------------------------------- timing

// CUDA events bracket work on a stream; the GPU records the two timestamps,
// so the time excludes the CPU's launch overhead but includes any gap the
// GPU spends waiting between the queued launches.
class EventTimer {
 public:
  EventTimer();
  ~EventTimer();
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;
  void start(cudaStream_t stream = nullptr);
  void stop(cudaStream_t stream = nullptr);
  // Waits for the stop event, then returns milliseconds between the two.
  float elapsed_ms();

 private:
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

// ---------------------------------------------------------------- resources

// One kernel compiled for one architecture, as ptxas or cuobjdump reports it.
// -1 means "this tool does not report it".
struct KernelResources {
  std::string mangled;     // _ZN12cuda_kernels9reference12saxpy_kernelEfPKfPfi
  std::string signature;   // void cuda_kernels::reference::saxpy_kernel(float, float const*, float*, int)
  std::string name;        // cuda_kernels::reference::saxpy_kernel (no return type, template or parameters)
  std::string template_args;  // "<true>" or ""
  int arch = 0;            // 80 for sm_80
  int registers = 0;       // per thread
  int barriers = -1;       // named barriers used (ptxas only)
  int stack_frame_bytes = 0;   // per thread, in local memory
  int spill_store_bytes = -1;  // ptxas only: bytes stored to local memory because registers ran out
  int spill_load_bytes = -1;
  int local_bytes = -1;        // cuobjdump only: local memory per thread (spills and local arrays)
  int static_shared_bytes = 0; // per block
  int constant_bytes = -1;     // constant bank 0: kernel parameters
  // Spilled bytes (stores + loads), or local memory where only that is known.
  int spill_bytes() const;
  // "saxpy_kernel" or "sgemm_regblock_2d_kernel<true>": the short name for tables.
  std::string short_name() const;
};

// Parses either format; lines it does not recognise are ignored. Kernels come
// out in the order they appear, one entry per (kernel, architecture).
//   ptxas:     ptxas info    : Compiling entry function '_Z...' for 'sm_80'
//              ptxas info    : Function properties for _Z...
//                  0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
//              ptxas info    : Used 10 registers, used 0 barriers, 4224 bytes smem, 380 bytes cmem[0]
//   cuobjdump: arch = sm_80
//               Function _Z...:
//                REG:10 STACK:0 SHARED:0 LOCAL:0 CONSTANT[0]:380 TEXTURE:0 SURFACE:0 SAMPLER:0
std::vector<KernelResources> parse_resource_usage(std::string_view text);

// abi::__cxa_demangle, or the input when it is not a mangled C++ name.
std::string demangle(const std::string& mangled);

// What limits residency on one SM of a given compute capability. Values from
// the CUDA C++ Programming Guide ("Technical Specifications per Compute
// Capability") and the CUDA Occupancy Calculator.
struct ArchLimits {
  int arch;                       // 80 for sm_80
  const char* example;            // a GPU of this architecture
  int max_warps_per_sm;
  int max_blocks_per_sm;
  int registers_per_sm;           // 32-bit registers, split over 4 SM sub-partitions
  int max_registers_per_thread;
  int register_alloc_unit;        // registers are given to a warp in multiples of this
  int shared_per_sm;              // bytes, the largest carveout
  int max_shared_per_block;       // bytes, with the opt-in attribute
  int shared_alloc_unit;          // shared memory is given to a block in multiples of this
  int reserved_shared_per_block;  // bytes the runtime keeps per block (sm_80 and later: 1 KiB)
  int max_threads_per_block;
};

// nullptr when the table has no entry for `arch`.
const ArchLimits* arch_limits(int arch);
std::vector<int> known_archs();
// "sm_86", "86", "8.6", "compute_86" -> 86; -1 when unreadable.
int parse_arch(std::string_view text);

struct Occupancy {
  int blocks_per_sm = 0;     // resident blocks of this kernel per SM
  int warps_per_block = 0;
  int active_warps = 0;      // blocks_per_sm x warps_per_block
  int max_warps = 0;         // the SM's maximum
  double fraction = 0;       // active_warps / max_warps
  // Blocks per SM each resource alone would allow.
  int limit_warps = 0, limit_blocks = 0, limit_registers = 0, limit_shared = 0;
  std::string limiter;       // "warps", "blocks", "registers", "shared memory", or why it cannot launch
};

// Theoretical occupancy, as the CUDA Occupancy Calculator computes it:
//   warps per block     = ceil(block_threads / 32)
//   registers per warp  = round_up(registers x 32, register_alloc_unit)
//   by registers        = 4 x floor((registers_per_sm / 4) / registers per warp) / warps per block
//                         (each of the SM's 4 sub-partitions owns a quarter of the register file)
//   shared per block    = round_up(shared_bytes + reserved_shared_per_block, shared_alloc_unit)
//   by shared memory    = floor(shared_per_sm / shared per block)
//   by warps            = floor(max_warps_per_sm / warps per block)
//   blocks per SM       = min(by registers, by shared memory, by warps, max_blocks_per_sm)
// shared_bytes is static plus dynamic shared memory per block.
Occupancy occupancy(const ArchLimits& limits, int registers, int shared_bytes, int block_threads);

// How a lab launches a kernel: the resource report and the occupancy counts
// need the block size, which only the host wrapper knows.
struct KernelLaunch {
  std::string kernel;      // qualified name without template arguments
  std::string kase;        // the count's case: the step the kernel belongs to, e.g. "transpose_smem_padded"
  std::string impl;        // "reference" or "student"
  int block_threads = 0;
  int dynamic_shared_bytes = 0;
};

struct ResourceRow {
  KernelResources resources;
  const KernelLaunch* launch = nullptr;   // into the launches passed to resource_rows(); nullptr: not in the table
  int block_threads = 0;                  // 0: unknown
  int limits_arch = 0;                    // the architecture occupancy was computed for (0: none)
  std::optional<Occupancy> occupancy;     // empty: no limits for this arch, or block size unknown
};

// Joins parsed kernels with their launches and computes occupancy for the
// architecture each was compiled for (or, with target_arch, for that GPU,
// using the SASS it would run: the newest compiled arch of the same major
// version not newer than it). block_override > 0 replaces every block size.
std::vector<ResourceRow> resource_rows(const std::vector<KernelResources>& kernels,
                                       const std::vector<KernelLaunch>& launches, int target_arch = 0,
                                       int block_override = 0);

// The worst case over every architecture for the kernels of one table case:
// the most registers, the most spilled bytes, the lowest occupancy.
struct WorstCase {
  int kernels = 0;           // rows that matched (0: the case has no compiled kernel)
  int with_occupancy = 0;    // of those, rows whose occupancy could be computed
  int registers = 0;
  int spill_bytes = 0;
  int stack_frame_bytes = 0;
  double occupancy = 1.0;
  std::string where;         // which kernel and arch gave the lowest occupancy
};
WorstCase worst_case(const std::vector<ResourceRow>& rows, const std::string& kase, const std::string& impl);

// The body of a lab's <id>_resources tool: prints every kernel's resources
// and occupancy. `embedded` is the ptxas output captured at build time.
//   --arch sm_86   occupancy on that GPU     --block N   another block size
//   --kernel TEXT  only kernels whose name contains TEXT
//   --brief        one line per kernel (worst case over architectures)
//   --json         machine-readable rows     --input FILE  parse FILE instead
// Returns 0, or 1 when nothing was captured or a reference kernel of the
// launch table is missing from the captured output (a stale table).
int resource_report_main(const char* lab, std::string_view embedded, const std::vector<KernelLaunch>& launches,
                         int argc, char** argv);

// ---------------------------------------------------------------- bench
}  // namespace labkit::cuda

// Bench is for .cpp files (benches compile with the host compiler): its
// header brings nlohmann/json, which nvcc has no reason to parse.
#if !defined(__CUDACC__)
#include "labkit/bench_core.hpp"  // what Bench shares with labkit::Harness: flags, validation, rounds, JSON
#include "labkit/harness.hpp"     // as before, for benches that use what it brings (Bench does not use Google Benchmark)

namespace labkit::cuda {

// The GPU counterpart of labkit::Harness. Entries enqueue work on the
// stream; Bench validates each once, then times it with CUDA events in
// batches long enough to dwarf the event overhead, repetitions randomly
// interleaved across entries, and reports median time, GFLOP/s, GB/s, the
// fraction of the device's peak bandwidth and the speedup over the case's
// baseline (with a bootstrap interval). In a full run, speedups whose
// interval is still wide are measured again, as on the CPU (up to 3 more
// rounds, "progress: re-measuring N noisy rows"). Without a device it prints
// why, computes the counts (which need none), writes the JSON and returns 0.
//
// Flags: --smoke, --quick, --impl reference|student, --out FILE,
// --repetitions N, --benchmark_filter=REGEX (on case/impl/size), --help.
class Bench {
 public:
  Bench(std::string lab, int argc, char** argv);
  ~Bench();
  Bench(const Bench&) = delete;
  Bench& operator=(const Bench&) = delete;

  bool smoke() const { return flags_.smoke; }
  bool quick() const { return flags_.quick; }
  std::vector<std::int64_t> sizes(std::vector<std::int64_t> full, std::vector<std::int64_t> smoke) const {
    return flags_.smoke ? smoke : full;
  }
  // True when a GPU can be used (entries added without one are never run).
  bool has_device() const { return has_device_; }
  const DeviceInfo& device() const { return device_; }   // valid when has_device()
  cudaStream_t stream() const { return stream_; }

  void set_baseline(const std::string& kase, const std::string& impl);
  // `run` queues one call on the stream. `validate` runs it once and returns
  // "" or what is wrong; throwing labkit::NotImplemented marks it TODO.
  void add(const std::string& kase, std::int64_t size, const std::string& impl, Role role, Work work,
           std::function<void(cudaStream_t)> run, std::function<std::string()> validate);
  // A deterministic number (registers, spilled bytes, occupancy), never timed.
  void add_count(const std::string& kase, std::int64_t size, const std::string& impl, Role role,
                 const std::string& metric, std::function<double()> compute);

  int run();

 private:
  struct Entry;
  std::string lab_;
  bench::Flags flags_;
  bool has_device_ = false;
  std::string no_device_reason_;
  DeviceInfo device_;
  cudaStream_t stream_ = nullptr;
  bench::Baselines baselines_;
  std::vector<Entry> entries_;
  std::vector<bench::Count> counts_;
};

}  // namespace labkit::cuda
#endif  // !__CUDACC__

// Defined in a source that add_cuda_lab() generates for <id>_bench and
// <id>_resources: the ptxas resource usage of the lab's kernels, captured
// while they compiled (so the report needs neither a GPU nor cuobjdump).
extern "C" const char* labkit_cuda_embedded_resource_usage();
