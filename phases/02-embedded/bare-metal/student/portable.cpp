// bare-metal: your ring buffer, Q15 FIR and priority inheritance rule.
// The same file runs in the host tests and inside the firmware QEMU boots,
// so use only what bare_metal.hpp uses (no C++ library, no exceptions).
#include "bare_metal.hpp"

#if defined(BARE_METAL_FIRMWARE)
#include "fw_todo.hpp"
#else
#include <labkit/todo.hpp>
#endif

namespace bare_metal::student {

// TODO(2): the ISR-safe ring buffer (README, "An ISR-safe ring buffer").
// rb_push is called by one producer, rb_pop by one consumer, one of them
// possibly an interrupt handler that preempts the other between any two
// instructions.
bool rb_push(RingBuffer& rb, uint8_t byte) {
  (void)rb;
  (void)byte;
  LABKIT_TODO(2, "student/portable.cpp: rb_push(): store the byte, then publish it by advancing head (false when full)");
}

bool rb_pop(RingBuffer& rb, uint8_t& out) {
  (void)rb;
  (void)out;
  LABKIT_TODO(2, "student/portable.cpp: rb_pop(): read the byte at tail, then free its slot by advancing tail (false when empty)");
}

// TODO(3): y[i] = sum_{k < taps, k <= i} h[k] * x[i-k], summed exactly in 64
// bits, rounded once (add 1 << 14, shift right by 15), saturated to int16.
void fir_q15(const int16_t* h, int taps, const int16_t* x, int16_t* y, int n) {
  (void)h;
  (void)taps;
  (void)x;
  (void)y;
  (void)n;
  LABKIT_TODO(3, "student/portable.cpp: fir_q15(): the multiply-accumulate loop, one rounding, saturation");
}

// TODO(4): the priority inheritance rule (README, "Priority inversion").
void pi_block(PiMutex& m, PiTask& waiter) {
  (void)m;
  (void)waiter;
  LABKIT_TODO(4, "student/portable.cpp: pi_block(): raise the owner's priority (and on along the chain) to the waiter's");
}

void pi_release(PiTask& owner) {
  (void)owner;
  LABKIT_TODO(4, "student/portable.cpp: pi_release(): the owner's priority back to max(base, its remaining waiters')");
}

}  // namespace bare_metal::student
