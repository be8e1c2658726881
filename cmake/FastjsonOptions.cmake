# Compiler flags shared by every fastjson target, as an interface library to link against.
add_library(fastjson_options INTERFACE)
add_library(fastjson::options ALIAS fastjson_options)
target_compile_options(fastjson_options INTERFACE
  -Wall -Wextra -Wno-missing-field-initializers
  # AVX2 is not assumed: the escape kernel picks SSE2 (always on x86-64) at compile time.
  -fno-strict-aliasing   # CPython's object layout relies on it
  # Runtime functions are called directly, not through the PLT (no interposition is wanted):
  # measured 3-5% on records10k and twitter dumps.
  -fvisibility=hidden -fno-semantic-interposition
)
target_include_directories(fastjson_options INTERFACE "${PROJECT_SOURCE_DIR}")
if(FASTJSON_SANITIZE)
  # A UB report must fail the test that triggered it, not scroll past: no recovery.
  target_compile_options(fastjson_options INTERFACE -fsanitize=address,undefined
    -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(fastjson_options INTERFACE -fsanitize=address,undefined)
endif()
if(FASTJSON_FUZZ)
  # libFuzzer needs clang; every fastjson object gets coverage instrumentation, the fuzz targets
  # (fuzz/CMakeLists.txt) link libFuzzer's main.
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "FASTJSON_FUZZ needs clang (e.g. -DCMAKE_CXX_COMPILER=clang++-19)")
  endif()
  target_compile_options(fastjson_options INTERFACE -fsanitize=fuzzer-no-link)
endif()
