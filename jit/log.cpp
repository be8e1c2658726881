// The JIT's spdlog logger, configured once from FASTJSON_LOG.
#include "jit/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "runtime/log_level.h"

namespace fastjson::jit {

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    std::shared_ptr<spdlog::logger> log = spdlog::get("fastjson.jit");
    if (!log) log = spdlog::stderr_color_mt("fastjson.jit");
    log->set_level(log_level_from_env());
    log->set_pattern("[%n] [%l] %v");
    return log;
  }();
  return *instance;
}

}  // namespace fastjson::jit
