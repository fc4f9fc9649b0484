// oneDNN's int8 matmul, behind a small interface so the bench compiles
// without oneDNN (bench/onednn_baseline.cpp is built only when it is found).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace quant::bench {
struct OnednnMatmul;
// C (M x N, s32) = A (M x K, u8) * B (K x N, s8), row-major; B is copied into
// oneDNN's layout here, once.
std::shared_ptr<OnednnMatmul> onednn_make(int M, int N, int K, const std::int8_t* B);
void onednn_run(OnednnMatmul& m, const std::uint8_t* A, std::int32_t* C);
std::string onednn_version();
}  // namespace quant::bench
