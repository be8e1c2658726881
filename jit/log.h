// The JIT's logger: "fastjson.jit" on stderr, off unless FASTJSON_LOG names a level (trace, debug,
// info, warning, error, critical). Compile failures are logged at warning.
#pragma once
#include <spdlog/logger.h>

namespace fastjson::jit {

spdlog::logger& logger();

}  // namespace fastjson::jit
