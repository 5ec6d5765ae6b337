// The live progress of a request on a terminal: one line on stderr, redrawn in place
// ("\r", erase to the end of the line), taken off whenever something else is written
// (a reply on stdout, a log record) and drawn again at its next update, and cleared
// for good at the end, so that what stays on the screen is the replies and the log,
// as without a terminal. When stderr is not a terminal nothing is drawn at all: logs
// and pipes get no control characters.
#pragma once
#include <chrono>
#include <optional>
#include <string>

#include "log/log.hpp"

namespace remaphore::core {

// At most one draw per interval (a terminal does not need more, and a burst of 1,000
// replies must not become 1,000 redraws).
class draw_throttle {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  explicit draw_throttle(std::chrono::nanoseconds interval) : interval_(interval) {}
  // True (and remembered as the last draw) when a draw at `now` is allowed.
  bool due(time_point now);

 private:
  std::chrono::nanoseconds interval_;
  std::optional<time_point> last_;
};

inline constexpr std::chrono::milliseconds progress_interval{100};

// True when stderr is a terminal that understands "erase to the end of the line"
// (not TERM=dumb).
bool stderr_is_terminal();

class progress_line final : public log::status_line {
 public:
  // Draws nothing when `enabled` is false. While it exists, log records go around it.
  explicit progress_line(bool enabled);
  ~progress_line();
  progress_line(const progress_line&) = delete;
  progress_line& operator=(const progress_line&) = delete;

  bool enabled() const { return enabled_; }
  // Shows `text` now, or not at all if the last draw was too recent (the caller
  // updates again within the interval, with newer text).
  void update(const std::string& text, draw_throttle::time_point now);
  // Takes the line off until the next update (before other output).
  void hide() override;
  // Takes the line off for good (the end of the run).
  void finish();

 private:
  bool enabled_;
  bool shown_ = false;
  bool finished_ = false;
  draw_throttle throttle_{progress_interval};
};

}  // namespace remaphore::core
