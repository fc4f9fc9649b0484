#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "labkit/clock.hpp"
#include "labkit/harness.hpp"
#include "labkit/todo.hpp"

using namespace labkit;

namespace {
std::vector<char*> make_argv(std::vector<std::string>& args) {
  std::vector<char*> v;
  for (auto& a : args) v.push_back(a.data());
  return v;
}
void spin_ns(std::int64_t ns) {
  const auto t0 = now_ns();
  while (now_ns() - t0 < ns) {
  }
}
}  // namespace

// Three implementations with known relative costs: the harness must time the
// valid ones, refuse the wrong one, mark the stub TODO, and find the ratio.
TEST(Harness, ValidatesTimesAndComputesRatios) {
  const auto out = std::filesystem::temp_directory_path() / "labkit_harness_test.json";
  std::vector<std::string> args{"bench", "--repetitions", "5", "--benchmark_min_time=0.002",
                                "--out", out.string()};
  auto argv = make_argv(args);
  Harness h("demo", static_cast<int>(argv.size()), argv.data());
  h.set_baseline("spin", "slow");
  h.add("spin", 1, "slow", Role::baseline, {1000, 0}, [] { spin_ns(40'000); }, [] { return std::string(); });
  h.add("spin", 1, "fast", Role::reference, {1000, 0}, [] { spin_ns(10'000); }, [] { return std::string(); });
  h.add("spin", 1, "wrong", Role::student, {1000, 0}, [] {}, [] { return std::string("off by one"); });
  h.add("spin", 1, "stub", Role::student, {1000, 0}, [] {}, []() -> std::string { LABKIT_TODO(1, "x"); });
  h.add_count("spin", 1, "fast", Role::reference, "cycles", [] { return 1234.0; });
  h.add_count("spin", 1, "stub", Role::student, "cycles", []() -> double { LABKIT_TODO(2, "y"); });
  EXPECT_EQ(h.run(), 0);  // student problems are not harness failures

  ASSERT_EQ(h.results().size(), 4u);
  EXPECT_EQ(h.results()[0].status, BenchStatus::ok);
  // 5 per round: a full run measures a ratio whose interval is still wide
  // again (up to 3 more rounds), which a loaded machine makes likely here.
  EXPECT_GE(h.results()[0].samples_ns.size(), 5u);
  EXPECT_LE(h.results()[0].samples_ns.size(), 20u);
  EXPECT_EQ(h.results()[0].samples_ns.size() % 5, 0u);
  EXPECT_EQ(h.results()[2].status, BenchStatus::wrong);
  EXPECT_EQ(h.results()[2].note, "off by one");
  EXPECT_EQ(h.results()[3].status, BenchStatus::todo);
  EXPECT_TRUE(h.results()[2].samples_ns.empty());
  ASSERT_EQ(h.ratios().size(), 1u);
  EXPECT_EQ(h.ratios()[0].impl, "fast");
  // 40 us vs 10 us of spinning: a 4x ratio, give or take scheduling noise.
  EXPECT_GT(h.ratios()[0].speedup.estimate, 2.5);
  EXPECT_LT(h.ratios()[0].speedup.estimate, 5.0);

  std::ifstream in(out);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["schema"], kBenchSchema);
  EXPECT_EQ(j["benchmarks"].size(), 4u);
  EXPECT_EQ(j["ratios"][0]["baseline"], "slow");
  ASSERT_EQ(j["counts"].size(), 2u);
  EXPECT_EQ(j["counts"][0]["value"], 1234.0);
  EXPECT_EQ(j["counts"][0]["status"], "ok");
  EXPECT_EQ(j["counts"][1]["status"], "todo");
  EXPECT_TRUE(j["machine"].contains("fingerprint"));
  std::filesystem::remove(out);
}

// A baseline two cases compare with, added to the second as the same call
// as the first's: timed once, both rows get its samples, and the second
// case's copy never runs. Filtered down to the second case alone, the copy
// is measured on its own.
TEST(Harness, ARowAddedAsTheSameCallIsTimedOnce) {
  for (const bool only_second : {false, true}) {
    std::vector<std::string> args{"bench", "--smoke"};
    if (only_second) args.push_back("--benchmark_filter=^b/");
    auto argv = make_argv(args);
    Harness h("demo", static_cast<int>(argv.size()), argv.data());
    int first_calls = 0, copy_calls = 0;
    auto ok = [] { return std::string(); };
    for (const char* kase : {"a", "b"}) {
      h.set_baseline(kase, "slow");
      h.add(kase, 1, "fast", Role::reference, {1, 0}, [] { spin_ns(2'000); }, ok);
    }
    h.add("a", 1, "slow", Role::baseline, {1, 0}, [&] { ++first_calls; spin_ns(8'000); }, ok);
    h.add("b", 1, "slow", Role::baseline, {1, 0}, [&] { ++copy_calls; spin_ns(8'000); }, ok, "a");
    EXPECT_EQ(h.run(), 0);
    const BenchResult* copy = nullptr;
    const BenchResult* first = nullptr;
    for (const auto& r : h.results()) {
      if (r.name == "b/slow/1") copy = &r;
      if (r.name == "a/slow/1") first = &r;
    }
    ASSERT_NE(copy, nullptr);
    EXPECT_FALSE(copy->samples_ns.empty());
    EXPECT_EQ(h.ratios().size(), only_second ? 1u : 2u);
    if (only_second) {
      EXPECT_EQ(first, nullptr);
      EXPECT_GT(copy_calls, 0) << "the first case filtered out: the copy is measured itself";
    } else {
      ASSERT_NE(first, nullptr);
      EXPECT_EQ(copy_calls, 0) << "the copy was timed as well as the row it shares";
      EXPECT_GT(first_calls, 0);
      EXPECT_EQ(copy->samples_ns, first->samples_ns);
    }
  }
}

TEST(Harness, WrongReferenceFailsAndImplFilterKeepsBaselines) {
  std::vector<std::string> args{"bench", "--smoke", "--impl", "student"};
  auto argv = make_argv(args);
  Harness h("demo", static_cast<int>(argv.size()), argv.data());
  h.add("c", 1, "base", Role::baseline, {1, 1}, [] {}, [] { return std::string(); });
  h.add("c", 1, "ref", Role::reference, {1, 1}, [] {}, [] { return std::string("bad"); });
  h.add("c", 1, "stu", Role::student, {1, 1}, [] {}, [] { return std::string(); });
  EXPECT_EQ(h.run(), 0);  // the wrong reference was filtered out by --impl student
  ASSERT_EQ(h.results().size(), 2u);
  EXPECT_EQ(h.results()[0].impl, "base");
  EXPECT_EQ(h.results()[1].impl, "stu");

  std::vector<std::string> args2{"bench", "--smoke"};
  auto argv2 = make_argv(args2);
  Harness h2("demo", static_cast<int>(argv2.size()), argv2.data());
  h2.add("c", 1, "ref", Role::reference, {1, 1}, [] {}, [] { return std::string("bad"); });
  EXPECT_EQ(h2.run(), 1);
}

TEST(Harness, BenchmarkFilterAlsoSkipsValidation) {
  std::vector<std::string> args{"bench", "--smoke", "--benchmark_filter=^c/(base|stu)/1(/.*)?$"};
  auto argv = make_argv(args);
  Harness h("demo", static_cast<int>(argv.size()), argv.data());
  int validated_ref = 0;
  h.add("c", 1, "base", Role::baseline, {1, 1}, [] {}, [] { return std::string(); });
  h.add("c", 1, "ref", Role::reference, {1, 1}, [] {}, [&] { ++validated_ref; return std::string("bad"); });
  h.add("c", 1, "stu", Role::student, {1, 1}, [] {}, [] { return std::string(); });
  h.add("c", 10, "base", Role::baseline, {1, 1}, [] {}, [] { return std::string(); });
  EXPECT_EQ(h.run(), 0);  // the wrong reference is filtered out, so never validated
  EXPECT_EQ(validated_ref, 0);
  ASSERT_EQ(h.results().size(), 2u);
  EXPECT_EQ(h.results()[0].name, "c/base/1");
  EXPECT_EQ(h.results()[1].name, "c/stu/1");
}
