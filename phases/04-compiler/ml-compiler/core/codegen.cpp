// Lowering and code generation: each node of the optimized graph becomes
// one C++ function with every shape baked in (the compiler can then unroll,
// vectorize and fold the index arithmetic); Gemm and MatMul go through a
// LoopNest and its schedule. The module is compiled by the system compiler
// into a shared object, cached by the hash of its source, and loaded with dlopen.
#include <dlfcn.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "internal.hpp"

namespace ml_compiler {

using detail::broadcast_strides;
using detail::row_major_strides;

namespace {

std::string num(std::int64_t v) { return std::to_string(v); }
std::string flt(float v) {
  if (std::isinf(v)) return v > 0 ? "INFINITY" : "-INFINITY";
  char b[64];
  std::snprintf(b, sizeof b, "%.9gf", static_cast<double>(v));
  std::string s = b;
  if (s.find_first_of(".en") == std::string::npos) s.insert(s.size() - 1, ".0");
  return s;
}

std::string ints_array(const std::string& name, const std::vector<std::int64_t>& v) {
  std::string s = "  static const std::int64_t " + name + "[" + num(std::max<std::size_t>(v.size(), 1)) + "] = {";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + num(v[i]);
  if (v.empty()) s += "0";
  return s + "};\n";
}

std::string activation(const std::string& act, const std::string& x) {
  return act == "Relu" ? "(" + x + " > 0.0f ? " + x + " : 0.0f)" : x;
}

// Nested loops over an output of shape `out`, innermost simd, with one
// running offset per operand (strides given per output dimension). `body`
// reads o (the output offset) and o0, o1, ... (each operand's).
std::string strided_loops(const Shape& out, const std::vector<std::vector<std::int64_t>>& strides, const std::string& body) {
  std::ostringstream s;
  const std::size_t r = out.size();
  if (r == 0) {
    s << "  { const std::int64_t o = 0;";
    for (std::size_t t = 0; t < strides.size(); ++t) s << " const std::int64_t o" << t << " = 0;";
    s << " " << body << " }\n";
    return s.str();
  }
  const auto os = row_major_strides(out);
  std::string pad = "  ";
  for (std::size_t d = 0; d < r; ++d) {
    if (d + 1 == r) s << pad << "#pragma omp simd\n";
    s << pad << "for (std::int64_t d" << d << " = 0; d" << d << " < " << out[d] << "; ++d" << d << ") {\n";
    pad += "  ";
  }
  s << pad << "const std::int64_t o = ";
  for (std::size_t d = 0; d < r; ++d) s << (d ? " + " : "") << "d" << d << " * " << os[d];
  s << ";\n";
  for (std::size_t t = 0; t < strides.size(); ++t) {
    s << pad << "const std::int64_t o" << t << " = 0";
    for (std::size_t d = 0; d < r; ++d)
      if (strides[t][d]) s << " + d" << d << " * " << strides[t][d];
    s << ";\n";
  }
  s << pad << body << "\n";
  for (std::size_t d = r; d-- > 0;) {
    pad.resize(pad.size() - 2);
    s << pad << "}\n";
  }
  return s.str();
}

class Emitter {
 public:
  Emitter(const Graph& g, const Impl& impl, const CompileOptions& o) : g_(g), impl_(impl), o_(o) {}

  const Shape& shape(const std::string& v) const { return g_.shapes.at(v); }

  MatmulSchedule schedule_for(const Node& n) const {
    auto it = o_.schedules.find(n.name);
    if (it != o_.schedules.end()) return it->second;
    it = o_.schedules.find("*");
    return it != o_.schedules.end() ? it->second : o_.matmul;
  }

  // The nest for one M x N x K product, scheduled, at `indent`.
  std::string matmul(const Node& n, std::int64_t M, std::int64_t N, std::int64_t K, bool ta, bool tb) {
    const std::string a = ta ? "a[k * " + num(M) + " + i]" : "a[i * " + num(K) + " + k]";
    const std::string b = tb ? "b[j * " + num(K) + " + k]" : "b[k * " + num(N) + " + j]";
    LoopNest nest = matmul_nest(M, N, K, "c[i * " + num(N) + " + j]", a + " * " + b);
    impl_.tile_matmul(nest, schedule_for(n));
    any_parallel_ |= !nest.loops().empty() && nest.loops()[0].kind == Loop::parallel;
    return "  // schedule: " + schedule_for(n).describe() + "; loops: " + nest.order() + "\n" + nest.emit(1);
  }

  std::string kernel(const Node& n, std::size_t index) {
    std::ostringstream s;
    const Shape& out = shape(n.outputs[0]);
    const std::int64_t total = numel(out);
    const std::string act = n.attr_s("mlc_activation", "");
    std::vector<std::string> args;
    for (std::size_t i = 0; i < n.inputs.size(); ++i)
      if (!n.inputs[i].empty()) args.push_back("const float* __restrict x" + num(static_cast<std::int64_t>(i)));
    args.push_back("float* __restrict y");
    s << "// " << n.op << (act.empty() ? "" : "+" + act) << " '" << n.name << "' -> " << shape_str(out) << "\n";
    s << "static void k" << index << "(";
    for (std::size_t i = 0; i < args.size(); ++i) s << (i ? ", " : "") << args[i];
    s << ") {\n";
    const std::string& op = n.op;
    if (detail::is_elementwise_binary(op)) {
      const std::string e = op == "Add" ? "x0[o0] + x1[o1]" : op == "Sub" ? "x0[o0] - x1[o1]"
                          : op == "Mul" ? "x0[o0] * x1[o1]" : op == "Div" ? "x0[o0] / x1[o1]"
                          : "std::pow(x0[o0], x1[o1])";
      s << strided_loops(out, {broadcast_strides(shape(n.inputs[0]), out), broadcast_strides(shape(n.inputs[1]), out)},
                         "y[o] = " + e + ";");
    } else if (detail::is_elementwise_unary(op)) {
      const std::string e = op == "Relu" ? "(x0[e] > 0.0f ? x0[e] : 0.0f)" : op == "Tanh" ? "std::tanh(x0[e])"
                          : op == "Sqrt" ? "std::sqrt(x0[e])" : "x0[e]";
      s << "  #pragma omp simd\n  for (std::int64_t e = 0; e < " << total << "; ++e) y[e] = " << e << ";\n";
    } else if (op == "Reshape" || op == "Flatten") {
      s << "  for (std::int64_t e = 0; e < " << total << "; ++e) y[e] = x0[e];\n";
    } else if (op == "Gemm") {
      const bool ta = n.attr_i("transA", 0), tb = n.attr_i("transB", 0);
      const float alpha = n.attr_f("alpha", 1.0f), beta = n.attr_f("beta", 1.0f);
      const auto M = out[0], N = out[1], K = ta ? shape(n.inputs[0])[0] : shape(n.inputs[0])[1];
      const bool bias = n.inputs.size() > 2 && !n.inputs[2].empty();
      std::string bias_at;
      if (bias) {
        const auto st = broadcast_strides(shape(n.inputs[2]), out);
        bias_at = "x2[i * " + num(st[0]) + " + j * " + num(st[1]) + "]";
      }
      s << "  const float* __restrict a = x0;\n  const float* __restrict b = x1;\n  float* __restrict c = y;\n";
      // Start from the bias (alpha = 1), multiply-add into it, then the activation as the tile is stored.
      const bool init_bias = bias && alpha == 1.0f;
      s << "  for (std::int64_t i = 0; i < " << M << "; ++i)\n    #pragma omp simd\n    for (std::int64_t j = 0; j < "
        << N << "; ++j) c[i * " << N << " + j] = " << (init_bias ? flt(beta) + " * " + bias_at : "0.0f") << ";\n";
      s << matmul(n, M, N, K, ta, tb);
      std::string v = "c[i * " + num(N) + " + j]";
      std::string e = init_bias ? v : flt(alpha) + " * " + v + (bias ? " + " + flt(beta) + " * " + bias_at : "");
      if (e != v || !act.empty()) {
        s << "  for (std::int64_t i = 0; i < " << M << "; ++i)\n    #pragma omp simd\n    for (std::int64_t j = 0; j < "
          << N << "; ++j) { const float v = " << e << "; " << v << " = " << activation(act, "v") << "; }\n";
      }
    } else if (op == "MatMul") {
      const Shape& as = shape(n.inputs[0]);
      const Shape& bs = shape(n.inputs[1]);
      const auto M = as[as.size() - 2], K = as.back(), N = bs.back();
      const Shape batch(out.begin(), out.end() - 2);
      const auto sa = broadcast_strides(Shape(as.begin(), as.end() - 2), batch);
      const auto sb = broadcast_strides(Shape(bs.begin(), bs.end() - 2), batch);
      std::vector<std::int64_t> offa, offb;
      std::vector<std::int64_t> idx(batch.size(), 0);
      for (std::int64_t p = 0; p < numel(batch); ++p) {
        std::int64_t oa = 0, ob = 0;
        for (std::size_t d = 0; d < batch.size(); ++d) oa += idx[d] * sa[d], ob += idx[d] * sb[d];
        offa.push_back(oa * M * K);
        offb.push_back(ob * K * N);
        for (int d = static_cast<int>(batch.size()) - 1; d >= 0 && ++idx[d] == batch[d]; --d) idx[d] = 0;
      }
      s << ints_array("offa", offa) << ints_array("offb", offb);
      s << "  for (std::int64_t p = 0; p < " << numel(batch) << "; ++p) {\n";
      s << "  const float* __restrict a = x0 + offa[p];\n  const float* __restrict b = x1 + offb[p];\n"
        << "  float* __restrict c = y + p * " << M * N << ";\n";
      s << "  for (std::int64_t e = 0; e < " << M * N << "; ++e) c[e] = 0.0f;\n";
      s << matmul(n, M, N, K, false, false);
      s << "  }\n";
    } else if (op == "Conv") {
      // im2col, then the scheduled matmul: y[o][p] = sum_r W[o][r] col[r][p]
      // (r = (c, ky, kx), p = (oy, ox)), as tiny-nn and Caffe do it.
      const Shape& xs = shape(n.inputs[0]);
      const Shape& ws = shape(n.inputs[1]);
      const auto st = n.attr_ints("strides", {1, 1}), pads = n.attr_ints("pads", {0, 0, 0, 0}),
                 dl = n.attr_ints("dilations", {1, 1});
      const auto C = xs[1], H = xs[2], W = xs[3], O = out[1], OH = out[2], OW = out[3], KH = ws[2], KW = ws[3];
      const auto R = C * KH * KW, P = OH * OW;
      const bool bias = n.inputs.size() > 2 && !n.inputs[2].empty();
      s << "  static float col[" << R * P << "];  // one image's patches\n"
        << "  for (std::int64_t n = 0; n < " << out[0] << "; ++n) {\n"
        << "  for (std::int64_t r = 0; r < " << R << "; ++r) {\n"
        << "    const std::int64_t c = r / " << KH * KW << ", ky = r / " << KW << " % " << KH << ", kx = r % " << KW << ";\n"
        << "    const float* __restrict xc = x0 + (n * " << C << " + c) * " << H * W << ";\n"
        << "    for (std::int64_t oy = 0; oy < " << OH << "; ++oy) {\n"
        << "      const std::int64_t iy = oy * " << st[0] << " - " << pads[0] << " + ky * " << dl[0] << ";\n"
        << "      #pragma omp simd\n"
        << "      for (std::int64_t ox = 0; ox < " << OW << "; ++ox) {\n"
        << "        const std::int64_t ix = ox * " << st[1] << " - " << pads[1] << " + kx * " << dl[1] << ";\n"
        << "        col[r * " << P << " + oy * " << OW << " + ox] = iy >= 0 && iy < " << H << " && ix >= 0 && ix < " << W
        << " ? xc[iy * " << W << " + ix] : 0.0f;\n      }\n    }\n  }\n"
        << "  const float* __restrict a = x1;\n  const float* __restrict b = col;\n"
        << "  float* __restrict c = y + n * " << O * P << ";\n"
        << "  for (std::int64_t i = 0; i < " << O << "; ++i)\n    #pragma omp simd\n"
        << "    for (std::int64_t j = 0; j < " << P << "; ++j) c[i * " << P << " + j] = " << (bias ? "x2[i]" : "0.0f") << ";\n";
      s << matmul(n, O, P, R, false, false);
      if (!act.empty())
        s << "  #pragma omp simd\n  for (std::int64_t e = 0; e < " << O * P << "; ++e) c[e] = " << activation(act, "c[e]")
          << ";\n";
      s << "  }\n";
    } else if (op == "MaxPool") {
      const Shape& xs = shape(n.inputs[0]);
      const auto k = n.attr_ints("kernel_shape", {}), st = n.attr_ints("strides", {1, 1}),
                 pads = n.attr_ints("pads", {0, 0, 0, 0}), dl = n.attr_ints("dilations", {1, 1});
      const auto H = xs[2], W = xs[3], OH = out[2], OW = out[3];
      s << "  for (std::int64_t p = 0; p < " << out[0] * out[1] << "; ++p)\n"
        << "  for (std::int64_t oy = 0; oy < " << OH << "; ++oy)\n"
        << "  for (std::int64_t ox = 0; ox < " << OW << "; ++ox) {\n    float m = -INFINITY;\n"
        << "    for (std::int64_t ky = 0; ky < " << k[0] << "; ++ky)\n"
        << "    for (std::int64_t kx = 0; kx < " << k[1] << "; ++kx) {\n"
        << "      const std::int64_t iy = oy * " << st[0] << " - " << pads[0] << " + ky * " << dl[0]
        << ", ix = ox * " << st[1] << " - " << pads[1] << " + kx * " << dl[1] << ";\n"
        << "      if (iy < 0 || iy >= " << H << " || ix < 0 || ix >= " << W << ") continue;\n"
        << "      const float v = x0[p * " << H * W << " + iy * " << W << " + ix];\n      m = v > m ? v : m;\n    }\n"
        << "    y[p * " << OH * OW << " + oy * " << OW << " + ox] = m;\n  }\n";
    } else if (op == "BatchNormalization") {
      const auto C = out[1], inner = total / out[0] / C;
      s << "  for (std::int64_t p = 0; p < " << out[0] * C << "; ++p) {\n    const std::int64_t c = p % " << C << ";\n"
        << "    const float sc = x1[c] / std::sqrt(x4[c] + " << flt(n.attr_f("epsilon", 1e-5f)) << ");\n"
        << "    const float sh = x2[c] - x3[c] * sc;\n    #pragma omp simd\n"
        << "    for (std::int64_t e = 0; e < " << inner << "; ++e) y[p * " << inner << " + e] = x0[p * " << inner
        << " + e] * sc + sh;\n  }\n";
    } else if (op == "Transpose") {
      const Shape& xs = shape(n.inputs[0]);
      std::vector<std::int64_t> rev(xs.size());
      for (std::size_t i = 0; i < rev.size(); ++i) rev[i] = static_cast<std::int64_t>(rev.size() - 1 - i);
      const auto perm = n.attr_ints("perm", rev);
      const auto xst = row_major_strides(xs);
      std::vector<std::int64_t> st;
      for (auto p : perm) st.push_back(xst[detail::normalize_axis(p, xs.size(), n)]);
      s << strided_loops(out, {st}, "y[o] = x0[o0];");
    } else if (op == "Softmax" || op == "LayerNormalization") {
      const bool softmax = op == "Softmax";
      const int axis = detail::normalize_axis(n.attr_i("axis", -1), out.size(), n);
      std::int64_t outer = 1, len = 1, inner = 1;
      for (int d = 0; d < static_cast<int>(out.size()); ++d)
        (d < axis ? outer : d == axis || !softmax ? len : inner) *= out[d];
      s << "  for (std::int64_t r = 0; r < " << outer << "; ++r)\n  for (std::int64_t q = 0; q < " << inner << "; ++q) {\n"
        << "    const float* __restrict xr = x0 + r * " << len * inner << " + q;\n"
        << "    float* __restrict yr = y + r * " << len * inner << " + q;\n";
      if (softmax) {
        s << "    float m = -INFINITY;\n    for (std::int64_t l = 0; l < " << len << "; ++l) m = xr[l * " << inner
          << "] > m ? xr[l * " << inner << "] : m;\n    float sum = 0.0f;\n"
          << "    for (std::int64_t l = 0; l < " << len << "; ++l) { const float e = std::exp(xr[l * " << inner
          << "] - m); yr[l * " << inner << "] = e; sum += e; }\n    const float inv = 1.0f / sum;\n"
          << "    for (std::int64_t l = 0; l < " << len << "; ++l) yr[l * " << inner << "] *= inv;\n";
      } else {
        const bool bias = n.inputs.size() > 2 && !n.inputs[2].empty();
        s << "    float mean = 0.0f, var = 0.0f;\n    #pragma omp simd reduction(+:mean)\n"
          << "    for (std::int64_t l = 0; l < " << len << "; ++l) mean += xr[l];\n    mean /= " << len << ".0f;\n"
          << "    #pragma omp simd reduction(+:var)\n"
          << "    for (std::int64_t l = 0; l < " << len << "; ++l) var += (xr[l] - mean) * (xr[l] - mean);\n"
          << "    const float inv = 1.0f / std::sqrt(var / " << len << ".0f + " << flt(n.attr_f("epsilon", 1e-5f))
          << ");\n    #pragma omp simd\n"
          << "    for (std::int64_t l = 0; l < " << len << "; ++l) yr[l] = (xr[l] - mean) * inv * x1[l]"
          << (bias ? " + x2[l]" : "") << ";\n";
      }
      s << "  }\n";
    } else if (op == "ReduceMean") {
      const Shape& xs = shape(n.inputs[0]);
      auto axes = n.attr_ints("axes", {});
      if (n.inputs.size() == 2) {
        const auto& c = g_.initializers.at(n.inputs[1]).data;
        axes.assign(c.begin(), c.end());
      }
      std::vector<bool> red(xs.size(), axes.empty());
      for (auto a : axes) red[detail::normalize_axis(a, xs.size(), n)] = true;
      Shape keep = xs;
      for (std::size_t d = 0; d < xs.size(); ++d)
        if (red[d]) keep[d] = 1;
      auto st = row_major_strides(keep);
      for (std::size_t d = 0; d < xs.size(); ++d)
        if (red[d]) st[d] = 0;
      // Loops over the input: o0 is the output element each input element adds into.
      s << "  for (std::int64_t e = 0; e < " << total << "; ++e) y[e] = 0.0f;\n";
      std::string loops = strided_loops(xs, {st}, "y[o0] += x0[o];");
      // No simd over a dimension that reduces into one element.
      if (red.back()) loops.replace(loops.find("#pragma omp simd\n"), 17, "");
      s << loops;
      s << "  for (std::int64_t e = 0; e < " << total << "; ++e) y[e] *= " << flt(1.0f / static_cast<float>(numel(xs) / total))
        << ";\n";
    } else if (op == "Gather") {
      const Shape& xs = shape(n.inputs[0]);
      const int axis = detail::normalize_axis(n.attr_i("axis", 0), xs.size(), n);
      std::int64_t outer = 1, inner = 1;
      for (int d = 0; d < axis; ++d) outer *= xs[d];
      for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < xs.size(); ++d) inner *= xs[d];
      const auto len = xs[axis], nidx = numel(shape(n.inputs[1]));
      s << "  for (std::int64_t r = 0; r < " << outer << "; ++r)\n  for (std::int64_t t = 0; t < " << nidx << "; ++t) {\n"
        << "    std::int64_t k = static_cast<std::int64_t>(x1[t]);\n    if (k < 0) k += " << len << ";\n"
        << "    if (k < 0 || k >= " << len << ") k = 0;  // checked on the host\n"
        << "    for (std::int64_t e = 0; e < " << inner << "; ++e) y[(r * " << nidx << " + t) * " << inner
        << " + e] = x0[(r * " << len << " + k) * " << inner << " + e];\n  }\n";
    } else {
      throw InputError("node '" + n.name + "': no code generator for op '" + op + "'");
    }
    s << "}\n\n";
    return s.str();
  }

  bool any_parallel() const { return any_parallel_; }

 private:
  const Graph& g_;
  const Impl& impl_;
  const CompileOptions& o_;
  bool any_parallel_ = false;
};

}  // namespace

Lowered lower(const Graph& g, const Impl& impl, const CompileOptions& options) {
  Lowered out;
  out.intervals = impl.liveness(g);
  Plan a = plan_greedy_by_size(out.intervals), b = plan_best_fit(out.intervals);
  out.plan = b.peak < a.peak ? b : a;
  std::map<std::string, int> slot;
  auto slot_of = [&](const std::string& v) {
    auto it = slot.find(v);
    if (it != slot.end()) return it->second;
    const int s = static_cast<int>(out.slots.size());
    out.slots.push_back(v);
    slot[v] = s;
    return s;
  };
  Emitter e(g, impl, options);
  std::ostringstream src, entry;
  src << "// Generated by ml-compiler from graph '" << g.name << "'. Do not edit.\n"
      << "#include <cmath>\n#include <cstdint>\n#include <algorithm>\n\n";
  entry << "extern \"C\" void mlc_run(float* const* T) {\n";
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    src << e.kernel(n, i);
    entry << "  k" << i << "(";
    for (const auto& in : n.inputs)
      if (!in.empty()) entry << "T[" << slot_of(in) << "], ";
    entry << "T[" << slot_of(n.outputs[0]) << "]);\n";
  }
  for (const auto& in : g.inputs) slot_of(in.name);
  entry << "}\n";
  src << entry.str();
  out.source = src.str();
  if (e.any_parallel()) out.source = "// needs: -fopenmp\n" + out.source;
  return out;
}

std::string fnv1a_hex(std::string_view text) {
  std::uint64_t h = 1469598103934665603ull;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(h));
  return b;
}

std::string default_cache_dir() {
  if (const char* d = std::getenv("MLC_CACHE_DIR"); d && *d) return d;
  std::error_code ec;
  auto tmp = std::filesystem::temp_directory_path(ec);
  return ((ec ? std::filesystem::path("/tmp") : tmp) / "ml-compiler-cache").string();
}

namespace {
std::string find_compiler(std::string& shown) {
  const char* env = std::getenv("MLC_CXX");
  if (!env || !*env) env = std::getenv("CXX");
  std::string cxx = env && *env ? env : "c++";
  shown = cxx;
  if (cxx.find('/') != std::string::npos) return access(cxx.c_str(), X_OK) == 0 ? cxx : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    if (!dir.empty() && access((dir + "/" + cxx).c_str(), X_OK) == 0) return dir + "/" + cxx;
  return "";
}
}  // namespace

Module::Module(const std::string& source, const std::string& flags, const std::string& cache_dir) {
  std::string shown;
  const std::string cxx = find_compiler(shown);
  if (cxx.empty())
    throw std::runtime_error("ml-compiler: the C++ compiler '" + shown +
                             "' was not found; install one (apt-get install g++) or set MLC_CXX=/path/to/c++");
  const bool omp = source.rfind("// needs: -fopenmp", 0) == 0;
  const std::string all_flags = flags + " -std=c++17 -shared -fPIC -fno-math-errno " + (omp ? "-fopenmp" : "-fopenmp-simd");
  const std::string dir = cache_dir.empty() ? default_cache_dir() : cache_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string stem = dir + "/mlc_" + fnv1a_hex(cxx + "\n" + all_flags + "\n" + source);
  path_ = stem + ".so";
  cached_ = std::filesystem::exists(path_);
  if (!cached_) {
    const std::string cpp = stem + ".cpp", log = stem + ".log", tmp = stem + "." + std::to_string(getpid()) + ".so";
    {
      std::ofstream f(cpp);
      if (!f) throw std::runtime_error("ml-compiler: cannot write " + cpp + "; fix: set MLC_CACHE_DIR to a writable folder");
      f << source;
    }
    const std::string cmd = "'" + cxx + "' " + all_flags + " -o '" + tmp + "' '" + cpp + "' > '" + log + "' 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      std::ifstream l(log);
      std::stringstream ss;
      ss << l.rdbuf();
      std::string msg = ss.str();
      if (msg.size() > 2000) msg = msg.substr(0, 2000) + "...";
      throw std::runtime_error("ml-compiler: compiling the generated module failed:\n  " + cmd + "\n" + msg);
    }
    std::filesystem::rename(tmp, path_, ec);
    if (ec) throw std::runtime_error("ml-compiler: cannot move " + tmp + " to " + path_ + ": " + ec.message());
  }
  handle_ = dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) throw std::runtime_error(std::string("ml-compiler: dlopen failed: ") + dlerror());
  fn_ = reinterpret_cast<void (*)(float* const*)>(dlsym(handle_, "mlc_run"));
  if (!fn_) throw std::runtime_error("ml-compiler: " + path_ + " has no mlc_run");
}

Module::~Module() {
  if (handle_) dlclose(handle_);
}

Executable::Executable(Graph g, const Impl& impl, const CompileOptions& options) : graph_(std::move(g)) {
  check_supported(graph_);
  optimize(graph_, impl, options);
  lowered_ = lower(graph_, impl, options);
  module_ = std::make_unique<Module>(lowered_.source, options.opt_flags, options.cache_dir);
  arena_.assign(static_cast<std::size_t>(lowered_.plan.peak / 4 + 16), 0.0f);
  // 64-byte aligned base: offsets are multiples of 64.
  float* base = arena_.data();
  while (reinterpret_cast<std::uintptr_t>(base) % kArenaAlign) ++base;
  for (const auto& v : lowered_.slots) {
    if (graph_.is_constant(v)) {
      slots_.push_back(const_cast<float*>(graph_.initializers.at(v).data.data()));
    } else {
      auto it = lowered_.plan.offsets.find(v);
      if (it == lowered_.plan.offsets.end())
        throw std::logic_error("ml-compiler: value '" + v + "' has no place in the memory plan (liveness missed it)");
      slots_.push_back(base + it->second / 4);
    }
  }
}

TensorMap Executable::run(const TensorMap& inputs) {
  for (const auto& [name, t] : inputs)
    if (!graph_.has_input(name))
      throw InputError("the model has no input '" + name + "'; its inputs: " + graph_.input_names());
  for (const auto& in : graph_.inputs) {
    auto it = inputs.find(in.name);
    if (it == inputs.end()) throw InputError("no value for input '" + in.name + "'; fix: --input " + in.name + "=FILE.npy");
    if (it->second.shape != graph_.shapes.at(in.name))
      throw InputError("input '" + in.name + "' has shape " + shape_str(it->second.shape) + "; the model was compiled for " +
                       shape_str(graph_.shapes.at(in.name)));
    for (std::size_t s = 0; s < lowered_.slots.size(); ++s)
      if (lowered_.slots[s] == in.name) std::copy(it->second.data.begin(), it->second.data.end(), slots_[s]);
  }
  // Gather indices that come from an input are checked here, not in the module.
  for (const Node& n : graph_.nodes)
    if (n.op == "Gather" && !graph_.is_constant(n.inputs[1])) {
      auto it = inputs.find(n.inputs[1]);
      if (it == inputs.end()) continue;
      const auto& xs = graph_.shapes.at(n.inputs[0]);
      const auto len = xs[detail::normalize_axis(n.attr_i("axis", 0), xs.size(), n)];
      for (float v : it->second.data)
        if (v < -static_cast<float>(len) || v >= static_cast<float>(len))
          throw InputError("input '" + n.inputs[1] + "': index " + std::to_string(v) + " out of range for node '" +
                           n.name + "' (size " + std::to_string(len) + ")");
    }
  run_raw();
  TensorMap out;
  for (const auto& o : graph_.outputs) {
    Constant t;
    t.shape = graph_.shapes.at(o.name);
    for (std::size_t s = 0; s < lowered_.slots.size(); ++s)
      if (lowered_.slots[s] == o.name) t.data.assign(slots_[s], slots_[s] + numel(t.shape));
    out[o.name] = std::move(t);
  }
  return out;
}

void Executable::run_raw() { module_->run(slots_.data()); }

void read_schedule_file(const std::string& path, CompileOptions& o) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot open the schedule file; fix: check the path given to --schedule");
  std::string line;
  int no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (auto h = line.find('#'); h != std::string::npos) line.resize(h);
    std::stringstream s(line);
    std::string node, item;
    if (!(s >> node)) continue;
    MatmulSchedule m;
    while (s >> item) {
      auto eq = item.find('=');
      const std::string key = item.substr(0, eq);
      try {
        if (item == "parallel") m.parallel = true;
        else if (eq == std::string::npos) throw std::invalid_argument(item);
        else if (key == "ti") m.ti = std::stoll(item.substr(eq + 1));
        else if (key == "tj") m.tj = std::stoll(item.substr(eq + 1));
        else if (key == "tk") m.tk = std::stoll(item.substr(eq + 1));
        else if (key == "unroll") m.unroll = std::stoi(item.substr(eq + 1));
        else if (key == "mr") m.mr = std::stoll(item.substr(eq + 1));
        else if (key == "nr") m.nr = std::stoll(item.substr(eq + 1));
        else throw std::invalid_argument(item);
      } catch (const std::exception&) {
        throw InputError(path + ":" + std::to_string(no) + ": cannot read '" + item +
                         "'; fix: write NODE ti=32 tj=256 tk=128 unroll=4 [mr=8 nr=32] [parallel] (NODE * for every matmul)");
      }
    }
    if (m.ti < 0 || m.tj < 0 || m.tk < 0 || m.mr < 0 || m.nr < 0)
      throw InputError(path + ":" + std::to_string(no) + ": tile sizes must be >= 0 (0: not split)");
    o.schedules[node] = m;
  }
}

}  // namespace ml_compiler
