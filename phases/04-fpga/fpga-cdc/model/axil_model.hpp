// The register file of axil_regfile as plain C++: what every AXI4-Lite read
// and write must do, one transaction at a time (the testbench's master issues
// them that way, so the order is the order of the calls).
#pragma once
#include <cstdint>

namespace fpga_cdc {

enum class AxiResp : std::uint8_t { okay = 0, slverr = 2 };  // BRESP/RRESP (EXOKAY and DECERR never occur)

struct AxilRead {
  std::uint32_t data = 0;
  AxiResp resp = AxiResp::okay;
};

class AxilRegModel {
 public:
  static constexpr std::uint32_t kCtrl = 0x00, kScratch = 0x04, kStatus = 0x08, kIrq = 0x0c, kId = 0x10;
  static constexpr std::uint32_t kIdValue = 0x41584c31;  // "AXL1"

  // Bytes of `data` whose strobe bit is 1 replace those of `old`.
  static std::uint32_t merge(std::uint32_t old, std::uint32_t data, unsigned strb) {
    std::uint32_t mask = 0;
    for (int i = 0; i < 4; ++i)
      if (strb >> i & 1) mask |= 0xffu << (8 * i);
    return (old & ~mask) | (data & mask);
  }

  AxiResp write(std::uint32_t addr, std::uint32_t data, unsigned strb) {
    switch (addr & 0x3c) {  // byte address, 6 bits; bits 1:0 ignored
      case kCtrl: ctrl_ = merge(ctrl_, data, strb); return AxiResp::okay;
      case kScratch: scratch_ = merge(scratch_, data, strb); return AxiResp::okay;
      case kIrq:
        if (strb & 1) pending_ &= static_cast<std::uint8_t>(~data);
        return AxiResp::okay;
      default: return AxiResp::slverr;  // STATUS and ID are read-only; the rest is unmapped
    }
  }

  AxilRead read(std::uint32_t addr) const {
    switch (addr & 0x3c) {
      case kCtrl: return {ctrl_, AxiResp::okay};
      case kScratch: return {scratch_, AxiResp::okay};
      case kStatus: return {status_, AxiResp::okay};
      case kIrq: return {pending_, AxiResp::okay};
      case kId: return {kIdValue, AxiResp::okay};
      default: return {0, AxiResp::slverr};
    }
  }

  // The hardware side: the status input, and a cycle of irq_set events.
  void set_status(std::uint32_t s) { status_ = s; }
  void raise(std::uint8_t events) { pending_ |= events; }

  std::uint32_t ctrl() const { return ctrl_; }
  bool irq() const { return pending_ != 0; }

 private:
  std::uint32_t ctrl_ = 0, scratch_ = 0, status_ = 0;
  std::uint8_t pending_ = 0;
};

}  // namespace fpga_cdc
