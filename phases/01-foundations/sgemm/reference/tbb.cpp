// Step 7b: the same parallel packed GEMM with oneTBB.
//
// The structure is that of openmp.cpp; tbb::parallel_for over a
// blocked_range of slivers packs B, and another over the row blocks of C
// runs the macro-kernel. parallel_for returns only when every block is done,
// which is the barrier the algorithm needs. A task_arena caps the number of
// threads that join in; arenas are kept, one per thread count, because
// creating one costs more than a small multiplication. The row blocks go to
// threads by work stealing (grain size 1 block): an idle thread takes blocks
// from a busy one, like `schedule(dynamic)` in OpenMP.
#include <tbb/blocked_range.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

#include "packed_gemm.hpp"
#include "sgemm.hpp"

namespace sgemm::reference {
namespace {

// More threads than the machine runs at once would only take turns (and
// oneTBB warns about it), so an arena never asks for more than that; the
// work is still cut into `threads` shares.
tbb::task_arena& arena_for(int threads) {
  threads = std::min(threads, tbb::info::default_concurrency());
  static std::mutex mutex;
  static std::map<int, std::unique_ptr<tbb::task_arena>> arenas;
  std::lock_guard<std::mutex> lock(mutex);
  auto& arena = arenas[threads];
  if (!arena) arena = std::make_unique<tbb::task_arena>(threads);
  return *arena;
}

}  // namespace

void sgemm_tbb(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
               int threads) {
  using namespace detail;
  const Kernel& k = dispatched_kernel();
  if (threads <= 1 || small_problem(M, N, K)) return packed_gemm(k, M, N, K, A, lda, B, ldb, C, ldc);
  if (trivial_shape(M, N, K, C, ldc)) return;
  const RowBlocks rows = split_rows(k, M, threads);
  float* Bp = workspace(Slot::b, static_cast<std::size_t>(k.kc) * round_up(min_int(N, k.nc), k.nr));
  arena_for(threads).execute([&] {
    for (int jc = 0; jc < N; jc += k.nc) {
      const int nc = min_int(k.nc, N - jc);
      const int slivers = (nc + k.nr - 1) / k.nr;
      for (int pc = 0; pc < K; pc += k.kc) {
        const int kc = min_int(k.kc, K - pc);
        tbb::parallel_for(
            tbb::blocked_range<int>(0, slivers),
            [&](const tbb::blocked_range<int>& r) {
              for (int s = r.begin(); s < r.end(); ++s) {
                const int j = s * k.nr;
                k.pack_b(kc, min_int(k.nr, nc - j), B + static_cast<std::ptrdiff_t>(pc) * ldb + jc + j, ldb,
                         Bp + static_cast<std::ptrdiff_t>(j) * kc);
              }
            },
            tbb::static_partitioner());
        tbb::parallel_for(
            tbb::blocked_range<int>(0, rows.count, 1),
            [&](const tbb::blocked_range<int>& r) {
              // This thread's own A buffer (thread_local inside workspace()).
              float* Ap = workspace(Slot::a, static_cast<std::size_t>(rows.height) * k.kc);
              for (int block = r.begin(); block < r.end(); ++block) {
                const int ic = block * rows.height;
                const int mc = min_int(rows.height, M - ic);
                k.pack_a(mc, kc, A + static_cast<std::ptrdiff_t>(ic) * lda + pc, lda, Ap);
                k.macro_kernel(mc, nc, kc, Ap, Bp, C + static_cast<std::ptrdiff_t>(ic) * ldc + jc, ldc, pc > 0);
              }
            },
            tbb::simple_partitioner());
      }
    }
  });
}

}  // namespace sgemm::reference
