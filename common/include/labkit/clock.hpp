// labkit/clock.hpp: the timers every measurement in the project goes through.
//
// now_ns() is the wall clock for benchmarks (monotonic, never jumps);
// cycle_counter() is the CPU's time-stamp counter where one exists, for
// measurements that want cycles rather than nanoseconds.
#pragma once
#include <chrono>
#include <cstdint>

namespace labkit {

// Monotonic nanoseconds since an arbitrary start.
inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A raw cycle (or tick) counter: rdtsc on x86, cntvct on AArch64, the steady
// clock elsewhere. TSC ticks at a constant rate on modern x86, which is not
// always the core clock: use it for relative counts, not to read frequency.
std::uint64_t cycle_counter();

// Keeps the compiler from deleting a computation whose result is unused.
template <class T>
inline void do_not_optimize(T const& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

// Tells the compiler every memory location may have been read or written.
inline void clobber_memory() { asm volatile("" : : : "memory"); }

// Measures a callable: runs it until at least min_ns have passed and
// returns the mean nanoseconds per call.
template <class F>
double time_per_call_ns(F&& fn, std::int64_t min_ns = 10'000'000) {
  std::int64_t calls = 1;
  for (;;) {
    const std::int64_t start = now_ns();
    for (std::int64_t i = 0; i < calls; ++i) fn();
    const std::int64_t elapsed = now_ns() - start;
    if (elapsed >= min_ns) return static_cast<double>(elapsed) / static_cast<double>(calls);
    calls = elapsed <= 0 ? calls * 10 : calls * 2;
  }
}

}  // namespace labkit
