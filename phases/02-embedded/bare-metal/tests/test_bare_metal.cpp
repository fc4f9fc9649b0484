// bare-metal: your ring buffer, Q15 FIR and priority inheritance rule on the
// host, then the firmware built from your startup.cpp and portable.cpp,
// booted in qemu-system-arm (mps2-an385) and judged by what its UART prints.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bare_metal.hpp"
#include "host.hpp"

namespace bare_metal_test {
namespace impl = bare_metal::LABKIT_IMPL;
using bare_metal::PiMutex;
using bare_metal::PiTask;
using bare_metal::RingBuffer;

#define BM_STR2(x) #x
#define BM_STR(x) BM_STR2(x)
const char* const kImpl = BM_STR(LABKIT_IMPL);

// ---- Ring buffer ---------------------------------------------------------------------------

TEST(RingBuffer, FifoOrderFullAndEmpty) {
  uint8_t storage[8];
  RingBuffer rb;
  bare_metal::rb_init(rb, storage, 8);
  uint8_t out = 0xEE;
  EXPECT_FALSE(impl::rb_pop(rb, out)) << "pop from an empty buffer must return false";
  EXPECT_EQ(out, 0xEE) << "pop from an empty buffer must leave `out` alone";
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(impl::rb_push(rb, uint8_t(10 + i))) << "push " << i << " of 8 into 8 slots";
  EXPECT_FALSE(impl::rb_push(rb, 99)) << "a full buffer (8 of 8) must refuse a push";
  EXPECT_EQ(bare_metal::rb_count(rb), 8u);
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(impl::rb_pop(rb, out));
    EXPECT_EQ(out, 10 + i) << "bytes must come out in the order they went in";
  }
  EXPECT_FALSE(impl::rb_pop(rb, out));
}

TEST(RingBuffer, IndicesWrapAroundTwoToThe32) {
  // head and tail run freely: start them just below 2^32 so they wrap.
  uint8_t storage[4];
  RingBuffer rb;
  bare_metal::rb_init(rb, storage, 4);
  rb.head = 0xFFFFFFFEu;
  rb.tail = 0xFFFFFFFEu;
  std::vector<int> got;
  int next = 0;
  std::mt19937 rng(7);
  for (int step = 0; step < 2000; ++step) {
    if (rng() % 2) {
      const uint32_t before = bare_metal::rb_count(rb);
      const bool ok = impl::rb_push(rb, uint8_t(next));
      ASSERT_EQ(ok, before < 4u) << "push with " << before << " of 4 bytes held (step " << step << ")";
      if (ok) ++next;
    } else {
      uint8_t b;
      if (impl::rb_pop(rb, b)) got.push_back(b);
    }
    ASSERT_LE(bare_metal::rb_count(rb), 4u) << "head - tail must stay within the capacity (step " << step << ")";
  }
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], uint8_t(i)) << "byte " << i << " out of order";
  EXPECT_GT(got.size(), 500u);
}

TEST(RingBuffer, SingleSlotAndLargeCapacity) {
  for (uint32_t cap : {2u, 256u}) {
    std::vector<uint8_t> storage(cap);
    RingBuffer rb;
    bare_metal::rb_init(rb, storage.data(), cap);
    for (uint32_t round = 0; round < 3; ++round) {
      for (uint32_t i = 0; i < cap; ++i) ASSERT_TRUE(impl::rb_push(rb, uint8_t(i * 7 + round)));
      EXPECT_FALSE(impl::rb_push(rb, 0)) << "capacity " << cap;
      for (uint32_t i = 0; i < cap; ++i) {
        uint8_t b;
        ASSERT_TRUE(impl::rb_pop(rb, b));
        ASSERT_EQ(b, uint8_t(i * 7 + round)) << "capacity " << cap << ", round " << round;
      }
    }
  }
}

// ---- Q15 FIR ---------------------------------------------------------------------------------

// The plain definition, in 64-bit integers.
std::vector<int16_t> fir_plain(const std::vector<int16_t>& h, const std::vector<int16_t>& x) {
  std::vector<int16_t> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    int64_t acc = 0;
    for (std::size_t k = 0; k < h.size() && k <= i; ++k) acc += int64_t(h[k]) * x[i - k];
    y[i] = bare_metal::q15_saturate((acc + (1 << 14)) >> 15);
  }
  return y;
}

TEST(FirQ15, ExactlyTheIntegerDefinition) {
  std::mt19937 rng(11);
  for (int taps : {1, 2, 7, 32}) {
    for (int n : {0, 1, 5, 100}) {
      std::vector<int16_t> h(taps), x(n);
      for (auto& v : h) v = int16_t(int(rng() % 8001) - 4000);  // sum |h| < 1 for up to 8 taps
      for (auto& v : x) v = int16_t(rng());
      std::vector<int16_t> y(n + 1, int16_t(0x5A5A));
      impl::fir_q15(h.data(), taps, x.data(), y.data(), n);
      const auto want = fir_plain(h, x);
      for (int i = 0; i < n; ++i) ASSERT_EQ(y[i], want[i]) << "y[" << i << "], taps " << taps << ", n " << n;
      EXPECT_EQ(y[n], int16_t(0x5A5A)) << "wrote past y[n-1]";
    }
  }
}

TEST(FirQ15, RoundsHalfUpAndSaturates) {
  // 0.5 LSB: h = 1 (2^-15), x = 16384 (0.5): the product is 2^14 exactly, rounds up to 1.
  const int16_t h1[] = {1}, xh[] = {16384, -16384, 16383};
  int16_t y[3];
  impl::fir_q15(h1, 1, xh, y, 3);
  EXPECT_EQ(y[0], 1) << "+0.5 LSB rounds up";
  EXPECT_EQ(y[1], 0) << "-0.5 LSB rounds up, to 0";
  EXPECT_EQ(y[2], 0) << "just below 0.5 LSB rounds down";
  // Four taps of almost 1 on a full-scale input: 4.0 saturates to 32767, -4.0 to -32768.
  const int16_t h4[] = {32767, 32767, 32767, 32767};
  const int16_t xs[] = {32767, 32767, 32767, 32767, -32768, -32768, -32768, -32768};
  int16_t ys[8];
  impl::fir_q15(h4, 4, xs, ys, 8);
  EXPECT_EQ(ys[3], 32767) << "sum near +4.0 must saturate, not wrap";
  EXPECT_EQ(ys[7], -32768) << "sum near -4.0 must saturate, not wrap";
  EXPECT_EQ(ys[0], 32766) << "32767 * 32767 >> 15, rounded";
}

// README, "Error bounds": against the real-valued filter (windowed-sinc
// low-pass in double, real-valued input), the Q15 output differs by at most
// 2^-16 (1 + sum|x_q| + sum|h|): one rounding of the sum, the coefficients
// and the input each off by at most half an LSB. The bound is checked to
// be tight enough to catch a wrong answer: a truncating shift instead of
// rounding breaks it on this data.
TEST(FirQ15, WithinTheDerivedBoundOfTheRealFilter) {
  const int taps = 31, n = 400;
  std::vector<double> h(taps), x(n);
  for (int k = 0; k < taps; ++k) {
    const double m = k - (taps - 1) / 2.0, fc = 0.1;
    const double sinc = m == 0 ? 2 * fc : std::sin(2 * M_PI * fc * m) / (M_PI * m);
    h[k] = sinc * (0.54 - 0.46 * std::cos(2 * M_PI * k / (taps - 1)));  // Hamming
  }
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-0.45, 0.45);
  for (int i = 0; i < n; ++i) x[i] = 0.5 * std::sin(0.05 * i) + u(rng);
  std::vector<int16_t> hq(taps), xq(n), yq(n);
  for (int k = 0; k < taps; ++k) hq[k] = bare_metal::to_q15(h[k]);
  for (int i = 0; i < n; ++i) xq[i] = bare_metal::to_q15(x[i]);
  impl::fir_q15(hq.data(), taps, xq.data(), yq.data(), n);
  std::vector<double> y(n);
  bare_metal::fir_double(h.data(), taps, x.data(), y.data(), n);
  double sum_h = 0;
  for (double v : h) sum_h += std::fabs(v);
  double worst_ratio = 0;
  for (int i = 0; i < n; ++i) {
    double sum_x = 0;
    for (int k = 0; k < taps && k <= i; ++k) sum_x += std::fabs(xq[i - k] / 32768.0);
    const double bound = std::ldexp(1.0, -16) * (1 + sum_x + sum_h) + 1e-12;
    const double err = std::fabs(yq[i] / 32768.0 - y[i]);
    ASSERT_LE(err, bound) << "y[" << i << "]: Q15 " << yq[i] / 32768.0 << ", real filter " << y[i];
    worst_ratio = std::max(worst_ratio, err / bound);
  }
  RecordProperty("worst_error_over_bound", std::to_string(worst_ratio));
}

// ---- Priority inheritance rule ---------------------------------------------------------------

PiTask make_task(int priority) {
  PiTask t{};
  t.base_priority = t.priority = int8_t(priority);
  return t;
}
void hold(PiTask& t, PiMutex& m) {
  m.owner = &t;
  t.held[t.n_held++] = &m;
}
void wait_on(PiTask& t, PiMutex& m) {
  m.waiters[m.n_waiters++] = &t;
  t.waiting_for = &m;
}

TEST(PriorityInheritance, OwnerRisesToTheWaitersPriorityOnly) {
  PiMutex m{};
  PiTask low = make_task(1), high = make_task(5);
  hold(low, m);
  wait_on(high, m);
  impl::pi_block(m, high);
  EXPECT_EQ(low.priority, 5) << "the owner must run at the waiter's priority";
  EXPECT_EQ(low.base_priority, 1) << "the base priority never changes";
  EXPECT_EQ(high.priority, 5);
  // A less urgent second waiter does not lower it.
  PiTask mid = make_task(3);
  wait_on(mid, m);
  impl::pi_block(m, mid);
  EXPECT_EQ(low.priority, 5) << "a less urgent waiter must not lower an inherited priority";
}

TEST(PriorityInheritance, NoBoostWhenTheOwnerIsMoreUrgent) {
  PiMutex m{};
  PiTask owner = make_task(6), waiter = make_task(2);
  hold(owner, m);
  wait_on(waiter, m);
  impl::pi_block(m, waiter);
  EXPECT_EQ(owner.priority, 6);
}

TEST(PriorityInheritance, FollowsTheChainOfBlockedOwners) {
  // a (1) holds m1; b (2) holds m2 and waits for m1; c (7) now waits for m2.
  PiMutex m1{}, m2{};
  PiTask a = make_task(1), b = make_task(2), c = make_task(7);
  hold(a, m1);
  hold(b, m2);
  wait_on(b, m1);
  impl::pi_block(m1, b);
  EXPECT_EQ(a.priority, 2);
  wait_on(c, m2);
  impl::pi_block(m2, c);
  EXPECT_EQ(b.priority, 7) << "the owner of m2";
  EXPECT_EQ(a.priority, 7) << "b waits for m1, so m1's owner must inherit too (transitive)";
}

TEST(PriorityInheritance, ReleaseRestoresBaseOrRemainingWaiters) {
  // owner (1) holds m1 and m2; x (4) waits on m1, y (6) on m2.
  PiMutex m1{}, m2{};
  PiTask owner = make_task(1), x = make_task(4), y = make_task(6);
  hold(owner, m1);
  hold(owner, m2);
  wait_on(x, m1);
  impl::pi_block(m1, x);
  wait_on(y, m2);
  impl::pi_block(m2, y);
  ASSERT_EQ(owner.priority, 6);
  // Release m2 (the kernel removes it from `held` and hands it to y first).
  owner.held[1] = nullptr;
  owner.n_held = 1;
  impl::pi_release(owner);
  EXPECT_EQ(owner.priority, 4) << "still holds m1, which x (4) waits for";
  owner.n_held = 0;
  impl::pi_release(owner);
  EXPECT_EQ(owner.priority, 1) << "holds nothing: back to its base priority";
}

// ---- The firmware in QEMU ----------------------------------------------------------------------

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Boots this implementation's firmware; skips the test (with the reason) when
// it cannot run here. Fails with the last UART output on a hang.
bare_metal::Boot boot(const std::string& scenario) {
  bare_metal::Boot b;
  b.error = bare_metal::firmware_missing_reason(kImpl);
  if (!b.error.empty()) return b;
  b = bare_metal::boot_firmware(bare_metal::firmware_path(kImpl), scenario, 10.0);
  return b;
}
#define BOOT_OR_SKIP(var, scenario)                                                            \
  const bare_metal::Boot var = boot(scenario);                                                 \
  if (var.exit_code == -1 && !var.timed_out && !var.error.empty()) GTEST_SKIP() << var.error; \
  ASSERT_FALSE(var.timed_out) << "the firmware hung (stopped after 10 s); " << var.tail();     \
  ASSERT_NE(var.exit_code, 99) << "the firmware stopped at a TODO: " << var.tail(300)

int response_of(const std::string& out, const std::string& task) {
  const auto at = out.find("sched: " + task);
  if (at == std::string::npos) return -1;
  const auto w = out.find("worst_response=", at);
  return w == std::string::npos ? -1 : std::atoi(out.c_str() + w + 15);
}

TEST(Firmware, BootsStartupUartAndSysTick) {
  BOOT_OR_SKIP(b, "boot");
  EXPECT_TRUE(contains(b.output, "startup: .data ok, .bss ok\n"))
      << "reset_handler must copy .data from flash and zero .bss (RAM starts full of 0xA5); " << b.tail();
  EXPECT_TRUE(contains(b.output, "uart: polled output\n")) << b.tail();
  std::string want = "uart: interrupt-driven output through the ring buffer:";
  for (int i = 0; i < 6; ++i) want += " 0123456789abcdefghijklmnopqrstuvwxyz";
  EXPECT_TRUE(contains(b.output, want + "\n"))
      << "226 bytes through a 128-byte ring, sent by the UART's TX interrupt: lost or reordered bytes; " << b.tail();
  EXPECT_TRUE(contains(b.output, "systick: 5 ticks of 1 ms\nboot: ok\n")) << b.tail();
  EXPECT_EQ(b.exit_code, 0) << b.tail();
}

TEST(Firmware, HardFaultReportsTheStackedPc) {
  BOOT_OR_SKIP(b, "fault");
  EXPECT_EQ(b.exit_code, 3) << "the HardFault handler exits with 3; " << b.tail();
  const auto at = b.output.find("fault_site at 0x");
  ASSERT_NE(at, std::string::npos) << b.tail();
  const std::string site = b.output.substr(at + 14, 10);
  EXPECT_TRUE(contains(b.output, "pc=" + site)) << "the stacked pc must be the faulting instruction " << site << "; "
                                                 << b.tail();
  EXPECT_TRUE(contains(b.output, "CFSR=0x00010000")) << "UsageFault UNDEFINSTR (CFSR bit 16); " << b.tail();
  EXPECT_TRUE(contains(b.output, "HFSR=0x40000000")) << "escalated to HardFault: HFSR FORCED (bit 30); " << b.tail();
}

// Priority inversion (README): without inheritance H waits while M, which
// does not even use the mutex, computes; with it, H waits only for the
// rest of L's critical section (2 ticks).
TEST(Kernel, PriorityInversionWithoutInheritance) {
  BOOT_OR_SKIP(b, "inversion");
  EXPECT_EQ(b.exit_code, 0) << b.tail();
  const auto m_done = b.output.find("M: done"), h_got = b.output.find("H: got the mutex");
  ASSERT_NE(h_got, std::string::npos) << b.tail();
  EXPECT_LT(m_done, h_got) << "without inheritance, M (not using the mutex) finishes before H gets it; " << b.tail();
  EXPECT_TRUE(contains(b.output, "H: got the mutex after 7 ticks")) << b.tail();
}

TEST(Kernel, PriorityInheritanceBoundsTheBlocking) {
  BOOT_OR_SKIP(b, "inherit");
  EXPECT_EQ(b.exit_code, 0) << b.tail();
  const auto m_done = b.output.find("M: done"), h_got = b.output.find("H: got the mutex");
  ASSERT_NE(h_got, std::string::npos) << b.tail();
  EXPECT_LT(h_got, m_done) << "with inheritance, H gets the mutex before M finishes; " << b.tail();
  EXPECT_TRUE(contains(b.output, "L: unlocking, priority 4")) << "L must run at H's priority (4) while H waits; "
                                                              << b.tail();
  EXPECT_TRUE(contains(b.output, "H: got the mutex after 2 ticks"))
      << "H's blocking is the rest of L's critical section, 2 ticks; " << b.tail();
}

TEST(Kernel, QueuePassesEveryItem) {
  BOOT_OR_SKIP(b, "queue");
  EXPECT_EQ(b.exit_code, 0) << b.tail();
  EXPECT_TRUE(contains(b.output, "consumer: received 20\n")) << b.tail();
  EXPECT_TRUE(contains(b.output, "consumer: sum 2870\n")) << "1^2 + ... + 20^2 = 2870; " << b.tail();
}

// The task set the firmware runs (C, T in ticks; D = T; rate-monotonic
// priorities), released together: the measured worst response times must
// never exceed the exact analysis, and at the critical instant they meet it.
TEST(Kernel, MeasuredResponseTimesWithinTheAnalysis) {
  BOOT_OR_SKIP(b, "sched");
  EXPECT_EQ(b.exit_code, 0) << b.tail();
  const std::vector<bare_metal::Task> set = {{1, 4, 4}, {2, 6, 6}, {3, 12, 12}};
  const auto r = bare_metal::response_times(set);
  const char* names[] = {"C=1 T=4", "C=2 T=6", "C=3 T=12"};
  for (int i = 0; i < 3; ++i) {
    const int measured = response_of(b.output, names[i]);
    ASSERT_GE(measured, 1) << "no worst response time for " << names[i] << "; " << b.tail();
    EXPECT_LE(measured, r[i]) << names[i] << ": measured above the analysis";
    EXPECT_EQ(measured, r[i]) << names[i] << ": the critical instant should reach the analysis exactly";
  }
}

// Under -icount every instruction costs the same virtual time: the counts
// are deterministic, so a ratio can be asserted. The checksum shows the
// firmware's Q15 filter computed what the host's plain definition computes.
TEST(Firmware, Q15FirBeatsSoftwareFloatAndAgreesWithTheHost) {
  BOOT_OR_SKIP(b, "cycles");
  const auto q = b.output.find("q15_ticks="), f = b.output.find("float_ticks="), c = b.output.find("q15_checksum=");
  ASSERT_TRUE(q != std::string::npos && f != std::string::npos && c != std::string::npos) << b.tail();
  const long q15 = std::atol(b.output.c_str() + q + 10), flt = std::atol(b.output.c_str() + f + 12);
  EXPECT_GT(q15, 0);
  EXPECT_GE(double(flt), 4.0 * double(q15)) << "Q15 should be several times cheaper than float in software";
  // The same inputs as firmware/firmware.cpp (scenario_cycles).
  std::vector<int16_t> h(32), x(256);
  uint32_t s = 12345;
  for (int k = 0; k < 32; ++k) h[k] = int16_t((k < 16 ? k + 1 : 32 - k) * 120);
  for (auto& v : x) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    v = int16_t(s >> 16);
  }
  const auto y = fir_plain(h, x);
  long long sum = 0;
  for (int i = 0; i < 256; ++i) sum += y[i] * (i % 7 + 1);
  EXPECT_EQ(std::atoll(b.output.c_str() + c + 13), sum) << b.tail();
}

}  // namespace bare_metal_test
