// labkit/memory.hpp: buffers for measuring memory, backed by 2 MiB pages.
//
// Where a buffer's 4 KiB pages land in physical memory changes from run to
// run, and with it how the buffer spreads over a physically indexed cache
// and how many TLB misses a pass over it takes: on this course's reference
// VM, simd-dot's L2-sized speedups moved by 10-19% between runs.
// A PageBuffer is 2 MiB-aligned and asks Linux for transparent huge pages
// (madvise MADV_HUGEPAGE), so every pass sees the same, physically
// contiguous pages. It is a hint: elsewhere, or with huge pages switched
// off, the buffer is ordinary memory and everything still works.
#pragma once
#include <cstddef>

namespace labkit {

class PageBuffer {
 public:
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  // At least `bytes` (rounded up to whole 2 MiB pages; at least one page),
  // zero-filled, which also touches every page so that no page fault is timed.
  explicit PageBuffer(std::size_t bytes);
  ~PageBuffer();
  PageBuffer(PageBuffer&& other) noexcept;
  PageBuffer& operator=(PageBuffer&& other) noexcept;
  PageBuffer(const PageBuffer&) = delete;
  PageBuffer& operator=(const PageBuffer&) = delete;

  std::byte* data() const { return data_; }
  std::size_t size() const { return size_; }
  // The buffer, from `byte_offset` on, as an array of T.
  template <class T>
  T* as(std::size_t byte_offset = 0) const {
    return reinterpret_cast<T*>(data_ + byte_offset);
  }

 private:
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace labkit
