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
  target_compile_options(fastjson_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(fastjson_options INTERFACE -fsanitize=address,undefined)
endif()
