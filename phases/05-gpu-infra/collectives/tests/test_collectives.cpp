// Built twice: against the reference and against student/ (LABKIT_IMPL).
// The collective tests run this program again under mpirun as a worker
// (support/launch.cpp), once, on 8 ranks: every algorithm on communicators of
// 1 to 8 ranks, int64 and float data, counts from 0 to 65539.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <labkit/check_gtest.hpp>
#include <labkit/paths.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>
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

// Data-parallel training (README, "Data-parallel training for real"): the
// tiny-nn MLP trained on 2 and 4 ranks with this implementation's
// allreduce_ring follows the one-process loss curve of the same global batch.
#ifdef COLLECTIVES_DP_TRAIN
namespace {
#define COLLECTIVES_STR2(x) #x
#define COLLECTIVES_STR(x) COLLECTIVES_STR2(x)

// The loss curve of collectives_dp_train on `ranks` ranks (40 SGD steps,
// global batch 64, synthetic images), or a failure naming what went wrong.
testing::AssertionResult dp_curve(int ranks, std::vector<double>& loss) {
  const std::filesystem::path out = std::filesystem::temp_directory_path() /
                                    ("collectives-dp-" + std::to_string(::getpid()) + "-" + std::to_string(ranks) + ".json");
  const collectives::Launch l =
      collectives::launch((std::filesystem::path(labkit::executable_dir()) / COLLECTIVES_DP_TRAIN).string(), ranks, {"OMP_NUM_THREADS=1"},
                          {"--impl=" COLLECTIVES_STR(LABKIT_IMPL), "--steps=40", "--batch=64", "--out=" + out.string()}, 60);
  if (l.exit_code != 0)
    return testing::AssertionFailure() << ranks << " rank(s): exit code " << l.exit_code << "\n" << l.command << "\n" << l.output;
  std::ifstream in(out);
  const auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  std::filesystem::remove(out);
  if (!j.is_object() || !j.contains("loss"))
    return testing::AssertionFailure() << ranks << " rank(s): no loss curve in " << out << "\n" << l.output;
  loss = j["loss"].get<std::vector<double>>();
  return testing::AssertionSuccess();
}
}  // namespace

TEST(DataParallel, LossCurveEqualsOneProcessWithTheSameGlobalBatch) {
  if (collectives::find_mpirun().empty()) GTEST_SKIP() << "mpirun is not on PATH: apt-get install openmpi-bin libopenmpi-dev";
  std::vector<double> one, two, four;
  ASSERT_TRUE(dp_curve(1, one));
  ASSERT_EQ(one.size(), 40u);
  // It learns: the synthetic strokes are easy (a real run, not a flat line).
  EXPECT_LT(one.back(), 0.5 * one.front()) << "40 steps of SGD should at least halve the loss";
  for (const auto& [ranks, curve] : {std::pair{2, &two}, std::pair{4, &four}}) {
    ASSERT_TRUE(dp_curve(ranks, *curve));
    ASSERT_EQ(curve->size(), one.size());
    // Float sums in another order (each rank's share, then the ring's sum):
    // measured at most about 1e-6 relative over the 40 steps; 1e-4 allows
    // for other compilers and math libraries and still catches a missing
    // division by p (2x) or a rank that trains on the wrong images.
    for (std::size_t s = 0; s < one.size(); ++s)
      EXPECT_NEAR((*curve)[s], one[s], 1e-4 * one[s]) << ranks << " ranks, step " << s;
  }
}
#endif
