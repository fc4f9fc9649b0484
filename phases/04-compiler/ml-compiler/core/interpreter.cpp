// Op semantics, twice: the output shape of each op (used by shape inference)
// and its values in plain loops (the interpreter, and constant folding).
// Everything the generated code computes is held to these loops.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include "internal.hpp"

namespace ml_compiler {
namespace detail {

namespace {
[[noreturn]] void shape_error(const Node& n, const std::string& what) {
  throw InputError("node '" + n.name + "' (" + n.op + "): " + what);
}

std::string shapes_str(const std::vector<Shape>& in) {
  std::string s;
  for (const auto& x : in) s += (s.empty() ? "" : ", ") + shape_str(x);
  return s;
}

void need_inputs(const Node& n, const std::vector<Shape>& in, std::size_t lo, std::size_t hi) {
  if (in.size() < lo || in.size() > hi)
    shape_error(n, "takes " + std::to_string(lo) + (lo == hi ? "" : " to " + std::to_string(hi)) + " inputs, got " +
                       std::to_string(in.size()));
}

void need_rank(const Node& n, const Shape& s, std::size_t rank, const char* what) {
  if (s.size() != rank)
    shape_error(n, std::string(what) + " must have rank " + std::to_string(rank) + ", has shape " + shape_str(s));
}

struct ConvGeometry {
  std::int64_t kh, kw, sh, sw, pt, pl, pb, pr, dh, dw;
};
ConvGeometry conv_geometry(const Node& n, const Shape& x, std::int64_t kh, std::int64_t kw) {
  const auto strides = n.attr_ints("strides", {1, 1});
  const auto pads = n.attr_ints("pads", {0, 0, 0, 0});
  const auto dil = n.attr_ints("dilations", {1, 1});
  const auto autopad = n.attr_s("auto_pad", "NOTSET");
  if (autopad != "NOTSET" && autopad != "VALID")
    shape_error(n, "auto_pad " + autopad + " is not supported; fix: export with explicit pads");
  if (strides.size() != 2 || pads.size() != 4 || dil.size() != 2)
    shape_error(n, "only 2-D windows are supported (input " + shape_str(x) + ")");
  return {kh, kw, strides[0], strides[1], pads[0], pads[1], pads[2], pads[3], dil[0], dil[1]};
}
}  // namespace

int normalize_axis(std::int64_t axis, std::size_t rank, const Node& n) {
  const auto r = static_cast<std::int64_t>(rank);
  if (axis < -r || axis >= r) shape_error(n, "axis " + std::to_string(axis) + " out of range for rank " + std::to_string(r));
  return static_cast<int>(axis < 0 ? axis + r : axis);
}

bool is_elementwise_binary(const std::string& op) {
  return op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Pow";
}
bool is_elementwise_unary(const std::string& op) {
  return op == "Relu" || op == "Tanh" || op == "Sqrt" || op == "Identity";
}

std::vector<std::int64_t> row_major_strides(const Shape& s) {
  std::vector<std::int64_t> st(s.size(), 1);
  for (int i = static_cast<int>(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

std::vector<std::int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<std::int64_t> st(out.size(), 0);
  const auto own = row_major_strides(in);
  const std::size_t off = out.size() - in.size();
  for (std::size_t i = 0; i < in.size(); ++i) st[off + i] = in[i] == 1 && out[off + i] != 1 ? 0 : own[i];
  return st;
}

Shape output_shape(const Node& n, const std::vector<Shape>& in, const std::vector<const Constant*>& c) {
  const std::string& op = n.op;
  if (is_elementwise_binary(op)) {
    need_inputs(n, in, 2, 2);
    const Shape& a = in[0];
    const Shape& b = in[1];
    Shape out(std::max(a.size(), b.size()));
    for (std::size_t i = 0; i < out.size(); ++i) {
      const std::int64_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
      const std::int64_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
      if (da != db && da != 1 && db != 1) shape_error(n, "cannot broadcast " + shapes_str(in));
      out[i] = da == 1 ? db : da;
    }
    return out;
  }
  if (is_elementwise_unary(op)) {
    need_inputs(n, in, 1, 1);
    return in[0];
  }
  if (op == "Gemm") {
    need_inputs(n, in, 2, 3);
    need_rank(n, in[0], 2, "A");
    need_rank(n, in[1], 2, "B");
    const bool ta = n.attr_i("transA", 0), tb = n.attr_i("transB", 0);
    const auto M = ta ? in[0][1] : in[0][0], K = ta ? in[0][0] : in[0][1];
    const auto K2 = tb ? in[1][1] : in[1][0], N = tb ? in[1][0] : in[1][1];
    if (K != K2) shape_error(n, "inner dimensions differ: " + shapes_str(in));
    return {M, N};
  }
  if (op == "MatMul") {
    need_inputs(n, in, 2, 2);
    const Shape &a = in[0], &b = in[1];
    if (a.size() < 2 || b.size() < 2) shape_error(n, "1-D operands are not supported: " + shapes_str(in));
    if (a[a.size() - 1] != b[b.size() - 2]) shape_error(n, "inner dimensions differ: " + shapes_str(in));
    Shape ba(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
    Node tmp = n;
    tmp.op = "Add";
    Shape batch = ba.empty() ? bb : bb.empty() ? ba : output_shape(tmp, {ba, bb}, {});
    batch.push_back(a[a.size() - 2]);
    batch.push_back(b.back());
    return batch;
  }
  if (op == "Conv" || op == "MaxPool") {
    need_inputs(n, in, op == "Conv" ? 2 : 1, op == "Conv" ? 3 : 1);
    need_rank(n, in[0], 4, "X");
    std::int64_t kh, kw, channels = in[0][1];
    if (op == "Conv") {
      need_rank(n, in[1], 4, "W");
      if (n.attr_i("group", 1) != 1) shape_error(n, "group != 1 is not supported");
      if (in[1][1] != in[0][1]) shape_error(n, "W's input channels differ from X's: " + shapes_str(in));
      kh = in[1][2];
      kw = in[1][3];
      channels = in[1][0];
    } else {
      const auto k = n.attr_ints("kernel_shape", {});
      if (k.size() != 2) shape_error(n, "needs a 2-D kernel_shape");
      kh = k[0];
      kw = k[1];
      if (n.attr_i("ceil_mode", 0)) shape_error(n, "ceil_mode=1 is not supported");
    }
    const auto g = conv_geometry(n, in[0], kh, kw);
    const auto oh = (in[0][2] + g.pt + g.pb - g.dh * (kh - 1) - 1) / g.sh + 1;
    const auto ow = (in[0][3] + g.pl + g.pr - g.dw * (kw - 1) - 1) / g.sw + 1;
    if (oh <= 0 || ow <= 0) shape_error(n, "the window is larger than the input " + shape_str(in[0]));
    return {in[0][0], channels, oh, ow};
  }
  if (op == "BatchNormalization") {
    need_inputs(n, in, 5, 5);
    if (in[0].size() < 2) shape_error(n, "X needs a channel axis");
    for (int i = 1; i < 5; ++i)
      if (in[i] != Shape{in[0][1]}) shape_error(n, "per-channel inputs must be [C]: " + shapes_str(in));
    return in[0];
  }
  if (op == "Reshape") {
    need_inputs(n, in, 2, 2);
    if (!c[1]) shape_error(n, "the target shape must be a constant (computed shapes are not supported)");
    Shape out;
    std::int64_t known = 1;
    int minus = -1;
    for (std::size_t i = 0; i < c[1]->data.size(); ++i) {
      auto d = static_cast<std::int64_t>(c[1]->data[i]);
      if (d == 0) {
        if (i >= in[0].size()) shape_error(n, "0 in the target shape beyond the input's rank");
        d = in[0][i];
      }
      if (d == -1) {
        if (minus >= 0) shape_error(n, "two -1 in the target shape");
        minus = static_cast<int>(i);
      } else {
        known *= d;
      }
      out.push_back(d);
    }
    if (minus >= 0) {
      if (known == 0 || numel(in[0]) % known) shape_error(n, "cannot infer -1 reshaping " + shape_str(in[0]));
      out[minus] = numel(in[0]) / known;
    }
    if (numel(out) != numel(in[0]))
      shape_error(n, "cannot reshape " + shape_str(in[0]) + " (" + std::to_string(numel(in[0])) + " elements) to " +
                         shape_str(out));
    return out;
  }
  if (op == "Flatten") {
    need_inputs(n, in, 1, 1);
    const int axis = normalize_axis(n.attr_i("axis", 1), in[0].size() + 1, n);
    std::int64_t a = 1, b = 1;
    for (std::size_t i = 0; i < in[0].size(); ++i) (static_cast<int>(i) < axis ? a : b) *= in[0][i];
    return {a, b};
  }
  if (op == "Transpose") {
    need_inputs(n, in, 1, 1);
    std::vector<std::int64_t> rev(in[0].size());
    std::iota(rev.rbegin(), rev.rend(), 0);
    const auto perm = n.attr_ints("perm", rev);
    if (perm.size() != in[0].size()) shape_error(n, "perm has the wrong length for " + shape_str(in[0]));
    Shape out;
    for (auto p : perm) out.push_back(in[0][normalize_axis(p, in[0].size(), n)]);
    return out;
  }
  if (op == "Softmax") {
    need_inputs(n, in, 1, 1);
    normalize_axis(n.attr_i("axis", -1), in[0].size(), n);
    return in[0];
  }
  if (op == "LayerNormalization") {
    need_inputs(n, in, 2, 3);
    const int axis = normalize_axis(n.attr_i("axis", -1), in[0].size(), n);
    const Shape norm(in[0].begin() + axis, in[0].end());
    if (numel(in[1]) != numel(norm)) shape_error(n, "Scale must cover the normalized axes: " + shapes_str(in));
    return in[0];
  }
  if (op == "ReduceMean") {
    need_inputs(n, in, 1, 2);
    auto axes = n.attr_ints("axes", {});
    if (in.size() == 2) {
      if (!c[1]) shape_error(n, "axes must be a constant");
      axes.assign(c[1]->data.begin(), c[1]->data.end());
    }
    std::vector<bool> reduce(in[0].size(), axes.empty());
    for (auto a : axes) reduce[normalize_axis(a, in[0].size(), n)] = true;
    const bool keep = n.attr_i("keepdims", 1);
    Shape out;
    for (std::size_t i = 0; i < in[0].size(); ++i)
      if (!reduce[i]) out.push_back(in[0][i]);
      else if (keep) out.push_back(1);
    return out;
  }
  if (op == "Gather") {
    need_inputs(n, in, 2, 2);
    const int axis = normalize_axis(n.attr_i("axis", 0), in[0].size(), n);
    Shape out(in[0].begin(), in[0].begin() + axis);
    out.insert(out.end(), in[1].begin(), in[1].end());
    out.insert(out.end(), in[0].begin() + axis + 1, in[0].end());
    return out;
  }
  shape_error(n, "no shape rule (unsupported op)");
}

}  // namespace detail

using namespace detail;

namespace {

float apply_activation(const std::string& act, float v) { return act == "Relu" ? std::max(v, 0.0f) : v; }

// C[M x N] = A[M x K] B[K x N], each addressed by strides (transposes are free).
void matmul_strided(std::int64_t M, std::int64_t N, std::int64_t K, const float* A, std::int64_t ars, std::int64_t acs,
                    const float* B, std::int64_t brs, std::int64_t bcs, float* C) {
  for (std::int64_t i = 0; i < M; ++i)
    for (std::int64_t j = 0; j < N; ++j) {
      double acc = 0;  // double: the interpreter is the yardstick
      for (std::int64_t k = 0; k < K; ++k) acc += static_cast<double>(A[i * ars + k * acs]) * B[k * brs + j * bcs];
      C[i * N + j] = static_cast<float>(acc);
    }
}

}  // namespace

Constant evaluate_node(const Node& n, const std::vector<const Constant*>& in) {
  std::vector<Shape> shapes;
  for (const auto* c : in) shapes.push_back(c ? c->shape : Shape{});
  Constant out;
  out.shape = output_shape(n, shapes, in);
  out.data.assign(static_cast<std::size_t>(numel(out.shape)), 0.0f);
  const std::string& op = n.op;
  const std::string act = n.attr_s("mlc_activation", "");
  float* y = out.data.data();
  const std::int64_t total = numel(out.shape);
  const std::size_t rank = out.shape.size();

  if (is_elementwise_binary(op)) {
    const auto sa = broadcast_strides(in[0]->shape, out.shape), sb = broadcast_strides(in[1]->shape, out.shape);
    std::vector<std::int64_t> idx(rank, 0);
    for (std::int64_t e = 0; e < total; ++e) {
      std::int64_t oa = 0, ob = 0;
      for (std::size_t d = 0; d < rank; ++d) oa += idx[d] * sa[d], ob += idx[d] * sb[d];
      const float a = in[0]->data[oa], b = in[1]->data[ob];
      y[e] = op == "Add" ? a + b : op == "Sub" ? a - b : op == "Mul" ? a * b : op == "Div" ? a / b : std::pow(a, b);
      for (int d = static_cast<int>(rank) - 1; d >= 0 && ++idx[d] == out.shape[d]; --d) idx[d] = 0;
    }
    out.elem_type = in[0]->elem_type;
  } else if (is_elementwise_unary(op)) {
    for (std::int64_t e = 0; e < total; ++e) {
      const float v = in[0]->data[e];
      y[e] = op == "Relu" ? std::max(v, 0.0f) : op == "Tanh" ? std::tanh(v) : op == "Sqrt" ? std::sqrt(v) : v;
    }
    out.elem_type = in[0]->elem_type;
  } else if (op == "Gemm") {
    const bool ta = n.attr_i("transA", 0), tb = n.attr_i("transB", 0);
    const float alpha = n.attr_f("alpha", 1.0f), beta = n.attr_f("beta", 1.0f);
    const auto M = out.shape[0], N = out.shape[1], K = ta ? in[0]->shape[0] : in[0]->shape[1];
    const auto& as = in[0]->shape;
    const auto& bs = in[1]->shape;
    matmul_strided(M, N, K, in[0]->data.data(), ta ? 1 : as[1], ta ? as[1] : 1, in[1]->data.data(), tb ? 1 : bs[1],
                   tb ? bs[1] : 1, y);
    std::vector<std::int64_t> sc;
    if (in.size() > 2 && in[2]) sc = broadcast_strides(in[2]->shape, out.shape);
    for (std::int64_t i = 0; i < M; ++i)
      for (std::int64_t j = 0; j < N; ++j) {
        float v = alpha * y[i * N + j];
        if (!sc.empty()) v += beta * in[2]->data[i * sc[0] + j * sc[1]];
        y[i * N + j] = apply_activation(act, v);
      }
  } else if (op == "MatMul") {
    const Shape& a = in[0]->shape;
    const Shape& b = in[1]->shape;
    const auto M = a[a.size() - 2], K = a.back(), N = b.back();
    const Shape batch(out.shape.begin(), out.shape.end() - 2);
    const Shape ab(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
    const auto sa = broadcast_strides(ab, batch), sb = broadcast_strides(bb, batch);
    std::vector<std::int64_t> idx(batch.size(), 0);
    for (std::int64_t p = 0; p < numel(batch); ++p) {
      std::int64_t oa = 0, ob = 0;
      for (std::size_t d = 0; d < batch.size(); ++d) oa += idx[d] * sa[d], ob += idx[d] * sb[d];
      matmul_strided(M, N, K, in[0]->data.data() + oa * M * K, K, 1, in[1]->data.data() + ob * K * N, N, 1,
                     y + p * M * N);
      for (int d = static_cast<int>(batch.size()) - 1; d >= 0 && ++idx[d] == batch[d]; --d) idx[d] = 0;
    }
  } else if (op == "Conv" || op == "MaxPool") {
    const Shape& xs = in[0]->shape;
    const bool conv = op == "Conv";
    const auto kh = conv ? in[1]->shape[2] : n.attr_ints("kernel_shape", {})[0];
    const auto kw = conv ? in[1]->shape[3] : n.attr_ints("kernel_shape", {})[1];
    const auto g = [&] {
      const auto s = n.attr_ints("strides", {1, 1});
      const auto p = n.attr_ints("pads", {0, 0, 0, 0});
      const auto d = n.attr_ints("dilations", {1, 1});
      return std::array<std::int64_t, 6>{s[0], s[1], p[0], p[1], d[0], d[1]};
    }();
    const auto C = xs[1], H = xs[2], W = xs[3], O = out.shape[1], OH = out.shape[2], OW = out.shape[3];
    const float* x = in[0]->data.data();
    for (std::int64_t b = 0; b < out.shape[0]; ++b)
      for (std::int64_t o = 0; o < O; ++o)
        for (std::int64_t oy = 0; oy < OH; ++oy)
          for (std::int64_t ox = 0; ox < OW; ++ox) {
            double acc = conv ? (in.size() > 2 && in[2] ? in[2]->data[o] : 0.0) : -std::numeric_limits<double>::infinity();
            for (std::int64_t c = conv ? 0 : o; c < (conv ? C : o + 1); ++c)
              for (std::int64_t ky = 0; ky < kh; ++ky)
                for (std::int64_t kx = 0; kx < kw; ++kx) {
                  const auto iy = oy * g[0] - g[2] + ky * g[4], ix = ox * g[1] - g[3] + kx * g[5];
                  if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                  const float v = x[((b * C + c) * H + iy) * W + ix];
                  if (conv) acc += static_cast<double>(v) * in[1]->data[((o * C + c) * kh + ky) * kw + kx];
                  else acc = std::max<double>(acc, v);
                }
            y[((b * O + o) * OH + oy) * OW + ox] = apply_activation(act, static_cast<float>(acc));
          }
  } else if (op == "BatchNormalization") {
    const float eps = n.attr_f("epsilon", 1e-5f);
    const auto C = out.shape[1];
    const std::int64_t inner = total / out.shape[0] / C;
    for (std::int64_t e = 0; e < total; ++e) {
      const auto c = (e / inner) % C;
      y[e] = in[1]->data[c] * (in[0]->data[e] - in[3]->data[c]) / std::sqrt(in[4]->data[c] + eps) + in[2]->data[c];
    }
  } else if (op == "Reshape" || op == "Flatten") {
    out.data = in[0]->data;
    out.elem_type = in[0]->elem_type;
  } else if (op == "Transpose") {
    const Shape& xs = in[0]->shape;
    std::vector<std::int64_t> rev(xs.size());
    std::iota(rev.rbegin(), rev.rend(), 0);
    const auto perm = n.attr_ints("perm", rev);
    const auto xst = row_major_strides(xs);
    std::vector<std::int64_t> idx(rank, 0);
    for (std::int64_t e = 0; e < total; ++e) {
      std::int64_t off = 0;
      for (std::size_t d = 0; d < rank; ++d) off += idx[d] * xst[perm[d]];
      y[e] = in[0]->data[off];
      for (int d = static_cast<int>(rank) - 1; d >= 0 && ++idx[d] == out.shape[d]; --d) idx[d] = 0;
    }
    out.elem_type = in[0]->elem_type;
  } else if (op == "Softmax" || op == "LayerNormalization" || op == "ReduceMean") {
    // Softmax and LayerNormalization: over the axis (Softmax, opset 13) or
    // the axes from `axis` on (LayerNormalization). ReduceMean: any axes.
    const Shape& xs = in[0]->shape;
    if (op == "ReduceMean") {
      auto axes = n.attr_ints("axes", {});
      if (in.size() == 2) axes.assign(in[1]->data.begin(), in[1]->data.end());
      std::vector<bool> red(xs.size(), axes.empty());
      for (auto a : axes) red[normalize_axis(a, xs.size(), n)] = true;
      Shape keep_shape = xs;
      for (std::size_t d = 0; d < xs.size(); ++d)
        if (red[d]) keep_shape[d] = 1;
      const auto os = row_major_strides(keep_shape);
      std::vector<double> acc(static_cast<std::size_t>(total), 0.0);
      std::vector<std::int64_t> idx(xs.size(), 0);
      for (std::int64_t e = 0; e < numel(xs); ++e) {
        std::int64_t o = 0;
        for (std::size_t d = 0; d < xs.size(); ++d) o += (red[d] ? 0 : idx[d]) * os[d];
        acc[o] += in[0]->data[e];
        for (int d = static_cast<int>(xs.size()) - 1; d >= 0 && ++idx[d] == xs[d]; --d) idx[d] = 0;
      }
      const double count = static_cast<double>(numel(xs)) / static_cast<double>(total);
      for (std::int64_t e = 0; e < total; ++e) y[e] = static_cast<float>(acc[e] / count);
    } else {
      const bool softmax = op == "Softmax";
      const int axis = normalize_axis(n.attr_i("axis", -1), xs.size(), n);
      std::int64_t outer = 1, len = 1, inner = 1;
      for (int d = 0; d < static_cast<int>(xs.size()); ++d)
        (d < axis ? outer : d == axis || !softmax ? len : inner) *= xs[d];
      const float eps = n.attr_f("epsilon", 1e-5f);
      for (std::int64_t o = 0; o < outer; ++o)
        for (std::int64_t i = 0; i < inner; ++i) {
          const float* x = in[0]->data.data() + o * len * inner + i;
          float* yy = y + o * len * inner + i;
          if (softmax) {
            double mx = -std::numeric_limits<double>::infinity(), s = 0;
            for (std::int64_t l = 0; l < len; ++l) mx = std::max<double>(mx, x[l * inner]);
            for (std::int64_t l = 0; l < len; ++l) s += std::exp(x[l * inner] - mx);
            for (std::int64_t l = 0; l < len; ++l) yy[l * inner] = static_cast<float>(std::exp(x[l * inner] - mx) / s);
          } else {
            double mean = 0, var = 0;
            for (std::int64_t l = 0; l < len; ++l) mean += x[l];
            mean /= static_cast<double>(len);
            for (std::int64_t l = 0; l < len; ++l) var += (x[l] - mean) * (x[l] - mean);
            var /= static_cast<double>(len);
            const double inv = 1.0 / std::sqrt(var + eps);
            for (std::int64_t l = 0; l < len; ++l)
              yy[l] = static_cast<float>((x[l] - mean) * inv * in[1]->data[l] + (in.size() > 2 && in[2] ? in[2]->data[l] : 0.0f));
          }
        }
    }
  } else if (op == "Gather") {
    const Shape& xs = in[0]->shape;
    const int axis = normalize_axis(n.attr_i("axis", 0), xs.size(), n);
    std::int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= xs[d];
    for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < xs.size(); ++d) inner *= xs[d];
    const auto len = xs[axis];
    const auto nidx = static_cast<std::int64_t>(in[1]->data.size());
    for (std::int64_t o = 0; o < outer; ++o)
      for (std::int64_t t = 0; t < nidx; ++t) {
        auto k = static_cast<std::int64_t>(in[1]->data[t]);
        if (k < 0) k += len;
        if (k < 0 || k >= len)
          throw InputError("node '" + n.name + "' (Gather): index " + std::to_string(k) + " out of range [0, " +
                           std::to_string(len) + ")");
        std::copy_n(in[0]->data.data() + (o * len + k) * inner, inner, y + (o * nidx + t) * inner);
      }
    out.elem_type = in[0]->elem_type;
  } else {
    throw InputError("node '" + n.name + "': the interpreter has no rule for op '" + op + "'");
  }
  return out;
}

TensorMap interpret(const Graph& g, const TensorMap& inputs) {
  TensorMap values = inputs;
  for (const auto& [k, v] : g.initializers) values[k] = v;
  for (const auto& in : g.inputs)
    if (!values.count(in.name))
      throw InputError("no value given for graph input '" + in.name + "'; fix: --input " + in.name + "=FILE.npy");
  for (const Node& n : g.nodes) {
    std::vector<const Constant*> args;
    for (const auto& i : n.inputs) {
      if (i.empty()) {
        args.push_back(nullptr);
        continue;
      }
      auto it = values.find(i);
      if (it == values.end()) throw InputError("node '" + n.name + "' reads '" + i + "', which nothing produces");
      args.push_back(&it->second);
    }
    values[n.outputs.at(0)] = evaluate_node(n, args);
  }
  TensorMap out;
  for (const auto& o : g.outputs) out[o.name] = values.at(o.name);
  return out;
}

}  // namespace ml_compiler
