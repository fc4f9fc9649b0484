// Shared by the test sources: the worker run's report, and a helper that
// turns one algorithm's lines of it into a test verdict.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "launch.hpp"

namespace collectives::checks {

// One mpirun of this test program as the worker on kWorldRanks ranks (so
// communicators of 1..8 ranks), run once per process, on first use.
inline constexpr int kWorldRanks = 8;
const CheckReport& report();

// Fails (or skips) the calling test unless every check of `algo` passed.
inline void expect_all_ok(const std::string& algo) {
  const CheckReport& r = report();
  if (!r.skip_reason.empty()) GTEST_SKIP() << r.skip_reason;
  const auto failed = r.failed.find(algo);
  if (failed != r.failed.end()) {
    ADD_FAILURE() << failed->second.size() << " check(s) failed; first: " << failed->second.front();
    return;
  }
  if (!r.error.empty()) {
    ADD_FAILURE() << "the MPI worker did not finish: " << r.error;
    return;
  }
  const auto ok = r.ok.find(algo);
  const std::size_t expected = 2 * kWorldRanks * check_counts().size();  // int64 and float, p = 1..8
  EXPECT_EQ(ok == r.ok.end() ? 0 : ok->second.size(), expected) << "checks of " << algo << " that reported ok";
}

}  // namespace collectives::checks
