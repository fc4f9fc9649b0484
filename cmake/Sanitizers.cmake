# LABS_SANITIZE=address,undefined (the asan preset) instruments every target.
set(LABS_SANITIZE "" CACHE STRING "Comma-separated -fsanitize= list, e.g. address,undefined")
if(LABS_SANITIZE)
  add_compile_options(-fsanitize=${LABS_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=${LABS_SANITIZE})
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # Instrumentation makes GCC report false -Wmaybe-uninitialized inside libstdc++ (std::regex).
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
  labs_feature(sanitizers ON "-fsanitize=${LABS_SANITIZE}")
  if(LABS_SANITIZE MATCHES "thread")
    # OpenMP under ThreadSanitizer: the runtime's barriers and task handoffs
    # happen in uninstrumented code, so TSan reports what a parallel loop
    # wrote as racing with what follows it. LLVM's libomp loads Archer (an
    # OMPT tool) when OMP_TOOL_LIBRARIES names it, and Archer tells TSan
    # about each barrier; GCC's libgomp has no such tool. Lab tests get the
    # variable (labs_sanitizer_test_environment).
    string(REGEX MATCH "^[0-9]+" labs_clang_major "${CMAKE_CXX_COMPILER_VERSION}")
    find_library(LABS_ARCHER_LIBRARY NAMES archer PATHS "/usr/lib/llvm-${labs_clang_major}/lib" NO_DEFAULT_PATH)
    mark_as_advanced(LABS_ARCHER_LIBRARY)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND LABS_ARCHER_LIBRARY)
      set(LABS_TEST_ENVIRONMENT "OMP_TOOL_LIBRARIES=${LABS_ARCHER_LIBRARY}")
      labs_feature(archer ON "${LABS_ARCHER_LIBRARY}: OpenMP's barriers are visible to ThreadSanitizer")
    else()
      labs_feature(archer OFF "OpenMP code will report false races: use the tsan preset (Clang, libomp-dev's Archer)")
    endif()
  endif()
else()
  labs_feature(sanitizers OFF "use the asan preset for ASan + UBSan")
endif()

# Test properties every lab test gets under a sanitizer (Archer for OpenMP).
function(labs_sanitizer_test_environment)
  if(LABS_TEST_ENVIRONMENT)
    set_tests_properties(${ARGN} PROPERTIES ENVIRONMENT "${LABS_TEST_ENVIRONMENT}")
  endif()
endfunction()
