// bare-metal's bench.
//   fir (host, timed): your fir_q15 and the reference's against a float FIR
//     (baseline `float`), 32 taps, on this machine's CPU: a speedup.
//   fir-m3 (counted): the same filter on the Cortex-M3 in QEMU, instructions
//     under -icount (deterministic, not cycles: README, "Counting cycles"):
//     `float` (software floating point, the baseline) against the Q15 FIR of
//     the reference's and of your firmware. Size = samples (32 taps).
#include <labkit/harness.hpp>
#include <labkit/todo.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

#include "bare_metal.hpp"
#include "host.hpp"

namespace {

using FirFn = void (*)(const int16_t*, int, const int16_t*, int16_t*, int);

// Instructions of the float or the Q15 FIR in the firmware's `cycles` scenario.
double m3_instructions(const std::string& impl, const char* key) {
  const std::string why = bare_metal::firmware_missing_reason(impl);
  if (!why.empty()) throw std::runtime_error(why);
  const auto b = bare_metal::boot_firmware(bare_metal::firmware_path(impl), "cycles", 30);
  if (b.exit_code == 99) {  // the firmware printed "TODO(n) at file:line: ..."
    const auto t = b.output.find("TODO(");
    const int n = t == std::string::npos ? 0 : std::atoi(b.output.c_str() + t + 5);
    throw labkit::NotImplemented("the firmware", 0, n, b.tail(200));
  }
  const auto at = b.output.find(key);
  if (b.exit_code != 0 || at == std::string::npos) throw std::runtime_error("the cycles scenario failed: " + b.tail());
  return double(std::atol(b.output.c_str() + at + std::strlen(key))) * bare_metal::kInstructionsPerTick;
}

}  // namespace

int main(int argc, char** argv) {
  labkit::Harness h("bare-metal", argc, argv);
  const int taps = 32;
  for (const std::int64_t n : h.sizes({4096, 65536}, {512})) {
    auto h16 = std::make_shared<std::vector<int16_t>>(taps);
    auto x16 = std::make_shared<std::vector<int16_t>>(n);
    auto y16 = std::make_shared<std::vector<int16_t>>(n);
    auto hf = std::make_shared<std::vector<float>>(taps);
    auto xf = std::make_shared<std::vector<float>>(n);
    auto yf = std::make_shared<std::vector<float>>(n);
    std::mt19937 rng(1);
    for (int k = 0; k < taps; ++k) {
      (*h16)[k] = int16_t(int(rng() % 2001) - 1000);
      (*hf)[k] = (*h16)[k] / 32768.0f;
    }
    for (std::int64_t i = 0; i < n; ++i) {
      (*x16)[i] = int16_t(rng());
      (*xf)[i] = (*x16)[i] / 32768.0f;
    }
    const labkit::Work work{2.0 * taps * double(n), 4.0 * double(n)};
    h.set_baseline("fir", "float");
    h.add("fir", n, "float", labkit::Role::baseline, work,
          [=] { bare_metal::fir_float(hf->data(), taps, xf->data(), yf->data(), int(n)); }, [] { return std::string(); });
    const struct {
      const char* name;
      labkit::Role role;
      FirFn fn;
    } impls[] = {{"reference", labkit::Role::reference, bare_metal::reference::fir_q15},
                 {"student", labkit::Role::student, bare_metal::student::fir_q15}};
    for (const auto& im : impls) {
      const FirFn fn = im.fn;
      h.add("fir", n, im.name, im.role, work, [=] { fn(h16->data(), taps, x16->data(), y16->data(), int(n)); },
            [=]() -> std::string {
              std::vector<int16_t> want(n), got(n);
              bare_metal::reference::fir_q15(h16->data(), taps, x16->data(), want.data(), int(n));
              fn(h16->data(), taps, x16->data(), got.data(), int(n));
              return want == got ? "" : "differs from the reference's fir_q15";
            });
    }
  }
  // One QEMU boot per implementation (a smoke run included: it is fast).
  const std::string why = bare_metal::firmware_missing_reason("reference");
  if (!why.empty()) {
    std::fprintf(stderr, "fir-m3: skipped (%s)\n", why.c_str());
    return h.run();
  }
  h.add_count("fir-m3", 256, "float", labkit::Role::baseline, "instructions",
              [] { return m3_instructions("reference", "float_ticks="); });
  h.add_count("fir-m3", 256, "reference", labkit::Role::reference, "instructions",
              [] { return m3_instructions("reference", "q15_ticks="); });
  h.add_count("fir-m3", 256, "student", labkit::Role::student, "instructions",
              [] { return m3_instructions("student", "q15_ticks="); });
  return h.run();
}
