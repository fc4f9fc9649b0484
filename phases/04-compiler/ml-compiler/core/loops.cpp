// Loop nests and the schedule primitives (Halide/TVM style): the nest's
// statement never changes, only the loops around it: their order, their
// extents, and what the compiler is told about each (simd, parallel, unroll).
#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "ml_compiler.hpp"

namespace ml_compiler {

LoopNest::LoopNest(std::vector<std::pair<std::string, std::int64_t>> axes, std::string body)
    : axes_(std::move(axes)), body_(std::move(body)) {
  for (const auto& [name, extent] : axes_) {
    Loop l;
    l.var = l.axis = name;
    l.extent = extent;
    l.extent_expr = std::to_string(extent);
    loops_.push_back(l);
  }
}

int LoopNest::find(const std::string& var) const {
  for (std::size_t i = 0; i < loops_.size(); ++i)
    if (loops_[i].var == var) return static_cast<int>(i);
  throw std::invalid_argument("LoopNest: no loop '" + var + "' (loops: " + order() + ")");
}

void LoopNest::split(const std::string& var, std::int64_t factor) {
  if (factor < 1) throw std::invalid_argument("LoopNest::split: factor " + std::to_string(factor) + " < 1");
  const int idx = find(var);
  const Loop l = loops_[idx];
  factor = std::min(factor, l.extent);  // a tile larger than the loop: the loop itself
  const bool exact = l.needs.empty() && l.extent % factor == 0;
  Loop outer = l, inner = l;
  outer.var = var + "_o";
  inner.var = var + "_i";
  outer.kind = inner.kind = Loop::serial;
  outer.extent = (l.extent + factor - 1) / factor;
  outer.stride = l.stride * factor;
  inner.extent = std::min(factor, l.extent);
  const std::string f = std::to_string(factor);
  if (exact) {
    outer.extent_expr = std::to_string(outer.extent);
    inner.extent_expr = std::to_string(inner.extent);
  } else {
    // The last outer iteration runs a shorter inner loop (the tail).
    outer.extent_expr = l.needs.empty() ? std::to_string(outer.extent) : "((" + l.extent_expr + ") + " + f + " - 1) / " + f;
    inner.extent_expr = "std::min<std::int64_t>(" + f + ", (" + l.extent_expr + ") - " + outer.var + " * " + f + ")";
    inner.needs.push_back(outer.var);
  }
  loops_[idx] = outer;
  loops_.insert(loops_.begin() + idx + 1, inner);
}

void LoopNest::reorder(const std::vector<std::string>& order) {
  std::vector<int> positions;
  for (const auto& v : order) positions.push_back(find(v));
  std::vector<int> sorted = positions;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    throw std::invalid_argument("LoopNest::reorder: a loop is named twice");
  std::vector<Loop> next = loops_;
  for (std::size_t i = 0; i < order.size(); ++i) next[sorted[i]] = loops_[positions[i]];
  for (std::size_t i = 0; i < next.size(); ++i)
    for (const auto& need : next[i].needs) {
      bool enclosed = false;
      for (std::size_t j = 0; j < i; ++j) enclosed |= next[j].var == need;
      if (!enclosed)
        throw std::invalid_argument("LoopNest::reorder: '" + next[i].var + "' (a tail loop) must stay inside '" + need +
                                    "'");
    }
  loops_ = std::move(next);
}

void LoopNest::tile(const std::string& x, const std::string& y, std::int64_t fx, std::int64_t fy) {
  split(x, fx);
  split(y, fy);
  // x_o y_o x_i y_i where x_o x_i y_o y_i stood.
  reorder({x + "_o", y + "_o", x + "_i", y + "_i"});
}

void LoopNest::vectorize(const std::string& var) {
  const int idx = find(var);
  if (idx + 1 != static_cast<int>(loops_.size()))
    throw std::invalid_argument("LoopNest::vectorize: '" + var + "' is not the innermost loop (" + order() + ")");
  if (std::count(reductions_.begin(), reductions_.end(), loops_[idx].axis))
    throw std::invalid_argument("LoopNest::vectorize: '" + var + "' runs along the reduction axis '" +
                                loops_[idx].axis + "'; vectorize an output axis");
  loops_[idx].kind = Loop::vectorized;
}

void LoopNest::parallel(const std::string& var) {
  const int idx = find(var);
  if (std::count(reductions_.begin(), reductions_.end(), loops_[idx].axis))
    throw std::invalid_argument("LoopNest::parallel: '" + var + "' runs along the reduction axis '" +
                                loops_[idx].axis + "': threads would add into the same element");
  if (idx != 0) throw std::invalid_argument("LoopNest::parallel: only the outermost loop ('" + loops_[0].var + "')");
  loops_[idx].kind = Loop::parallel;
}

void LoopNest::unroll(const std::string& var, int factor) {
  Loop& l = loops_[find(var)];
  if (l.kind == Loop::serial) l.kind = Loop::unrolled;
  l.unroll = factor;
}

std::string LoopNest::order() const {
  std::string s;
  for (const auto& l : loops_) s += (s.empty() ? "" : " ") + l.var;
  return s;
}

void LoopNest::set_output(std::string expr, std::vector<std::string> axes) {
  out_expr_ = std::move(expr);
  out_axes_ = std::move(axes);
}

void LoopNest::cache_write(const std::string& var) {
  if (out_expr_.empty()) throw std::invalid_argument("LoopNest::cache_write: set_output() first");
  find(var);
  cache_at_ = var;
}

std::string LoopNest::emit(int indent) const {
  std::ostringstream s;
  std::vector<std::string> defined;
  auto pad = [&](int d) { return std::string(static_cast<std::size_t>(2 * d), ' '); };
  const int cache = cache_at_.empty() ? -1 : find(cache_at_);
  // The cached tile: per output axis, its base (the loops down to `cache`),
  // its offset inside the tile (the loops below) and its extent.
  std::vector<std::string> base, local;
  std::vector<std::int64_t> tile;
  std::vector<bool> guard;
  for (const auto& a : out_axes_) {
    std::string b, l;
    std::int64_t t = 1;
    bool tail = false;
    for (std::size_t j = 0; j < loops_.size(); ++j) {
      if (loops_[j].axis != a) continue;
      tail |= !loops_[j].needs.empty();
      const std::string term = loops_[j].var + (loops_[j].stride == 1 ? "" : " * " + std::to_string(loops_[j].stride));
      if (static_cast<int>(j) <= cache) {
        b += (b.empty() ? "" : " + ") + term;
      } else {
        l += (l.empty() ? "" : " + ") + term;
        t += (loops_[j].extent - 1) * loops_[j].stride;
      }
    }
    base.push_back(b.empty() ? "0" : b);
    local.push_back(l.empty() ? "0" : l);
    tile.push_back(t);
    guard.push_back(tail);
  }
  std::int64_t tile_size = 1;
  for (auto t : tile) tile_size *= t;
  // acc[l0 * t1 + l1 ...] for local offsets l0, l1, ...
  auto flat = [&](const std::vector<std::string>& idx) {
    std::string e;
    for (std::size_t a = 0; a < idx.size(); ++a) {
      std::int64_t below = 1;
      for (std::size_t b = a + 1; b < tile.size(); ++b) below *= tile[b];
      e += (e.empty() ? "" : " + ") + std::string("(") + idx[a] + ")" + (below == 1 ? "" : " * " + std::to_string(below));
    }
    return e;
  };
  auto tile_loops = [&](int d, bool load) {
    std::ostringstream t;
    std::vector<std::string> idx;
    for (std::size_t a = 0; a < out_axes_.size(); ++a) {
      const std::string l = "l_" + out_axes_[a];
      idx.push_back(l);
      if (a + 1 == out_axes_.size()) t << pad(d + static_cast<int>(a)) << "#pragma omp simd\n";
      t << pad(d + static_cast<int>(a)) << "for (std::int64_t " << l << " = 0; " << l << " < " << tile[a] << "; ++" << l
        << ") {\n";
    }
    const std::string in = pad(d + static_cast<int>(out_axes_.size()));
    std::string cond;
    for (std::size_t a = 0; a < out_axes_.size(); ++a) {
      t << in << "const std::int64_t " << out_axes_[a] << " = " << base[a] << " + l_" << out_axes_[a] << ";\n";
      if (guard[a]) {
        std::int64_t extent = 0;
        for (const auto& [name, e] : axes_)
          if (name == out_axes_[a]) extent = e;
        cond += (cond.empty() ? "" : " && ") + out_axes_[a] + " < " + std::to_string(extent);
      }
    }
    const std::string acc = "acc[" + flat(idx) + "]";
    t << in << (cond.empty() ? "" : "if (" + cond + ") ") << (load ? acc + " = " + out_expr_ : out_expr_ + " = " + acc)
      << ";\n";
    for (std::size_t a = out_axes_.size(); a-- > 0;) t << pad(d + static_cast<int>(a)) << "}\n";
    return t.str();
  };
  std::string body = body_;
  const std::string out = cache >= 0 ? "acc[" + flat(local) + "]" : out_expr_;
  if (auto at = body.find("{OUT}"); at != std::string::npos) body.replace(at, 5, out);
  int depth = indent;
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    const Loop& l = loops_[i];
    if (l.kind == Loop::parallel) s << pad(depth) << "#pragma omp parallel for schedule(static)\n";
    if (l.kind == Loop::vectorized) s << pad(depth) << "#pragma omp simd\n";
    if (l.unroll > 0) s << pad(depth) << "#pragma GCC unroll " << l.unroll << "\n";
    s << pad(depth) << "for (std::int64_t " << l.var << " = 0; " << l.var << " < " << l.extent_expr << "; ++"
      << l.var << ") {\n";
    ++depth;
    // Define each original axis as soon as all of its loops are open.
    for (const auto& [axis, extent] : axes_) {
      if (std::count(defined.begin(), defined.end(), axis)) continue;
      std::string expr;
      bool all = true, renamed = false;
      for (std::size_t j = 0; j < loops_.size(); ++j) {
        if (loops_[j].axis != axis) continue;
        if (j > i) all = false;
        renamed |= loops_[j].var != axis;
        expr += (expr.empty() ? "" : " + ") + loops_[j].var +
                (loops_[j].stride == 1 ? "" : " * " + std::to_string(loops_[j].stride));
      }
      if (!all) continue;
      defined.push_back(axis);
      if (renamed) s << pad(depth) << "const std::int64_t " << axis << " = " << expr << ";\n";
    }
    if (static_cast<int>(i) == cache) {
      s << pad(depth) << "// cache_write: a " << tile_size << "-element tile of the output, in registers\n";
      s << pad(depth) << "float acc[" << tile_size << "];\n" << tile_loops(depth, true);
    }
  }
  s << pad(depth) << body << "\n";
  for (std::size_t i = loops_.size(); i-- > 0;) {
    if (static_cast<int>(i) == cache) s << tile_loops(depth, false);
    s << pad(--depth) << "}\n";
  }
  return s.str();
}

std::string MatmulSchedule::describe() const {
  std::ostringstream s;
  s << "ti=" << ti << " tj=" << tj << " tk=" << tk << " unroll=" << unroll;
  if (mr > 0 && nr > 0) s << " mr=" << mr << " nr=" << nr;
  if (parallel) s << " parallel";
  return s.str();
}

LoopNest matmul_nest(std::int64_t M, std::int64_t N, std::int64_t K, const std::string& out, const std::string& rhs) {
  LoopNest nest({{"i", M}, {"j", N}, {"k", K}}, "{OUT} += " + rhs + ";");
  nest.set_output(out, {"i", "j"});
  nest.mark_reduction("k");
  return nest;
}

}  // namespace ml_compiler
