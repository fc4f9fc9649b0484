#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "labkit/memory.hpp"

using labkit::PageBuffer;

TEST(PageBuffer, IsHugePageAlignedRoundedUpAndZeroed) {
  for (const std::size_t bytes : {std::size_t{0}, std::size_t{1}, PageBuffer::kHugePage, PageBuffer::kHugePage + 1}) {
    const PageBuffer b(bytes);
    ASSERT_NE(b.data(), nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b.data()) % PageBuffer::kHugePage, 0u) << bytes;
    EXPECT_EQ(b.size() % PageBuffer::kHugePage, 0u) << bytes;
    EXPECT_GE(b.size(), std::max(bytes, PageBuffer::kHugePage)) << bytes;
    EXPECT_LT(b.size(), std::max(bytes, std::size_t{1}) + PageBuffer::kHugePage) << bytes;
    for (std::size_t i = 0; i < b.size(); i += 4096) EXPECT_EQ(b.data()[i], std::byte{0}) << i;
    EXPECT_EQ(b.data()[b.size() - 1], std::byte{0});
  }
}

TEST(PageBuffer, TypedViewsAndMovesKeepTheSameMemory) {
  PageBuffer a(3 * sizeof(float) + 4096);
  float* x = a.as<float>();
  float* y = a.as<float>(4096);
  EXPECT_EQ(reinterpret_cast<std::byte*>(y) - reinterpret_cast<std::byte*>(x), 4096);
  x[0] = 1.5f;
  y[2] = -2.0f;
  PageBuffer b(std::move(a));
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(b.as<float>()[0], 1.5f);
  EXPECT_EQ(b.as<float>(4096)[2], -2.0f);
  PageBuffer c(1);
  c = std::move(b);
  EXPECT_EQ(c.as<float>(4096)[2], -2.0f);
  EXPECT_EQ(b.size(), 0u);
}
