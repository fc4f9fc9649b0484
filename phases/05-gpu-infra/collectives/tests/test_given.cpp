// Reference-only: the pieces the lab gives (support/given.cpp): the ring
// allgather, the naive allreduce, argument checks and the cost model.
#include <gtest/gtest.h>

#include <stdexcept>

#include "collectives.hpp"
#include "test_support.hpp"

using namespace collectives;

TEST(Given, AllgatherRingMatchesMpiAllreduce) { checks::expect_all_ok("allgather_ring"); }
TEST(Given, NaiveAllreduceMatchesMpiAllreduce) { checks::expect_all_ok("allreduce_naive"); }

TEST(Given, BlocksCoverTheVectorInOrderFirstOnesLonger) {
  for (std::size_t n : {0u, 1u, 7u, 8u, 13u})
    for (int p = 1; p <= 8; ++p) {
      std::size_t next = 0;
      for (int b = 0; b < p; ++b) {
        const Range r = block_range(n, p, b);
        EXPECT_EQ(r.begin, next) << "n=" << n << " p=" << p << " b=" << b;
        EXPECT_LE(r.size(), block_range(n, p, 0).size());
        next = r.end;
      }
      EXPECT_EQ(next, n);
    }
}

TEST(Given, BadArgumentsThrowBeforeAnyMessage) {
  EXPECT_THROW(allreduce_naive(static_cast<float*>(nullptr), 5, MPI_COMM_NULL), std::invalid_argument);
  EXPECT_THROW(reference::allreduce_ring(static_cast<float*>(nullptr), 5, MPI_COMM_WORLD), std::invalid_argument);
  EXPECT_THROW(reference::allreduce_tree(static_cast<std::int64_t*>(nullptr), 1, MPI_COMM_WORLD),
               std::invalid_argument);
}

TEST(Given, ModelMatchesThakurRabenseifnerGropp) {
  const AlphaBeta m{1e-6, 1e-9};
  const double n = 1e6;
  EXPECT_DOUBLE_EQ(predict_seconds(Algo::ring, 4, n, m), 6e-6 + 1.5e-3);
  EXPECT_DOUBLE_EQ(predict_seconds(Algo::recursive, 4, n, m), 4e-6 + 1.5e-3);
  EXPECT_DOUBLE_EQ(predict_seconds(Algo::recursive, 5, n, m), 4e-6 + 1.5e-3 + 2 * (1e-6 + 1e-3));
  EXPECT_DOUBLE_EQ(predict_seconds(Algo::tree, 8, n, m), 12 * (1e-6 + 1e-3));
  EXPECT_DOUBLE_EQ(predict_seconds(Algo::naive, 3, n, m), 4 * (1e-6 + 1e-3));
  EXPECT_DOUBLE_EQ(predict_seconds(Algo::ring, 1, n, m), 0.0);
}

// The cluster simulator's formulas (support/cluster.cpp), on hand-worked cases.
#include "cluster.hpp"

TEST(Cluster, RingIsTwoPMinusOneAlphasAndTwoPMinusOneOverPOfTheBytes) {
  const cluster::Link l{1e-6, 1e9};
  EXPECT_DOUBLE_EQ(cluster::ring_allreduce_s(4, 4e6, l), 6e-6 + 6e-3);
  EXPECT_DOUBLE_EQ(cluster::ring_allreduce_s(1, 4e6, l), 0.0);
  EXPECT_THROW(cluster::ring_allreduce_s(2, 1, {1e-6, 0}), std::invalid_argument);
}

TEST(Cluster, HierarchicalReducesToTheRingAtEitherExtreme) {
  const cluster::Link fast{2e-6, 400e9}, slow{5e-6, 50e9};
  const cluster::Cluster one_node{8, 1, fast, slow}, one_gpu_per_node{1, 16, fast, slow};
  EXPECT_DOUBLE_EQ(cluster::hierarchical_allreduce_s(one_node, 1e8), cluster::ring_allreduce_s(8, 1e8, fast));
  EXPECT_DOUBLE_EQ(cluster::hierarchical_allreduce_s(one_gpu_per_node, 1e8), cluster::ring_allreduce_s(16, 1e8, slow));
  // 2 nodes of 4: ring on 4 over NVLink, then 2 nodes on a quarter of the bytes.
  const cluster::Cluster two{4, 2, fast, slow};
  EXPECT_DOUBLE_EQ(cluster::hierarchical_allreduce_s(two, 1e8),
                   cluster::ring_allreduce_s(4, 1e8, fast) + cluster::ring_allreduce_s(2, 2.5e7, slow));
  // Across nodes, a flat ring runs at the NIC's pace: the hierarchy wins on large messages.
  const cluster::Cluster pod{8, 128, fast, slow};
  EXPECT_LT(cluster::hierarchical_allreduce_s(pod, 1e9), cluster::flat_ring_allreduce_s(pod, 1e9));
}

namespace {
double one_ms(const cluster::Cluster&, double) { return 1e-3; }
}  // namespace

TEST(Cluster, BucketsOverlapBackwardAndOnlyTheTailIsExposed) {
  const cluster::Cluster c{8, 1, {0, 1}, {0, 1}};
  // 4 buckets of 25 B, ready at 2.5, 5, 7.5, 10 ms of a 10 ms backward,
  // 1 ms each: the last one ends at 11 ms, 1 ms past the backward pass.
  const cluster::Step s = cluster::data_parallel_step(100, 25, 0.004, 0.010, one_ms, c);
  EXPECT_EQ(s.buckets, 4);
  EXPECT_DOUBLE_EQ(s.comm_end_s, 0.011);
  EXPECT_DOUBLE_EQ(s.step_s, 0.004 + 0.011);
  EXPECT_NEAR(s.exposed_s, 0.001, 1e-15);
  // 10 buckets (the last 5 B), each 1 ms, the first ready after 10/95 of a
  // 5 ms backward, the rest sooner than the one before ends: they queue.
  const cluster::Step q = cluster::data_parallel_step(95, 10, 0, 0.005, one_ms, c);
  EXPECT_EQ(q.buckets, 10);
  EXPECT_NEAR(q.comm_end_s, 0.005 * 10 / 95 + 0.010, 1e-15);
}
