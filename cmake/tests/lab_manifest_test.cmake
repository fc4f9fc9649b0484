# Tests of cmake/LabManifest.cmake: the lab.toml reader and the order of the
# labs, on good and bad trees. CTest runs it as labs.manifest (label framework):
#   cmake -DWORK=<scratch dir> -P cmake/tests/lab_manifest_test.cmake
# Each case configures nothing: it runs this file again in a child process
# (-DCASE_ROOT=...), which reads a scratch tree of lab.toml files and prints
# the order, so a configure error is the child's output, not the test's end.
cmake_minimum_required(VERSION 3.25)
get_filename_component(source_dir "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
list(APPEND CMAKE_MODULE_PATH "${source_dir}/cmake")

if(DEFINED CASE_ROOT)  # the child: read the tree, print the order
  set(PROJECT_SOURCE_DIR "${CASE_ROOT}")
  include(LabManifest)
  file(GLOB tomls "${CASE_ROOT}/phases/*/*/lab.toml")
  set(dirs "")
  foreach(toml IN LISTS tomls)
    get_filename_component(dir "${toml}" DIRECTORY)
    list(APPEND dirs "${dir}")
  endforeach()
  list(SORT dirs)
  labs_collect_labs(order ${dirs})
  foreach(id IN LISTS order)
    get_property(phase GLOBAL PROPERTY LABS_LAB_${id}_PHASE)
    get_property(requires GLOBAL PROPERTY LABS_LAB_${id}_REQUIRES)
    get_property(uses GLOBAL PROPERTY LABS_LAB_${id}_USES)
    string(APPEND out "${id}(${phase}|${requires}|${uses}) ")
  endforeach()
  message("order: ${out}")
  return()
endif()

if(NOT WORK)
  set(WORK "${CMAKE_CURRENT_BINARY_DIR}/lab-manifest-test")
endif()
set(failures 0)

# lab(<root> <phase folder> <id> <top-level lines>): one lab folder.
function(lab root phase_dir id lines)
  set(dir "${root}/phases/${phase_dir}/${id}")
  file(WRITE "${dir}/CMakeLists.txt" "add_lab()\n")
  file(WRITE "${dir}/lab.toml" "# ${id}\n${lines}\ntitle = \"T\"\n\n[grading]\ntime_limit_s = 10\nuses = 5\n")
endfunction()

# expect(<name> <root> <regex the child's output must match>)
function(expect name root regex)
  execute_process(COMMAND "${CMAKE_COMMAND}" "-DCASE_ROOT=${root}" -P "${CMAKE_CURRENT_LIST_FILE}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(REGEX REPLACE "\n *" " " flat "${out}")
  if(flat MATCHES "${regex}")
    message(STATUS "ok: ${name}")
  else()
    message(STATUS "FAIL: ${name}: expected /${regex}/, got (exit ${rc}):\n${out}")
    math(EXPR failures "${failures} + 1")
    set(failures ${failures} PARENT_SCOPE)
  endif()
endfunction()

# Good forms, comments, CRLF line ends, semicolons and brackets in other keys;
# keys in tables (uses = 5 under [grading]) are not read.
set(t "${WORK}/good")
file(REMOVE_RECURSE "${t}")
lab("${t}" 01-foundations base "id = \"base\"  # the id\nphase = 1\nrequires = [\"OpenMP\", \"TBB\",]\nuses = []\nsummary = \"a; [b] \\\\ c\"")
lab("${t}" 01-foundations user "id=\"user\"\r\nphase=1\r\nuses = [ \"base\" ] # comment\r\nlayers = [\r\n  \"L1\",\r\n]")
lab("${t}" 03-ml-systems zz-first "id = \"zz-first\"\nphase = 3")
expect("good forms" "${t}" "order: base\\(1\\|OpenMP;TBB\\|\\) user\\(1\\|\\|base\\) zz-first\\(3\\|\\|\\)")

# A lab comes after the labs it uses, whatever the folder order.
set(t "${WORK}/order")
file(REMOVE_RECURSE "${t}")
lab("${t}" 01-foundations aa "id = \"aa\"\nphase = 1\nuses = [\"zz\", \"mm\"]")
lab("${t}" 01-foundations mm "id = \"mm\"\nphase = 1\nuses = [\"zz\"]")
lab("${t}" 01-foundations zz "id = \"zz\"\nphase = 1")
expect("uses orders the labs" "${t}" "order: zz\\(1\\|\\|\\) mm\\(1\\|\\|zz\\) aa\\(1\\|\\|zz;mm\\)")

# Each mistake names the file and line.
foreach(case
    "uses-string|uses = \"base\"|lab.toml:4: the build cannot read 'uses' in this form.*fix: write uses = \\[\"sgemm\"\\]"
    "uses-multiline|uses = [|lab.toml:4: the build cannot read 'uses'"
    "requires-bare|requires = [OpenMP]|lab.toml:4: the build cannot read 'requires'"
    "self|uses = [\"bad\"]|lab.toml:4: the lab uses itself"
    "unknown|uses = [\"nope\"]|lab.toml:4: uses \"nope\", but no lab has that id.*fix: use the id of a lab under phases/ \\(bad, base\\)"
    "twice|uses = [\"base\", \"base\"]|lab.toml:4: \"base\" is listed twice"
    "phase-range|phase = 7|lab.toml:3: the build cannot read 'phase'"
    "second-id|id = \"bad\"|lab.toml:4: a second 'id' \\(the first is on line 2\\)")
  # name|line|regex (not a CMake list: an unbalanced '[' would join its elements)
  string(REGEX MATCH "^([^|]*)\\|([^|]*)\\|(.*)$" _ "${case}")
  set(name "${CMAKE_MATCH_1}")
  set(line "${CMAKE_MATCH_2}")
  set(regex "${CMAKE_MATCH_3}")
  set(t "${WORK}/${name}")
  file(REMOVE_RECURSE "${t}")
  lab("${t}" 01-foundations base "id = \"base\"\nphase = 1")
  if(name STREQUAL "phase-range")
    lab("${t}" 01-foundations bad "id = \"bad\"\n${line}")
  else()
    lab("${t}" 01-foundations bad "id = \"bad\"\nphase = 1\n${line}")
  endif()
  expect("${name}" "${t}" "phases/01-foundations/bad/${regex}")
endforeach()

set(t "${WORK}/folder")
file(REMOVE_RECURSE "${t}")
lab("${t}" 01-foundations here "id = \"elsewhere\"\nphase = 1")
expect("id differs from folder" "${t}" "here/lab.toml:2: id \"elsewhere\" differs from the folder name \"here\"")

set(t "${WORK}/wrong-phase")
file(REMOVE_RECURSE "${t}")
lab("${t}" 03-ml-systems early "id = \"early\"\nphase = 1")
expect("phase differs from folder" "${t}" "early/lab.toml:3: phase = 1, but the lab sits in phases/03-ml-systems")

set(t "${WORK}/no-id")
file(REMOVE_RECURSE "${t}")
lab("${t}" 01-foundations anon "phase = 1")
expect("missing id" "${t}" "anon/lab.toml: no 'id' before the first \\[table\\]")

set(t "${WORK}/cycle")
file(REMOVE_RECURSE "${t}")
lab("${t}" 01-foundations aa "id = \"aa\"\nphase = 1\nuses = [\"bb\"]")
lab("${t}" 01-foundations bb "id = \"bb\"\nphase = 1\nuses = [\"cc\"]")
lab("${t}" 01-foundations cc "id = \"cc\"\nphase = 1\nuses = [\"aa\"]")
lab("${t}" 01-foundations dd "id = \"dd\"\nphase = 1")
expect("cycle" "${t}" "'uses' form a cycle: aa -> bb -> cc -> aa.*aa/lab.toml:4.*bb/lab.toml:4.*cc/lab.toml:4")

file(REMOVE_RECURSE "${WORK}")
if(failures GREATER 0)
  message(FATAL_ERROR "${failures} lab.toml reader case(s) failed")
endif()
message(STATUS "every lab.toml reader case passed")
