// SCALE-Sim input files: configs and topologies, good and bad.
#include <gtest/gtest.h>
#include <labkit/check_gtest.hpp>

#include <stdexcept>
#include <string>

#include "systolic.hpp"

namespace sa = systolic_array;

namespace {

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

const char* kConfig = R"([general]
run_name = test_run

[architecture_presets]
ArrayHeight:    16
ArrayWidth:     32
IfmapSramSzkB:    128
FilterSramSzkB:   256
OfmapSramSzkB:    64
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Bandwidth : 10
Dataflow : ws
MemoryBanks:   1

[run_presets]
InterfaceBandwidth: CALC

[network_presets]
TopologyCsvLoc: "topologies/conv_nets/alexnet.csv"
)";

}  // namespace

TEST(Config, ParsesScaleSimFormat) {
  const sa::Config c = sa::parse_config(kConfig);
  EXPECT_EQ(c.run_name, "test_run");
  EXPECT_EQ(c.array.rows, 16);
  EXPECT_EQ(c.array.cols, 32);
  EXPECT_EQ(c.ifmap_kb, 128);
  EXPECT_EQ(c.filter_kb, 256);
  EXPECT_EQ(c.ofmap_kb, 64);
  EXPECT_EQ(c.filter_offset, 10000000);
  EXPECT_EQ(c.dataflow, sa::Dataflow::ws);
  EXPECT_TRUE(c.calc_bandwidth);
  EXPECT_ELEMENTS_EQ(c.bandwidths, std::vector<int>{10});
  EXPECT_EQ(c.topology_path, "topologies/conv_nets/alexnet.csv");
}

TEST(Config, ErrorsNameTheLineAndTheFix) {
  std::string text = kConfig;
  text.replace(text.find("Dataflow : ws"), 13, "Dataflow : xs");
  const std::string e = error_of([&] { sa::parse_config(text, "my.cfg"); });
  EXPECT_NE(e.find("my.cfg:14"), std::string::npos) << e;
  EXPECT_NE(e.find("fix:"), std::string::npos) << e;

  std::string missing = kConfig;
  missing.erase(missing.find("ArrayWidth"), std::string("ArrayWidth:     32\n").size());
  EXPECT_NE(error_of([&] { sa::parse_config(missing, "m.cfg"); }).find("ArrayWidth"), std::string::npos);

  std::string bad = kConfig;
  bad.replace(bad.find("ArrayHeight:    16"), 18, "ArrayHeight: many");
  EXPECT_NE(error_of([&] { sa::parse_config(bad, "b.cfg"); }).find("b.cfg:5"), std::string::npos);

  EXPECT_NE(error_of([] { sa::read_config("/nonexistent/x.cfg"); }).find("/nonexistent/x.cfg"), std::string::npos);
}

TEST(Topology, ConvolutionForm) {
  const auto ls = sa::parse_topology(
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
      "Conv1, 227, 227, 11, 11, 3, 96, 4,\n"
      "\n"
      "Conv2, 31, 31, 5, 5, 96, 256, 1, 2,\n",
      sa::TopologyForm::conv);
  ASSERT_EQ(ls.size(), 2u);
  EXPECT_EQ(ls[0].ofmap_h(), 55);
  EXPECT_EQ(ls[0].gemm().M, 55 * 55);
  EXPECT_EQ(ls[0].gemm().K, 363);
  EXPECT_EQ(ls[0].gemm().N, 96);
  EXPECT_EQ(ls[1].stride_h, 1);
  EXPECT_EQ(ls[1].stride_w, 2);
  EXPECT_EQ(ls[1].ofmap_w(), 14);
}

TEST(Topology, GemmForm) {
  const auto ls = sa::parse_topology("Layer, M, N, K,\nfc, 64, 32, 128,\n", sa::TopologyForm::gemm);
  ASSERT_EQ(ls.size(), 1u);
  EXPECT_EQ(ls[0].gemm().M, 64);
  EXPECT_EQ(ls[0].gemm().N, 32);
  EXPECT_EQ(ls[0].gemm().K, 128);
}

TEST(Topology, DepthwiseBecomesOneLayerPerChannel) {
  const auto ls = sa::parse_topology("h\nDP1, 8, 8, 3, 3, 4, 1, 1,\n", sa::TopologyForm::conv);
  ASSERT_EQ(ls.size(), 4u);
  EXPECT_EQ(ls[3].name, "DP1Channel_3");
  EXPECT_EQ(ls[3].channels, 1);
}

TEST(Topology, ErrorsNameTheLine) {
  EXPECT_NE(error_of([] { sa::parse_topology("h\n", sa::TopologyForm::gemm, "t.csv"); }).find("no layers"),
            std::string::npos);
  EXPECT_NE(error_of([] { sa::parse_topology("h\nfc, 64, x, 1,\n", sa::TopologyForm::gemm, "t.csv"); }).find("t.csv:2"),
            std::string::npos);
  EXPECT_NE(error_of([] { sa::parse_topology("h\nfc, 64, 3, 1,\n", sa::TopologyForm::conv, "t.csv"); }).find("-i gemm"),
            std::string::npos);
  EXPECT_NE(error_of([] { sa::parse_topology("h\nc, 4, 4, 5, 5, 1, 1, 1,\n", sa::TopologyForm::conv, "t.csv"); })
                .find("larger"),
            std::string::npos);
}

// The lab's data/ folder, from a source CMake generates (a path in a -D flag
// would differ between this tree and the grader's copy, and ccache would then
// compile this file again there).
extern const char* const kSystolicDataDir;

TEST(Topology, ShippedFilesLoad) {
  const std::string data = kSystolicDataDir;
  EXPECT_EQ(sa::read_topology(data + "/alexnet.csv", sa::TopologyForm::conv).size(), 8u);
  EXPECT_EQ(sa::read_topology(data + "/gemm_small.csv", sa::TopologyForm::gemm).size(), 5u);
  const sa::Config c = sa::read_config(data + "/published_8x8_os.cfg");
  EXPECT_EQ(c.array.rows, 8);
  EXPECT_EQ(c.dataflow, sa::Dataflow::os);
}
