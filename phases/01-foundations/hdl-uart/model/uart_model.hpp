// Golden model of the UART transmitter, cycle by cycle: which byte is on the
// line, which bit of its frame, and when a new byte may be taken. Written from
// the specification (a frame is 10 bits of `divisor` cycles), not from the RTL.
#pragma once
#include <cstdint>

namespace hdl_uart {

// Bit i of the 8N1 frame of `byte`: 0 start, 1..8 data LSB first, 9 stop.
inline int frame_bit(std::uint8_t byte, int i) { return i == 0 ? 0 : i == 9 ? 1 : (byte >> (i - 1)) & 1; }

class TxModel {
 public:
  explicit TxModel(int divisor) : div_(divisor) {}
  // A byte may be taken when idle or in the last cycle of a stop bit.
  bool ready() const { return remaining_ <= 1; }
  int txd() const { return remaining_ == 0 ? 1 : frame_bit(byte_, (10 * div_ - remaining_) / div_); }
  // One clock edge; returns true when the byte was taken.
  bool clock(bool valid, std::uint8_t data) {
    if (valid && ready()) {
      byte_ = data;
      remaining_ = 10 * div_;
      return true;
    }
    if (remaining_ > 0) --remaining_;
    return false;
  }
  // Which bit of the frame is on the line (for messages): -1 when idle.
  int position() const { return remaining_ == 0 ? -1 : (10 * div_ - remaining_) / div_; }
  std::uint8_t byte() const { return byte_; }

 private:
  int div_;
  int remaining_ = 0;  // cycles left in the current frame
  std::uint8_t byte_ = 0;
};

}  // namespace hdl_uart
