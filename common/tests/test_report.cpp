#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "labkit/report.hpp"

using namespace labkit;

namespace {
LabResults sample() {
  LabResults r;
  r.lab = "demo";
  r.title = "Demo <lab>";
  r.machine = {{"cpu_model", "Test CPU"}, {"fingerprint", "abc"}};
  r.tests = {{"Suite", "passes", true, false, 0.1, ""},
             {"Suite", "fails", false, false, 0.2, "expected 1 & got \"2\""}};
  BenchResult b;
  b.name = "dot/avx2/1024";
  b.kase = "dot";
  b.impl = "avx2";
  b.role = "reference";
  b.size = 1024;
  b.flops = 2048;
  b.bytes = 8192;
  b.status = BenchStatus::ok;
  b.samples_ns = {100, 110, 105};
  b.summary = summarize(b.samples_ns);
  r.benchmarks.push_back(b);
  r.ratios.push_back({"dot", 1024, "avx2", "scalar", {4.0, 3.8, 4.2}});
  r.targets.push_back({"speedup", "reference", "speedup", 4.0, 3.0, {4.0, 3.8, 4.2}, TargetStatus::met, ""});
  r.targets.push_back({"gflops", "student", "gflops", 0, 10, {}, TargetStatus::todo, "student/dot.cpp TODO(1)"});
  return r;
}
}  // namespace

TEST(Report, JsonRoundTripKeepsEverything) {
  const auto r = sample();
  const auto j = to_json(r);
  EXPECT_EQ(j["schema"], kResultsSchema);
  EXPECT_DOUBLE_EQ(j["benchmarks"][0]["gflops"].get<double>(), 2048.0 / 105.0);
  EXPECT_DOUBLE_EQ(j["benchmarks"][0]["intensity"].get<double>(), 0.25);
  const auto back = results_from_json(j);
  EXPECT_EQ(back.lab, "demo");
  ASSERT_EQ(back.tests.size(), 2u);
  EXPECT_EQ(back.tests[1].message, r.tests[1].message);
  ASSERT_EQ(back.benchmarks.size(), 1u);
  EXPECT_EQ(back.benchmarks[0].samples_ns, r.benchmarks[0].samples_ns);
  EXPECT_DOUBLE_EQ(back.ratios[0].speedup.hi, 4.2);
  EXPECT_EQ(back.targets[1].status, TargetStatus::todo);
  EXPECT_EQ(back.benchmarks[0].status, BenchStatus::ok);
  EXPECT_EQ(j["targets"][0]["status"], "met");
}

// Every status survives its JSON name; a name no enumerator has (a newer
// writer, a hand-edited file) reads back as an error that quotes it.
TEST(Report, StatusNamesRoundTripAndUnknownNamesAreErrors) {
  for (auto s : {BenchStatus::ok, BenchStatus::todo, BenchStatus::wrong, BenchStatus::error, BenchStatus::skipped})
    EXPECT_EQ(bench_status_named(status_name(s)), s) << status_name(s);
  for (auto s : {TargetStatus::met, TargetStatus::missed, TargetStatus::todo, TargetStatus::unavailable,
                 TargetStatus::busy})
    EXPECT_EQ(target_status_named(status_name(s)), s) << status_name(s);
  EXPECT_EQ(bench_status_named("OK"), std::nullopt);

  auto j = to_json(sample());
  j["benchmarks"][0]["status"] = "fast";
  j["benchmarks"][0]["note"] = "";
  j["targets"][0]["status"] = "great";
  const auto back = results_from_json(j);
  EXPECT_EQ(back.benchmarks[0].status, BenchStatus::error);
  EXPECT_EQ(back.benchmarks[0].note, "unknown status 'fast' in the JSON");
  EXPECT_EQ(back.targets[0].status, TargetStatus::unavailable);
  EXPECT_NE(back.targets[0].detail.find("unknown status 'great'"), std::string::npos);
}

TEST(Report, RejectsAnotherSchema) {
  EXPECT_THROW(results_from_json({{"schema", "something/9"}}), std::runtime_error);
}

TEST(Report, MarkdownHasTablesAndFailures) {
  std::ostringstream os;
  write_markdown(os, {sample()});
  const auto md = os.str();
  EXPECT_NE(md.find("## demo: Demo <lab>"), std::string::npos);
  EXPECT_NE(md.find("Tests: 1 passed, 1 failed"), std::string::npos);
  EXPECT_NE(md.find("| speedup | reference | 4.00 [3.80, 4.20] | 3.00 | met |"), std::string::npos) << md;
  EXPECT_NE(md.find("4.00x [3.80, 4.20]"), std::string::npos);
  EXPECT_NE(md.find("Test CPU"), std::string::npos);
}

// A fact the machine hid is one line of the report, with what it costs.
TEST(Report, MarkdownListsWhatTheMachineCouldNotTell) {
  auto r = sample();
  r.machine["unknown"] = {{{"fact", "cache sizes"}, {"reason", "no /sys/devices/system/cpu/cpu0/cache"},
                           {"cost", "roofline drawn without cache ceilings (L1, L2, L3)"}}};
  std::ostringstream os;
  write_markdown(os, {r});
  EXPECT_NE(os.str().find("- **cache sizes unknown** (no /sys/devices/system/cpu/cpu0/cache): roofline drawn without cache "
                          "ceilings (L1, L2, L3)"),
            std::string::npos)
      << os.str();
  std::ostringstream plain;
  write_markdown(plain, {sample()});
  EXPECT_EQ(plain.str().find("unknown**"), std::string::npos);
}

TEST(Report, JunitIsEscapedAndCountsFailures) {
  std::ostringstream os;
  write_junit(os, {sample()});
  const auto xml = os.str();
  EXPECT_NE(xml.find("tests=\"4\" failures=\"2\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("expected 1 &amp; got &quot;2&quot;"), std::string::npos);
  EXPECT_EQ(xml.find("got \"2\""), std::string::npos);
  // Where xmllint exists, it must accept the document.
  if (std::system("command -v xmllint > /dev/null 2>&1") == 0) {
    const auto path = std::filesystem::temp_directory_path() / "labkit_test_junit.xml";
    std::ofstream(path) << xml;
    EXPECT_EQ(std::system(("xmllint --noout " + path.string()).c_str()), 0);
    std::filesystem::remove(path);
  }
}
