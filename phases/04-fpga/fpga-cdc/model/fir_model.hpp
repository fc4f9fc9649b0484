// The FIR filter as the C++ model the RTL is written from: eight int8 taps
// over int8 samples, y[n] = sum_i c[i] * x[n - i], x[n] = 0 before the first
// sample. The bit width of y follows from the numbers: |x| <= 128 and
// sum |c| = 140, so |y| <= 128 * 140 = 17920 < 2^15: a 16-bit signed output
// holds every result exactly (not the 8 + 8 + 3 = 19 bits a rule of thumb gives).
#pragma once
#include <array>
#include <cstdint>
#include <cstdlib>

namespace fpga_cdc {

inline constexpr std::array<int, 8> kFirTaps = {-3, 5, 20, 42, 42, 20, 5, -3};  // a low-pass, gain 128 at DC

constexpr int fir_output_bound() {
  int sum = 0;
  for (int c : kFirTaps) sum += c < 0 ? -c : c;
  return 128 * sum;
}
static_assert(fir_output_bound() < (1 << 15), "the output must fit int16_t");

class FirModel {
 public:
  // Takes one sample, returns y[n].
  std::int16_t push(std::int8_t x) {
    for (std::size_t i = history_.size() - 1; i > 0; --i) history_[i] = history_[i - 1];
    history_[0] = x;
    int y = 0;
    for (std::size_t i = 0; i < kFirTaps.size(); ++i) y += kFirTaps[i] * history_[i];
    return static_cast<std::int16_t>(y);
  }

 private:
  std::array<int, 8> history_{};  // x[n], x[n-1], ..., x[n-7]
};

}  // namespace fpga_cdc
