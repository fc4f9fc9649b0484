// Part 1, your queues. Edit only files in student/.
// The constructors are written; the TODOs are the push and pop of each queue.
// The README's Part 1 walks through what each needs; the tests in
// tests/test_queues_pool.cpp push unique ids through them from several
// threads and check every id comes out exactly once.
#include <bit>

#include <labkit/todo.hpp>

#include "os_concurrency.hpp"

namespace os_concurrency::student {

namespace {
std::size_t ring_size(std::size_t capacity) { return std::bit_ceil(capacity < 2 ? std::size_t{2} : capacity); }
}  // namespace

// ------------------------------------------------------- SpscRing: acquire/release

SpscRing::SpscRing(std::size_t capacity) : buf_(ring_size(capacity)), mask_(buf_.size() - 1) {}

bool SpscRing::try_push(Item v) {
  // TODO(1): store v in the slot tail_ points at, then publish the new tail.
  // Which load of head_ needs acquire, and which store of tail_ needs release?
  // (README, Part 1: "the one rule"). cached_head_ saves reloading head_ every time.
  (void)v;
  LABKIT_TODO(1, "SpscRing::try_push in student/queues.cpp: write it with acquire/release memory orders");
}

bool SpscRing::try_pop(Item& v) {
  // TODO(1): read the slot head_ points at, then publish the new head.
  (void)v;
  LABKIT_TODO(1, "SpscRing::try_pop in student/queues.cpp: write it with acquire/release memory orders");
}

// ------------------------------------------------------- SpscRingFenced

SpscRingFenced::SpscRingFenced(std::size_t capacity) : buf_(ring_size(capacity)), mask_(buf_.size() - 1) {}

bool SpscRingFenced::try_push(Item v) {
  // TODO(2): as SpscRing::try_push, with every atomic access relaxed and
  // std::atomic_thread_fence where the ordering is needed.
  (void)v;
  LABKIT_TODO(2, "SpscRingFenced::try_push in student/queues.cpp: relaxed accesses plus fences");
}

bool SpscRingFenced::try_pop(Item& v) {
  // TODO(2): as SpscRing::try_pop, relaxed accesses plus fences.
  (void)v;
  LABKIT_TODO(2, "SpscRingFenced::try_pop in student/queues.cpp: relaxed accesses plus fences");
}

// ------------------------------------------------------- MpmcQueue (Vyukov)

MpmcQueue::MpmcQueue(std::size_t capacity)
    : cells_(new Cell[ring_size(capacity)]), mask_(ring_size(capacity) - 1) {
  for (std::size_t i = 0; i <= mask_; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
}

bool MpmcQueue::try_push(Item v) {
  // TODO(3): claim a position with a CAS on enqueue_pos_ when its cell's seq
  // equals the position; write the value; hand the cell to its consumer with
  // seq = pos + 1 (release). seq < pos: the queue is full.
  (void)v;
  LABKIT_TODO(3, "MpmcQueue::try_push in student/queues.cpp: Vyukov's sequence-number protocol");
}

bool MpmcQueue::try_pop(Item& v) {
  // TODO(3): claim a position with a CAS on dequeue_pos_ when its cell's seq
  // equals pos + 1; read the value; free the cell for the producer one lap
  // later with seq = pos + capacity (release). seq < pos + 1: empty.
  (void)v;
  LABKIT_TODO(3, "MpmcQueue::try_pop in student/queues.cpp: Vyukov's sequence-number protocol");
}

// ------------------------------------------------------- MutexQueue
//
// Given, as the worked example: the lock-free queues must beat this.

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

}  // namespace os_concurrency::student
