// The memory planner: every non-constant tensor gets an offset in one arena
// so that two tensors alive at the same step never share a byte.
//
// Both strategies place the largest tensors first (Pisarchyk and Lee 2020,
// "Efficient Memory Management for Deep Neural Net Inference": greedy by
// size). For each tensor, the tensors already placed whose lifetimes overlap
// its own block some address ranges; the free gaps between them are candidates.
//   greedy by size  the lowest gap that fits (first fit)
//   best fit        the smallest gap that fits (ties: the lowest), else the end;
//                   it leaves big holes for the big tensors still to come
#include <algorithm>
#include <limits>

#include "ml_compiler.hpp"

namespace ml_compiler {

namespace {
std::int64_t align_up(std::int64_t v) { return (v + kArenaAlign - 1) / kArenaAlign * kArenaAlign; }
bool overlap(const Interval& a, const Interval& b) { return a.first <= b.last && b.first <= a.last; }

Plan place(const std::vector<Interval>& iv, bool best_fit) {
  Plan p;
  p.strategy = best_fit ? "best fit" : "greedy by size";
  std::vector<std::size_t> order(iv.size());
  for (std::size_t i = 0; i < iv.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return iv[a].bytes > iv[b].bytes; });
  std::vector<std::size_t> placed;
  for (std::size_t idx : order) {
    const Interval& t = iv[idx];
    const std::int64_t size = align_up(std::max<std::int64_t>(t.bytes, 1));
    std::vector<std::pair<std::int64_t, std::int64_t>> busy;  // [begin, end) of overlapping tensors
    for (std::size_t o : placed)
      if (overlap(t, iv[o])) busy.push_back({p.offsets.at(iv[o].value), p.offsets.at(iv[o].value) + align_up(iv[o].bytes)});
    std::sort(busy.begin(), busy.end());
    std::int64_t best = -1, best_gap = std::numeric_limits<std::int64_t>::max(), cursor = 0;
    for (const auto& [b, e] : busy) {
      const std::int64_t gap = b - cursor;
      if (gap >= size) {
        if (!best_fit) {
          best = cursor;
          break;
        }
        if (gap < best_gap) best_gap = gap, best = cursor;
      }
      cursor = std::max(cursor, e);
    }
    if (best < 0) best = cursor;  // after every overlapping tensor
    p.offsets[t.value] = best;
    p.peak = std::max(p.peak, best + size);
    placed.push_back(idx);
  }
  for (const auto& t : iv) p.sum += align_up(t.bytes);
  p.lower_bound = max_live_bytes(iv);
  return p;
}
}  // namespace

std::int64_t max_live_bytes(const std::vector<Interval>& iv) {
  int lo = 0, hi = 0;
  for (const auto& t : iv) lo = std::min(lo, t.first), hi = std::max(hi, t.last);
  std::int64_t best = 0;
  for (int s = lo; s <= hi; ++s) {
    std::int64_t live = 0;
    for (const auto& t : iv)
      if (t.first <= s && s <= t.last) live += align_up(t.bytes);
    best = std::max(best, live);
  }
  return best;
}

Plan plan_greedy_by_size(const std::vector<Interval>& iv) { return place(iv, false); }
Plan plan_best_fit(const std::vector<Interval>& iv) { return place(iv, true); }

std::string check_plan(const std::vector<Interval>& iv, const Plan& p) {
  for (std::size_t a = 0; a < iv.size(); ++a) {
    auto ia = p.offsets.find(iv[a].value);
    if (ia == p.offsets.end()) return "'" + iv[a].value + "' has no offset";
    if (ia->second % kArenaAlign) return "'" + iv[a].value + "' is not aligned";
    if (ia->second + iv[a].bytes > p.peak) return "'" + iv[a].value + "' ends past the arena";
    for (std::size_t b = a + 1; b < iv.size(); ++b) {
      const auto ob = p.offsets.at(iv[b].value);
      if (overlap(iv[a], iv[b]) && ia->second < ob + iv[b].bytes && ob < ia->second + iv[a].bytes)
        return "'" + iv[a].value + "' [" + std::to_string(ia->second) + ", +" + std::to_string(iv[a].bytes) +
               ") and '" + iv[b].value + "' [" + std::to_string(ob) + ", +" + std::to_string(iv[b].bytes) +
               ") are live together (steps " + std::to_string(std::max(iv[a].first, iv[b].first)) + ".." +
               std::to_string(std::min(iv[a].last, iv[b].last)) + ") and overlap";
    }
  }
  return "";
}

}  // namespace ml_compiler
