// bare-metal: the interface of the lab.
//
// This header is compiled twice: by the host compiler (the tests, the bench,
// the bare-metal-run command) and by arm-none-eabi-g++ for the firmware that
// QEMU boots (BARE_METAL_FIRMWARE defined, no C++ library, no exceptions). So
// it uses only <stdint.h> and <stddef.h>, and nothing that allocates.
//
// What you write (student/):
//   1. student/startup.cpp   reset_handler(): copy .data from flash, zero .bss,
//                            then call main (firmware only; README "From reset")
//   2. student/portable.cpp  the ISR-safe ring buffer (rb_push / rb_pop)
//   3. student/portable.cpp  fir_q15(): the Q15 FIR filter's inner loop
//   4. student/portable.cpp  pi_block() / pi_release(): the priority
//                            inheritance rule the kernel's mutex calls
// The same portable.cpp runs in the host tests and inside the firmware.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace bare_metal {

// ---- Ring buffer ---------------------------------------------------------------------
//
// A single-producer single-consumer byte queue that one side may use from an
// interrupt handler: the producer writes only `head`, the consumer only
// `tail`, each reads the other's index once, and the byte is stored before
// the index that publishes it (README, "An ISR-safe ring buffer").
// `capacity` is a power of two; the indices run freely (mod 2^32) and
// head - tail is the number of bytes held, 0..capacity.
struct RingBuffer {
  uint8_t* storage;
  uint32_t capacity;            // a power of two, 2 .. 2^31
  volatile uint32_t head;       // written by the producer only: bytes pushed so far
  volatile uint32_t tail;       // written by the consumer only: bytes popped so far
};
inline void rb_init(RingBuffer& rb, uint8_t* storage, uint32_t capacity) {
  rb.storage = storage;
  rb.capacity = capacity;
  rb.head = 0;
  rb.tail = 0;
}
inline uint32_t rb_count(const RingBuffer& rb) { return rb.head - rb.tail; }

// ---- Priority inheritance ------------------------------------------------------------
//
// The kernel's view of a task and of a mutex, as far as the rule needs it.
// A larger number is a more urgent priority. The kernel keeps the lists:
// `held` (mutexes the task owns), `waiters` (tasks blocked on the mutex) and
// `waiting_for` (the mutex a blocked task waits on, or null).
constexpr int kPiMaxHeld = 4;
constexpr int kPiMaxWaiters = 6;
struct PiMutex;
struct PiTask {
  int8_t base_priority;         // what the task was created with
  int8_t priority;              // what the scheduler uses: base or inherited
  PiMutex* waiting_for;
  PiMutex* held[kPiMaxHeld];
  uint8_t n_held;
};
struct PiMutex {
  PiTask* owner;                // null when free
  PiTask* waiters[kPiMaxWaiters];
  uint8_t n_waiters;
};

// ---- Fixed point ---------------------------------------------------------------------
//
// Q15: an int16_t v stands for v / 32768, in [-1, 1 - 2^-15].
// fir_q15: y[i] = sum_{k<taps} h[k] * x[i-k] (x[j] = 0 for j < 0), each output
// summed exactly in 64 bits, then rounded once to Q15 (add 2^14, shift right
// 15: round half up) and saturated to [-32768, 32767].
inline int16_t q15_saturate(int64_t v) {
  return v > 32767 ? int16_t(32767) : v < -32768 ? int16_t(-32768) : int16_t(v);
}
inline int16_t to_q15(double v) {  // round to nearest, saturated
  const double s = v * 32768.0;
  return q15_saturate(int64_t(s < 0 ? s - 0.5 : s + 0.5));
}

#define BARE_METAL_INTERFACE                                                              \
  /* Producer side: false (nothing stored) when full. */                                  \
  bool rb_push(RingBuffer& rb, uint8_t byte);                                             \
  /* Consumer side: false (out untouched) when empty. */                                  \
  bool rb_pop(RingBuffer& rb, uint8_t& out);                                              \
  void fir_q15(const int16_t* h, int taps, const int16_t* x, int16_t* y, int n);          \
  /* `waiter` is about to block on `m` (m.owner != null, waiter already in m.waiters,  */ \
  /* waiter.waiting_for == &m): raise the owner's priority to the waiter's when lower, */ \
  /* and on along the chain (an owner that itself waits passes it to that mutex's      */ \
  /* owner), until a task already runs at least at the waiter's priority.             */ \
  void pi_block(PiMutex& m, PiTask& waiter);                                              \
  /* `owner` has just released a mutex (already gone from owner.held): its priority   */ \
  /* becomes the highest of its base priority and of the priorities of the tasks      */ \
  /* still waiting on the mutexes it holds.                                           */ \
  void pi_release(PiTask& owner);

namespace reference {
BARE_METAL_INTERFACE
}  // namespace reference

namespace student {
BARE_METAL_INTERFACE
}  // namespace student
#undef BARE_METAL_INTERFACE

}  // namespace bare_metal
