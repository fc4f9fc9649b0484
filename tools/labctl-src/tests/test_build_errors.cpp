// The one line `tools/labctl` prints after a failed build (src/build_errors.hpp),
// on build output captured from Verilator 5.006, GCC 12 and ninja.
#include <gtest/gtest.h>

#include "build_errors.hpp"

using namespace labctl;

namespace {

// What `tools/labctl test hdl-alu` printed after a ';' went missing at the end
// of line 38 of student/alu.sv (the FAILED: line shortened; it held ~2,500 characters).
const char* kVerilatorSyntaxError = R"(ninja: build stopped: subcommand failed.
[0/2] Re-checking globbed directories...
[1/4] Generating phases/01-foundations/hdl-alu/verilated/Valu_student/Valu_student.cmake
FAILED: phases/01-foundations/hdl-alu/verilated/Valu_student/Valu_student.cmake /work/repo/build/default/phases/01-foundations/hdl-alu/verilated/Valu_student/Valu_student.cmake
cd /work/repo/build/default/phases/01-foundations/hdl-alu && /work/repo/build/default/labkit-hdl/verilator_relative.sh --compiler gcc --prefix Valu_student --Mdir /work/repo/build/default/phases/01-foundations/hdl-alu/verilated/Valu_student --make cmake --trace -Wno-fatal --top-module alu /work/repo/phases/01-foundations/hdl-alu/student/alu.sv
%Error: /work/repo/phases/01-foundations/hdl-alu/student/alu.sv:39:5: syntax error, unexpected IDENTIFIER, expecting ';'
   39 |     z = 1'b0;
      |     ^
%Error: Exiting due to 1 error(s)
ninja: error: rebuilding 'build.ninja': subcommand failed
)";

const char* kGccError = R"([3/12] Building CXX object common/hdl/CMakeFiles/labkit_hdl.dir/src/hdl.cpp.o
FAILED: common/hdl/CMakeFiles/labkit_hdl.dir/src/hdl.cpp.o
/usr/bin/c++ -O3 -c /work/repo/common/hdl/src/hdl.cpp
/work/repo/common/hdl/src/hdl.cpp: In function 'void labkit::hdl::run_testbench(const std::function<void()>&)':
/work/repo/common/hdl/src/hdl.cpp:450:43: error: 'trace_path_for' was not declared in this scope; did you mean 'labkit::hdl::detail::trace_path_for'?
  450 |     if (first_sim > 0) w = display_path(trace_path_for(current_test_name(), first_sim)).string();
/work/repo/common/hdl/src/hdl.cpp:338:10: note: 'labkit::hdl::detail::trace_path_for' declared here
ninja: build stopped: subcommand failed.
)";

}  // namespace

TEST(BuildErrors, VerilatorSyntaxErrorInTheStudentRtl) {
  const auto e = first_build_error(kVerilatorSyntaxError, "/work/repo");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->file, "phases/01-foundations/hdl-alu/student/alu.sv");
  EXPECT_EQ(e->line, 39);
  EXPECT_EQ(e->column, 5);
  EXPECT_EQ(e->message, "syntax error, unexpected IDENTIFIER, expecting ';'");
  EXPECT_EQ(e->tool, "Verilator");
  EXPECT_EQ(describe_build_failure(kVerilatorSyntaxError, "/work/repo"),
            "labctl: build failed: phases/01-foundations/hdl-alu/student/alu.sv:39:5: syntax error, unexpected "
            "IDENTIFIER, expecting ';'\n"
            "labctl: fix that line of your code, then run the same command again (Verilator's full message is above)");
}

TEST(BuildErrors, CompilerErrorSkipsTheInFunctionLine) {
  const auto e = first_build_error(kGccError, "/work/repo");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->file, "common/hdl/src/hdl.cpp");
  EXPECT_EQ(e->line, 450);
  EXPECT_EQ(e->column, 43);
  EXPECT_EQ(e->tool, "compiler");
  EXPECT_EQ(e->message.substr(0, 40), "'trace_path_for' was not declared in thi");
}

TEST(BuildErrors, AFatalLintWarningCountsWhenNoErrorCame) {
  const char* log =
      "%Warning-WIDTH: /work/repo/phases/x/reference/a.sv:7:12: Operator ASSIGN expects 8 bits on the Assign RHS\n"
      "%Error: Exiting due to 1 warning(s)\n";
  const auto e = first_build_error(log, "/work/repo");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->file, "phases/x/reference/a.sv");
  EXPECT_EQ(e->line, 7);
  EXPECT_EQ(e->message, "Warning-WIDTH: Operator ASSIGN expects 8 bits on the Assign RHS");
  // An error after a warning is the one to fix first.
  const std::string both = std::string(log) + "%Error: /work/repo/phases/x/reference/a.sv:9:1: syntax error\n";
  EXPECT_EQ(first_build_error(both, "/work/repo")->line, 9);
}

TEST(BuildErrors, PathsOutsideTheTreeStayAbsoluteAndNoErrorIsSaidSo) {
  const auto e = first_build_error("%Error: /tmp/x.sv:3:1: syntax error\n", "/work/repo");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->file, "/tmp/x.sv");
  EXPECT_FALSE(first_build_error("undefined reference to `foo'\ncollect2: error: ld returned 1 exit status\n", "/r"));
  EXPECT_NE(describe_build_failure("ld: error\n", "/r").find("the first error is above"), std::string::npos);
}

// GCC run by ninja in build/default: relative paths, and an error inside a
// labkit macro that the learner's file used (a ';' missing before LABKIT_TODO).
TEST(BuildErrors, CompilerErrorInAMacroPointsAtTheStudentLine) {
  const char* log = R"log(FAILED: phases/05-chip-design/systolic-array/CMakeFiles/systolic-array_student.dir/student/os_accounting.cpp.o
In file included from ../../phases/05-chip-design/systolic-array/student/os_accounting.cpp:12:
../../phases/05-chip-design/systolic-array/student/os_accounting.cpp: In function 'systolic_array::ComputeStats os_compute_stats()':
../../common/include/labkit/todo.hpp:24:3: error: expected initializer before 'throw'
   24 |   throw ::labkit::NotImplemented(__FILE__, __LINE__, number, what_to_do)
      |   ^~~~~
../../phases/05-chip-design/systolic-array/student/os_accounting.cpp:23:3: note: in expansion of macro 'LABKIT_TODO'
   23 |   LABKIT_TODO(1, "count row_folds, col_folds and folds (student/os_accounting.cpp)");
../../phases/05-chip-design/systolic-array/student/os_accounting.cpp:30:10: error: 's' was not declared in this scope
ninja: build stopped: subcommand failed.
)log";
  const auto e = first_build_error(log, "/work/repo", "/work/repo/build/default");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->file, "phases/05-chip-design/systolic-array/student/os_accounting.cpp");
  EXPECT_EQ(e->line, 23);
  EXPECT_EQ(e->column, 3);
  EXPECT_EQ(e->message, "expected initializer before 'throw'");
  // Without the build folder the path stays as the compiler wrote it.
  EXPECT_EQ(first_build_error(log, "/work/repo")->file,
            "../../phases/05-chip-design/systolic-array/student/os_accounting.cpp");
}

// What a grade's report shows of a failed build: the error lines, with the
// grader's tree left out of the absolute paths (a build without ccache);
// the relative ones that ccache gives stay as they are.
TEST(BuildErrors, ReportLinesLeaveTheGradersTreeOutOfPaths) {
  const std::string log =
      "[1/3] Building CXX object x.o\n"
      "FAILED: x.o\n"
      "/srv/grade/tree/phases/01-foundations/simd-dot/student/dot.cpp:7:3: error: 'y' was not declared in this scope\n"
      "../../phases/01-foundations/simd-dot/student/dot.cpp:9:1: error: expected ';' before '}' token\n"
      "/srv/grade/tree2/other.cpp:1:1: error: a folder beside the tree keeps its name\n"
      "ninja: build stopped: subcommand failed.\n";
  EXPECT_EQ(compile_error_lines(log, "/srv/grade/tree"),
            "phases/01-foundations/simd-dot/student/dot.cpp:7:3: error: 'y' was not declared in this scope\n"
            "../../phases/01-foundations/simd-dot/student/dot.cpp:9:1: error: expected ';' before '}' token\n"
            "/srv/grade/tree2/other.cpp:1:1: error: a folder beside the tree keeps its name\n");
  // No line mentions an error (a link step killed, say): the last lines, the tree left out too.
  EXPECT_EQ(compile_error_lines("step 1\nkilled /srv/grade/tree/build/grade/bin/x\n", "/srv/grade/tree"),
            "step 1\nkilled build/grade/bin/x\n");
}
