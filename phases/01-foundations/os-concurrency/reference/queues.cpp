// Part 1, the reference: three bounded queues of 64-bit items.
#include <bit>

#include "os_concurrency.hpp"

namespace os_concurrency::reference {

namespace {
std::size_t ring_size(std::size_t capacity) { return std::bit_ceil(capacity < 2 ? std::size_t{2} : capacity); }
}  // namespace

// ------------------------------------------------------- SpscRing: acquire/release
//
// The one rule that makes it work: a side publishes its index with a release
// store *after* touching the slot, and the other side reads that index with
// an acquire load *before* touching the slot. Release/acquire on the same
// variable makes everything before the store visible after the load:
//   producer: buf_[t] = v;      tail_.store(t + 1, release)
//   consumer: tail_.load(acquire) > t  =>  buf_[t] is v
// and in the other direction (the slot may be reused only after it was read):
//   consumer: v = buf_[h];      head_.store(h + 1, release)
//   producer: head_.load(acquire) > h  =>  the read of buf_[h] is done
// A side's own index needs no ordering when it reads it: only it writes it.

SpscRing::SpscRing(std::size_t capacity) : buf_(ring_size(capacity)), mask_(buf_.size() - 1) {}

bool SpscRing::try_push(Item v) {
  const std::size_t tail = tail_.load(std::memory_order_relaxed);
  if (tail - cached_head_ == buf_.size()) {
    cached_head_ = head_.load(std::memory_order_acquire);
    if (tail - cached_head_ == buf_.size()) return false;
  }
  buf_[tail & mask_] = v;
  tail_.store(tail + 1, std::memory_order_release);
  return true;
}

bool SpscRing::try_pop(Item& v) {
  const std::size_t head = head_.load(std::memory_order_relaxed);
  if (head == cached_tail_) {
    cached_tail_ = tail_.load(std::memory_order_acquire);
    if (head == cached_tail_) return false;
  }
  v = buf_[head & mask_];
  head_.store(head + 1, std::memory_order_release);
  return true;
}

// ------------------------------------------------------- SpscRingFenced
//
// The same orderings with the fences spelled out: a relaxed load followed by
// atomic_thread_fence(acquire) acts as an acquire load, and
// atomic_thread_fence(release) followed by a relaxed store acts as a release
// store ([atomics.fences]: the fence pair synchronizes when the load reads
// the value the store wrote). On x86 both compile to the same instructions as
// the acquire/release version (every load is an acquire and every store a
// release there); on Arm, `dmb ish` fences instead of `ldar`/`stlr`.

SpscRingFenced::SpscRingFenced(std::size_t capacity) : buf_(ring_size(capacity)), mask_(buf_.size() - 1) {}

bool SpscRingFenced::try_push(Item v) {
  const std::size_t tail = tail_.load(std::memory_order_relaxed);
  if (tail - cached_head_ == buf_.size()) {
    cached_head_ = head_.load(std::memory_order_relaxed);
    if (tail - cached_head_ == buf_.size()) return false;
    std::atomic_thread_fence(std::memory_order_acquire);  // the consumer's read of the slot is done
  }
  buf_[tail & mask_] = v;
  std::atomic_thread_fence(std::memory_order_release);  // the slot's write happens before the new tail
  tail_.store(tail + 1, std::memory_order_relaxed);
  return true;
}

bool SpscRingFenced::try_pop(Item& v) {
  const std::size_t head = head_.load(std::memory_order_relaxed);
  if (head == cached_tail_) {
    cached_tail_ = tail_.load(std::memory_order_relaxed);
    if (head == cached_tail_) return false;
    std::atomic_thread_fence(std::memory_order_acquire);  // the producer's write of the slot is visible
  }
  v = buf_[head & mask_];
  std::atomic_thread_fence(std::memory_order_release);  // our read of the slot happens before the new head
  head_.store(head + 1, std::memory_order_relaxed);
  return true;
}

// ------------------------------------------------------- MpmcQueue (Vyukov)
//
// A producer claims position pos by a CAS on enqueue_pos_ only when the cell
// at pos says it is free for exactly that lap (seq == pos); it writes the
// value, then hands the cell to the consumer of pos with seq = pos + 1
// (release). A consumer claims pos when seq == pos + 1 (acquire: the value
// is visible), reads it, then frees the cell for the producer one lap later,
// seq = pos + capacity. The CASes on the positions only arbitrate between
// threads of one side, so they can be relaxed: the cell's seq carries the
// data's ordering. seq - pos < 0 means the cell is a lap behind: full (push)
// or empty (pop).

MpmcQueue::MpmcQueue(std::size_t capacity)
    : cells_(new Cell[ring_size(capacity)]), mask_(ring_size(capacity) - 1) {
  for (std::size_t i = 0; i <= mask_; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
}

bool MpmcQueue::try_push(Item v) {
  std::size_t pos = enqueue_pos_.load(std::memory_order_relaxed);
  Cell* cell;
  for (;;) {
    cell = &cells_[pos & mask_];
    const std::size_t seq = cell->seq.load(std::memory_order_acquire);
    const auto diff = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos);
    if (diff == 0) {
      if (enqueue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
    } else if (diff < 0) {
      return false;  // full
    } else {
      pos = enqueue_pos_.load(std::memory_order_relaxed);  // another producer took pos
    }
  }
  cell->value = v;
  cell->seq.store(pos + 1, std::memory_order_release);
  return true;
}

bool MpmcQueue::try_pop(Item& v) {
  std::size_t pos = dequeue_pos_.load(std::memory_order_relaxed);
  Cell* cell;
  for (;;) {
    cell = &cells_[pos & mask_];
    const std::size_t seq = cell->seq.load(std::memory_order_acquire);
    const auto diff = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos + 1);
    if (diff == 0) {
      if (dequeue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
    } else if (diff < 0) {
      return false;  // empty
    } else {
      pos = dequeue_pos_.load(std::memory_order_relaxed);
    }
  }
  v = cell->value;
  cell->seq.store(pos + mask_ + 1, std::memory_order_release);
  return true;
}

// ------------------------------------------------------- MutexQueue

MutexQueue::MutexQueue(std::size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

bool MutexQueue::try_push(Item v) {
  {
    std::lock_guard lock(mutex_);
    if (items_.size() == capacity_) return false;
    items_.push_back(v);
  }
  not_empty_.notify_one();  // outside the lock: the woken thread need not wait for it
  return true;
}

bool MutexQueue::try_pop(Item& v) {
  {
    std::lock_guard lock(mutex_);
    if (items_.empty()) return false;
    v = items_.front();
    items_.pop_front();
  }
  not_full_.notify_one();
  return true;
}

void MutexQueue::push(Item v) {
  {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_; });  // the predicate handles spurious wake-ups
    items_.push_back(v);
  }
  not_empty_.notify_one();
}

Item MutexQueue::pop() {
  Item v;
  {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !items_.empty(); });
    v = items_.front();
    items_.pop_front();
  }
  not_full_.notify_one();
  return v;
}

}  // namespace os_concurrency::reference
