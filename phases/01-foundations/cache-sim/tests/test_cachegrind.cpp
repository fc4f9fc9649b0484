// Agreement with a real tool (reference build only): the same program is
// run under Valgrind twice, once with Lackey writing the trace cache-sim
// reads, once under cachegrind with the same geometry; cache-sim's
// cachegrind model must report the counts cachegrind does.
//
// Without valgrind the tests skip, saying how to install it. Each program
// takes about a second under each tool.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>
#include <labkit/paths.hpp>

#include "cache_sim.hpp"
#include "sim.hpp"

namespace cs = cache_sim;
namespace fs = std::filesystem;

namespace {

// Small caches, so that each program misses in all three at this size.
const char* kI1 = "16384,4,64";
const char* kD1 = "8192,2,64";
const char* kLL = "65536,8,64";

fs::path bin_dir() { return labkit::executable_dir(); }

bool have_valgrind() { return std::system("valgrind --version > /dev/null 2>&1") == 0; }

// cachegrind.out's "events:" and "summary:" lines, as name -> count.
std::map<std::string, std::uint64_t> read_cachegrind_summary(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::vector<std::string> events;
  std::map<std::string, std::uint64_t> counts;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string key;
    s >> key;
    if (key == "events:") {
      for (std::string e; s >> e;) events.push_back(e);
    } else if (key == "summary:") {
      for (std::size_t i = 0; i < events.size(); ++i) s >> counts[events[i]];
    }
  }
  return counts;
}

class Cachegrind : public ::testing::TestWithParam<const char*> {};

TEST_P(Cachegrind, MissCountsAgreeWithCachegrind) {
  if (!have_valgrind())
    GTEST_SKIP() << "valgrind is not installed: apt-get install valgrind (Debian 12: 3.19), then run this test again";
  const fs::path bin = bin_dir();
  const fs::path program = bin / "cache-sim_kernels";
  if (bin.empty() || !fs::exists(program)) GTEST_SKIP() << "cannot find " << program << " beside this test program";
  const std::string kernel = GetParam();
  // This process's own folder: the test program may run twice at once (ctest
  // and the grader). It is removed when the test passes.
  const fs::path dir = fs::path(::testing::TempDir()) / ("cache-sim-cg-" + std::to_string(::getpid()) + "-" + kernel);
  fs::create_directories(dir);
  const fs::path trace = dir / "lackey.trace", cg_out = dir / "cachegrind.out";
  const std::string run = program.string() + " " + kernel + " > /dev/null";
  const std::string lackey = "valgrind --tool=lackey --trace-mem=yes --log-file=" + trace.string() + " " + run;
  const std::string cachegrind = std::string("valgrind --tool=cachegrind --cache-sim=yes --I1=") + kI1 + " --D1=" + kD1 +
                                 " --LL=" + kLL + " --cachegrind-out-file=" + cg_out.string() + " " + run + " 2> " +
                                 (dir / "cachegrind.log").string();
  ASSERT_EQ(std::system(lackey.c_str()), 0) << lackey;
  ASSERT_EQ(std::system(cachegrind.c_str()), 0) << cachegrind << " (see " << (dir / "cachegrind.log") << ")";
  const auto want = read_cachegrind_summary(cg_out);
  ASSERT_EQ(want.count("D1mr"), 1u) << "no summary line with D1mr in " << cg_out;

  cs::CachegrindModel model(cs::parse_geometry(kI1, "I1"), cs::parse_geometry(kD1, "D1"),
                            cs::parse_geometry(kLL, "LL"), cs::reference::make_level);
  std::ifstream in(trace);
  cs::read_lackey(in, trace.string(), [&](const cs::Access& a) { model.access(a); });
  const cs::CachegrindCounts& c = model.counts();
  const std::pair<const char*, std::uint64_t> got[] = {{"Ir", c.Ir},     {"I1mr", c.I1mr}, {"ILmr", c.ILmr},
                                                       {"Dr", c.Dr},     {"D1mr", c.D1mr}, {"DLmr", c.DLmr},
                                                       {"Dw", c.Dw},     {"D1mw", c.D1mw}, {"DLmw", c.DLmw}};
  for (const auto& [event, value] : got) {
    const std::uint64_t expected = want.at(event);
    const std::uint64_t diff = value > expected ? value - expected : expected - value;
    std::cout << "[ " << kernel << " ] " << event << ": cache-sim " << value << ", cachegrind " << expected << "\n";
    EXPECT_EQ(diff, 0u) << kernel << " " << event << ": cache-sim " << value << ", cachegrind " << expected
                        << " (the trace and cachegrind's output are kept in " << dir << ")";
  }
  if (!HasFailure()) fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Programs, Cachegrind,
                         ::testing::Values("transpose", "matmul-naive", "matmul-blocked", "chase"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

}  // namespace
