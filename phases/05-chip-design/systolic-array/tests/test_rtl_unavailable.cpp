// Built instead of test_rtl.cpp when Verilator is not found: the RTL part of
// the lab is reported unavailable, with the install step, and skipped.
#include <gtest/gtest.h>

TEST(RtlOsArray, Unavailable) {
  GTEST_SKIP() << "systolic-array RTL: unavailable (Verilator not found: apt-get install verilator, "
                  "or run tools/labctl deps, then reconfigure)";
}
