// bare-metal-run: boot the lab's firmware in QEMU and show what it prints.
//
//   bare-metal-run SCENARIO [--impl reference|student] [--limit SECONDS]
//
// SCENARIO: boot fault hang inversion inherit queue sched cycles (README).
// Exits with the firmware's exit code (0 ok, 3 HardFault, 99 at a TODO),
// 124 when the time limit (default 10 s) stopped it, 2 for a usage error.
// `cycles` also prints the instruction counts under -icount and their ratio.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "host.hpp"

namespace {
int usage(const char* why) {
  std::fprintf(stderr,
               "bare-metal-run: %s\n"
               "usage: bare-metal-run SCENARIO [--impl reference|student] [--limit SECONDS]\n"
               "  SCENARIO: boot fault hang inversion inherit queue sched cycles\n",
               why);
  return 2;
}
}  // namespace

int main(int argc, char** argv) {
  std::string scenario, impl = "student";
  double limit = 10.0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--impl" && i + 1 < argc) {
      impl = argv[++i];
      if (impl != "reference" && impl != "student") return usage("--impl takes reference or student");
    } else if (a == "--limit" && i + 1 < argc) {
      char* end = nullptr;
      limit = std::strtod(argv[++i], &end);
      if (!end || *end || !(limit > 0)) return usage("--limit takes a number of seconds above 0");
    } else if (a == "-h" || a == "--help") {
      usage("boots the firmware in qemu-system-arm (mps2-an385) and prints its UART output");
      return 0;
    } else if (!a.empty() && a[0] != '-' && scenario.empty()) {
      scenario = a;
    } else {
      return usage(("unexpected argument '" + a + "'").c_str());
    }
  }
  if (scenario.empty()) return usage("which scenario?");
  static const char* const known[] = {"boot", "fault", "hang", "inversion", "inherit", "queue", "sched", "cycles"};
  bool ok = false;
  for (const char* k : known) ok = ok || scenario == k;
  if (!ok) return usage(("unknown scenario '" + scenario + "'").c_str());
  const std::string why = bare_metal::firmware_missing_reason(impl);
  if (!why.empty()) {
    std::fprintf(stderr, "bare-metal-run: %s\n", why.c_str());
    return 2;
  }
  const auto b = bare_metal::boot_firmware(bare_metal::firmware_path(impl), scenario, limit);
  if (!b.error.empty()) {
    std::fprintf(stderr, "bare-metal-run: %s\n", b.error.c_str());
    return 2;
  }
  std::fwrite(b.output.data(), 1, b.output.size(), stdout);
  if (b.timed_out) {
    std::printf("\nbare-metal-run: stopped after %.1f s (the time limit); %s\n", limit, b.tail(200).c_str());
    return 124;
  }
  if (scenario == "cycles") {
    long q15 = 0, flt = 0;
    const char* p = std::strstr(b.output.c_str(), "q15_ticks=");
    const char* f = std::strstr(b.output.c_str(), "float_ticks=");
    if (p && f) {
      q15 = std::atol(p + 10);
      flt = std::atol(f + 12);
      const int k = bare_metal::kInstructionsPerTick;
      std::printf("instructions (QEMU -icount, not Cortex-M3 cycles): q15 %ld, float in software %ld, ratio %.1f\n",
                  q15 * k, flt * k, q15 ? double(flt) / double(q15) : 0.0);
    }
  }
  return b.exit_code;
}
