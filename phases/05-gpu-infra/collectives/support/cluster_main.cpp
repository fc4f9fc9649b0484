// collectives_cluster: the cluster simulator's answers for two machines this
// lab cannot run. Link figures (README, "Scaling out on paper", cites them):
//   NVLink 4 on H100: 900 GB/s per GPU both directions together, 450 GB/s one way
//   NDR InfiniBand: one 400 Gb/s ConnectX-7 per GPU, 50 GB/s one way
// The alphas are assumptions, not published figures: --alpha-intra-us, --alpha-inter-us.
//
//   build/default/bin/collectives_cluster [--params=1.3e9] [--bytes-per-param=2]
//       [--bucket-mib=25] [--forward-ms=100] [--backward-ms=200]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cluster.hpp"

using namespace collectives::cluster;

int main(int argc, char** argv) {
  double params = 1.3e9, bytes_per_param = 2, bucket_mib = 25, fwd_ms = 100, bwd_ms = 200;
  double alpha_intra_us = 3, alpha_inter_us = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* name, double& v) {
      const std::string k = std::string("--") + name + "=";
      if (a.rfind(k, 0) != 0) return false;
      v = std::atof(a.c_str() + k.size());
      return true;
    };
    if (!(value("params", params) || value("bytes-per-param", bytes_per_param) || value("bucket-mib", bucket_mib) ||
          value("forward-ms", fwd_ms) || value("backward-ms", bwd_ms) || value("alpha-intra-us", alpha_intra_us) ||
          value("alpha-inter-us", alpha_inter_us))) {
      std::fprintf(stderr, "collectives_cluster: unknown argument '%s' (see the header of support/cluster_main.cpp)\n", argv[i]);
      return 2;
    }
  }
  const Link nvlink{alpha_intra_us * 1e-6, 450e9}, ndr{alpha_inter_us * 1e-6, 50e9};
  const Cluster node{8, 1, nvlink, ndr}, pod{8, 128, nvlink, ndr};

  std::printf("allreduce time, ms (alpha intra %.1f us, inter %.1f us: assumed)\n", alpha_intra_us, alpha_inter_us);
  std::printf("%12s %14s %16s %18s\n", "bytes", "8 GPUs NVLink", "1024 flat ring", "1024 hierarchical");
  for (double b = 1024; b <= 4.0 * (1 << 30); b *= 16)
    std::printf("%12.0f %14.4f %16.4f %18.4f\n", b, flat_ring_allreduce_s(node, b) * 1e3,
                flat_ring_allreduce_s(pod, b) * 1e3, hierarchical_allreduce_s(pod, b) * 1e3);

  const double grad = params * bytes_per_param, bucket = bucket_mib * (1 << 20);
  std::printf("\none data-parallel step: %.3g parameters x %.0f B of gradient, %.0f MiB buckets, forward %.0f ms, "
              "backward %.0f ms (assumed)\n", params, bytes_per_param, bucket_mib, fwd_ms, bwd_ms);
  std::printf("%-28s %9s %11s %11s\n", "machine / allreduce", "step ms", "exposed ms", "buckets");
  struct Row { const char* name; const Cluster* c; double (*f)(const Cluster&, double); };
  for (const Row& r : {Row{"8 GPUs, ring", &node, flat_ring_allreduce_s}, Row{"1024 GPUs, flat ring", &pod, flat_ring_allreduce_s},
                       Row{"1024 GPUs, hierarchical", &pod, hierarchical_allreduce_s}}) {
    const Step s = data_parallel_step(grad, bucket, fwd_ms * 1e-3, bwd_ms * 1e-3, r.f, *r.c);
    std::printf("%-28s %9.2f %11.2f %11lld\n", r.name, s.step_s * 1e3, s.exposed_s * 1e3, static_cast<long long>(s.buckets));
  }
  return 0;
}
