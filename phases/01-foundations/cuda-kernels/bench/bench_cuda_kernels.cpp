// cuda-kernels benchmark: every step of every ladder, your three kernels, and
// the yardsticks, timed with CUDA events in one process.
//
//   tools/labctl bench cuda-kernels          # or build/default/bin/cuda-kernels_bench --help
//   build/default/bin/cuda-kernels_bench --impl student --quick
//
// Yardsticks, measured in the same run:
//   memory-bound cases   copy_d2d, a cudaMemcpy device-to-device moving the
//                        same number of bytes: "vs baseline" is the fraction of
//                        the copy's bandwidth a kernel reaches (the targets ask
//                        0.8 of it for transpose and reduction). The %peak
//                        column is GB/s over the data-sheet bandwidth.
//   sgemm                cuBLAS: "vs baseline" is the fraction of cuBLAS's
//                        GFLOP/s (the target asks 0.5 at 4096).
// The working sets (256 MiB and up) are larger than any GPU's L2 cache, so
// repeated calls do not find their data in cache.
//
// Sizes: saxpy, reduce, scan: n floats; transpose: n x n; sgemm: n x n x n;
// softmax: n rows of 4096; histogram: n bytes.
//
// Without a GPU: prints "no CUDA device: <reason>", reports the resource
// counts (registers, spilled bytes, occupancy of each kernel; they come from
// the compiler, not the GPU) and exits 0.
#include <cublas_v2.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <labkit/check.hpp>
#include <labkit/cuda.hpp>
#include <labkit/todo.hpp>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "../tests/inputs.hpp"  // Rng, seed(), kUnit, scan_levels()
#include "cuda_kernels.hpp"
#include "cuda_kernels_cpu.hpp"
#include "kernels.hpp"

namespace ref = cuda_kernels::reference;
namespace stu = cuda_kernels::student;
namespace cpu = cuda_kernels::cpu;
using cuda_kernels::test::kUnit;
using cuda_kernels::test::Rng;
using labkit::Role;
using labkit::cuda::DeviceBuffer;

namespace {

constexpr int kSoftmaxCols = 4096;

std::uint64_t bench_seed(std::int64_t size) { return cuda_kernels::test::seed() * 31 + static_cast<std::uint64_t>(size); }

void check(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) throw std::runtime_error(std::string(what) + " failed: cuBLAS status " + std::to_string(s));
}

// The tests' bounds (tests/test_support.hpp explains each; labkit/check.hpp
// cites them), and labkit's one-line report of the first wrong element.

// ---------------------------------------------------------------- resources

// Registers, spilled bytes and occupancy of every kernel, worst case over the
// architectures it was compiled for. A student count first calls the
// wrapper on an empty problem: while it still holds LABKIT_TODO, the count
// is "todo" (the stub kernel compiles, but nothing was written yet).
void add_resource_counts(labkit::cuda::Bench& b) {
  auto launches = std::make_shared<std::vector<labkit::cuda::KernelLaunch>>(cuda_kernels::kernel_launches());
  const auto kernels = labkit::cuda::parse_resource_usage(labkit_cuda_embedded_resource_usage());
  auto rows = std::make_shared<std::vector<labkit::cuda::ResourceRow>>(labkit::cuda::resource_rows(kernels, *launches));
  const std::map<std::string, std::function<void()>> written = {
      {"transpose_smem_padded", [] { stu::transpose_smem_padded(nullptr, nullptr, 0, 0); }},
      {"reduce_warp_shuffle", [] { stu::reduce_warp_shuffle(nullptr, 0, nullptr, nullptr); }},
      {"sgemm_smem_tiled", [] { stu::sgemm_smem_tiled(0, 0, 0, nullptr, nullptr, nullptr); }},
  };
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& l : *launches) {
    if (!seen.insert({l.kase, l.impl}).second) continue;
    const bool student = l.impl == "student";
    std::function<void()> probe = [] {};
    if (student && written.count(l.kase)) probe = written.at(l.kase);
    // rows point into *launches: keep both alive as long as the counts.
    const auto worst = [launches, rows, kase = l.kase, impl = l.impl, probe] {
      probe();
      const auto w = labkit::cuda::worst_case(*rows, kase, impl);
      if (w.kernels == 0)
        throw std::runtime_error("no kernel of " + kase + "/" + impl + " in the captured resource usage (renamed?)");
      if (w.with_occupancy == 0)
        throw std::runtime_error("no occupancy for " + kase + "/" + impl + ": no compiled architecture has known limits");
      return w;
    };
    const Role role = student ? Role::student : Role::reference;
    b.add_count(l.kase, 0, l.impl, role, "registers", [worst] { return static_cast<double>(worst().registers); });
    b.add_count(l.kase, 0, l.impl, role, "spill_bytes", [worst] { return static_cast<double>(worst().spill_bytes); });
    b.add_count(l.kase, 0, l.impl, role, "occupancy", [worst] { return worst().occupancy; });
  }
}

// ---------------------------------------------------------------- yardsticks

// Source and destination of every copy baseline, sized for the largest.
struct CopyBuffers {
  DeviceBuffer<char> src, dst;
  explicit CopyBuffers(std::size_t bytes) : src(bytes), dst(bytes) {
    LABKIT_CUDA_CHECK(cudaMemset(src.get(), 1, bytes));
  }
};

// A device-to-device copy that reads bytes/2 and writes bytes/2: the same
// traffic as the kernel it is the baseline of.
void add_copy(labkit::cuda::Bench& b, const std::shared_ptr<CopyBuffers>& copy, const std::string& kase,
              std::int64_t size, double bytes) {
  const std::size_t half = static_cast<std::size_t>(bytes / 2);
  if (half > copy->src.size()) throw std::logic_error("copy buffers too small for " + kase);
  b.add(kase, size, "copy_d2d", Role::baseline, {0, 2.0 * half},
        [copy, half](cudaStream_t s) {
          LABKIT_CUDA_CHECK(cudaMemcpyAsync(copy->dst.get(), copy->src.get(), half, cudaMemcpyDeviceToDevice, s));
        },
        [] { return std::string(); });
}

// ---------------------------------------------------------------- cases

void add_saxpy(labkit::cuda::Bench& b, const std::shared_ptr<CopyBuffers>& copy, std::int64_t size) {
  const int n = static_cast<int>(size);
  struct Data {
    std::vector<float> x, y;
    DeviceBuffer<float> dx, dy;
  };
  auto d = std::make_shared<Data>();
  Rng rng(bench_seed(size));
  d->x.resize(n);
  d->y.resize(n);
  for (auto& v : d->x) v = rng.uniform(-1, 1);
  for (auto& v : d->y) v = rng.uniform(-1, 1);
  d->dx = DeviceBuffer<float>(d->x);
  d->dy = DeviceBuffer<float>(d->y);
  const float a = 0.5f;
  b.add("saxpy", size, "reference", Role::reference, {2.0 * n, 12.0 * n},
        [d, a, n](cudaStream_t s) { ref::saxpy(a, d->dx.get(), d->dy.get(), n, s); },
        [d, a, n] {
          d->dy.upload(d->y);
          ref::saxpy(a, d->dx.get(), d->dy.get(), n);
          const auto got = d->dy.download();
          std::vector<double> exact(got.size());
          for (int i = 0; i < n; ++i) exact[i] = static_cast<double>(a) * d->x[i] + d->y[i];
          return labkit::within(got, exact, [&](std::size_t i) {
            return labkit::axpy_error_bound(static_cast<double>(a) * d->x[i], d->y[i]) + labkit::kUnderflowSlack;
          }, {"y"}).message;
        });
  add_copy(b, copy, "saxpy", size, 12.0 * n);
}

void add_reduce(labkit::cuda::Bench& b, const std::shared_ptr<CopyBuffers>& copy, std::int64_t size) {
  const int n = static_cast<int>(size);
  struct Data {
    double exact = 0, sum_abs = 0;
    DeviceBuffer<float> x, workspace, out;
  };
  auto d = std::make_shared<Data>();
  {
    Rng rng(bench_seed(size));
    std::vector<float> x(n);
    for (auto& v : x) v = rng.uniform(-1, 1);
    d->exact = cpu::reduce_sum(x.data(), x.size(), &d->sum_abs);
    d->x = DeviceBuffer<float>(x);
  }
  d->workspace = DeviceBuffer<float>(cuda_kernels::reduce_workspace_floats(n));
  d->out = DeviceBuffer<float>(1);
  using Fn = void (*)(const float*, int, float*, float*, cudaStream_t);
  const struct {
    const char* name;
    Role role;
    Fn fn;
  } impls[] = {{"smem_tree", Role::reference, ref::reduce_smem_tree},
               {"warp_shuffle", Role::reference, ref::reduce_warp_shuffle},
               {"reference", Role::reference, ref::reduce_grid_stride_atomic},
               {"student", Role::student, stu::reduce_warp_shuffle}};
  for (const auto& impl : impls) {
    const Fn fn = impl.fn;
    b.add("reduce", size, impl.name, impl.role, {1.0 * n, 4.0 * n},
          [d, fn, n](cudaStream_t s) { fn(d->x.get(), n, d->out.get(), d->workspace.get(), s); },
          [d, fn, n] {
            d->out.upload({-12345.0f});
            fn(d->x.get(), n, d->out.get(), d->workspace.get(), nullptr);
            const double got = d->out.download()[0];
            const double bound = labkit::dot_error_bound_probabilistic(n, d->sum_abs) + labkit::kUnderflowSlack;
            return labkit::within(got, d->exact, bound, {"sum", labkit::Where::kScalar}).message;
          });
  }
  add_copy(b, copy, "reduce", size, 4.0 * n);
}

void add_transpose(labkit::cuda::Bench& b, const std::shared_ptr<CopyBuffers>& copy, std::int64_t size) {
  const int n = static_cast<int>(size);
  const std::size_t nn = static_cast<std::size_t>(n) * n;
  struct Data {
    std::vector<float> expected;
    DeviceBuffer<float> in, out;
  };
  auto d = std::make_shared<Data>();
  {
    Rng rng(bench_seed(size));
    std::vector<float> in(nn);
    for (auto& v : in) v = rng.uniform(-1, 1);
    d->expected.resize(nn);
    cpu::transpose(in.data(), d->expected.data(), n, n);
    d->in = DeviceBuffer<float>(in);
  }
  d->out = DeviceBuffer<float>(nn);
  using Fn = void (*)(const float*, float*, int, int, cudaStream_t);
  const struct {
    const char* name;
    Role role;
    Fn fn;
  } impls[] = {{"naive", Role::reference, ref::transpose_naive},
               {"smem_tile", Role::reference, ref::transpose_smem_tile},
               {"reference", Role::reference, ref::transpose_smem_padded},
               {"student", Role::student, stu::transpose_smem_padded}};
  for (const auto& impl : impls) {
    const Fn fn = impl.fn;
    b.add("transpose", size, impl.name, impl.role, {0, 8.0 * nn},
          [d, fn, n](cudaStream_t s) { fn(d->in.get(), d->out.get(), n, n, s); },
          [d, fn, n, nn] {
            LABKIT_CUDA_CHECK(cudaMemset(d->out.get(), 0xFF, nn * sizeof(float)));  // NaN: unwritten shows
            fn(d->in.get(), d->out.get(), n, n, nullptr);
            const auto got = d->out.download();
            return labkit::exactly_equal(got, d->expected, {"out", static_cast<std::size_t>(n)}).message;
          });
  }
  add_copy(b, copy, "transpose", size, 8.0 * nn);
}

void add_sgemm(labkit::cuda::Bench& b, cublasHandle_t handle, std::int64_t size) {
  const int n = static_cast<int>(size);
  const std::size_t nn = static_cast<std::size_t>(n) * n;
  struct Sample {
    std::size_t index;
    double exact, scale;
  };
  struct Data {
    std::vector<Sample> samples;  // entries of C checked against the CPU (all of them for small n)
    DeviceBuffer<float> A, B, C;
  };
  auto d = std::make_shared<Data>();
  {
    Rng rng(bench_seed(size));
    std::vector<float> A(nn), B(nn);
    for (auto& v : A) v = rng.uniform(-1, 1);
    for (auto& v : B) v = rng.uniform(-1, 1);
    std::vector<std::size_t> where;
    if (nn <= 65536) {
      for (std::size_t i = 0; i < nn; ++i) where.push_back(i);
    } else {
      where = {0, nn - 1, static_cast<std::size_t>(n - 1), nn - static_cast<std::size_t>(n)};  // the corners
      for (int k = 0; k < 4096; ++k) where.push_back(rng.next() % nn);
    }
    for (std::size_t i : where) {
      double scale = 0;
      const double exact = cpu::sgemm_entry(n, n, A.data(), B.data(), static_cast<int>(i / n), static_cast<int>(i % n), &scale);
      d->samples.push_back({i, exact, scale});
    }
    d->A = DeviceBuffer<float>(A);
    d->B = DeviceBuffer<float>(B);
  }
  d->C = DeviceBuffer<float>(nn);
  using Fn = std::function<void(cudaStream_t)>;
  // Row-major C = A B is column-major C^T = B^T A^T: cuBLAS, which is
  // column-major, computes it with A and B swapped and nothing transposed.
  const Fn cublas = [d, n, handle](cudaStream_t s) {
    const float one = 1.0f, zero = 0.0f;
    check(cublasSetStream(handle, s), "cublasSetStream");
    check(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, d->B.get(), n, d->A.get(), n, &zero, d->C.get(), n),
          "cublasSgemm");
  };
  auto step = [d, n](void (*fn)(int, int, int, const float*, const float*, float*, cudaStream_t)) -> Fn {
    return [d, n, fn](cudaStream_t s) { fn(n, n, n, d->A.get(), d->B.get(), d->C.get(), s); };
  };
  const struct {
    const char* name;
    Role role;
    Fn run;
  } impls[] = {{"cublas", Role::baseline, cublas},
               {"naive", Role::reference, step(ref::sgemm_naive)},
               {"smem_tiled", Role::reference, step(ref::sgemm_smem_tiled)},
               {"reference", Role::reference, step(ref::sgemm_regblock_2d)},
               {"student", Role::student, step(stu::sgemm_smem_tiled)}};
  for (const auto& impl : impls) {
    const Fn run = impl.run;
    b.add("sgemm", size, impl.name, impl.role, {2.0 * n * nn, 12.0 * nn}, run, [d, run, n, nn] {
      LABKIT_CUDA_CHECK(cudaMemset(d->C.get(), 0xFF, nn * sizeof(float)));
      run(nullptr);
      LABKIT_CUDA_CHECK(cudaDeviceSynchronize());
      const auto got = d->C.download();
      std::vector<float> sampled;
      std::vector<double> exact, bound;
      for (const auto& s : d->samples) {
        sampled.push_back(got[s.index]);
        exact.push_back(s.exact);
        bound.push_back(labkit::dot_error_bound_probabilistic(n, s.scale) + labkit::kUnderflowSlack);
      }
      const auto r = labkit::within(sampled, exact, bound, {"C's checked elements"});
      if (r.ok) return std::string();
      const std::size_t at = d->samples[r.first_index].index;
      return r.message + " (the first wrong one is C[" + std::to_string(at / n) + "][" + std::to_string(at % n) + "])";
    });
  }
}

void add_softmax(labkit::cuda::Bench& b, const std::shared_ptr<CopyBuffers>& copy, std::int64_t size) {
  const int rows = static_cast<int>(size), cols = kSoftmaxCols;
  const std::size_t n = static_cast<std::size_t>(rows) * cols;
  struct Data {
    std::vector<double> expected;
    DeviceBuffer<float> x, y;
  };
  auto d = std::make_shared<Data>();
  {
    Rng rng(bench_seed(size));
    std::vector<float> x(n);
    for (auto& v : x) v = rng.uniform(-5, 5);
    d->expected.resize(n);
    cpu::softmax_rows(x.data(), d->expected.data(), rows, cols);
    d->x = DeviceBuffer<float>(x);
  }
  d->y = DeviceBuffer<float>(n);
  using Fn = void (*)(const float*, float*, int, int, cudaStream_t);
  const struct {
    const char* name;
    Fn fn;
  } impls[] = {{"three_pass", ref::softmax_three_pass}, {"reference", ref::softmax_online}};
  for (const auto& impl : impls) {
    const Fn fn = impl.fn;
    b.add("softmax", size, impl.name, Role::reference, {0, 8.0 * n},
          [d, fn, rows, cols](cudaStream_t s) { fn(d->x.get(), d->y.get(), rows, cols, s); },
          [d, fn, rows, cols, n] {
            LABKIT_CUDA_CHECK(cudaMemset(d->y.get(), 0xFF, n * sizeof(float)));
            fn(d->x.get(), d->y.get(), rows, cols, nullptr);
            const auto got = d->y.download();
            const double rel = (4.0 * (cols / 32 + 1 + 5) + 32) * kUnit;  // tests/test_support.hpp explains it
            return labkit::within(got, d->expected, [&](std::size_t i) { return rel * d->expected[i] + 1e-38; },
                                  {"y", static_cast<std::size_t>(cols)})
                .message;
          });
  }
  add_copy(b, copy, "softmax", size, 8.0 * n);
}

void add_histogram(labkit::cuda::Bench& b, const std::shared_ptr<CopyBuffers>& copy, std::int64_t size) {
  const int n = static_cast<int>(size);
  struct Data {
    std::vector<unsigned int> expected;
    DeviceBuffer<std::uint8_t> data;
    DeviceBuffer<unsigned int> bins;
  };
  auto d = std::make_shared<Data>();
  {
    Rng rng(bench_seed(size));
    std::vector<std::uint8_t> data(static_cast<std::size_t>(n));
    for (auto& v : data) v = static_cast<std::uint8_t>(rng.next() >> 56);
    d->expected = cpu::histogram(data.data(), data.size());
    d->data = DeviceBuffer<std::uint8_t>(data);
  }
  d->bins = DeviceBuffer<unsigned int>(cuda_kernels::kHistogramBins);
  using Fn = void (*)(const std::uint8_t*, int, unsigned int*, cudaStream_t);
  const struct {
    const char* name;
    Fn fn;
  } impls[] = {{"global_atomics", ref::histogram_global_atomics}, {"reference", ref::histogram_shared_privatized}};
  for (const auto& impl : impls) {
    const Fn fn = impl.fn;
    b.add("histogram", size, impl.name, Role::reference, {0, 1.0 * n},
          [d, fn, n](cudaStream_t s) { fn(d->data.get(), n, d->bins.get(), s); },
          [d, fn, n] {
            LABKIT_CUDA_CHECK(cudaMemset(d->bins.get(), 0xFF, d->bins.size() * sizeof(unsigned int)));
            fn(d->data.get(), n, d->bins.get(), nullptr);
            const auto got = d->bins.download();
            return labkit::exactly_equal(got, d->expected, {"bins"}).message;
          });
  }
  add_copy(b, copy, "histogram", size, 1.0 * n);
}

void add_scan(labkit::cuda::Bench& b, const std::shared_ptr<CopyBuffers>& copy, std::int64_t size) {
  const int n = static_cast<int>(size);
  struct Data {
    std::vector<double> expected, prefix_abs;
    DeviceBuffer<float> x, y, workspace;
  };
  auto d = std::make_shared<Data>();
  {
    Rng rng(bench_seed(size));
    std::vector<float> x(n);
    for (auto& v : x) v = rng.uniform(-1, 1);
    d->expected.resize(n);
    d->prefix_abs.resize(n);
    cpu::exclusive_scan(x.data(), d->expected.data(), x.size(), d->prefix_abs.data());
    d->x = DeviceBuffer<float>(x);
  }
  d->y = DeviceBuffer<float>(n);
  d->workspace = DeviceBuffer<float>(cuda_kernels::scan_workspace_floats(n));
  const std::size_t depth = 19 * static_cast<std::size_t>(cuda_kernels::test::scan_levels(n));
  b.add("scan", size, "reference", Role::reference, {2.0 * n, 8.0 * n},
        [d, n](cudaStream_t s) { ref::scan_blelloch(d->x.get(), d->y.get(), n, d->workspace.get(), s); },
        [d, n, depth] {
          LABKIT_CUDA_CHECK(cudaMemset(d->y.get(), 0xFF, static_cast<std::size_t>(n) * sizeof(float)));
          ref::scan_blelloch(d->x.get(), d->y.get(), n, d->workspace.get(), nullptr);
          const auto got = d->y.download();
          return labkit::within(got, d->expected, [&](std::size_t i) {
            return labkit::tree_sum_error_bound(depth, d->prefix_abs[i]) + labkit::kUnderflowSlack;
          }, {"y"}).message;
        });
  add_copy(b, copy, "scan", size, 8.0 * n);
}

}  // namespace

int main(int argc, char** argv) {
  labkit::cuda::Bench b("cuda-kernels", argc, argv);
  add_resource_counts(b);
  if (!b.has_device()) return b.run();  // says why, writes the counts

  for (const char* kase : {"saxpy", "reduce", "transpose", "softmax", "histogram", "scan"}) b.set_baseline(kase, "copy_d2d");
  b.set_baseline("sgemm", "cublas");

  const auto saxpy_n = b.sizes({1 << 26}, {100003});
  const auto reduce_n = b.sizes({1 << 26}, {100003});
  const auto transpose_n = b.sizes({8192}, {67});
  const auto sgemm_n = b.sizes({1024, 4096}, {67, 128});
  const auto softmax_rows = b.sizes({8192}, {33});
  const auto histogram_n = b.sizes({1 << 28}, {100003});
  const auto scan_n = b.sizes({1 << 26}, {100003});

  // The copy baseline with the most bytes sets the size of its buffers.
  double most = 0;
  for (auto n : saxpy_n) most = std::max(most, 12.0 * n);
  for (auto n : reduce_n) most = std::max(most, 4.0 * n);
  for (auto n : transpose_n) most = std::max(most, 8.0 * n * n);
  for (auto n : softmax_rows) most = std::max(most, 8.0 * n * kSoftmaxCols);
  for (auto n : histogram_n) most = std::max(most, 1.0 * n);
  for (auto n : scan_n) most = std::max(most, 8.0 * n);
  auto copy = std::make_shared<CopyBuffers>(static_cast<std::size_t>(most / 2) + 16);

  cublasHandle_t handle = nullptr;
  check(cublasCreate(&handle), "cublasCreate");
  // Plain FP32 for cuBLAS too (no TF32 tensor cores): the comparison is like for like.
  check(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");

  for (auto n : saxpy_n) add_saxpy(b, copy, n);
  for (auto n : reduce_n) add_reduce(b, copy, n);
  for (auto n : transpose_n) add_transpose(b, copy, n);
  for (auto n : sgemm_n) add_sgemm(b, handle, n);
  for (auto n : softmax_rows) add_softmax(b, copy, n);
  for (auto n : histogram_n) add_histogram(b, copy, n);
  for (auto n : scan_n) add_scan(b, copy, n);

  const int rc = b.run();
  cublasDestroy(handle);
  return rc;
}
