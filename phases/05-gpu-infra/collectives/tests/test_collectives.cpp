// Built twice: against the reference and against student/ (LABKIT_IMPL).
// The collective tests run this program again under mpirun as a worker
// (support/launch.cpp), once, on 8 ranks: every algorithm on communicators of
// 1 to 8 ranks, int64 and float data, counts from 0 to 65539.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <labkit/check_gtest.hpp>
#include <stdexcept>
#include <vector>

#include "collectives.hpp"
#include "test_support.hpp"

namespace impl = collectives::LABKIT_IMPL;
using collectives::AlphaBeta;
using collectives::Collective;
using collectives::Sample;

namespace {
// Under mpirun (COLLECTIVES_CHECK_WORKER set) this program is the worker, not
// a test runner: it runs before GoogleTest's main and exits.
const int worker_exit = [] {
  if (!std::getenv("COLLECTIVES_CHECK_WORKER")) return 0;
  const collectives::ImplTable t{impl::reduce_scatter_ring, impl::reduce_scatter_ring, impl::allreduce_ring,
                                 impl::allreduce_ring,      impl::allreduce_recursive, impl::allreduce_recursive,
                                 impl::allreduce_tree,      impl::allreduce_tree};
  std::exit(collectives::run_check_worker(t));
}();
}  // namespace

const collectives::CheckReport& collectives::checks::report() {
  static const CheckReport r = [] {
    (void)worker_exit;
    CheckReport rep = run_checks(std::filesystem::read_symlink("/proc/self/exe").string(), kWorldRanks, 60);
    std::printf("[ mpirun ] %d ranks, %.1f s\n", kWorldRanks, rep.seconds);
    return rep;
  }();
  return r;
}

using collectives::checks::expect_all_ok;

TEST(Ring, ReduceScatterMatchesMpiAllreduceBlocks) { expect_all_ok("reduce_scatter_ring"); }
TEST(Ring, AllreduceMatchesMpiAllreduceOnEveryRank) { expect_all_ok("allreduce_ring"); }
TEST(Recursive, AllreduceMatchesMpiAllreduceIncludingNonPowersOfTwo) { expect_all_ok("allreduce_recursive"); }
TEST(Tree, AllreduceMatchesMpiAllreduce) { expect_all_ok("allreduce_tree"); }

TEST(Busbw, AllreduceIsTwoTimesPMinusOneOverP) {
  EXPECT_DOUBLE_EQ(impl::busbw(Collective::allreduce, 10.0, 1), 0.0);
  EXPECT_DOUBLE_EQ(impl::busbw(Collective::allreduce, 10.0, 2), 10.0);
  EXPECT_DOUBLE_EQ(impl::busbw(Collective::allreduce, 10.0, 8), 17.5);
  EXPECT_DOUBLE_EQ(impl::busbw(Collective::allreduce, 3.0, 3), 4.0);
}

TEST(Busbw, ReduceScatterAndAllgatherArePMinusOneOverP) {
  EXPECT_DOUBLE_EQ(impl::busbw(Collective::reduce_scatter, 8.0, 4), 6.0);
  EXPECT_DOUBLE_EQ(impl::busbw(Collective::allgather, 8.0, 8), 7.0);
  EXPECT_THROW(impl::busbw(Collective::allgather, 8.0, 0), std::invalid_argument);
}

TEST(AlphaBeta, RecoversAnExactLine) {
  const double alpha = 1.5e-6, beta = 1.0 / 8e9;  // 1.5 us, 8 GB/s
  std::vector<Sample> s;
  for (double n = 8; n <= 4 << 20; n *= 4) s.push_back({n, alpha + beta * n});
  const AlphaBeta m = impl::fit_alpha_beta(s);
  EXPECT_NEAR(m.alpha_s, alpha, 1e-9 * alpha);
  EXPECT_NEAR(m.beta_s_per_byte, beta, 1e-9 * beta);
}

TEST(AlphaBeta, WeighsRelativeErrorsSoOneSlowLargeMessageKeepsAlpha) {
  // The largest message is 5% slow. Unweighted least squares would move
  // alpha by microseconds (the error in absolute terms is 26 us); weighting
  // by 1/t^2 keeps it within 10%.
  const double alpha = 1.5e-6, beta = 1.0 / 8e9;
  std::vector<Sample> s;
  for (double n = 8; n <= 4 << 20; n *= 4) s.push_back({n, alpha + beta * n});
  s.back().seconds *= 1.05;
  const AlphaBeta m = impl::fit_alpha_beta(s);
  EXPECT_NEAR(m.alpha_s, alpha, 0.1 * alpha);
  EXPECT_NEAR(m.beta_s_per_byte, beta, 0.1 * beta);
}

TEST(AlphaBeta, RejectsOneSizeAndNonPositiveTimes) {
  EXPECT_THROW(impl::fit_alpha_beta({{64, 1e-6}, {64, 2e-6}}), std::invalid_argument);
  EXPECT_THROW(impl::fit_alpha_beta({{64, 1e-6}, {128, 0.0}}), std::invalid_argument);
}
