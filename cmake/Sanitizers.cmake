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
else()
  labs_feature(sanitizers OFF "use the asan preset for ASan + UBSan")
endif()
