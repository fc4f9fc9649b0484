# add_hdl_lab(): add_lab() for labs whose design is RTL (SystemVerilog),
# simulated with Verilator and tested from C++ (GoogleTest + labkit_hdl).
#
#   add_hdl_lab(
#     TOP       <module...>     # top module(s); each becomes one Verilated model per implementation
#     REFERENCE <rtl...>        # reference RTL (reference/*.sv)
#     STUDENT   <rtl...>        # the starter learners edit (student/*.sv)
#     TESTS     <sources...>    # GoogleTest testbenches, built once per implementation
#     [REFERENCE_TESTS <sources...>]  # testbenches for the reference only
#     [BENCH    <sources...>]   # labkit harness: deterministic counts (cycles per op, latency)
#     [INCLUDE  <dirs...>]      # C++ include dirs for tests and bench (default: model/, the golden model)
#     [VERILATOR_ARGS <args...>]  # extra Verilator arguments for both implementations
#     [LINK <targets...>])      # extra libraries for tests and bench
#
# As with add_lab(), the id, phase, requires and uses come from lab.toml, whose
# requires must include "Verilator".
#
# Targets (executables in build/<preset>/bin), the same shape as add_lab():
#   <id>_reference, <id>_student     static libraries: the Verilated models,
#                                    V<top>_reference / V<top>_student classes
#                                    (a second TOP gets <id>_<impl>_<top>, linked in)
#   <id>_test_reference, <id>_test_student   the same testbenches against each
#   <id>_bench                       the harness, linking both models
# CTest: <id>.reference, <id>.student, <id>.starter_points_at_todo and
# <id>.bench_smoke, labelled like add_lab()'s, and <id>.waveform (label
# framework): the reference testbench with LABKIT_TRACE=1 writes VCDs whose
# headers GTKWave accepts.
#
# The models: each implementation's RTL goes through find_package(verilator)'s
# verilate() (Verilator 5.006 and later; only TRACE and long-standing keywords
# are used) with --trace and --coverage-line --coverage-toggle (the tests of
# each implementation write out/<id>/coverage-<impl>.dat and print the
# percentages). Reference RTL must be lint-clean under -Wall; student RTL
# gets Verilator's default warnings, not fatal. The generated C++ of a model
# compiles as one unity translation unit, and Verilator's run-time library
# once for all models (labkit_verilated), which keeps the build short.
#
# Testbenches include "hdl_models.hpp" (generated) and pick the model of the
# implementation under test:
#   #include "hdl_models.hpp"
#   using Dut = hdl_alu::LABKIT_IMPL::Valu;   // ::Valu_reference or ::Valu_student
# The namespace is the lab id with '-' turned into '_'. The bench sees both.
#
# When the student RTL does not even parse at configure time, configuring
# still succeeds: <id>_test_student becomes one failing test that carries
# Verilator's messages (and the lab's bench is not built), so one broken lab
# costs that lab only. Editing the RTL reconfigures.

# ---------------------------------------------------------------- script mode
# The <id>.waveform test: runs a reference testbench the way
# `labctl test LAB --trace` does, and checks that every waveform it wrote has
# the VCD header GTKWave needs.
#   cmake -DHDL_TEST_EXE=<exe> -DHDL_OUT=<dir> -P AddHdlLab.cmake
if(CMAKE_SCRIPT_MODE_FILE)
  file(REMOVE_RECURSE "${HDL_OUT}")
  execute_process(COMMAND "${CMAKE_COMMAND}" -E env LABKIT_TRACE=1 LABKIT_TRACE_CYCLES=300 "LABKIT_OUT=${HDL_OUT}"
    "${HDL_TEST_EXE}" --gtest_brief=1 RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${HDL_TEST_EXE} failed with tracing on:\n${out}")
  endif()
  file(GLOB_RECURSE waves "${HDL_OUT}/*.vcd")
  list(LENGTH waves n)
  if(n EQUAL 0)
    message(FATAL_ERROR "LABKIT_TRACE=1 wrote no .vcd under ${HDL_OUT}:\n${out}")
  endif()
  foreach(w IN LISTS waves)
    file(READ "${w}" head LIMIT 65536)  # a design with many signals (fpga-cdc) has a header over 8 KB
    foreach(needed "$version" "$timescale" "$scope module TOP $end" "$var wire" "$enddefinitions $end" "#0")
      string(FIND "${head}" "${needed}" at)
      if(at EQUAL -1)
        message(FATAL_ERROR "${w}: no '${needed}' in its header: not a VCD that GTKWave opens")
      endif()
    endforeach()
  endforeach()
  message(STATUS "${n} waveform(s) with a valid VCD header under ${HDL_OUT}")
  return()
endif()
set(LABS_ADD_HDL_LAB_FILE "${CMAKE_CURRENT_LIST_FILE}")

# Verilator writes each .sv file's absolute path into the C++ it generates
# (coverage points, $fatal locations). The grader builds a copy of this tree
# elsewhere, so those sources, and every model, missed ccache there: on 2
# cores the grader's first build spent over a minute recompiling models the
# main build had just compiled. Verilator therefore runs through a wrapper
# that rewrites "<source tree>/" out of the generated C++ (the paths become
# relative to the tree, e.g. phases/01-foundations/hdl-alu/reference/alu.sv),
# and each model compiles as one unity file of relative #includes (CMake
# 3.25's own unity files include absolute paths).
set(LABS_VERILATOR_RELATIVE "${CMAKE_BINARY_DIR}/labkit-hdl/verilator_relative.sh")
file(CONFIGURE OUTPUT "${LABS_VERILATOR_RELATIVE}" CONTENT [=[#!/bin/sh
# Generated by cmake/AddHdlLab.cmake: runs Verilator, then makes the paths of
# the source tree in the C++ it wrote relative, so that two copies of the
# tree generate identical sources (and share ccache entries).
"@VERILATOR_BIN@" "$@" || exit $?
mdir=
prev=
for arg in "$@"; do
  case "$prev" in --Mdir | -Mdir) mdir=$arg ;; esac
  prev=$arg
done
[ -n "$mdir" ] || exit 0
for f in "$mdir"/*.cpp "$mdir"/*.h; do
  [ -f "$f" ] || continue
  grep -q "@CMAKE_SOURCE_DIR@/" "$f" && sed -i "s|@CMAKE_SOURCE_DIR@/||g" "$f"
done
exit 0
]=] @ONLY)
file(CHMOD "${LABS_VERILATOR_RELATIVE}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
  WORLD_READ WORLD_EXECUTE)

# labs_verilate_model(<target> TOP <module> PREFIX <class> SOURCES <rtl...>
#                     [COVERAGE] [RELAXED] [UNITY] [ARGS <verilator args...>])
# Verilates one model into <target> (a library or executable) with tracing,
# linking labkit_verilated instead of compiling Verilator's run time again.
function(labs_verilate_model target)
  cmake_parse_arguments(V "COVERAGE;RELAXED;UNITY" "TOP;PREFIX" "SOURCES;ARGS" ${ARGN})
  set(args)
  if(V_RELAXED)
    list(APPEND args -Wno-fatal)
  else()
    list(APPEND args -Wall)
  endif()
  if(V_COVERAGE)
    list(APPEND args --coverage-line --coverage-toggle)
  endif()
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/verilated/${V_PREFIX}")
  set(VERILATOR_BIN "${LABS_VERILATOR_RELATIVE}")  # this function's scope only
  verilate(${target} PREFIX ${V_PREFIX} TOP_MODULE ${V_TOP} SOURCES ${V_SOURCES} TRACE
    DIRECTORY "${dir}" VERILATOR_ARGS ${args} ${V_ARGS})
  # verilate() adds Verilator's run-time sources (verilated.cpp, ...) to every
  # target; labkit_verilated already has them, compiled once.
  get_target_property(sources ${target} SOURCES)
  list(FILTER sources EXCLUDE REGEX "/include/verilated[^/]*\\.cpp$")
  set_property(TARGET ${target} PROPERTY SOURCES ${sources})
  if(V_UNITY)
    # The whole model as one translation unit (Verilator's headers dominate
    # each file's compile time), through #includes relative to the model's folder.
    set(unity "// Generated by labs_verilate_model() in cmake/AddHdlLab.cmake; do not edit.\n")
    foreach(src IN LISTS sources)
      if(src MATCHES "\\.cpp$" AND src MATCHES "^${dir}/")
        get_filename_component(name "${src}" NAME)
        string(APPEND unity "#include \"${name}\"\n")
        set_source_files_properties("${src}" PROPERTIES HEADER_FILE_ONLY ON)
      endif()
    endforeach()
    file(CONFIGURE OUTPUT "${dir}/${V_PREFIX}__unity.cpp" CONTENT "${unity}")
    target_sources(${target} PRIVATE "${dir}/${V_PREFIX}__unity.cpp")
  endif()
  target_link_libraries(${target} PUBLIC labkit_verilated)
  # Verilated C++ is long and branchy: at -O1 it compiles in about 55% of
  # -O3's time (the 8x8 systolic array: 7.5 s -> 4.2 s; -Os took 8.6 s). The
  # labs grade what a model computes and in how many cycles, never how fast
  # the simulator runs, so the build time is worth more.
  target_compile_options(${target} PRIVATE ${LABS_UNTIMED_OPT})
endfunction()

# labs_hdl_configure(<exe> LAB <id> IMPL <impl> [COVERAGE] [RTL <files...>] [OUT_ROOT <dir>]):
# tells labkit::hdl (labkit/hdl.hpp) which lab and implementation <exe> runs,
# where waveforms go and which RTL files a failure should name. The values,
# absolute paths among them, go into one small generated source instead of
# compile definitions on every test source: a path in a -D flag would differ
# between this tree and the grader's copy of it, and ccache would then
# recompile every test source there (its base_dir rewrites paths in -I and
# the like, never inside -D values).
function(labs_hdl_configure exe)
  cmake_parse_arguments(C "COVERAGE" "LAB;IMPL;OUT_ROOT" "RTL" ${ARGN})
  if(NOT C_OUT_ROOT)
    set(C_OUT_ROOT "${PROJECT_SOURCE_DIR}/out")  # the repository's out/
  endif()
  string(JOIN "|" rtl ${C_RTL})
  set(coverage 0)
  if(C_COVERAGE)
    set(coverage 1)
  endif()
  set(file "${CMAKE_CURRENT_BINARY_DIR}/${exe}_hdl_config.cpp")
  file(CONFIGURE OUTPUT "${file}" CONTENT
"// Generated by labs_hdl_configure() in cmake/AddHdlLab.cmake; do not edit.
#include \"labkit/hdl_binary.hpp\"
static const labkit::hdl::detail::BinaryRegistration labkit_hdl_this_binary(
    \"@C_LAB@\", \"@C_IMPL@\", \"@C_OUT_ROOT@\", \"@rtl@\", @coverage@);
" @ONLY)
  target_sources(${exe} PRIVATE "${file}")
endfunction()

# labs_hdl_reference_source(<id> <out> <tops> <reference rtl...>): "sources"
# when the reference RTL is there; "prebuilt" when prebuilt/ holds every
# top's compiled model and header, made by a Verilator of the same version
# as this one (a model's C++ calls into Verilator's run time, which this
# build compiles); else "absent", with a warning when prebuilt/ is there but
# cannot be used.
function(labs_hdl_reference_source id out tops)
  labs_lab_reference_source(${id} kind ${ARGN})
  if(NOT kind STREQUAL "prebuilt")
    set(${out} ${kind} PARENT_SCOPE)
    return()
  endif()
  set(dir "${CMAKE_CURRENT_SOURCE_DIR}/prebuilt")
  set(problem "")
  list(GET tops 0 first_top)
  foreach(top IN LISTS tops)
    # The first top's model is <id>_reference; another top's, <id>_reference_<top>.
    set(lib ${id}_reference)
    if(NOT top STREQUAL first_top)
      set(lib ${id}_reference_${top})
    endif()
    if(NOT EXISTS "${dir}/lib${lib}.a")
      string(APPEND problem " prebuilt/lib${lib}.a is missing.")
    endif()
    if(NOT EXISTS "${dir}/include/V${top}_reference.h")
      string(APPEND problem " prebuilt/include/V${top}_reference.h is missing.")
    endif()
  endforeach()
  if(EXISTS "${dir}/verilator-version.txt")
    file(STRINGS "${dir}/verilator-version.txt" built_with LIMIT_COUNT 1)
    if(NOT built_with STREQUAL verilator_VERSION)
      string(APPEND problem " it was compiled with Verilator ${built_with} and this build has ${verilator_VERSION}: "
        "install Verilator ${built_with} (the course's), or ask your instructor for a handout made with yours.")
    endif()
  endif()
  if(problem)
    message(WARNING "${id}: the compiled reference in prebuilt/ cannot be used:${problem} "
      "The reference tests and the bench are left out.")
    set(${out} absent PARENT_SCOPE)
  else()
    set(${out} prebuilt PARENT_SCOPE)
  endif()
endfunction()

function(add_hdl_lab)
  cmake_parse_arguments(ARG "" "PHASE"
    "TOP;REFERENCE;STUDENT;TESTS;REFERENCE_TESTS;BENCH;INCLUDE;VERILATOR_ARGS;LINK;REQUIRES" ${ARGN})
  labs_lab_begin(add_hdl_lab Verilator id phase "${ARG_PHASE}" "${ARG_REQUIRES}" "${ARG_UNPARSED_ARGUMENTS}")
  if(NOT ARG_TOP OR NOT ARG_REFERENCE OR NOT ARG_STUDENT OR NOT ARG_TESTS)
    message(FATAL_ERROR "add_hdl_lab(${id}): TOP, REFERENCE, STUDENT and TESTS are required (see docs/authoring.md)")
  endif()
  labs_lab_paths(ARG_INCLUDE model)  # relative to the lab folder
  labs_lab_paths(ARG_REFERENCE)
  labs_lab_paths(ARG_STUDENT)
  string(MAKE_C_IDENTIFIER "${id}" ns)
  set(gen_dir "${CMAKE_CURRENT_BINARY_DIR}/hdl_include")

  # Does the student RTL parse? (If not, verilate() would stop the configure.)
  set(student_error "")
  list(GET ARG_TOP 0 first_top)
  execute_process(COMMAND "${VERILATOR_BIN}" --lint-only -Wno-fatal --top-module ${first_top} ${ARG_VERILATOR_ARGS} ${ARG_STUDENT}
    WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
    RESULT_VARIABLE lint_rc OUTPUT_VARIABLE lint_out ERROR_VARIABLE lint_out)
  # labctl test names the first error's file and line from this log (build_errors.hpp).
  set(student_error_log "${CMAKE_CURRENT_BINARY_DIR}/student_rtl_error.log")
  if(NOT lint_rc EQUAL 0)
    set(student_error "${lint_out}")
    message(WARNING "Lab ${id}: the student RTL does not compile; its tests report why:\n${lint_out}")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${ARG_STUDENT})
    file(WRITE "${student_error_log}" "${lint_out}")
  else()
    file(REMOVE "${student_error_log}")
  endif()

  # Where the reference model comes from: its RTL (the course), or, in a
  # student handout (labctl handout), the Verilated reference compiled by the
  # instructor: prebuilt/lib<id>_reference[_<top>].a with each top's header
  # in prebuilt/include/, the way CS:APP ships csim-ref. "absent" without
  # either (--no-reference-binaries): no reference tests and no bench.
  labs_hdl_reference_source(${id} reference "${ARG_TOP}" ${ARG_REFERENCE})
  set(impls reference student)
  if(reference STREQUAL "absent")
    message(STATUS "${id}: the reference RTL is withheld (no reference/ sources, no usable prebuilt/ model): "
      "its tests and the bench are not built; the student tests are.")
    set(impls student)
  endif()

  set(header "// Generated by add_hdl_lab(${id}) (cmake/AddHdlLab.cmake): the Verilated models.\n#pragma once\n")
  foreach(impl IN LISTS impls)
    string(TOUPPER "${impl}" IMPL)
    if(impl STREQUAL "student" AND student_error)
      continue()
    endif()
    set(lib ${id}_${impl})
    string(APPEND header "#if defined(LABKIT_HDL_HAS_${IMPL})\n")
    # The instructor's compiled model (a handout) gives the same targets and
    # headers as the RTL would, as imported libraries (INTERFACE only).
    set(compiled OFF)
    set(scope PUBLIC)
    set(includes "${gen_dir}" ${ARG_INCLUDE})
    if(impl STREQUAL "reference" AND reference STREQUAL "prebuilt")
      set(compiled ON)
      set(scope INTERFACE)
      list(APPEND includes "${CMAKE_CURRENT_SOURCE_DIR}/prebuilt/include")
    endif()
    foreach(top IN LISTS ARG_TOP)
      # One library per model: each compiles as one unity translation unit
      # (Verilator's headers dominate each file's compile time), and two
      # models in one unit would collide. The first top's library is <id>_<impl>.
      if(NOT TARGET ${lib})
        set(model_lib ${lib})
      else()
        set(model_lib ${lib}_${top})
      endif()
      if(compiled)
        labs_lab_import_prebuilt(${model_lib} LINK labkit_verilated)
      else()
        add_library(${model_lib} STATIC)
        if(impl STREQUAL "reference")
          labs_verilate_model(${model_lib} TOP ${top} PREFIX V${top}_${impl} SOURCES ${ARG_REFERENCE} COVERAGE UNITY
            ARGS ${ARG_VERILATOR_ARGS})
        else()
          # With coverage too: learners see which of their lines and bits the tests never exercised.
          labs_verilate_model(${model_lib} TOP ${top} PREFIX V${top}_${impl} SOURCES ${ARG_STUDENT} RELAXED COVERAGE UNITY
            ARGS ${ARG_VERILATOR_ARGS})
        endif()
        target_compile_options(${model_lib} PRIVATE ${VERILATOR_CFLAGS})
        if(LABS_SANITIZE)
          # Sanitizers check the labs' C++; the models are Verilator's generated code.
          target_compile_options(${model_lib} PRIVATE -fno-sanitize=all)
        endif()
      endif()
      if(NOT model_lib STREQUAL lib)
        target_link_libraries(${lib} ${scope} ${model_lib})
      endif()
      string(APPEND header "#include \"V${top}_${impl}.h\"\nnamespace ${ns}::${impl} { using V${top} = ::V${top}_${impl}; }\n")
    endforeach()
    string(APPEND header "#endif\n")
    target_include_directories(${lib} ${scope} ${includes})
    target_compile_definitions(${lib} INTERFACE LABKIT_HDL_HAS_${IMPL}=1)
    target_link_libraries(${lib} ${scope} labkit_hdl ${ARG_LINK})
  endforeach()
  file(CONFIGURE OUTPUT "${gen_dir}/hdl_models.hpp" CONTENT "${header}" @ONLY)

  if(LABS_BUILD_TESTS)
    foreach(impl IN LISTS impls)
      set(exe ${id}_test_${impl})
      if(impl STREQUAL "student" AND student_error)
        string(REPLACE ")labkit\"" ")labkit \"" student_error "${student_error}")
        file(CONFIGURE OUTPUT "${CMAKE_CURRENT_BINARY_DIR}/student_rtl_error.cpp" CONTENT
"// Generated by add_hdl_lab(${id}): the student RTL did not compile at configure time.
#include <gtest/gtest.h>
TEST(StudentRtl, Compiles) {
  FAIL() << R\"labkit(Verilator cannot compile the student RTL of ${id}; fix it, then rebuild (tools/labctl build):
${student_error})labkit\";
}
" @ONLY)
        labs_lab_test(${id} ${phase} ${impl} TESTS "${CMAKE_CURRENT_BINARY_DIR}/student_rtl_error.cpp"
          LINK GTest::gtest GTest::gtest_main)
      else()
        labs_lab_test(${id} ${phase} ${impl} TESTS ${ARG_TESTS} REFERENCE_TESTS ${ARG_REFERENCE_TESTS}
          LINK ${id}_${impl} GTest::gtest_main)
        if(impl STREQUAL "reference")
          labs_hdl_configure(${exe} LAB ${id} IMPL ${impl} COVERAGE)
        else()
          labs_hdl_configure(${exe} LAB ${id} IMPL ${impl} COVERAGE RTL ${ARG_STUDENT})
        endif()
      endif()
    endforeach()

    # labctl test --trace, end to end: every waveform has a VCD header.
    if(TARGET ${id}_test_reference)
    add_test(NAME ${id}.waveform COMMAND "${CMAKE_COMMAND}" "-DHDL_TEST_EXE=$<TARGET_FILE:${id}_test_reference>"
      "-DHDL_OUT=${CMAKE_CURRENT_BINARY_DIR}/waveform-check" -P "${LABS_ADD_HDL_LAB_FILE}")
    set_tests_properties(${id}.waveform PROPERTIES LABELS "lab=${id};phase=${phase};framework" TIMEOUT 120)
    endif()

    labs_lab_starter_test(${id} ${phase})
  endif()

  if(ARG_BENCH AND NOT student_error AND NOT reference STREQUAL "absent")
    labs_lab_bench(${id} ${phase} SOURCES ${ARG_BENCH} LINK labkit_harness)
    labs_hdl_configure(${id}_bench LAB ${id} IMPL bench RTL ${ARG_STUDENT})
  endif()
endfunction()
