// Device presence, query and the GPU bench runner. On a machine without a
// GPU these check the no-device paths; with one, the device paths.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "labkit/check.hpp"
#include "labkit/cuda.hpp"
#include "labkit/todo.hpp"

using namespace labkit::cuda;

TEST(DeviceStatus, AnswersWithoutThrowingAndExplainsAbsence) {
  const auto& s = device_status();
  if (s.available) {
    EXPECT_GT(s.count, 0);
    EXPECT_TRUE(s.reason.empty());
  } else {
    EXPECT_FALSE(s.reason.empty()) << "a missing device must come with a reason";
    std::printf("  (no CUDA device: %s)\n", s.reason.c_str());
  }
  EXPECT_EQ(&device_status(), &s) << "asked once, remembered";
}

TEST(DeviceQuery, PeakBandwidthFromClockAndBusWidth) {
  // A100 40 GB: HBM2 at 1215 MHz on a 5120-bit bus: 2 x 1.215e9 x 640 B = 1555.2 GB/s.
  EXPECT_NEAR(peak_bandwidth_gbs(1215000, 5120), 1555.2, 1e-9);
  // H100 SXM: HBM3 at 2619 MHz, 5120 bits: 3352.3 GB/s.
  EXPECT_NEAR(peak_bandwidth_gbs(2619000, 5120), 3352.32, 1e-9);
}

TEST(DeviceQuery, DescribesTheDevice) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  const auto d = query_device(0);
  EXPECT_FALSE(d.name.empty());
  EXPECT_GT(d.sm_count, 0);
  EXPECT_GT(d.peak_bandwidth_gbs, 100.0);
  EXPECT_NE(describe(d).find(d.name), std::string::npos);
  std::printf("  %s\n", describe(d).c_str());
}

TEST(EventTimer, TimesWorkOnAStream) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  DeviceBuffer<float> buf(1 << 24);
  EventTimer t;
  t.start();
  LABKIT_CUDA_CHECK(cudaMemsetAsync(buf.get(), 0, buf.size() * sizeof(float)));
  t.stop();
  EXPECT_GT(t.elapsed_ms(), 0.0f);
}

TEST(DeviceGuarded, CanariesTravelToTheDeviceAndBack) {
  LABKIT_CUDA_REQUIRE_DEVICE();
  labkit::GuardedBuffer<float> host(10);
  DeviceGuarded<labkit::GuardedBuffer<float>> dev(host);
  LABKIT_CUDA_CHECK(cudaMemset(dev.data(), 0, 10 * sizeof(float)));  // the payload: allowed
  dev.download();
  EXPECT_EQ(host.canaries_report(), "");
  EXPECT_EQ(host[9], 0.0f);
  LABKIT_CUDA_CHECK(cudaMemset(dev.data() + 10, 0, sizeof(float)));  // one past the end
  dev.download();
  EXPECT_EQ(host.canaries_report(), "1 canary overwritten; first 1 element(s) past the end of the buffer");
}

TEST(CudaCheck, ThrowsWithTheCallAndCudasMessage) {
  try {
    LABKIT_CUDA_CHECK(cudaErrorInvalidValue);
    FAIL() << "no exception";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cudaErrorInvalidValue"), std::string::npos) << what;
    EXPECT_NE(what.find("test_device.cpp"), std::string::npos) << what;
  }
}

TEST(Bench, WritesTheBenchSchemaWithOrWithoutADevice) {
  const auto out = std::filesystem::temp_directory_path() / "labkit_cuda_bench_test.json";
  std::filesystem::remove(out);
  std::string out_s = out.string();
  const char* argv[] = {"bench", "--smoke", "--out", out_s.c_str()};
  Bench b("labkit-cuda-test", 4, const_cast<char**>(argv));
  b.add_count("memset", 0, "reference", labkit::Role::reference, "registers", [] { return 12.0; });
  b.add_count("memset", 0, "student", labkit::Role::student, "registers",
              []() -> double { LABKIT_TODO(1, "not written"); });
  std::shared_ptr<DeviceBuffer<float>> buf;
  if (b.has_device()) buf = std::make_shared<DeviceBuffer<float>>(1 << 16);
  b.add("memset", 1 << 16, "reference", labkit::Role::reference, {0, 4.0 * (1 << 16)},
        [buf](cudaStream_t s) { LABKIT_CUDA_CHECK(cudaMemsetAsync(buf->get(), 0, buf->size() * 4, s)); },
        [] { return std::string(); });
  EXPECT_EQ(b.run(), 0);

  std::ifstream in(out);
  ASSERT_TRUE(in) << out;
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["schema"], "labkit.bench/1");
  ASSERT_EQ(j["counts"].size(), 2u);
  EXPECT_EQ(j["counts"][0]["status"], "ok");
  EXPECT_EQ(j["counts"][0]["value"], 12.0);
  EXPECT_EQ(j["counts"][1]["status"], "todo");
  if (b.has_device()) {
    ASSERT_EQ(j["benchmarks"].size(), 1u);
    EXPECT_EQ(j["benchmarks"][0]["status"], "ok");
    EXPECT_EQ(j["machine"]["gpu"]["available"], true);
  } else {
    EXPECT_TRUE(j["benchmarks"].empty()) << "nothing is measured without a device";
    EXPECT_EQ(j["machine"]["gpu"]["available"], false);
    EXPECT_FALSE(j["machine"]["gpu"]["reason"].get<std::string>().empty());
  }
  std::filesystem::remove(out);
}
