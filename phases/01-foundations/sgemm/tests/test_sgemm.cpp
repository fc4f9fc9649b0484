// Tests of the sgemm interface, built twice: against the reference and
// against student/ (LABKIT_IMPL selects the namespace). Every entry point is
// run on every shape of test_support.hpp, twice: small integers (the answer
// must be exact) and random data (within a stated rounding bound).
//
// Test names say what failed: Blocked/Shapes.ExactOnSmallIntegers/m65_n17_k129_padded
// is sgemm_blocked on a 65 x 17 x 129 problem with padded leading dimensions.
#include <gtest/gtest.h>

#include "sgemm.hpp"
#include "test_support.hpp"

namespace impl = sgemm::LABKIT_IMPL;
using namespace sgemm::test;

namespace {

Gemm threaded(int threads) {
  return [threads](int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
    impl::sgemm_threaded(M, N, K, A, lda, B, ldb, C, ldc, threads);
  };
}

class Shapes : public ::testing::TestWithParam<Case> {};

TEST_P(Shapes, ExactOnSmallIntegers) {
  EXPECT_TRUE(run_and_check(GetParam().gemm, GetParam().shape, /*exact=*/true)) << GetParam().entry;
}

TEST_P(Shapes, RandomWithinRoundingBound) {
  EXPECT_TRUE(run_and_check(GetParam().gemm, GetParam().shape, /*exact=*/false)) << GetParam().entry;
}

}  // namespace

// The one-thread entry point: your fastest version.
INSTANTIATE_TEST_SUITE_P(Sgemm, Shapes, ::testing::ValuesIn(cases("sgemm", impl::sgemm)), case_name);
// The steps you write.
INSTANTIATE_TEST_SUITE_P(Blocked, Shapes, ::testing::ValuesIn(cases("sgemm_blocked", impl::sgemm_blocked)), case_name);
INSTANTIATE_TEST_SUITE_P(Packed, Shapes, ::testing::ValuesIn(cases("sgemm_packed", impl::sgemm_packed)), case_name);
// The threaded entry point on 1, 2 and 3 threads (3 does not divide most
// shapes evenly, and is more threads than some machines have cores).
INSTANTIATE_TEST_SUITE_P(Threaded1, Shapes, ::testing::ValuesIn(cases("sgemm_threaded, 1 thread", threaded(1))), case_name);
INSTANTIATE_TEST_SUITE_P(Threaded2, Shapes, ::testing::ValuesIn(cases("sgemm_threaded, 2 threads", threaded(2))), case_name);
INSTANTIATE_TEST_SUITE_P(Threaded3, Shapes, ::testing::ValuesIn(cases("sgemm_threaded, 3 threads", threaded(3))), case_name);

TEST(Threads, ZeroOrNegativeThreadCountsMeanOne) {
  for (int threads : {0, -3})
    EXPECT_TRUE(run_and_check(threaded(threads), {33, 40, 50}, /*exact=*/true)) << "threads = " << threads;
}

TEST(Threads, MoreThreadsThanRowBlocks) {
  // 8 threads, 7 rows: some threads have nothing to do.
  EXPECT_TRUE(run_and_check(threaded(8), {7, 200, 300}, /*exact=*/false));
}
