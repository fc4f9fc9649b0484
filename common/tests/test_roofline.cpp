#include <gtest/gtest.h>

#include <sstream>

#include "labkit/roofline.hpp"

using namespace labkit;

TEST(Roofline, AttainableAndRidge) {
  Roofline r;
  r.peak_gflops = 100;
  r.memory = {{"L1", 400}, {"DRAM", 20}};
  EXPECT_DOUBLE_EQ(r.ridge_point(), 5.0);
  EXPECT_DOUBLE_EQ(r.attainable(0.25), 5.0);      // memory-bound: 0.25 * 20
  EXPECT_DOUBLE_EQ(r.attainable(10.0), 100.0);    // compute-bound: the peak
  EXPECT_DOUBLE_EQ(r.attainable(0.25, 400), 100.0);
  EXPECT_DOUBLE_EQ(r.efficiency({"k", "s", 0.25, 2.5}, 20), 0.5);
}

TEST(Roofline, NoCeilingIsAnError) {
  Roofline r;
  r.peak_gflops = 1;
  EXPECT_THROW(r.ridge_point(), std::logic_error);
}

TEST(Roofline, SvgHasCeilingsPointsAndEscapedLabels) {
  Roofline r;
  r.title = "dot <&> saxpy";
  r.peak_gflops = 100;
  r.memory = {{"L1", 400}, {"DRAM", 20}};
  r.points = {{"dot/avx2", "avx2", 0.25, 4.0}, {"gemm", "ref", 50, 80}};
  std::ostringstream os;
  r.write_svg(os);
  const std::string svg = os.str();
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("dot &lt;&amp;&gt; saxpy"), std::string::npos);
  EXPECT_NE(svg.find("DRAM 20"), std::string::npos);
  EXPECT_NE(svg.find("fp32 FMA peak 100"), std::string::npos);
  std::size_t circles = 0;
  for (auto p = svg.find("<circle"); p != std::string::npos; p = svg.find("<circle", p + 1)) ++circles;
  EXPECT_EQ(circles, 4u);  // two points + two legend markers
}

// A plot that lacks something says so on the plot, not only in a log.
TEST(Roofline, SvgShowsWhatIsMissing) {
  Roofline r;
  r.peak_gflops = 100;
  r.memory = {{"DRAM", 20}};
  r.notes = {"cache ceilings not drawn: cache sizes unknown (no <sysfs>)"};
  std::ostringstream svg;
  r.write_svg(svg);
  EXPECT_NE(svg.str().find("cache ceilings not drawn: cache sizes unknown (no &lt;sysfs&gt;)"), std::string::npos);
  r.notes.clear();
  std::ostringstream plain;
  r.write_svg(plain);
  EXPECT_EQ(plain.str().find("cache ceilings not drawn"), std::string::npos);
}
