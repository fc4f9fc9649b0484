// os-concurrency: the interface learners implement.
//
//   Part 1, queues of 64-bit items (ids, pointers, indices):
//     SpscRing        single producer, single consumer; acquire/release   TODO(1)
//     SpscRingFenced  the same ring with relaxed accesses plus fences     TODO(2)
//     MpmcQueue       Vyukov's bounded multi-producer multi-consumer      TODO(3)
//     MutexQueue      a mutex and two condition variables (given: the worked example)
//   Part 2, a work-stealing pool:
//     WorkDeque       Chase-Lev deque; owner pushes/pops bottom, thieves steal top   TODO(4)
//     Pool, TaskGroup spawn/wait in the style of tbb::task_group; parallel_for
//   Part 3, a CPU scheduler simulator (sched.hpp); the policies:
//     make_fcfs (given), make_sjf TODO(5), make_round_robin TODO(6),
//     make_mlfq's demotion rule TODO(7), make_cfs TODO(8), make_edf TODO(9)
//   Part 4, a slab allocator: slab_allocate / slab_deallocate; its free list TODO(10)
//
// The declarations live in os_concurrency_api.inc and are included twice,
// once in namespace `reference` and once in `student`, so the benchmark can
// link both and time them in the same process.
#pragma once
#include <atomic>
#include <bit>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "sched.hpp"

namespace os_concurrency {

using Item = std::uint64_t;

// Two atomics written by different threads must not share a cache line, or
// every write by one core invalidates the other core's copy ("false sharing").
// 64 bytes is the line of every x86 and most Arm cores (Apple's M-series use
// 128; the padding is then half as effective, never wrong).
inline constexpr std::size_t kCacheLine = 64;

// A hint to the core that this is a spin-wait loop: on x86 `pause` (which
// also keeps the loop from flooding the memory order buffer), on Arm `yield`.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  asm volatile("yield" ::: "memory");
#endif
}

// Spin a little, then give the core away. With more runnable threads than
// free cores (two cores shared with other programs, say), a pure spin holds
// the very core the other side of the queue needs to make progress.
class Backoff {
 public:
  void pause() noexcept {
    if (spins_ < 64) {
      ++spins_;
      cpu_relax();
    } else {
      std::this_thread::yield();
    }
  }
  void reset() noexcept { spins_ = 0; }

 private:
  int spins_ = 0;
};

// A queue's try_push/try_pop made blocking by spinning with backoff.
template <class Q>
void push_wait(Q& q, Item v) {
  Backoff b;
  while (!q.try_push(v)) b.pause();
}
template <class Q>
Item pop_wait(Q& q) {
  Backoff b;
  Item v = 0;
  while (!q.try_pop(v)) b.pause();
  return v;
}

// Part 4: the slab allocator's size classes, 16, 32, 64, ..., 2048 bytes.
// A request is served from the smallest class that holds it.
inline constexpr std::size_t kSlabMaxSize = 2048;
inline constexpr int kSlabClasses = 8;
inline constexpr int slab_class(std::size_t size) {
  return size <= 16 ? 0 : static_cast<int>(std::bit_width(size - 1)) - 4;
}
inline constexpr std::size_t slab_class_size(int c) { return std::size_t{16} << c; }

struct SlabStats {
  std::size_t reserved_bytes = 0;       // taken from the system by the arena (never given back)
  std::size_t central_free_blocks = 0;  // free blocks in the shared lists (not in threads' caches)
};

namespace reference {
#include "os_concurrency_api.inc"
}  // namespace reference

namespace student {
#include "os_concurrency_api.inc"
}  // namespace student

}  // namespace os_concurrency
