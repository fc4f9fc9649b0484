// labkit/cpu.hpp: which SIMD instruction sets this CPU runs, read once.
//
// Kernels are compiled for several ISAs and chosen at run time from these
// flags. LABKIT_ISA=scalar|avx2|avx512 in the environment caps the choice, so
// tests can exercise every path on one machine.
#pragma once
#include <string>

namespace labkit {

enum class Isa { scalar = 0, avx2 = 1, avx512 = 2 };

struct CpuFeatures {
  bool sse42 = false, avx = false, avx2 = false, fma = false;
  bool avx512f = false, avx512bw = false, avx512dq = false, avx512vl = false, avx512vnni = false;
  bool avx_vnni = false, neon = false;
};

// What the hardware supports.
const CpuFeatures& cpu_features();
// The widest ISA the kernels may use: hardware support, capped by LABKIT_ISA.
// Read once and cached (cheap enough to call on every kernel invocation).
Isa best_isa();
// The same decision, re-reading LABKIT_ISA now (for tests that change it).
Isa detect_isa();
const char* isa_name(Isa isa);
// Parses "scalar", "avx2", "avx512"; throws std::invalid_argument otherwise.
Isa parse_isa(const std::string& name);
// Space-separated list of the flags above that are set, for reports.
std::string isa_flags_string();

}  // namespace labkit
