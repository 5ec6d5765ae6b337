// Logs: one line per event on stderr, "remaphore: LEVEL: text".
#pragma once
#include <string_view>

namespace remaphore::app {

enum class level { error = 0, warn, info, debug };

void set_log_level(std::string_view name);
bool log_enabled(level l);
void log(level l, std::string_view text);

inline void log_error(std::string_view t) { log(level::error, t); }
inline void log_warn(std::string_view t) { log(level::warn, t); }
inline void log_info(std::string_view t) { log(level::info, t); }
inline void log_debug(std::string_view t) { log(level::debug, t); }

}  // namespace remaphore::app
