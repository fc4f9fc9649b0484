# Use ccache when it is installed: CI rebuilds the same sources often.
#
# base_dir is this source tree, so ccache hashes paths relative to it. Two
# checkouts with the same layout then share cache entries: the grader's
# pristine tree (labctl grade builds <work>/tree in <work>/tree/build/grade,
# two levels down like build/<preset>) reuses what the main build compiled,
# which keeps a fresh clone's build + selftest inside CI's time.
#
# Not depend mode (CCACHE_DEPEND), though it saves the preprocessor pass
# of every miss: it runs the compiler on the unrewritten command line,
# so __FILE__ in a starter's TODO message reads /path/to/tree/phases/...
# instead of ../../phases/..., and the grader's pristine tree, hitting that
# entry, would show the main tree's path. Tried twice (bf1d659, 77f274e).
# A third try (2026-12-04) added -fmacro-prefix-map=<source>/=../../, which
# fixes __FILE__ (ccache leaves the map out of its hash), and then measured
# the gain: 32 translation units (labkit's tests, sgemm's reference tests)
# compiled one at a time on an empty cache took 88 and 81 CPU seconds in
# preprocessed mode, 85 and 83 in depend mode, and 92 without ccache. The
# preprocessor pass is not where a fresh build's time goes (Zen 5 VM,
# family 26 model 2); dropped again.
#
# The variable reaches ccache through env(1) where there is one: `cmake -E
# env` costs 35 ms more per compile (a fresh selftest launches about 800).
find_program(LABS_CCACHE ccache)
find_program(LABS_ENV_PROGRAM env)
mark_as_advanced(LABS_CCACHE LABS_ENV_PROGRAM)
if(LABS_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  if(LABS_ENV_PROGRAM)
    set(_labs_env "${LABS_ENV_PROGRAM}")
  else()
    set(_labs_env "${CMAKE_COMMAND}" -E env)
  endif()
  set(_labs_ccache ${_labs_env} "CCACHE_BASEDIR=${CMAKE_SOURCE_DIR}" "${LABS_CCACHE}")
  set(CMAKE_C_COMPILER_LAUNCHER ${_labs_ccache})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${_labs_ccache})
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${_labs_ccache})
  labs_feature(ccache ON "${LABS_CCACHE}, base_dir = the source tree")
else()
  labs_feature(ccache OFF "not found (apt-get install ccache speeds up rebuilds)")
endif()
