#include "app/log.hpp"

#include <unistd.h>

#include <string>

namespace remaphore::app {
namespace {
level current = level::info;
}

void set_log_level(std::string_view name) {
  if (name == "error") current = level::error;
  else if (name == "warn") current = level::warn;
  else if (name == "debug") current = level::debug;
  else current = level::info;
}

bool log_enabled(level l) { return l <= current; }

void log(level l, std::string_view text) {
  if (!log_enabled(l)) return;
  static const char* names[] = {"error", "warn", "info", "debug"};
  std::string line = "remaphore: ";
  line += names[static_cast<int>(l)];
  line += ": ";
  // One line per event: a newline inside the text would let a message forge log lines.
  for (char c : text) line += (c == '\n' || c == '\r') ? ' ' : c;
  line += '\n';
  // One write per line, so lines from concurrent processes do not interleave.
  ssize_t rc = ::write(2, line.data(), line.size());
  (void)rc;
}

}  // namespace remaphore::app
