# Finds every third-party dependency from Debian's packages; scripts/deps.sh installs them.
find_package(Python3 3.11 REQUIRED COMPONENTS Interpreter Development.Module Development.Embed)
find_package(pybind11 2.10 CONFIG REQUIRED)
find_package(simdjson 3.0 CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
if(FASTJSON_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(FASTJSON_JIT)
  # Debian installs LLVM 19 beside other LLVM versions; point at it explicitly. LLVMConfigVersion
  # accepts only a matching major.minor, hence 19.1.
  find_package(LLVM 19.1 CONFIG REQUIRED HINTS /usr/lib/llvm-19/lib/cmake/llvm)
  message(STATUS "fastjson: LLVM ${LLVM_PACKAGE_VERSION} from ${LLVM_DIR}")
endif()
