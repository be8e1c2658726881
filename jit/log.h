// The JIT's logger: "fastjson.jit" on stderr, at the level FASTJSON_LOG names (trace, debug, info,
// warning, error, critical, off); warnings and errors when it is unset (runtime/log_level.h).
// Compile failures are logged at warning.
#pragma once
#include <spdlog/logger.h>

namespace fastjson::jit {

spdlog::logger& logger();

}  // namespace fastjson::jit
