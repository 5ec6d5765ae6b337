#include "core/request/progress_line.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>

namespace remaphore::core {
namespace {

constexpr std::string_view erase_line = "\r\033[K";  // to column 0, erase to the end

void write_stderr(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(2, text.data(), text.size());
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// A line longer than the terminal wraps, and "\r" would then erase only its last row.
std::size_t terminal_columns() {
  winsize ws{};
  if (::ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1) return ws.ws_col;
  return 80;
}

}  // namespace

bool draw_throttle::due(time_point now) {
  if (last_ && now - *last_ < interval_) return false;
  last_ = now;
  return true;
}

bool stderr_is_terminal() {
  const char* term = std::getenv("TERM");
  return ::isatty(2) == 1 && !(term && std::string_view(term) == "dumb");
}

progress_line::progress_line(bool enabled) : enabled_(enabled) {
  if (enabled_) log::set_status_line(this);
}

progress_line::~progress_line() { finish(); }

void progress_line::update(const std::string& text, draw_throttle::time_point now) {
  if (!enabled_ || finished_ || !throttle_.due(now)) return;
  std::string line(erase_line);
  line += std::string_view(text).substr(0, terminal_columns() - 1);
  write_stderr(line);
  shown_ = true;
}

void progress_line::hide() {
  if (!shown_) return;
  write_stderr(erase_line);
  shown_ = false;
}

void progress_line::finish() {
  if (finished_) return;
  finished_ = true;
  hide();
  if (enabled_) log::set_status_line(nullptr);
}

}  // namespace remaphore::core
