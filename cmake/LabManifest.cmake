# lab.toml as far as the build needs it, and the order labs are configured in.
#
# A lab's id, phase, requires and uses are written once, in its lab.toml.
# phases/CMakeLists.txt reads every lab.toml with labs_collect_labs(), which
# checks them, orders the labs so that each comes after every lab it uses,
# and keeps what it read in a registry (global properties). Then, lab by lab,
# labs_lab_available() decides whether the lab can be built (a feature it
# requires is off, or a lab it uses is unavailable: it is not, and says why),
# and only an available lab's folder is added, with LAB_ID and LAB_PHASE set.
# add_lab(), add_cuda_lab() and add_hdl_lab() take the id and phase from there.
#
# CMake 3.25 has no TOML parser, so labs_read_manifest() is a small strict
# reader of the four top-level keys it needs; labctl (toml++, manifest.cpp)
# validates the whole file. Each of the four must sit before the first
# [table], on one line, in one of these forms:
#   id = "my-lab"
#   phase = 3
#   requires = ["OpenMP", "TBB"]     # or [] (the key may be left out)
#   uses = ["sgemm"]                 # or [] (the key may be left out)
# (a trailing # comment is fine). Any other form of these keys stops
# configure with the file, the line and the form it takes.

# labs_read_manifest(<lab.toml> <prefix>): sets <prefix>_ID, <prefix>_PHASE,
# <prefix>_REQUIRES, <prefix>_USES (lists) and <prefix>_<KEY>_LINE (the line
# of each key, 0 when absent) in the caller.
function(labs_read_manifest file prefix)
  file(READ "${file}" text)
  set(shown "${file}")  # in messages: relative to the source tree
  if(PROJECT_SOURCE_DIR)
    file(RELATIVE_PATH shown "${PROJECT_SOURCE_DIR}" "${file}")
  endif()
  # One list element per line. Characters that mean something in a CMake
  # list (';', '\', and '[' ']', which group elements) are swapped out
  # first and back in line by line.
  string(REPLACE "\\" "@labs_bs@" text "${text}")
  string(REPLACE ";" "@labs_sc@" text "${text}")
  string(REPLACE "[" "@labs_ob@" text "${text}")
  string(REPLACE "]" "@labs_cb@" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")

  set(forms_id "id = \"my-lab\" (a-z, 0-9 and '-', in double quotes)")
  set(forms_phase "phase = 3 (a number from 1 to 5)")
  set(forms_requires "requires = [\"OpenMP\", \"TBB\"] or requires = [] (strings in double quotes, on one line)")
  set(forms_uses "uses = [\"sgemm\"] or uses = [] (lab ids in double quotes, on one line)")
  foreach(key ID PHASE REQUIRES USES)
    set(${key} "")
    set(${key}_LINE 0)
  endforeach()

  set(n 0)
  foreach(line IN LISTS lines)
    math(EXPR n "${n} + 1")
    string(REPLACE "@labs_cb@" "]" line "${line}")
    string(REPLACE "@labs_ob@" "[" line "${line}")
    string(REPLACE "@labs_sc@" ";" line "${line}")
    string(REPLACE "@labs_bs@" "\\" line "${line}")
    string(REGEX REPLACE "\r$" "" line "${line}")
    if(line MATCHES "^[ \t]*\\[")
      break()  # the first [table] or [[array]]: top-level keys end here
    endif()
    if(NOT line MATCHES "^[ \t]*(id|phase|requires|uses)[ \t]*=(.*)$")
      continue()  # a key CMake does not need (or a comment, or a blank line)
    endif()
    set(key "${CMAKE_MATCH_1}")
    string(TOUPPER "${key}" KEY)
    set(value "${CMAKE_MATCH_2}")
    if(${KEY}_LINE)
      message(FATAL_ERROR "${shown}:${n}: a second '${key}' (the first is on line ${${KEY}_LINE}).\n"
        "  fix: keep one.")
    endif()
    set(${KEY}_LINE ${n})
    set(bad FALSE)
    if(key STREQUAL "id")
      if(value MATCHES "^[ \t]*\"([a-z][a-z0-9-]*)\"[ \t]*(#.*)?$")
        set(ID "${CMAKE_MATCH_1}")
      else()
        set(bad TRUE)
      endif()
    elseif(key STREQUAL "phase")
      if(value MATCHES "^[ \t]*([1-5])[ \t]*(#.*)?$")
        set(PHASE "${CMAKE_MATCH_1}")
      else()
        set(bad TRUE)
      endif()
    else()  # requires, uses: an array of plain names on this line
      if(value MATCHES "^[ \t]*\\[([^]#]*)\\][ \t]*(#.*)?$")
        string(REGEX REPLACE "[ \t]" "" items "${CMAKE_MATCH_1}")
        if(items MATCHES "^(\"[A-Za-z0-9_-]+\"(,\"[A-Za-z0-9_-]+\")*,?)?$")
          string(REGEX MATCHALL "[A-Za-z0-9_-]+" ${KEY} "${items}")
        else()
          set(bad TRUE)
        endif()
      else()
        set(bad TRUE)
      endif()
    endif()
    if(bad)
      message(FATAL_ERROR "${shown}:${n}: the build cannot read '${key}' in this form:\n"
        "    ${line}\n"
        "  fix: write ${forms_${key}}. CMake reads id, phase, requires and uses itself, "
        "only in these forms (docs/authoring.md, lab.toml).")
    endif()
  endforeach()

  foreach(key id phase)
    string(TOUPPER "${key}" KEY)
    if(NOT ${KEY}_LINE)
      message(FATAL_ERROR "${shown}: no '${key}' before the first [table].\n"
        "  fix: add ${forms_${key}} near the top (docs/authoring.md, lab.toml).")
    endif()
  endforeach()
  foreach(KEY ID PHASE REQUIRES USES)
    set(${prefix}_${KEY} "${${KEY}}" PARENT_SCOPE)
    set(${prefix}_${KEY}_LINE "${${KEY}_LINE}" PARENT_SCOPE)
  endforeach()
endfunction()

# labs_collect_labs(<out-var> <lab folder...>): reads each folder's lab.toml
# into the registry and sets <out-var> to the lab ids in the order to
# configure them: folder order, except that a lab comes after every lab it
# uses. Stops configure, naming the lab.toml, when an id differs from its
# folder or repeats, a phase differs from the phase folder's number, or a lab
# uses itself, an unknown lab, or a cycle of labs. Every lab.toml becomes a
# configure dependency: editing one reconfigures.
#
# The registry, per lab id: global properties LABS_LAB_<id>_DIR (absolute),
# _TOML (relative to the source tree, for messages), _PHASE, _REQUIRES, _USES; labs_lab_available() adds _AVAILABLE and _WHY,
# and the add_*_lab() call adds _ADDED. LABS_LABS lists the ids in order.
function(labs_collect_labs out_var)
  set(ids "")
  foreach(dir IN LISTS ARGN)
    file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}" "${dir}")
    set(toml "${rel}/lab.toml")  # as messages show it
    if(NOT EXISTS "${dir}/CMakeLists.txt")
      message(FATAL_ERROR "${rel} has a lab.toml but no CMakeLists.txt.\n"
        "  fix: add one with an add_lab(...) call (tools/labctl new makes both; docs/authoring.md).")
    endif()
    if(NOT EXISTS "${dir}/lab.toml")
      message(FATAL_ERROR "${rel} has a CMakeLists.txt but no lab.toml: a lab's id, phase and "
        "requirements are read from its lab.toml.\n"
        "  fix: add one (tools/labctl new makes both; docs/authoring.md, lab.toml).")
    endif()
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${dir}/lab.toml")
    labs_read_manifest("${dir}/lab.toml" m)
    get_filename_component(folder "${dir}" NAME)
    get_filename_component(phase_dir "${dir}" DIRECTORY)
    get_filename_component(phase_dir "${phase_dir}" NAME)
    if(NOT m_ID STREQUAL folder)
      message(FATAL_ERROR "${toml}:${m_ID_LINE}: id \"${m_ID}\" differs from the folder name \"${folder}\".\n"
        "  fix: make them the same.")
    endif()
    if(NOT phase_dir MATCHES "^0*${m_PHASE}-")
      message(FATAL_ERROR "${toml}:${m_PHASE_LINE}: phase = ${m_PHASE}, but the lab sits in phases/${phase_dir}.\n"
        "  fix: move the lab to the folder of phase ${m_PHASE}, or correct 'phase'.")
    endif()
    if(m_ID IN_LIST ids)
      get_property(other GLOBAL PROPERTY LABS_LAB_${m_ID}_TOML)
      message(FATAL_ERROR "${toml}:${m_ID_LINE}: a second lab with id \"${m_ID}\" (the first: ${other}).\n"
        "  fix: lab ids must be unique; rename one folder and its id.")
    endif()
    list(APPEND ids "${m_ID}")
    set(line_${m_ID} ${m_USES_LINE})
    set(uses_${m_ID} ${m_USES})
    set_property(GLOBAL PROPERTY LABS_LAB_${m_ID}_DIR "${dir}")
    set_property(GLOBAL PROPERTY LABS_LAB_${m_ID}_TOML "${toml}")
    set_property(GLOBAL PROPERTY LABS_LAB_${m_ID}_PHASE "${m_PHASE}")
    set_property(GLOBAL PROPERTY LABS_LAB_${m_ID}_REQUIRES "${m_REQUIRES}")
    set_property(GLOBAL PROPERTY LABS_LAB_${m_ID}_USES "${m_USES}")
  endforeach()

  foreach(id IN LISTS ids)
    get_property(toml GLOBAL PROPERTY LABS_LAB_${id}_TOML)
    set(seen "")
    foreach(used IN LISTS uses_${id})
      if(used STREQUAL id)
        message(FATAL_ERROR "${toml}:${line_${id}}: the lab uses itself.\n"
          "  fix: list only other labs in 'uses'.")
      endif()
      if(NOT used IN_LIST ids)
        string(JOIN ", " known ${ids})
        message(FATAL_ERROR "${toml}:${line_${id}}: uses \"${used}\", but no lab has that id.\n"
          "  fix: use the id of a lab under phases/ (${known}).")
      endif()
      if(used IN_LIST seen)
        message(FATAL_ERROR "${toml}:${line_${id}}: \"${used}\" is listed twice in 'uses'.\n"
          "  fix: list it once.")
      endif()
      list(APPEND seen "${used}")
    endforeach()
  endforeach()

  # Kahn's algorithm, stable: each step takes the first lab, in folder order,
  # whose used labs are all placed.
  set(order "")
  set(left ${ids})
  while(left)
    set(next "")
    foreach(id IN LISTS left)
      set(ready TRUE)
      foreach(used IN LISTS uses_${id})
        if(NOT used IN_LIST order)
          set(ready FALSE)
          break()
        endif()
      endforeach()
      if(ready)
        set(next "${id}")
        break()
      endif()
    endforeach()
    if(next STREQUAL "")
      # Every lab left uses another lab left: follow them round to a cycle.
      list(GET left 0 at)
      set(path "")
      while(NOT at IN_LIST path)
        list(APPEND path "${at}")
        foreach(used IN LISTS uses_${at})
          if(used IN_LIST left)
            set(at "${used}")
            break()
          endif()
        endforeach()
      endwhile()
      list(FIND path "${at}" first)
      list(SUBLIST path ${first} -1 cycle)
      set(where "")
      foreach(id IN LISTS cycle)
        get_property(toml GLOBAL PROPERTY LABS_LAB_${id}_TOML)
        string(APPEND where "\n    ${toml}:${line_${id}}")
      endforeach()
      list(APPEND cycle "${at}")
      string(JOIN " -> " cycle_text ${cycle})
      message(FATAL_ERROR "The labs' 'uses' form a cycle: ${cycle_text}${where}\n"
        "  fix: a lab can use only labs that do not use it back; move the shared code into one of them or into common/.")
    endif()
    list(APPEND order "${next}")
    list(REMOVE_ITEM left "${next}")
  endwhile()

  set_property(GLOBAL PROPERTY LABS_LABS "${order}")
  set(${out_var} "${order}" PARENT_SCOPE)
endfunction()

# labs_lab_available(<id> <out-var> [REQUIRES <feature...>] [USES <lab...>]):
# writes build/labs/<id>.status ("available", or "unavailable" and the
# reason: the feature summary's line of the first feature that is off, or
# "uses <lab>, which is unavailable: <its reason>"), which labctl reads for
# `list`, `info` and the graders, and sets <out-var> TRUE or FALSE. The
# result goes into the registry, where the labs that use this one look.
function(labs_lab_available id out_var)
  cmake_parse_arguments(ARG "" "" "REQUIRES;USES" ${ARGN})
  get_property(features GLOBAL PROPERTY LABS_FEATURES)
  set(why "")
  foreach(req IN LISTS ARG_REQUIRES)
    set(known FALSE)
    set(names "")
    foreach(entry IN LISTS features)
      string(REGEX REPLACE "\\|.*" "" name "${entry}")
      list(APPEND names "${name}")
      if(name STREQUAL req)
        set(known TRUE)
        if(NOT LABS_HAVE_${req} AND entry MATCHES "^[^|]*\\|[^|]*\\|(.*)$")
          set(why "${req}: ${CMAKE_MATCH_1}")
        endif()
      endif()
    endforeach()
    if(NOT known)
      get_property(toml GLOBAL PROPERTY LABS_LAB_${id}_TOML)
      string(JOIN ", " names ${names})
      message(FATAL_ERROR "${toml}: requires \"${req}\", which is not a feature of the configure summary.\n"
        "  fix: use the names the summary prints (${names}).")
    endif()
    if(NOT why STREQUAL "")
      break()
    endif()
  endforeach()
  if(why STREQUAL "")
    foreach(used IN LISTS ARG_USES)
      get_property(decided GLOBAL PROPERTY LABS_LAB_${used}_AVAILABLE SET)
      if(NOT decided)
        message(FATAL_ERROR "labs_lab_available(${id}): ${used} is not decided yet; "
          "configure the labs in the order labs_collect_labs() gives")
      endif()
      get_property(used_ok GLOBAL PROPERTY LABS_LAB_${used}_AVAILABLE)
      if(NOT used_ok)
        get_property(used_why GLOBAL PROPERTY LABS_LAB_${used}_WHY)
        set(why "uses ${used}, which is unavailable: ${used_why}")
        break()
      endif()
    endforeach()
  endif()

  set(status_file "${CMAKE_BINARY_DIR}/labs/${id}.status")
  if(why STREQUAL "")
    file(WRITE "${status_file}" "available\n\n")
    set(ok TRUE)
  else()
    file(WRITE "${status_file}" "unavailable\n${why}\n")
    message(STATUS "Lab ${id}: unavailable (${why})")
    set(ok FALSE)
  endif()
  set_property(GLOBAL PROPERTY LABS_LAB_${id}_AVAILABLE ${ok})
  set_property(GLOBAL PROPERTY LABS_LAB_${id}_WHY "${why}")
  set(${out_var} ${ok} PARENT_SCOPE)
endfunction()

# labs_check_lab_uses(): after every lab is added. A lab that links another
# lab's library (<other>_reference or <other>_student) must say so in its
# lab.toml (uses = ["<other>"]): otherwise it builds only while the folder
# order happens to put the other lab first, and when the other lab is
# unavailable it would fail to link instead of being listed unavailable.
function(labs_check_lab_uses)
  get_property(ids GLOBAL PROPERTY LABS_LABS)
  foreach(id IN LISTS ids)
    get_property(added GLOBAL PROPERTY LABS_LAB_${id}_ADDED)
    if(NOT added)
      continue()
    endif()
    get_property(dir GLOBAL PROPERTY LABS_LAB_${id}_DIR)
    get_property(uses GLOBAL PROPERTY LABS_LAB_${id}_USES)
    get_property(toml GLOBAL PROPERTY LABS_LAB_${id}_TOML)
    set(dirs "${dir}")
    set(targets "")
    while(dirs)
      list(POP_FRONT dirs d)
      get_property(t DIRECTORY "${d}" PROPERTY BUILDSYSTEM_TARGETS)
      get_property(sub DIRECTORY "${d}" PROPERTY SUBDIRECTORIES)
      list(APPEND targets ${t})
      list(APPEND dirs ${sub})
    endwhile()
    foreach(target IN LISTS targets)
      foreach(property LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
        get_target_property(libs ${target} ${property})
        if(NOT libs)
          continue()
        endif()
        foreach(lib IN LISTS libs)
          string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" lib "${lib}")
          if(NOT lib MATCHES "^(.+)_(reference|student)$")
            continue()
          endif()
          set(other "${CMAKE_MATCH_1}")
          if(other STREQUAL id OR NOT other IN_LIST ids OR other IN_LIST uses)
            continue()
          endif()
          message(FATAL_ERROR "${toml}: the lab's target ${target} links ${lib}, but the lab does not "
            "declare that it uses ${other}.\n"
            "  fix: add uses = [\"${other}\"] to ${toml} (docs/authoring.md, lab.toml).")
        endforeach()
      endforeach()
    endforeach()
  endforeach()
endfunction()
