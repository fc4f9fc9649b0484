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
