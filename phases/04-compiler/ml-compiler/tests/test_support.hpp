// Helpers shared by the lab's tests.
#pragma once
#include <gtest/gtest.h>
#include <labkit/check.hpp>
#include <labkit/check_gtest.hpp>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "ml_compiler.hpp"

namespace mlc_test {

using namespace ml_compiler;

// A node with one output named after it.
inline Node make_node(const std::string& op, std::vector<std::string> inputs, const std::string& out) {
  Node n;
  n.op = op;
  n.name = out + "_node";
  n.inputs = std::move(inputs);
  n.outputs = {out};
  return n;
}

inline Constant tensor(Shape shape, std::vector<float> data) {
  Constant c;
  c.shape = std::move(shape);
  c.data = std::move(data);
  return c;
}

// Outputs compared: |actual - expected| <= atol + rtol |expected| element by element.
inline void expect_outputs_close(const TensorMap& actual, const TensorMap& expected, double rtol, double atol) {
  ASSERT_EQ(actual.size(), expected.size());
  for (const auto& [name, t] : expected) {
    ASSERT_TRUE(actual.count(name)) << "no output " << name;
    ASSERT_EQ(shape_str(actual.at(name).shape), shape_str(t.shape)) << name;
    EXPECT_CLOSE(labkit::allclose(actual.at(name).data, t.data, rtol, atol, {name.c_str(), 0}));
  }
}

inline std::string scratch_dir() {
  const auto dir = std::filesystem::temp_directory_path() / ("mlc-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

// The generated modules of the tests: -O1 (they are not timed), cached.
inline CompileOptions test_options() {
  CompileOptions o;
  o.opt_flags = "-O1";
  return o;
}

}  // namespace mlc_test
