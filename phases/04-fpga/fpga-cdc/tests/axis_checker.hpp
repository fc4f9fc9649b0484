// An AXI4-Stream protocol checker: watches one interface (valid, ready,
// data) at every rising edge of its clock and reports, through the
// testbench's Scoreboard, what the AXI4-Stream specification forbids
// (ARM IHI 0051, section 2.2.1: once TVALID is asserted it must stay asserted
// until the handshake, and TDATA must not change meanwhile):
//   - a dropped valid: valid was 1 and ready 0 at an edge, and valid is 0 at the next;
//   - data changing while stalled: the same, but the data differs at the next edge.
// Lost, duplicated and reordered beats are the Scoreboard's expect()/observe()
// queue: the testbench expects each beat the source hands over and observes
// each one that comes out; finish() reports any that never did.
#pragma once
#include <labkit/hdl.hpp>

#include <cstdint>
#include <string>

namespace fpga_cdc {

class AxisChecker {
 public:
  // Signals `name`_valid and `name`_data (AXI4-Stream's names in this lab's wrapper).
  AxisChecker(std::string name, labkit::hdl::Scoreboard& board) : AxisChecker(name + "_valid", name + "_data", board) {}
  // Any valid/ready channel (AXI4-Lite's B and R: "axil_bvalid", "axil_bresp").
  AxisChecker(std::string valid, std::string data, labkit::hdl::Scoreboard& board)
      : valid_(std::move(valid)), data_(std::move(data)), board_(board) {}

  // The values the edge at `cycle` sampled. Returns whether a beat was transferred.
  bool edge(std::uint64_t cycle, bool valid, bool ready, std::uint64_t data) {
    if (stalled_) {
      if (!valid)
        board_.fail(cycle, valid_, "dropped while stalled: it was 1 with ready 0 at the previous edge, and a valid may only fall after a transfer", valid_);
      else if (data != stalled_data_)
        board_.check(cycle, data_, data, stalled_data_, "changed while stalled (valid 1, ready 0 at the previous edge)", valid_);
    }
    stalled_ = valid && !ready;
    stalled_data_ = data;
    beats_ += valid && ready;
    return valid && ready;
  }
  std::uint64_t beats() const { return beats_; }

 private:
  std::string valid_, data_;
  labkit::hdl::Scoreboard& board_;
  bool stalled_ = false;
  std::uint64_t stalled_data_ = 0, beats_ = 0;
};

}  // namespace fpga_cdc
