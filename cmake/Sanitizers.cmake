# LABS_SANITIZE=address,undefined (the asan preset) instruments every target.
set(LABS_SANITIZE "" CACHE STRING "Comma-separated -fsanitize= list, e.g. address,undefined")
if(LABS_SANITIZE)
  add_compile_options(-fsanitize=${LABS_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=${LABS_SANITIZE})
  labs_feature(sanitizers ON "-fsanitize=${LABS_SANITIZE}")
else()
  labs_feature(sanitizers OFF "use the asan preset for ASan + UBSan")
endif()
