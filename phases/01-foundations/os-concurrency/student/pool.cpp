// Part 2, your work-stealing pool. Edit only files in student/.
// Written for you: the deque's push and pop (owner side) and the pool. The
// TODO is the thieves' side of the deque, WorkDeque::steal.
#include <bit>

#include <labkit/todo.hpp>

#include <stdexcept>

#include "os_concurrency.hpp"

namespace os_concurrency::student {

// ------------------------------------------------------- WorkDeque
//
// Le et al. 2013, Figure 1, in C++ terms. top_ only grows (thieves and the
// owner's last-item race CAS it); bottom_ is written by the owner alone.

struct WorkDeque::Array {
  explicit Array(std::size_t n) : mask(n - 1), slots(new std::atomic<void*>[n]) {}
  std::size_t mask;
  std::unique_ptr<std::atomic<void*>[]> slots;  // atomic: a thief may read a slot the owner is writing
  std::size_t size() const { return mask + 1; }
  void* get(std::int64_t i) const { return slots[static_cast<std::size_t>(i) & mask].load(std::memory_order_relaxed); }
  void put(std::int64_t i, void* x) { slots[static_cast<std::size_t>(i) & mask].store(x, std::memory_order_relaxed); }
};

WorkDeque::WorkDeque(std::size_t capacity) : array_(new Array(std::bit_ceil(capacity < 2 ? std::size_t{2} : capacity))) {}

WorkDeque::~WorkDeque() {
  delete array_.load(std::memory_order_relaxed);
  for (Array* a : retired_) delete a;
}

void WorkDeque::push(void* x) {
  const std::int64_t b = bottom_.load(std::memory_order_relaxed);
  const std::int64_t t = top_.load(std::memory_order_acquire);
  Array* a = array_.load(std::memory_order_relaxed);
  if (b - t > static_cast<std::int64_t>(a->size()) - 1) {  // full: grow, copying the live range [t, b)
    auto* bigger = new Array(a->size() * 2);
    for (std::int64_t i = t; i < b; ++i) bigger->put(i, a->get(i));
    retired_.push_back(a);  // a thief that loaded `a` may still read it
    array_.store(bigger, std::memory_order_release);
    a = bigger;
  }
  a->put(b, x);
  // The slot's write (and the task it points to) must be visible to a thief
  // that sees the new bottom: a release store, paired with the thief's
  // acquire load of bottom_. Le et al. write a release fence and a relaxed
  // store, which orders the same; the store is what ThreadSanitizer, which
  // does not model fences, can check.
  bottom_.store(b + 1, std::memory_order_release);
}

void* WorkDeque::pop() {
  const std::int64_t b = bottom_.load(std::memory_order_relaxed) - 1;
  Array* a = array_.load(std::memory_order_relaxed);
  bottom_.store(b, std::memory_order_relaxed);
  // Store bottom, then load top: a store-load order, which only a seq_cst fence
  // gives. Without it the owner and a thief could both take the last item.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  std::int64_t t = top_.load(std::memory_order_relaxed);
  if (t > b) {  // empty
    bottom_.store(b + 1, std::memory_order_relaxed);
    return nullptr;
  }
  void* x = a->get(b);
  if (t == b) {  // the last item: race the thieves for it with the same CAS they use
    if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst, std::memory_order_relaxed)) x = nullptr;
    bottom_.store(b + 1, std::memory_order_relaxed);
  }
  return x;
}

void* WorkDeque::steal() {
  // TODO(4): take the item at top_, or return nullptr when the deque is empty
  // or another thread (a thief, or the owner popping the last item) wins it.
  // Read top_ before bottom_ with a seq_cst fence between (it pairs with the
  // one in pop()), read the slot, then claim it with a CAS on top_.
  // README, Part 2, explains why each order is needed (Le et al. 2013).
  LABKIT_TODO(4, "WorkDeque::steal in student/pool.cpp: Chase-Lev steal with the memory orders of Le et al. 2013");
}

bool WorkDeque::looks_empty() const {
  return top_.load(std::memory_order_relaxed) >= bottom_.load(std::memory_order_relaxed);
}

// ------------------------------------------------------- Pool

namespace {
// Which pool this thread belongs to and which deque it owns.
thread_local Pool* tls_pool = nullptr;
thread_local unsigned tls_slot = 0;

std::uint64_t next_random(std::uint64_t& s) {  // xorshift64: cheap and good enough to pick victims
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}
}  // namespace

Pool::Pool(unsigned threads) {
  if (threads < 1) threads = 1;
  for (unsigned i = 0; i < threads; ++i) deques_.push_back(std::make_unique<WorkDeque>());
  // Steal once from an empty deque here, on the calling thread: a steal()
  // that is not written yet fails now, in your test, rather than in a worker
  // thread, where an exception would end the whole program.
  if (deques_[0]->steal() != nullptr) throw std::logic_error("WorkDeque::steal returned an item from an empty deque");
  saved_pool_ = tls_pool;  // the constructing thread becomes participant 0
  saved_slot_ = tls_slot;
  tls_pool = this;
  tls_slot = 0;
  workers_.reserve(threads - 1);
  for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this, i] { worker_main(i); });
}

Pool::~Pool() {
  // Drain: the master runs tasks too, until nothing is pending. Tasks may
  // spawn more; pending_ counts them before they are visible, so it reaches
  // zero only when the last one has finished.
  help_while_pending(pending_);
  {
    std::lock_guard lock(park_mutex_);
    stop_ = true;
  }
  park_cv_.notify_all();
  for (auto& w : workers_) w.join();
  if (tls_pool == this) {
    tls_pool = saved_pool_;
    tls_slot = saved_slot_;
  }
}

unsigned Pool::my_slot() const { return tls_pool == this ? tls_slot : kNotOurs; }

void Pool::spawn(std::function<void()> f) { submit(new Task{std::move(f), nullptr}); }

void Pool::submit(Task* t) {
  pending_.fetch_add(1, std::memory_order_relaxed);
  if (t->group) t->group->pending_.fetch_add(1, std::memory_order_relaxed);
  const unsigned slot = my_slot();
  if (slot != kNotOurs) {
    deques_[slot]->push(t);
  } else {
    std::lock_guard lock(inject_mutex_);
    injected_.push_back(t);
    injected_count_.fetch_add(1, std::memory_order_relaxed);
  }
  // Wake a parked worker. The fence pairs with the one a worker runs between
  // announcing itself in sleepers_ and looking for work one last time: either
  // we see its announcement, or it sees our task (never neither: no lost wake-up).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_relaxed) > 0) {
    {
      std::lock_guard lock(park_mutex_);
      ++wake_epoch_;
    }
    park_cv_.notify_one();
  }
}

void Pool::execute(Task* t) {
  TaskGroup* g = t->group;
  if (g) {
    try {
      t->fn();
    } catch (...) {
      std::lock_guard lock(g->error_mutex_);
      if (!g->error_) g->error_ = std::current_exception();
    }
  } else {
    t->fn();
  }
  delete t;
  // Release: what the task wrote is visible to the thread that sees the count
  // drop. After this decrement the group may be gone: touch it no more.
  if (g) g->pending_.fetch_sub(1, std::memory_order_acq_rel);
  pending_.fetch_sub(1, std::memory_order_acq_rel);
}

bool Pool::run_one(unsigned slot, std::uint64_t& rng) {
  if (slot != kNotOurs) {
    if (void* x = deques_[slot]->pop()) {
      execute(static_cast<Task*>(x));
      return true;
    }
  }
  // Steal: start at a random victim and go round once.
  const auto n = static_cast<unsigned>(deques_.size());
  const auto start = static_cast<unsigned>(next_random(rng) % n);
  for (unsigned k = 0; k < n; ++k) {
    const unsigned v = (start + k) % n;
    if (v == slot) continue;
    if (void* x = deques_[v]->steal()) {
      execute(static_cast<Task*>(x));
      return true;
    }
  }
  if (injected_count_.load(std::memory_order_relaxed) > 0) {
    Task* t = nullptr;
    {
      std::lock_guard lock(inject_mutex_);
      if (!injected_.empty()) {
        t = injected_.front();
        injected_.pop_front();
        injected_count_.fetch_sub(1, std::memory_order_relaxed);
      }
    }
    if (t) {
      execute(t);
      return true;
    }
  }
  return false;
}

bool Pool::work_visible() const {
  if (injected_count_.load(std::memory_order_relaxed) > 0) return true;
  for (const auto& d : deques_)
    if (!d->looks_empty()) return true;
  return false;
}

void Pool::worker_main(unsigned slot) {
  tls_pool = this;
  tls_slot = slot;
  std::uint64_t rng = 0x9E3779B97F4A7C15ull * (slot + 1);
  Backoff backoff;
  int idle_rounds = 0;
  for (;;) {
    if (run_one(slot, rng)) {
      idle_rounds = 0;
      backoff.reset();
      continue;
    }
    if (++idle_rounds < 128) {  // spin (then yield) a while: new work usually comes soon
      backoff.pause();
      continue;
    }
    std::unique_lock lock(park_mutex_);
    if (stop_) return;  // ~Pool sets stop_ only once nothing is pending
    sleepers_.fetch_add(1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with submit()'s
    if (!work_visible()) {
      const std::uint64_t epoch = wake_epoch_;
      park_cv_.wait(lock, [&] { return wake_epoch_ != epoch || stop_; });
    }
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
    idle_rounds = 0;
    backoff.reset();
  }
}

void Pool::help_while_pending(const std::atomic<std::int64_t>& pending) {
  const unsigned slot = my_slot();
  std::uint64_t rng = 0xD1B54A32D192ED03ull ^ reinterpret_cast<std::uintptr_t>(&pending);
  Backoff backoff;
  while (pending.load(std::memory_order_acquire) > 0) {
    if (run_one(slot, rng))
      backoff.reset();
    else
      backoff.pause();
  }
}

void Pool::parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain,
                        const std::function<void(std::int64_t, std::int64_t)>& body) {
  if (grain < 1) grain = 1;
  TaskGroup group(*this);
  // Split [lo, hi) in halves, forking the upper half each time, until a piece
  // is at most one grain; the thief of a fork gets half the remaining range.
  struct Splitter {
    TaskGroup& group;
    const std::function<void(std::int64_t, std::int64_t)>& body;
    std::int64_t grain;
    void operator()(std::int64_t lo, std::int64_t hi) const {
      while (hi - lo > grain) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        group.run([self = *this, mid, hi] { self(mid, hi); });
        hi = mid;
      }
      if (lo < hi) body(lo, hi);
    }
  };
  Splitter{group, body, grain}(begin, end);
  group.wait();
}

// ------------------------------------------------------- TaskGroup

TaskGroup::~TaskGroup() {
  pool_.help_while_pending(pending_);
}

void TaskGroup::run(std::function<void()> f) { pool_.submit(new Pool::Task{std::move(f), this}); }

void TaskGroup::wait() {
  pool_.help_while_pending(pending_);
  std::exception_ptr e;
  {
    std::lock_guard lock(error_mutex_);
    std::swap(e, error_);
  }
  if (e) std::rethrow_exception(e);
}

}  // namespace os_concurrency::student
