// Part 4, the reference: a size-class slab allocator with thread caches
// and a bump arena.
#include <algorithm>
#include <cstdlib>
#include <new>

#include "os_concurrency.hpp"

namespace os_concurrency::reference {

namespace {

// A free block holds the link to the next one in its own first bytes: the
// list costs no memory beyond the blocks themselves (an "intrusive" list).
struct FreeBlock {
  FreeBlock* next;
};

struct FreeList {
  FreeBlock* head = nullptr;
  std::size_t count = 0;

  void push(void* p) {
    auto* b = static_cast<FreeBlock*>(p);
    b->next = head;
    head = b;
    ++count;
  }
  void* pop() {
    FreeBlock* b = head;
    if (!b) return nullptr;
    head = b->next;
    --count;
    return b;
  }
  // Moves every block of `from` to the front of this list.
  void splice(FreeList& from) {
    if (!from.head) return;
    FreeBlock* tail = from.head;
    while (tail->next) tail = tail->next;
    tail->next = head;
    head = from.head;
    count += from.count;
    from = FreeList{};
  }
};

constexpr std::size_t kChunkBytes = std::size_t{1} << 20;

// Blocks moved between a thread's cache and the shared lists at once: 16 KiB
// worth, at least 8. A thread's cache keeps at most two batches per class.
constexpr std::size_t batch(int c) { return std::max<std::size_t>(8, 16384 / slab_class_size(c)); }

struct Central {
  std::mutex mutex;  // taken once per batch, never per block
  FreeList lists[kSlabClasses];
  char* bump = nullptr;
  char* end = nullptr;
  std::size_t reserved = 0;

  char* carve(std::size_t bytes) {  // under mutex
    if (static_cast<std::size_t>(end - bump) < bytes) {
      // The rest of the old chunk is abandoned: at most one batch of the
      // biggest class (16 KiB) of every MiB.
      void* chunk = std::aligned_alloc(64, kChunkBytes);
      if (!chunk) throw std::bad_alloc();
      bump = static_cast<char*>(chunk);
      end = bump + kChunkBytes;
      reserved += kChunkBytes;
    }
    char* p = bump;
    bump += bytes;
    return p;
  }
};

// Never destroyed: a thread that exits after main() returned still gives its
// cache back here.
Central& central() {
  static Central* c = new Central;
  return *c;
}

struct ThreadCache {
  FreeList lists[kSlabClasses];

  ~ThreadCache() {  // the thread exits: its blocks go back to the shared lists
    Central& c = central();
    std::lock_guard lock(c.mutex);
    for (int k = 0; k < kSlabClasses; ++k) c.lists[k].splice(lists[k]);
  }

  void refill(int k) {
    Central& c = central();
    const std::size_t n = batch(k), size = slab_class_size(k);
    std::lock_guard lock(c.mutex);
    std::size_t moved = 0;
    for (; moved < n; ++moved) {
      void* p = c.lists[k].pop();
      if (!p) break;
      lists[k].push(p);
    }
    if (moved == 0) {  // nothing shared to reuse: carve a batch from the arena
      char* first = c.carve(n * size);
      for (std::size_t i = n; i-- > 0;) lists[k].push(first + i * size);  // lowest address on top
    }
  }

  void drain(int k) {  // keep one batch, give the rest back
    Central& c = central();
    std::lock_guard lock(c.mutex);
    while (lists[k].count > batch(k)) c.lists[k].push(lists[k].pop());
  }
};

thread_local ThreadCache tls_cache;

}  // namespace

void* slab_allocate(std::size_t size) {
  if (size > kSlabMaxSize) {
    void* p = std::malloc(size);
    if (!p) throw std::bad_alloc();
    return p;
  }
  const int k = slab_class(size);
  ThreadCache& cache = tls_cache;
  void* p = cache.lists[k].pop();
  if (!p) {
    cache.refill(k);
    p = cache.lists[k].pop();
  }
  return p;
}

void slab_deallocate(void* p, std::size_t size) {
  if (!p) return;
  if (size > kSlabMaxSize) {
    std::free(p);
    return;
  }
  const int k = slab_class(size);
  ThreadCache& cache = tls_cache;
  cache.lists[k].push(p);
  if (cache.lists[k].count > 2 * batch(k)) cache.drain(k);
}

SlabStats slab_stats() {
  Central& c = central();
  std::lock_guard lock(c.mutex);
  SlabStats s;
  s.reserved_bytes = c.reserved;
  for (const auto& l : c.lists) s.central_free_blocks += l.count;
  return s;
}

}  // namespace os_concurrency::reference
