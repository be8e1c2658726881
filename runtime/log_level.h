// The level of fastjson's spdlog loggers ("fastjson.jit", "fastjson.shapes"), from FASTJSON_LOG.
#pragma once
#include <spdlog/common.h>

#include <cstdlib>

namespace fastjson {

// Unset: warnings and errors only, so that a JIT failure (the generic path then runs, with the
// same bytes) is never silent. Otherwise the named level (trace, debug, info, warning, error,
// critical, off); an unknown name (the empty string included) is off.
inline spdlog::level::level_enum log_level_from_env() noexcept {
  const char* level = std::getenv("FASTJSON_LOG");
  return level == nullptr ? spdlog::level::warn : spdlog::level::from_str(level);
}

}  // namespace fastjson
