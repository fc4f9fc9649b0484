// embedded-buses' bench: the throughput of your bit-level code, side by
// side with the reference's, timed on this machine.
//   crc16    CRC-16/MODBUS over a 256-byte frame (baseline: the reference's bitwise loop)
//   can      encode and decode one 8-byte extended CAN frame (CRC-15 and stuffing, both ways)
#include <labkit/harness.hpp>

#include <memory>
#include <random>
#include <vector>

#include "embedded_buses.hpp"

int main(int argc, char** argv) {
  labkit::Harness h("embedded-buses", argc, argv);
  const embedded_buses::Codec codecs[2] = {EMBEDDED_BUSES_CODEC(embedded_buses::reference),
                                           EMBEDDED_BUSES_CODEC(embedded_buses::student)};
  const struct {
    const char* name;
    labkit::Role role;
    const embedded_buses::Codec* codec;
  } impls[] = {{"bitwise", labkit::Role::baseline, &codecs[0]},
               {"reference", labkit::Role::reference, &codecs[0]},
               {"student", labkit::Role::student, &codecs[1]}};
  h.set_baseline("crc16", "bitwise");
  h.set_baseline("can", "bitwise");
  auto bytes = std::make_shared<std::vector<std::uint8_t>>(256);
  std::mt19937 rng(3);
  for (auto& b : *bytes) b = std::uint8_t(rng());
  embedded_buses::CanFrame frame;
  frame.extended = true;
  frame.id = 0x1ABCDE0F;
  frame.dlc = 8;
  for (auto& b : frame.data) b = std::uint8_t(rng());
  const std::uint16_t want = embedded_buses::reference::modbus_crc16(bytes->data(), bytes->size());
  for (const auto& im : impls) {
    const embedded_buses::Codec c = *im.codec;
    h.add("crc16", 256, im.name, im.role, labkit::Work{0, 256},
          [=] { labkit::do_not_optimize(c.crc16(bytes->data(), bytes->size())); },
          [=]() -> std::string { return c.crc16(bytes->data(), bytes->size()) == want ? "" : "wrong CRC"; });
    h.add("can", 8, im.name, im.role, labkit::Work{0, 8},
          [=] { labkit::do_not_optimize(embedded_buses::can_decode(embedded_buses::can_encode(frame, c), c).acked); },
          [=]() -> std::string {
            const auto d = embedded_buses::can_decode(embedded_buses::can_encode(frame, c), c);
            return d.error.empty() && d.frame == frame ? "" : "the frame does not round-trip: " + d.error;
          });
  }
  return h.run();
}
