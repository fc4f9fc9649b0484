// What the parts of core/ share and nobody else needs.
#pragma once
#include <string>
#include <vector>

#include "ml_compiler.hpp"

namespace ml_compiler::detail {

// The shape of node's output from its inputs' shapes (`constants[i]` is the
// value of input i when it is a constant, else null: Reshape's shape, Gather's
// indices). Throws InputError naming the node when the shapes do not fit.
Shape output_shape(const Node& n, const std::vector<Shape>& in, const std::vector<const Constant*>& constants);
// Row-major strides of `in` as seen from an output of shape `out` under numpy
// broadcasting (0 where `in` is stretched), one per output dimension.
std::vector<std::int64_t> broadcast_strides(const Shape& in, const Shape& out);
std::vector<std::int64_t> row_major_strides(const Shape& s);
int normalize_axis(std::int64_t axis, std::size_t rank, const Node& n);
bool is_elementwise_binary(const std::string& op);
bool is_elementwise_unary(const std::string& op);

}  // namespace ml_compiler::detail
