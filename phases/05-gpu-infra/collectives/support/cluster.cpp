// The cluster simulator's formulas (support/cluster.hpp).
#include "cluster.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace collectives::cluster {

double ring_allreduce_s(int p, double bytes, const Link& link) {
  if (p < 1 || bytes < 0 || !(link.bytes_per_s > 0)) throw std::invalid_argument("ring_allreduce_s: p >= 1, bytes >= 0, bandwidth > 0");
  if (p == 1) return 0.0;
  return 2.0 * (p - 1) * link.alpha_s + 2.0 * (p - 1) / p * bytes / link.bytes_per_s;
}

double flat_ring_allreduce_s(const Cluster& c, double bytes) {
  return ring_allreduce_s(c.gpus(), bytes, c.nodes > 1 ? c.inter : c.intra);
}

double hierarchical_allreduce_s(const Cluster& c, double bytes) {
  const int g = c.gpus_per_node;
  if (g < 1 || c.nodes < 1) throw std::invalid_argument("hierarchical_allreduce_s: needs at least one GPU and one node");
  // The intra-node reduce-scatter and allgather are each half of a ring allreduce.
  const double intra = g == 1 ? 0.0 : ring_allreduce_s(g, bytes, c.intra);
  return intra + ring_allreduce_s(c.nodes, bytes / g, c.inter);
}

Step data_parallel_step(double gradient_bytes, double bucket_bytes, double forward_s, double backward_s,
                        double (*allreduce_s)(const Cluster&, double), const Cluster& c) {
  if (!(bucket_bytes > 0) || gradient_bytes < 0) throw std::invalid_argument("data_parallel_step: bucket_bytes > 0, gradient_bytes >= 0");
  Step s;
  s.forward_s = forward_s, s.backward_s = backward_s;
  s.buckets = static_cast<std::int64_t>(std::ceil(gradient_bytes / bucket_bytes));
  double done = 0, end = 0;
  for (std::int64_t b = 0; b < s.buckets; ++b) {
    const double size = std::min(bucket_bytes, gradient_bytes - done);
    done += size;
    const double ready = backward_s * done / gradient_bytes;  // gradients come out at an even rate
    end = std::max(ready, end) + allreduce_s(c, size);
  }
  s.comm_end_s = end;
  s.step_s = forward_s + std::max(backward_s, end);
  s.exposed_s = s.step_s - forward_s - backward_s;
  return s;
}

}  // namespace collectives::cluster
