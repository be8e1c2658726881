// The JIT's spdlog logger, configured once from FASTJSON_LOG.
#include "jit/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace fastjson::jit {

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    std::shared_ptr<spdlog::logger> log = spdlog::get("fastjson.jit");
    if (!log) log = spdlog::stderr_color_mt("fastjson.jit");
    const char* level = std::getenv("FASTJSON_LOG");
    log->set_level(level ? spdlog::level::from_str(level) : spdlog::level::off);
    log->set_pattern("[%n] [%l] %v");
    return log;
  }();
  return *instance;
}

}  // namespace fastjson::jit
