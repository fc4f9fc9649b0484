// bare-metal reference: the ring buffer, the Q15 FIR and the priority
// inheritance rule. Compiled for the host and, unchanged, into the firmware.
#include "bare_metal.hpp"

namespace bare_metal::reference {

// The compiler must neither move the byte's store after the index store nor
// read the byte before the index: a compiler barrier is enough on one core
// (Cortex-M3 does not reorder its own stores to normal memory as seen by its
// own interrupt handlers).
static inline void barrier() { __asm__ __volatile__("" ::: "memory"); }

bool rb_push(RingBuffer& rb, uint8_t byte) {
  const uint32_t head = rb.head;               // ours: no one else writes it
  if (head - rb.tail == rb.capacity) return false;
  rb.storage[head & (rb.capacity - 1)] = byte;
  barrier();                                   // the byte first, then publish it
  rb.head = head + 1;
  return true;
}

bool rb_pop(RingBuffer& rb, uint8_t& out) {
  const uint32_t tail = rb.tail;
  if (rb.head == tail) return false;
  barrier();                                   // read the index, then the byte
  out = rb.storage[tail & (rb.capacity - 1)];
  barrier();                                   // the byte is read before the slot is freed
  rb.tail = tail + 1;
  return true;
}

void fir_q15(const int16_t* h, int taps, const int16_t* x, int16_t* y, int n) {
  for (int i = 0; i < n; ++i) {
    int64_t acc = 0;                           // exact: at most taps * 2^30 in magnitude
    const int kmax = i + 1 < taps ? i + 1 : taps;
    for (int k = 0; k < kmax; ++k) acc += int32_t(h[k]) * int32_t(x[i - k]);
    y[i] = q15_saturate((acc + (1 << 14)) >> 15);
  }
}

void pi_block(PiMutex& m, PiTask& waiter) {
  PiTask* owner = m.owner;
  // Each step moves to the owner of the mutex the previous owner waits on; a
  // chain longer than the number of tasks would be a deadlock cycle.
  for (int guard = 0; owner && guard < 64; ++guard) {
    if (owner->priority >= waiter.priority) break;
    owner->priority = waiter.priority;
    owner = owner->waiting_for ? owner->waiting_for->owner : nullptr;
  }
}

void pi_release(PiTask& owner) {
  int8_t p = owner.base_priority;
  for (int i = 0; i < owner.n_held; ++i) {
    const PiMutex* m = owner.held[i];
    for (int w = 0; w < m->n_waiters; ++w)
      if (m->waiters[w]->priority > p) p = m->waiters[w]->priority;
  }
  owner.priority = p;
}

}  // namespace bare_metal::reference
