# add_lab(): one call turns a lab folder into targets.
include(CheckCXXCompilerFlag)
check_cxx_compiler_flag(-falign-loops=64 LABS_CC_ALIGN_LOOPS)
set(LABS_ALIGN_LOOPS "")
if(LABS_CC_ALIGN_LOOPS)
  set(LABS_ALIGN_LOOPS -falign-loops=64)
endif()
include(LabManifest)  # lab.toml's id, phase, requires and uses; the order of the labs
#
#   add_lab(
#     REFERENCE <sources...>    # the reference solution and its named baselines
#     STUDENT   <sources...>    # the starter learners edit (student/)
#     TESTS     <sources...>    # GoogleTest, built once per implementation
#     [REFERENCE_TESTS <sources...>]  # extra tests of the reference's named steps only
#     [BENCH    <sources...>]   # the harness: baselines, reference and student in one process
#     [AVX2 <sources...>] [AVX512 <sources...>]   # per-file ISA flags
#     [LINK <targets...>]       # extra libraries for every part
#     [INCLUDE <dirs...>])      # the interface's include dirs (default: include)
#
# The lab's id, phase, requires and uses come from its lab.toml, and nowhere
# else (cmake/LabManifest.cmake). phases/CMakeLists.txt adds a lab's folder
# only when the lab is available: every feature in `requires` is on and every
# lab in `uses` is available; otherwise build/labs/<id>.status says why and
# labctl lists the lab unavailable with that reason. In the lab's
# CMakeLists.txt, LAB_ID and LAB_PHASE hold its id and phase.
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
#
# add_cuda_lab() (AddCudaLab.cmake) and add_hdl_lab() (AddHdlLab.cmake) make
# the same targets and tests from other sources; the parts all three share
# are the labs_lab_*() functions below.

# labs_lab_begin(<caller> <implied feature> <out-id> <out-phase> <PHASE value>
#                <REQUIRES values> <unparsed arguments>): the start of every
# add_*_lab(). Finds which lab this folder is (the registry that
# phases/CMakeLists.txt filled from lab.toml) and refuses what only lab.toml
# may say: a positional id, PHASE, REQUIRES. <implied feature> (Verilator,
# CUDA, or "") must be in the lab's `requires`, so that the lab is never
# added without it.
function(labs_lab_begin caller implied out_id out_phase phase_arg requires_arg unparsed)
  set(id "${LAB_ID}")  # set by phases/CMakeLists.txt for the lab's folder
  if(id)
    get_property(dir GLOBAL PROPERTY LABS_LAB_${id}_DIR)
  endif()
  if(NOT id OR NOT dir STREQUAL CMAKE_CURRENT_SOURCE_DIR)
    file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}" "${CMAKE_CURRENT_SOURCE_DIR}")
    message(FATAL_ERROR "${caller}() in ${rel}/CMakeLists.txt: this folder is not a lab that "
      "phases/CMakeLists.txt added. A lab is a folder phases/NN-name/<id>/ with a lab.toml and a "
      "CMakeLists.txt that calls ${caller}() once (docs/authoring.md).")
  endif()
  get_property(toml GLOBAL PROPERTY LABS_LAB_${id}_TOML)
  get_filename_component(lists "${toml}" DIRECTORY)
  set(lists "${lists}/CMakeLists.txt")
  get_property(phase GLOBAL PROPERTY LABS_LAB_${id}_PHASE)
  get_property(requires GLOBAL PROPERTY LABS_LAB_${id}_REQUIRES)
  if(NOT "${phase_arg}${requires_arg}" STREQUAL "")
    string(JOIN "\", \"" listed ${requires})
    if(NOT listed STREQUAL "")
      set(listed "\"${listed}\"")
    endif()
    message(FATAL_ERROR "${caller}(${id}): PHASE and REQUIRES are read from ${toml} "
      "(phase = ${phase}, requires = [${listed}]).\n"
      "  fix: remove them from ${lists}; change lab.toml instead.")
  endif()
  if(NOT "${unparsed}" STREQUAL "")
    message(FATAL_ERROR "${caller}(): unexpected '${unparsed}' in ${lists}. "
      "The lab's id comes from its lab.toml (\"${id}\").\n"
      "  fix: start with the first keyword, e.g. ${caller}(REFERENCE ...).")
  endif()
  if(implied AND NOT implied IN_LIST requires)
    message(FATAL_ERROR "${toml}: ${caller}() needs ${implied}, and lab.toml does not require it.\n"
      "  fix: add \"${implied}\" to requires, so that the lab is listed unavailable where ${implied} is off.")
  endif()
  get_property(added GLOBAL PROPERTY LABS_LAB_${id}_ADDED)
  if(added)
    message(FATAL_ERROR "${lists}: a second ${caller}() for ${id}; a lab folder makes one lab.")
  endif()
  set_property(GLOBAL PROPERTY LABS_LAB_${id}_ADDED TRUE)
  set(${out_id} "${id}" PARENT_SCOPE)
  set(${out_phase} "${phase}" PARENT_SCOPE)
endfunction()

# labs_lab_paths(<var> <default...>): <var>'s paths (or the default when it
# is empty) made absolute, relative to the lab folder.
function(labs_lab_paths var)
  set(paths ${${var}})
  if(NOT paths)
    set(paths ${ARGN})
  endif()
  set(absolute "")
  foreach(path IN LISTS paths)
    get_filename_component(path "${path}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND absolute "${path}")
  endforeach()
  set(${var} ${absolute} PARENT_SCOPE)
endfunction()

# labs_lab_one_test_unit(<exe> <sources-var> <sources...>): a lab's test
# files compile as one translation unit, <build>/<exe>.tests.cpp, which
# #includes each of them. Every test program is built twice (reference and
# student) and every test file pays GoogleTest's headers (about 1.2 s of CPU
# each at -O1): on a fresh 2-core machine one unit per program built the
# labs' tests in 67 s instead of 98 s (Zen 5 VM, family 26 model 2, ccache
# off). So the test files of one lab share a scope: a file-scope
# `using namespace` or helper that would clash with another file's goes in
# a named namespace (tiny-nn's tests/test_scalar.cpp).
#
# The unit sits in the build folder's root and names each file by its path
# relative to it: compiled through ccache (base_dir = the source tree), the
# paths in messages read ../../phases/<lab>/tests/<file>.cpp, as for a file
# compiled on its own, and the grader's pristine tree (two levels down,
# like build/<preset>) gets the same preprocessed text, so it reuses the
# main build's cache entries. <sources-var> becomes the unit and the files
# (listed for IDEs, not compiled on their own).
function(labs_lab_one_test_unit exe out)
  # Even one file goes through a unit: the other implementation's program
  # may list it among several, and HEADER_FILE_ONLY (below) holds for the
  # whole lab folder.
  set(sources ${ARGN})
  set(unit "${CMAKE_BINARY_DIR}/${exe}.tests.cpp")
  set(text "// Generated by cmake/AddLab.cmake (labs_lab_one_test_unit): the test files of ${exe}.\n")
  set(absolute "")
  foreach(source IN LISTS sources)
    get_filename_component(source "${source}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    file(RELATIVE_PATH rel "${CMAKE_BINARY_DIR}" "${source}")
    string(APPEND text "#include \"${rel}\"\n")
    list(APPEND absolute "${source}")
  endforeach()
  file(CONFIGURE OUTPUT "${unit}" CONTENT "${text}")
  set_source_files_properties(${absolute} PROPERTIES HEADER_FILE_ONLY ON)
  set(${out} "${unit}" ${absolute} PARENT_SCOPE)
endfunction()

# labs_lab_test(<id> <phase> <impl> TESTS <sources...> [REFERENCE_TESTS <sources...>]
#               LINK <libraries...>): <id>_test_<impl>, compiled with
# LABKIT_IMPL=<impl> (REFERENCE_TESTS only into the reference's), and the
# CTest entry <id>.<impl> labelled lab=<id>;phase=<phase>;impl=<impl>.
function(labs_lab_test id phase impl)
  cmake_parse_arguments(ARG "" "" "TESTS;REFERENCE_TESTS;LINK" ${ARGN})
  set(exe ${id}_test_${impl})
  set(sources ${ARG_TESTS})
  if(impl STREQUAL "reference")
    list(APPEND sources ${ARG_REFERENCE_TESTS})
  endif()
  labs_lab_one_test_unit(${exe} sources ${sources})
  add_executable(${exe} ${sources})
  target_compile_definitions(${exe} PRIVATE LABKIT_IMPL=${impl})
  target_link_libraries(${exe} PRIVATE ${ARG_LINK})
  target_compile_options(${exe} PRIVATE ${LABS_WARNINGS} ${LABS_TEST_OPT})
  add_test(NAME ${id}.${impl} COMMAND ${exe} --gtest_brief=1)
  labs_sanitizer_test_environment(${id}.${impl})
  set_tests_properties(${id}.${impl} PROPERTIES
    LABELS "lab=${id};phase=${phase};impl=${impl}" TIMEOUT 300)
endfunction()

# labs_lab_test_environment(<id> <VAR=value>...): environment variables for
# every test add_lab() made for the lab (its tests, the starter check, the
# bench's smoke run), added to what is already there (the sanitizer's
# OMP_TOOL_LIBRARIES under the tsan preset), never in its place. Called from
# the lab's CMakeLists.txt after add_lab().
function(labs_lab_test_environment id)
  foreach(t ${id}.reference ${id}.student ${id}.starter_points_at_todo ${id}.bench_smoke)
    if(TEST ${t})
      set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT ${ARGN})
    endif()
  endforeach()
endfunction()

# labs_lab_starter_test(<id> <phase>): <id>.starter_points_at_todo, the
# untouched starter's tests must fail, and their message must point at a TODO.
function(labs_lab_starter_test id phase)
  add_test(NAME ${id}.starter_points_at_todo COMMAND ${id}_test_student)
  set_tests_properties(${id}.starter_points_at_todo PROPERTIES
    LABELS "lab=${id};phase=${phase};starter" PASS_REGULAR_EXPRESSION "TODO\\([0-9]+\\)"
    TIMEOUT 120)
endfunction()

# labs_lab_bench(<id> <phase> SOURCES <sources...> [LINK <libraries...>]):
# <id>_bench, linking <id>_reference, <id>_student and LINK, and (with tests
# on) <id>.bench_smoke, which validates every implementation before timing
# it, at tiny sizes (--smoke).
function(labs_lab_bench id phase)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK" ${ARGN})
  add_executable(${id}_bench ${ARG_SOURCES})
  target_link_libraries(${id}_bench PRIVATE ${id}_reference ${id}_student ${ARG_LINK})
  target_compile_options(${id}_bench PRIVATE ${LABS_WARNINGS})
  if(LABS_BUILD_TESTS)
    add_test(NAME ${id}.bench_smoke COMMAND ${id}_bench --smoke --out ${CMAKE_BINARY_DIR}/smoke/${id}.json)
    set_tests_properties(${id}.bench_smoke PROPERTIES
      LABELS "lab=${id};phase=${phase};framework" TIMEOUT 300)
  endif()
endfunction()

# labs_lab_reference_source(<id> <out> <sources...>): where the lab's
# reference comes from. "sources" in the course repository; in a student
# handout (labctl handout) the sources are withheld and the lab folder holds
# prebuilt/lib<id>_reference.a instead, the way CS:APP's handouts ship
# csim-ref: "prebuilt". "absent" when neither is there (a handout made with
# --no-reference-binaries): no reference library, reference tests or bench.
function(labs_lab_reference_source id out)
  set(missing "")
  foreach(source IN LISTS ARGN)
    if(NOT EXISTS "${source}")
      list(APPEND missing "${source}")
    endif()
  endforeach()
  if(NOT missing)
    set(${out} sources PARENT_SCOPE)
  elseif(EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/prebuilt/lib${id}_reference.a")
    set(${out} prebuilt PARENT_SCOPE)
  else()
    set(${out} absent PARENT_SCOPE)
  endif()
endfunction()

# labs_lab_import_prebuilt(<target> [INCLUDE <dirs...>] [LINK <libraries...>]):
# <target> as the static library prebuilt/lib<target>.a that labctl handout
# placed in the lab folder, with that interface.
function(labs_lab_import_prebuilt target)
  cmake_parse_arguments(P "" "" "INCLUDE;LINK" ${ARGN})
  add_library(${target} STATIC IMPORTED GLOBAL)
  # SYSTEM OFF: an imported target's include folders are -isystem by
  # default; -I keeps the tests' compile commands those of the course's
  # build, so ccache serves them (and warnings in include/ still show).
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION "${CMAKE_CURRENT_SOURCE_DIR}/prebuilt/lib${target}.a" SYSTEM OFF)
  if(P_INCLUDE)
    target_include_directories(${target} INTERFACE ${P_INCLUDE})
  endif()
  if(P_LINK)
    target_link_libraries(${target} INTERFACE ${P_LINK})
  endif()
endfunction()

# After add_lab(), LAB_REFERENCE in the lab's CMakeLists.txt says which of
# these the reference is: options for <id>_reference itself belong in
# `if(LAB_REFERENCE STREQUAL "sources")` (an imported library takes none).
function(add_lab)
  cmake_parse_arguments(ARG "" "PHASE"
    "REFERENCE;STUDENT;TESTS;REFERENCE_TESTS;BENCH;AVX2;AVX512;LINK;REQUIRES;INCLUDE" ${ARGN})
  labs_lab_begin(add_lab "" id phase "${ARG_PHASE}" "${ARG_REQUIRES}" "${ARG_UNPARSED_ARGUMENTS}")
  labs_lab_paths(ARG_INCLUDE include)
  set(reference_paths ${ARG_REFERENCE})
  labs_lab_paths(reference_paths)
  labs_simd_sources(AVX2 ${ARG_AVX2} AVX512 ${ARG_AVX512})
  labs_lab_reference_source(${id} reference ${reference_paths})
  set(LAB_REFERENCE ${reference} PARENT_SCOPE)
  # Hidden tests (tests/hidden/, docs/authoring.md) exist only in the course
  # repository, never in a handout: the grader's build has them, the
  # learner's does not. Both implementations' test programs hold them.
  file(GLOB hidden_tests CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/tests/hidden/*.cpp")
  list(APPEND ARG_TESTS ${hidden_tests})

  set(impls student)
  if(reference STREQUAL "sources")
    list(PREPEND impls reference)
  elseif(reference STREQUAL "prebuilt")
    # The instructor's compiled reference (labctl handout): the same
    # interface as the sources would give, without them.
    labs_lab_import_prebuilt(${id}_reference INCLUDE ${ARG_INCLUDE} LINK labkit ${ARG_LINK})
    if(LABS_BUILD_TESTS)
      labs_lab_test(${id} ${phase} reference TESTS ${ARG_TESTS} REFERENCE_TESTS ${ARG_REFERENCE_TESTS}
        LINK ${id}_reference labkit_gtest)
    endif()
  else()
    message(STATUS "${id}: the reference is withheld (no reference/ sources, no "
      "prebuilt/lib${id}_reference.a): its tests and the bench, whose baselines are the "
      "reference's, are not built; the student tests are.")
  endif()
  foreach(impl IN LISTS impls)
    string(TOUPPER "${impl}" IMPL)
    add_library(${id}_${impl} STATIC ${ARG_${IMPL}})
    target_include_directories(${id}_${impl} PUBLIC ${ARG_INCLUDE})
    target_link_libraries(${id}_${impl} PUBLIC labkit ${ARG_LINK})
    target_compile_options(${id}_${impl} PRIVATE ${LABS_WARNINGS} ${LABS_ALIGN_LOOPS})
    if(LABS_BUILD_TESTS)
      labs_lab_test(${id} ${phase} ${impl} TESTS ${ARG_TESTS} REFERENCE_TESTS ${ARG_REFERENCE_TESTS}
        LINK ${id}_${impl} labkit_gtest)
    endif()
  endforeach()
  if(LABS_BUILD_TESTS)
    labs_lab_starter_test(${id} ${phase})
  endif()
  if(ARG_BENCH AND NOT reference STREQUAL "absent")
    labs_lab_bench(${id} ${phase} SOURCES ${ARG_BENCH} LINK labkit_harness)
  endif()
endfunction()
