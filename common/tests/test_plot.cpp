#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "labkit/plot.hpp"

using namespace labkit;

namespace {
int count(const std::string& s, const std::string& what) {
  int n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}
}  // namespace

TEST(LinePlot, DrawsEverySeriesWithItsPointsAndEscapesLabels) {
  LinePlot p;
  p.title = "loss <train & test>";
  p.x_label = "epoch";
  p.y_label = "loss";
  p.series = {{"train", {1, 2, 3, 4}, {2.0, 1.0, 0.5, 0.4}}, {"test", {1, 4}, {2.1, 0.6}}};
  std::ostringstream os;
  p.write_svg(os);
  const auto svg = os.str();
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(count(svg, "<polyline"), 2);
  EXPECT_NE(svg.find("loss &lt;train &amp; test&gt;"), std::string::npos);
  // The first series' polyline has its four points, the second its two.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("<polyline[^>]*points=\"([^\"]*)\"")));
  EXPECT_EQ(count(m[1].str(), ","), 4);
  // A linear axis from 0 covers 2.1 with 1-2-5 ticks: 0, 0.5, ... 2.5.
  EXPECT_NE(svg.find(">2.50<"), std::string::npos);
}

TEST(LinePlot, LogAxesSkipNonPositiveValues) {
  LinePlot p;
  p.log_y = true;
  p.series = {{"s", {1, 2, 3}, {0.0, 10.0, 1000.0}}};
  std::ostringstream os;
  p.write_svg(os);
  std::smatch m;
  const auto svg = os.str();
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("points=\"([^\"]*)\"")));
  EXPECT_EQ(count(m[1].str(), ","), 2);
  EXPECT_NE(svg.find(">1000<"), std::string::npos);  // decade ticks 10, 100, 1000
}

TEST(BarChart, OneBarPerGroupAndCategory) {
  BarChart b;
  b.categories = {"os", "ws", "is"};
  b.groups = {{"8x8", {4991, 5503, 5503}}, {"16x16", {1500, 1700, 1700}}};
  std::ostringstream os;
  b.write_svg(os);
  const auto svg = os.str();
  EXPECT_EQ(count(svg, "<title>"), 6);
  EXPECT_NE(svg.find("<title>8x8, os: 4991</title>"), std::string::npos);
}
