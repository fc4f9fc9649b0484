// The golden model of the FIFO: a std::deque with a capacity, and the same
// rules as the RTL for which requests take effect in a cycle.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>

namespace hdl_fifo {

class FifoModel {
 public:
  FifoModel(std::size_t depth, std::size_t almost_full) : depth_(depth), almost_full_(almost_full) {}

  struct Effect {
    bool pushed = false, popped = false;
  };

  // One clock edge with these requests. Pop needs an entry; push needs room,
  // or a pop in the same cycle (when full). Push into an empty FIFO with a
  // pop in the same cycle: the push happens, the pop does not.
  Effect clock(bool push, std::uint32_t data, bool pop) {
    Effect e;
    e.popped = pop && !q_.empty();
    e.pushed = push && (q_.size() < depth_ || e.popped);
    if (e.popped) q_.pop_front();
    if (e.pushed) q_.push_back(data);
    return e;
  }
  void reset() { q_.clear(); }

  std::size_t count() const { return q_.size(); }
  bool empty() const { return q_.empty(); }
  bool full() const { return q_.size() == depth_; }
  bool almost_full() const { return q_.size() >= almost_full_; }
  std::uint32_t front() const { return q_.front(); }

 private:
  std::size_t depth_, almost_full_;
  std::deque<std::uint32_t> q_;
};

}  // namespace hdl_fifo
