// The CUDA flash-attention kernel's host side (cuda/flash_attention.cu).
#pragma once
#include <string>

namespace llm_decoder::cuda {
// Whether a CUDA device can be used here; why not, when not.
bool device_available(std::string* why);
// Causal attention of `heads` heads, Q, K, V, O [heads][T][D] on the host,
// D = 32 or 64. Copies in, runs the kernel once, copies out; returns the
// kernel's time in milliseconds (CUDA events).
double flash_attention(const float* Q, const float* K, const float* V, int heads, int T, int D, float* O);
}  // namespace llm_decoder::cuda
