// A cluster simulator from the alpha-beta model: allreduce and one
// data-parallel step on machines this lab cannot run (support/cluster.cpp,
// the collectives_cluster tool, README "Scaling out on paper").
#pragma once
#include <cstdint>

namespace collectives::cluster {

// One GPU's link in one direction: alpha per message, bandwidth in bytes/s.
struct Link {
  double alpha_s = 0;
  double bytes_per_s = 0;
};

// Nodes of g GPUs: inside a node every GPU reaches every other through a
// switch (NVSwitch) at `intra`; each GPU has its own NIC (`inter`) into a
// non-blocking network (a full-bisection fat tree, or rail-optimized: GPU i
// of every node on rail i), so the NIC is the only bottleneck between nodes.
struct Cluster {
  int gpus_per_node = 8;
  int nodes = 1;
  Link intra, inter;
  int gpus() const { return gpus_per_node * nodes; }
};

// Ring allreduce of n bytes per rank on p ranks over `link`:
// 2(p-1) alpha + 2(p-1)/p n / bandwidth.
double ring_allreduce_s(int p, double bytes, const Link& link);

// A flat ring over all GPUs of the cluster: with more than one node, some
// hop of every step crosses the network, so the NIC sets the pace.
double flat_ring_allreduce_s(const Cluster& c, double bytes);

// Hierarchical: reduce-scatter inside each node (n/g per GPU left), ring
// allreduce of those n/g bytes across nodes (the g rails at once, one per
// GPU), allgather inside the node:
//   2 [(g-1) alpha_i + (g-1)/g n / B_i] + ring_allreduce(nodes, n/g, inter).
double hierarchical_allreduce_s(const Cluster& c, double bytes);

// One data-parallel training step: forward, then backward producing the
// gradients at an even rate; every `bucket_bytes` of them (the last bucket
// smaller) is allreduced as soon as it is complete, one bucket at a time,
// overlapping the rest of the backward pass (PyTorch DDP's gradient buckets).
struct Step {
  double forward_s = 0, backward_s = 0;
  double comm_end_s = 0;  // when the last bucket's allreduce ends, from the start of backward
  double step_s = 0;      // forward + max(backward, comm_end)
  double exposed_s = 0;   // communication not hidden behind backward: step - forward - backward
  std::int64_t buckets = 0;
};
// allreduce_s(bytes): the allreduce's time for one bucket.
Step data_parallel_step(double gradient_bytes, double bucket_bytes, double forward_s, double backward_s,
                        double (*allreduce_s)(const Cluster&, double), const Cluster& c);

}  // namespace collectives::cluster
