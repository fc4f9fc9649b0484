// bare-metal: the given host-side code (namespace bare_metal, no TODOs):
// booting the firmware in QEMU with a time limit, schedulability analysis,
// and the floating-point and biquad filters the fixed-point tests compare
// against. Host only: never compiled into the firmware.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "bare_metal.hpp"

namespace bare_metal {

// ---- Booting the firmware ---------------------------------------------------------------
// build/<preset>/bin/bare-metal-fw/<impl>.elf, or "" when it was not built
// (no arm-none-eabi-gcc at configure time).
std::string firmware_path(const std::string& impl);
// Why firmware cannot run here ("" when it can): the image or QEMU is missing.
std::string firmware_missing_reason(const std::string& impl);

struct Boot {
  std::string output;        // everything the UART printed
  int exit_code = -1;        // the firmware's (semihosting), or QEMU's
  bool timed_out = false;    // killed at the time limit
  std::string error;         // "" when QEMU ran; else why it could not
  // The end of the output, for messages: "last UART output: ..."
  std::string tail(std::size_t chars = 400) const;
};
// Icount shift for every boot: each instruction advances virtual time by
// 2^3 ns, so SysTick (25 MHz, 40 ns) counts one tick per 5 instructions.
constexpr int kIcountShift = 3;
constexpr int kInstructionsPerTick = 5;
// qemu-system-arm -M mps2-an385 -nographic -icount shift=3 ... with RAM
// filled with 0xA5 first (so a startup that skips .bss shows), killed after
// `limit_s` seconds of wall time.
Boot boot_firmware(const std::string& elf, const std::string& scenario, double limit_s = 10.0);

// ---- Schedulability ---------------------------------------------------------------------
// A periodic task: computation time C, relative deadline D (<= T), period T.
struct Task {
  double c, d, t;
};
// Liu and Layland's bound for n tasks under rate-monotonic priorities:
// n (2^(1/n) - 1). Total utilization at or below it: schedulable.
double rm_utilization_bound(int n);
double utilization(const std::vector<Task>& tasks);
// Exact response-time analysis for fixed priorities (task 0 the highest):
// R_i = C_i + sum_{j<i} ceil(R_i / T_j) C_j, iterated from R = C_i; a
// response time past the deadline stops the iteration and is returned as is.
std::vector<double> response_times(const std::vector<Task>& tasks);
bool fixed_priority_schedulable(const std::vector<Task>& tasks);
// EDF on one processor: U <= 1 when every D == T; otherwise the processor
// demand criterion dbf(L) <= L at every absolute deadline L up to the
// hyperperiod (integer parameters then).
bool edf_schedulable(const std::vector<Task>& tasks);

// ---- Filters the fixed-point code is compared with ---------------------------------------
void fir_double(const double* h, int taps, const double* x, double* y, int n);
void fir_float(const float* h, int taps, const float* x, float* y, int n);
// A biquad in direct form I: y[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2]
//                                   - a1 y[n-1] - a2 y[n-2].
// Q15 version: coefficients in Q14 (value v / 16384, so |coefficient| < 2),
// signals in Q15; each output summed exactly, rounded once (add 2^13,
// shift right by 14) and saturated.
struct BiquadQ14 {
  int16_t b0, b1, b2, a1, a2;
};
void biquad_q15(const BiquadQ14& c, const int16_t* x, int16_t* y, int n);
void biquad_double(const double b[3], const double a[2], const double* x, double* y, int n);
void biquad_float(const float b[3], const float a[2], const float* x, float* y, int n);
// sum_k |h[k]| for the impulse response of 1 / (1 + a1 z^-1 + a2 z^-2),
// summed until the terms are below 1e-18 (poles inside the unit circle).
double allpole_l1_norm(double a1, double a2);

}  // namespace bare_metal
