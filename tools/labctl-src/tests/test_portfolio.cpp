// The progress log (out/progress.jsonl) and the portfolio page, on fixed
// inputs: tests/data/portfolio/results.json is a simd-dot run whose student
// solved dot (8.00x over scalar, 500 ns) and left saxpy at TODO(2);
// machine.json is the machine limits of the Zen 5 VM it came from.
#include <gtest/gtest.h>

#include <fstream>
#include <labkit/report.hpp>
#include <nlohmann/json.hpp>
#include <map>
#include <regex>
#include <sstream>

#include "portfolio.hpp"
#include "process.hpp"
#include "progress_log.hpp"
#include "results.hpp"
#include "waveform.hpp"

using namespace labctl;
using nlohmann::json;

namespace {

const fs::path kFixture = fs::path(LABS_SOURCE_DIR) / "tools/labctl-src/tests/data/portfolio";

json read_json(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
  return n;
}

}  // namespace

// A scratch out/ folder per test, under the real source tree's labs.
struct ProgressScratch : ::testing::Test {
  Context c;
  fs::path out;
  void SetUp() override {
    out = fs::temp_directory_path() /
          ("labctl-portfolio-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(out);
    fs::create_directories(out);
    c.root = LABS_SOURCE_DIR;
    c.out_dir = out;
  }
  void TearDown() override { fs::remove_all(out); }
  Lab scratch_lab(const std::string& id) {
    Lab lab;
    lab.id = id;
    lab.dir = out / "labs" / id;
    fs::create_directories(lab.dir / "student");
    return lab;
  }
};

namespace {

PortfolioInput fixture_input() {
  PortfolioInput in;
  in.results = read_json(kFixture / "results.json");
  in.limits = read_json(kFixture / "machine.json");
  in.measured_at = "2026-12-02 15:40 UTC";
  auto roof = machine_roofline(labkit::limits_from_json(*in.limits), "simd-dot on AMD EPYC");
  add_points(roof, labkit::results_from_json(in.results), false);
  std::ostringstream svg;
  roof.write_svg(svg);
  in.roofline_svg = svg.str();
  return in;
}

}  // namespace

TEST(Portfolio, MarkdownHasTheMeasurementsTargetsAndMachine) {
  std::ostringstream md;
  write_portfolio_markdown(md, build_portfolio(fixture_input()));
  const std::string s = md.str();
  EXPECT_NE(s.find("# simd-dot: Dot product and SAXPY: scalar to AVX-512\n"), std::string::npos) << s;
  // Tests: reference 2 of 2 (one skipped), student 1 of 2.
  EXPECT_NE(s.find("| reference | 2/2 | 0 | 1 |"), std::string::npos) << s;
  EXPECT_NE(s.find("| student | 1/2 | 1 | 0 |"), std::string::npos) << s;
  // Targets side by side; the student's saxpy is still a TODO.
  EXPECT_NE(s.find("| dot, L1-resident: speedup over scalar | >= 6.00x | 16.00x met | 8.00x met |"), std::string::npos) << s;
  EXPECT_NE(s.find("| saxpy, L1-resident: speedup over scalar | >= 3.00x |  | TODO |"), std::string::npos) << s;
  // Speedup with its interval, and the row: 4096 flop in 500 ns = 8.19 GFLOP/s, 16384 B = 32.77 GB/s.
  EXPECT_NE(s.find("| dot | 2048 | student | scalar | 8.00x | 7.75x to 8.25x |"), std::string::npos) << s;
  EXPECT_NE(s.find("| dot | 2048 | student | student | 500 ns | 8.19 | 32.77 | 0.25 | 1.0% |"), std::string::npos) << s;
  EXPECT_NE(s.find("| dot | 2048 | scalar | baseline | 4 us | 1.02 | 4.10 | 0.25 | 1.0% |"), std::string::npos) << s;
  EXPECT_NE(s.find("| saxpy | 2048 | student | student | todo |"), std::string::npos) << s;
  // The roofline beside the page, and the machine named with its family.
  EXPECT_NE(s.find("![Roofline of the measured kernels](roofline.svg)"), std::string::npos) << s;
  EXPECT_NE(s.find("AMD EPYC (AuthenticAMD, CPU family 26, 2 logical CPUs)"), std::string::npos) << s;
  EXPECT_NE(s.find("| fp32 peak (measured) | 223.7 GFLOP/s one core, 443.6 GFLOP/s on 2 threads |"), std::string::npos) << s;
  EXPECT_NE(s.find("on 2026-12-02 15:40 UTC"), std::string::npos) << s;
}

TEST(Portfolio, HtmlIsSelfContainedWithHoverLabelsOnEveryDot) {
  std::ostringstream html;
  write_portfolio_html(html, build_portfolio(fixture_input()));
  const std::string s = html.str();
  EXPECT_EQ(s.rfind("<!DOCTYPE html>", 0), 0u);
  // Nothing to fetch: no links to files, no scripts; the SVG is inline.
  EXPECT_EQ(s.find("src="), std::string::npos);
  EXPECT_EQ(s.find("<script"), std::string::npos);
  EXPECT_EQ(s.find("<?xml"), std::string::npos);
  EXPECT_EQ(count(s, "<svg"), 1u);
  // Three measured rows have an intensity (scalar, avx2, student): three dots, each with a <title>.
  const std::regex dot(R"(<circle[^>]*><title>dot/(scalar|avx2|student)/2048: [0-9.]+ GFLOP/s at 0.25 flop/B</title></circle>)");
  EXPECT_EQ(std::distance(std::sregex_iterator(s.begin(), s.end(), dot), std::sregex_iterator()), 3) << s;
  EXPECT_NE(s.find("<td>dot</td><td>2048</td><td>student</td><td>student</td><td>500 ns</td><td>8.19</td>"),
            std::string::npos);
  EXPECT_NE(s.find("<td>&gt;= 6.00x</td>"), std::string::npos);
}

TEST(Portfolio, ProgressSectionHasTheBestResultsWithTheirDates) {
  PortfolioInput in = fixture_input();
  std::ostringstream without;
  write_portfolio_markdown(without, build_portfolio(in));
  EXPECT_EQ(without.str().find("## Progress"), std::string::npos);  // no log, no section
  LabProgress p;
  p.lab = "simd-dot";
  p.state = "targets met";
  p.records = 4;
  p.last_command = "grade";
  p.last_time = "2026-12-02T16:00:09Z";
  p.graded = true;
  p.score = 5;
  p.max_score = 7;
  p.best.push_back({"dot, L1-resident: speedup over scalar", "speedup", 9.5, "2026-12-01T10:30:59Z", "run"});
  in.progress = p;
  std::ostringstream md;
  write_portfolio_markdown(md, build_portfolio(in));
  const std::string s = md.str();
  EXPECT_NE(s.find("State: targets met; 4 records in the progress log, the last a `labctl grade` on 2026-12-02 16:00 UTC. "
                   "Latest grade: 5 / 7 (visible tasks)."),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("| dot, L1-resident: speedup over scalar | 9.50x | 2026-12-01 10:30 UTC | labctl run |"), std::string::npos) << s;
}

TEST(Portfolio, TextIsEscapedInBothFormats) {
  PortfolioInput in = fixture_input();
  in.results["targets"][0]["name"] = "a<b> | c & d";
  in.results["targets"][1]["name"] = "a<b> | c & d";
  const PortfolioPage page = build_portfolio(in);
  std::ostringstream md, html;
  write_portfolio_markdown(md, page);
  write_portfolio_html(html, page);
  EXPECT_NE(md.str().find("| a<b> \\| c & d |"), std::string::npos) << md.str();
  EXPECT_NE(html.str().find("<td>a&lt;b&gt; | c &amp; d</td>"), std::string::npos);
  EXPECT_EQ(html.str().find("a<b>"), std::string::npos);
}

TEST_F(ProgressScratch, LoadReadsResultsAndDrawsAMissingRoofline) {
  const Lab lab = c.find_lab("simd-dot");
  EXPECT_THROW(
      {
        try {
          load_portfolio_input(c, lab);
        } catch (const UsageError& e) {
          EXPECT_NE(std::string(e.what()).find("run `labctl run simd-dot` first"), std::string::npos) << e.what();
          throw;
        }
      },
      UsageError);
  fs::create_directories(out / "simd-dot");
  fs::copy_file(kFixture / "results.json", out / "simd-dot/results.json");
  fs::copy_file(kFixture / "machine.json", out / "machine.json");
  std::ofstream(out / "simd-dot/loss.svg") << "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>\n";
  fs::copy_file(kFixture / "Counter.CountsUp.vcd", out / "simd-dot/Counter.CountsUp.vcd");
  std::ofstream(out / "simd-dot/Broken.vcd") << "$timescale 1ns $end\n";  // listed, not drawn
  const PortfolioInput in = load_portfolio_input(c, lab);
  ASSERT_TRUE(in.limits.has_value());  // same fingerprint as the results
  EXPECT_EQ(count(in.roofline_svg, "</title></circle>"), 3u);
  EXPECT_TRUE(fs::exists(out / "simd-dot/roofline.svg"));  // the Markdown page links to it
  ASSERT_EQ(in.plots.size(), 1u);
  EXPECT_EQ(in.plots[0].file, "loss.svg");
  EXPECT_EQ(in.waveforms, (std::vector<std::string>{"Broken.vcd", "Counter.CountsUp.vcd"}));
  ASSERT_EQ(in.waveform_svgs.size(), 1u);
  EXPECT_EQ(in.waveform_svgs[0].file, "Counter.CountsUp.wave.svg");
  EXPECT_TRUE(fs::exists(out / "simd-dot/Counter.CountsUp.wave.svg"));

  std::ostringstream html;
  write_portfolio_html(html, build_portfolio(in));
  EXPECT_EQ(html.str().find("<?xml"), std::string::npos);  // the plot's XML declaration is cut
  EXPECT_EQ(count(html.str(), "<svg"), 3u);  // roofline, loss.svg, the counter's waveform
  // Drawn again, the waveform's own SVG is not taken for one of the lab's plots.
  EXPECT_EQ(load_portfolio_input(c, lab).plots.size(), 1u);

  std::ofstream(out / "simd-dot/results.json") << "{\"schema\": \"something/else\"}";
  EXPECT_THROW(load_portfolio_input(c, lab), UsageError);
}

TEST_F(ProgressScratch, TodoStubsAreCountedFromTheStudentSources) {
  const Lab lab = scratch_lab("stubs");
  std::ofstream(lab.dir / "student/a.cpp") << "void f() { LABKIT_TODO(3, \"x\"); }\n// TODO(9): a comment is not a stub\n";
  fs::create_directories(lab.dir / "student/sub");
  std::ofstream(lab.dir / "student/sub/b.cpp") << "void g() { LABKIT_TODO( 1, \"y\"); LABKIT_TODO(3, \"z\"); }\n";
  EXPECT_EQ(todo_stubs_left(lab), (std::vector<int>{1, 3}));
}

TEST_F(ProgressScratch, ProgressFollowsTestsRunsBenchesAndGrades) {
  Lab lab = scratch_lab("simd-dot");
  std::ofstream(lab.dir / "student/simd_dot.cpp") << "LABKIT_TODO(1, \"dot\"); LABKIT_TODO(2, \"saxpy\");\n";
  const std::vector<json>& none = {};
  EXPECT_EQ(summarize_progress("simd-dot", none).state, "not started");

  record_test(c, lab, "student", false);
  auto p = summarize_progress("simd-dot", read_progress_log(progress_log_path(c)));
  EXPECT_EQ(p.state, "TODOs left");
  EXPECT_EQ(p.todos, (std::vector<int>{1, 2}));
  EXPECT_EQ(p.tests, "failed");

  // A run of the fixture: dot solved (8.00x, met), saxpy failing at TODO(2).
  const labkit::LabResults fixture = labkit::results_from_json(read_json(kFixture / "results.json"));
  record_run(c, lab, fixture);
  p = summarize_progress("simd-dot", read_progress_log(progress_log_path(c)));
  EXPECT_EQ(p.state, "TODOs left");
  EXPECT_EQ(p.todos, std::vector<int>{2});
  EXPECT_EQ(p.tests, "1/2 passed");
  EXPECT_EQ(p.targets_met, 1);
  EXPECT_EQ(p.targets_total, 2);  // the TODO target counts as not met
  ASSERT_EQ(p.best.size(), 1u);
  EXPECT_DOUBLE_EQ(p.best[0].value, 8.0);
  EXPECT_EQ(p.best[0].command, "run");

  // Saxpy done: every test and target passes, and the best dot speedup improves.
  labkit::LabResults solved = fixture;
  for (auto& t : solved.tests) t.passed = true;
  for (auto& t : solved.targets)
    if (t.impl == "student") {
      t.status = labkit::TargetStatus::met;
      t.value = t.name.rfind("dot", 0) == 0 ? 9.5 : 4.0;
    }
  record_run(c, lab, solved);
  // A later, slower run does not lower the best.
  for (auto& t : solved.targets) t.value /= 2;
  record_run(c, lab, solved);
  p = summarize_progress("simd-dot", read_progress_log(progress_log_path(c)));
  EXPECT_EQ(p.state, "targets met");
  EXPECT_EQ(p.targets_met, 2);
  ASSERT_EQ(p.best.size(), 2u);
  EXPECT_EQ(p.best[0].target, "dot, L1-resident: speedup over scalar");
  EXPECT_DOUBLE_EQ(p.best[0].value, 9.5);
  EXPECT_DOUBLE_EQ(p.best[1].value, 4.0);

  // A grade: visible tasks count, a hidden one waits.
  const json grade = {{"tests",
                       {{{"score", 3.0}, {"max_score", 5.0}, {"visibility", "visible"}, {"labkit", {{"lab", "simd-dot"}}}},
                        {{"score", 2.0}, {"max_score", 2.0}, {"visibility", "visible"}, {"labkit", {{"lab", "simd-dot"}}}},
                        {{"score", 0.0}, {"max_score", 4.0}, {"visibility", "hidden"}, {"labkit", {{"lab", "simd-dot"}}}},
                        {{"score", 1.0}, {"max_score", 1.0}, {"visibility", "visible"}, {"labkit", {{"lab", "sgemm"}}}}}},
                      {"labkit", {{"impl", "student"}, {"track", {{"name", "software-ml"}}}}}};
  std::ofstream(out / "grade.json") << grade.dump();
  record_grade(c, out / "grade.json");
  const auto records = read_progress_log(progress_log_path(c));
  p = summarize_progress("simd-dot", records);
  EXPECT_TRUE(p.graded);
  EXPECT_DOUBLE_EQ(p.score, 5.0);
  EXPECT_DOUBLE_EQ(p.max_score, 7.0);
  EXPECT_EQ(p.last_command, "grade");
  EXPECT_DOUBLE_EQ(summarize_progress("sgemm", records).score, 1.0);
  EXPECT_EQ(summarize_progress("sgemm", records).state, "not tested yet");
  for (const auto& r : records) {
    EXPECT_EQ(r["schema"], kProgressSchema);
    EXPECT_TRUE(std::regex_match(r["time"].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  }
}

TEST_F(ProgressScratch, ABrokenLineIsSkippedWithItsLineNumber) {
  record_test(c, scratch_lab("hdl-alu"), "reference", true);
  { std::ofstream(progress_log_path(c), std::ios::app) << "{\"schema\": \"labctl.progress/1\", \"lab\": \"hdl-al"; }
  std::ofstream(progress_log_path(c), std::ios::app) << "\n";
  record_test(c, scratch_lab("hdl-alu"), "student", true);
  std::vector<std::string> warnings;
  const auto records = read_progress_log(progress_log_path(c), &warnings);
  EXPECT_EQ(records.size(), 2u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("progress.jsonl:2:"), std::string::npos) << warnings[0];
  const auto p = summarize_progress("hdl-alu", records);
  EXPECT_EQ(p.state, "tests pass");  // only the student's tests count
  EXPECT_EQ(p.records, 2);
}

TEST(Waveform, ReadsTheTopScopesSignalsAndTheirChanges) {
  std::ifstream vcd(kFixture / "Counter.CountsUp.vcd");
  const Waveform w = parse_vcd(vcd, "Counter.CountsUp.vcd");
  EXPECT_EQ(w.timescale, "1ns");
  EXPECT_EQ(w.end_time, 10u);
  ASSERT_EQ(w.signals.size(), 2u);  // counter.carry is an inner scope's
  EXPECT_EQ(w.signals[0].name, "clk");
  EXPECT_EQ(w.signals[1].width, 4);
  using Changes = std::vector<std::pair<std::uint64_t, std::string>>;
  EXPECT_EQ(w.signals[0].changes, (Changes{{0, "0"}, {5, "1"}, {10, "0"}}));
  EXPECT_EQ(w.signals[1].changes, (Changes{{0, "0000"}, {5, "1010"}, {10, "x010"}}));

  std::ostringstream svg;
  write_waveform_svg(svg, w, "Counter.CountsUp");
  const std::string s = svg.str();
  EXPECT_NE(s.find(">q[3:0]</text>"), std::string::npos) << s;
  EXPECT_NE(s.find(">time 0 to 10 ns</text>"), std::string::npos) << s;
  EXPECT_NE(s.find("<title>q = 0xa at 5</title>"), std::string::npos) << s;
  EXPECT_NE(s.find(">a</text>"), std::string::npos) << s;           // wide enough to be labelled
  EXPECT_NE(s.find("<title>clk = 1 at 5</title>"), std::string::npos) << s;
  EXPECT_EQ(count(s, "<polygon"), 2u);   // q from 0 and from 5; the change at the window's end is not drawn
  EXPECT_EQ(count(s, "<polyline"), 2u);  // clk likewise
}

TEST(Waveform, AMalformedDumpNamesTheFileAndLine) {
  std::istringstream vcd("$scope module TOP $end\n$var wire 1 ! a $end\n$enddefinitions $end\n#0\n0!\n#soon\n");
  try {
    parse_vcd(vcd, "bad.vcd");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.vcd:6: a timestamp '#soon'"), std::string::npos) << e.what();
  }
  std::istringstream header_only("$timescale 1ns $end\n");
  EXPECT_THROW(parse_vcd(header_only, "short.vcd"), std::runtime_error);
}

// The two commands as a learner runs them: the built labctl, a scratch out/.
TEST_F(ProgressScratch, TheCommandsReadTheLogAndWriteThePages) {
  record_test(c, scratch_lab("hdl-alu"), "student", true);
  fs::create_directories(out / "simd-dot");
  fs::copy_file(kFixture / "results.json", out / "simd-dot/results.json");
  fs::copy_file(kFixture / "machine.json", out / "machine.json");
  RunOptions o;
  o.timeout_s = 120;
  o.env = {{"NO_COLOR", "1"}, {"LABS_OUT", out.string()}};
  const auto progress = run_process({LABCTL_EXE, "--root", LABS_SOURCE_DIR, "progress", "--json"}, o);
  ASSERT_TRUE(progress.ok()) << progress.output;
  const json j = json::parse(progress.output.substr(progress.output.find('{')));
  std::map<std::string, std::string> state;
  for (const auto& lab : j["labs"]) state[lab["lab"]] = lab["state"];
  EXPECT_EQ(state["hdl-alu"], "tests pass");
  EXPECT_EQ(state["simd-dot"], "not started");
  EXPECT_EQ(state.size(), c.labs().size());

  const auto portfolio = run_process({LABCTL_EXE, "--root", LABS_SOURCE_DIR, "portfolio", "simd-dot"}, o);
  ASSERT_TRUE(portfolio.ok()) << portfolio.output;
  EXPECT_TRUE(fs::exists(out / "simd-dot/portfolio.md"));
  EXPECT_TRUE(fs::exists(out / "simd-dot/portfolio.html"));
  const auto missing = run_process({LABCTL_EXE, "--root", LABS_SOURCE_DIR, "portfolio", "sgemm"}, o);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("run `labctl run sgemm` first"), std::string::npos) << missing.output;
}
