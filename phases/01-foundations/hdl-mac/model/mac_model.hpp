// Golden model of the MAC unit, cycle by cycle: the same three stages, the
// same saturation rule. Written from the specification in the README.
#pragma once
#include <array>
#include <cstdint>

namespace hdl_mac {

constexpr int kAccWidth = 24;  // as the RTL's default ACC_WIDTH
constexpr std::int64_t kMax = (std::int64_t{1} << (kAccWidth - 1)) - 1;
constexpr std::int64_t kMin = -(std::int64_t{1} << (kAccWidth - 1));
constexpr int kLatency = 3;  // clock edges from a last pair to out_valid

struct MacIn {
  bool valid = false, first = false, last = false;
  std::int8_t a = 0, b = 0;
};

class MacModel {
 public:
  // One clock edge with these inputs.
  void clock(const MacIn& in) {
    out_valid = false;
    const MacIn& s = pipe_[1];  // the pair that reaches the accumulator at this edge
    if (s.valid) {
      std::int64_t sum = (s.first ? 0 : acc_) + std::int64_t{s.a} * s.b;
      bool ovf = s.first ? false : ovf_;
      if (sum > kMax || sum < kMin) {
        sum = sum > kMax ? kMax : kMin;
        ovf = true;
      }
      acc_ = sum;
      ovf_ = ovf;
      if (s.last) {
        out_valid = true;
        out_sum = acc_;
        out_overflow = ovf_;
      }
    }
    pipe_[1] = pipe_[0];
    pipe_[0] = in;
  }

  bool out_valid = false;
  std::int64_t out_sum = 0;
  bool out_overflow = false;

 private:
  std::array<MacIn, kLatency - 1> pipe_{};  // stages 1 and 2
  std::int64_t acc_ = 0;
  bool ovf_ = false;
};

// A dot product with the same saturation, all at once (for the tests' own checks).
inline std::int64_t saturating_dot(const std::int8_t* a, const std::int8_t* b, int n, bool* overflow) {
  std::int64_t acc = 0;
  *overflow = false;
  for (int i = 0; i < n; ++i) {
    acc += std::int64_t{a[i]} * b[i];
    if (acc > kMax || acc < kMin) {
      acc = acc > kMax ? kMax : kMin;
      *overflow = true;
    }
  }
  return acc;
}

}  // namespace hdl_mac
