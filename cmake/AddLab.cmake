# add_lab(): one call turns a lab folder into targets.
include(CheckCXXCompilerFlag)
check_cxx_compiler_flag(-falign-loops=64 LABS_CC_ALIGN_LOOPS)
set(LABS_ALIGN_LOOPS "")
if(LABS_CC_ALIGN_LOOPS)
  set(LABS_ALIGN_LOOPS -falign-loops=64)
endif()
#
#   add_lab(<id> PHASE <n>
#     REFERENCE <sources...>    # the reference solution and its named baselines
#     STUDENT   <sources...>    # the starter learners edit (student/)
#     TESTS     <sources...>    # GoogleTest, built once per implementation
#     [REFERENCE_TESTS <sources...>]  # extra tests of the reference's named steps only
#     [BENCH    <sources...>]   # the harness: baselines, reference and student in one process
#     [AVX2 <sources...>] [AVX512 <sources...>]   # per-file ISA flags
#     [LINK <targets...>]       # extra libraries for every part
#     [REQUIRES <feature...>])  # e.g. Verilator, CUDA, Eigen3: the lab is listed as
#                               # unavailable (with the reason) when one is off
#
# Reference and student code is compiled with every loop aligned to 64 bytes
# (-falign-loops=64 where the compiler has it). A short hot loop can run up to
# twice as slow on some cores, AMD Zen 4 among them, when it straddles a
# 64-byte boundary, and where it lands depends on everything the linker put
# before it: two builds of simd-dot measured its scalar saxpy 2x apart.
# Aligning takes that lottery out of every speedup, for both implementations.
#
# Targets, all with their executables in build/<preset>/bin:
#   <id>_reference, <id>_student         static libraries
#   <id>_test_reference, <id>_test_student   the same tests against each one
#   <id>_bench                           the benchmark harness
# The test sources see LABKIT_IMPL defined to `reference` or `student`, so
# `namespace impl = mylab::LABKIT_IMPL;` picks the implementation under test.
#
# CTest entries carry labels lab=<id>, phase=<n>, impl=<reference|student>;
# `tools/labctl selftest` runs the reference side and the framework checks.
# labs_lab_available(<id> <out-var> REQUIRES <feature...>): writes
# build/labs/<id>.status ("available", or "unavailable" and the reason from the
# feature summary), which labctl reads, and sets <out-var> TRUE or FALSE.
function(labs_lab_available id out_var)
  cmake_parse_arguments(ARG "" "" "REQUIRES" ${ARGN})
  set(status_file "${CMAKE_BINARY_DIR}/labs/${id}.status")
  foreach(req IN LISTS ARG_REQUIRES)
    if(NOT LABS_HAVE_${req})
      get_property(features GLOBAL PROPERTY LABS_FEATURES)
      set(why "${req} is off")
      foreach(entry IN LISTS features)
        if(entry MATCHES "^${req}\\|[^|]*\\|(.*)$")
          set(why "${req}: ${CMAKE_MATCH_1}")
        endif()
      endforeach()
      file(WRITE "${status_file}" "unavailable\n${why}\n")
      message(STATUS "Lab ${id}: unavailable (${why})")
      set(${out_var} FALSE PARENT_SCOPE)
      return()
    endif()
  endforeach()
  file(WRITE "${status_file}" "available\n\n")
  set(${out_var} TRUE PARENT_SCOPE)
endfunction()

function(add_lab id)
  cmake_parse_arguments(LAB "" "PHASE" "REFERENCE;STUDENT;TESTS;REFERENCE_TESTS;BENCH;AVX2;AVX512;LINK;REQUIRES;INCLUDE" ${ARGN})
  if(NOT LAB_PHASE)
    message(FATAL_ERROR "add_lab(${id}): PHASE is required (see docs/authoring.md)")
  endif()
  labs_lab_available(${id} available REQUIRES ${LAB_REQUIRES})
  if(NOT available)
    return()
  endif()

  if(NOT LAB_INCLUDE)
    set(LAB_INCLUDE include)
  endif()
  list(TRANSFORM LAB_INCLUDE PREPEND "${CMAKE_CURRENT_SOURCE_DIR}/")
  labs_simd_sources(AVX2 ${LAB_AVX2} AVX512 ${LAB_AVX512})

  foreach(impl reference student)
    string(TOUPPER "${impl}" IMPL)
    add_library(${id}_${impl} STATIC ${LAB_${IMPL}})
    target_include_directories(${id}_${impl} PUBLIC ${LAB_INCLUDE})
    target_link_libraries(${id}_${impl} PUBLIC labkit ${LAB_LINK})
    target_compile_options(${id}_${impl} PRIVATE ${LABS_WARNINGS} ${LABS_ALIGN_LOOPS})

    if(LABS_BUILD_TESTS)
      set(test_sources ${LAB_TESTS})
      if(impl STREQUAL "reference")
        list(APPEND test_sources ${LAB_REFERENCE_TESTS})
      endif()
      add_executable(${id}_test_${impl} ${test_sources})
      target_compile_definitions(${id}_test_${impl} PRIVATE LABKIT_IMPL=${impl})
      target_link_libraries(${id}_test_${impl} PRIVATE ${id}_${impl} labkit_gtest)
      target_compile_options(${id}_test_${impl} PRIVATE ${LABS_WARNINGS} ${LABS_UNTIMED_OPT})
      add_test(NAME ${id}.${impl} COMMAND ${id}_test_${impl} --gtest_brief=1)
      set_tests_properties(${id}.${impl} PROPERTIES
        LABELS "lab=${id};phase=${LAB_PHASE};impl=${impl}" TIMEOUT 300)
    endif()
  endforeach()

  if(LABS_BUILD_TESTS)
    # The untouched starter must fail, and its message must point at a TODO.
    add_test(NAME ${id}.starter_points_at_todo COMMAND ${id}_test_student)
    set_tests_properties(${id}.starter_points_at_todo PROPERTIES
      LABELS "lab=${id};phase=${LAB_PHASE};starter" PASS_REGULAR_EXPRESSION "TODO\\([0-9]+\\)"
      TIMEOUT 120)
  endif()

  if(LAB_BENCH)
    add_executable(${id}_bench ${LAB_BENCH})
    target_link_libraries(${id}_bench PRIVATE ${id}_reference ${id}_student labkit_harness)
    target_compile_options(${id}_bench PRIVATE ${LABS_WARNINGS})
    if(LABS_BUILD_TESTS)
      # Every implementation is validated before it is timed; --smoke uses tiny sizes.
      add_test(NAME ${id}.bench_smoke COMMAND ${id}_bench --smoke --out ${CMAKE_BINARY_DIR}/smoke/${id}.json)
      set_tests_properties(${id}.bench_smoke PROPERTIES
        LABELS "lab=${id};phase=${LAB_PHASE};framework" TIMEOUT 300)
    endif()
  endif()
endfunction()
