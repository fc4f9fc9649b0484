# Link with gold where the compiler can use it: GNU ld (bfd) takes about twice
# as long on the labs' C++ binaries (0.47 s against 0.21 s for labctl_tests
# on a Zen 5 VM), and a fresh build and the grading test link about 200 of
# them, which linking spends outside ccache's reach. gold ships with binutils
# on Debian (x86 and Arm alike); where it is missing, the default stays.
# LABS_LINKER=default keeps the system linker.
set(LABS_LINKER "gold" CACHE STRING "Linker for the labs' C++ binaries: gold or default")
if(LABS_LINKER STREQUAL "gold" AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  include(CheckLinkerFlag)
  check_linker_flag(CXX "-fuse-ld=gold" LABS_HAVE_GOLD)
  if(LABS_HAVE_GOLD)
    add_link_options("$<$<LINK_LANGUAGE:CXX>:-fuse-ld=gold>")
    labs_feature(gold-linker ON "-fuse-ld=gold (about twice as fast as ld.bfd here)")
  else()
    labs_feature(gold-linker OFF "the compiler cannot use gold; linking with the default linker")
  endif()
endif()

# Archive with gcc-ar and gcc-ranlib where the compiler is GCC. Plain ar,
# ranlib and nm load every plugin in /usr/lib/bfd-plugins, and where LLVM is
# installed (clang-14 for the tsan preset brings LLVMgold-14.so) that means
# the 110 MB libLLVM-14.so.1 and its libraries on every call: 77 ms for an
# `ar qc` of one small object on the Zen 5 VM (family 26, model 2), 14 ms
# through gcc-ar, which names GCC's own LTO plugin and so loads no other. A
# fresh build makes 68 archives, and each grader tree as many again.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_AR AND CMAKE_CXX_COMPILER_RANLIB)
  set(CMAKE_AR "${CMAKE_CXX_COMPILER_AR}")
  set(CMAKE_RANLIB "${CMAKE_CXX_COMPILER_RANLIB}")
  labs_feature(gcc-ar ON "${CMAKE_AR}: no bfd plugin but GCC's is loaded")
endif()
