// The dispatch of your dot product (given; TODO(3) is in dot_vnni.cpp).
// This file is compiled for the baseline ISA, so it runs on every CPU; the
// VNNI kernel is called only where the CPU has AVX-512 VNNI.
#include <labkit/cpu.hpp>

#include "quantization.hpp"

namespace quant::student {

// In dot_vnni.cpp.
bool dot_u8s8_vnni_compiled();
std::int32_t dot_u8s8_vnni(const std::uint8_t* a, const std::int8_t* b, std::int64_t n);

namespace {
bool use_vnni() {
  return dot_u8s8_vnni_compiled() && labkit::best_isa() == labkit::Isa::avx512 && labkit::cpu_features().avx512vnni;
}
}  // namespace

std::int32_t dot_u8s8(const std::uint8_t* a, const std::int8_t* b, std::int64_t n) {
  if (use_vnni()) return dot_u8s8_vnni(a, b, n);
  std::int32_t sum = 0;  // the portable loop, for CPUs without VNNI
  for (std::int64_t i = 0; i < n; ++i) sum += static_cast<std::int32_t>(a[i]) * b[i];
  return sum;
}

const char* dot_u8s8_path() { return use_vnni() ? "vnni" : "portable"; }

}  // namespace quant::student
