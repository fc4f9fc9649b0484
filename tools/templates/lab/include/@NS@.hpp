// @ID@: the interface learners implement.
//   scale(a, x, y, n): y[i] = a * x[i] for i in [0, n)
#pragma once
#include <cstddef>

namespace @NS@ {

namespace reference {
void scale(float a, const float* x, float* y, std::size_t n);
// The baseline the benchmark compares against.
void scale_naive(float a, const float* x, float* y, std::size_t n);
}  // namespace reference

namespace student {
void scale(float a, const float* x, float* y, std::size_t n);
}  // namespace student

}  // namespace @NS@
