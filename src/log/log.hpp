// Logs: one record per event on stderr, below every layer that has something to say
// (core's receiver and requester, the app). nats reports typed connection events
// instead, and the app turns them into records here.
//
// A record is a level, a sentence and optional fields. The text format prints
// "remaphore: LEVEL: sentence key=value ..."; the JSON format prints one object per
// line ({"time", "level", "msg", fields...}) for journald and log shippers. Under
// systemd (stderr is the journal) each line starts with its syslog priority "<N>".
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace remaphore::log {

enum class level { error = 0, warn, info, debug };
enum class format { text, json };

std::optional<level> parse_level(std::string_view name);
std::optional<format> parse_format(std::string_view name);

// Set once at start by the app; the defaults are info and text.
void configure(level threshold, format f);
bool enabled(level l);

struct field {
  std::string_view key;
  std::variant<std::string_view, std::int64_t> value;
};

void write(level l, std::string_view text, std::initializer_list<field> fields = {});
void write(level l, std::string_view text, std::span<const field> fields);

inline void error(std::string_view t) { write(level::error, t); }
inline void warn(std::string_view t) { write(level::warn, t); }
inline void info(std::string_view t) { write(level::info, t); }
inline void debug(std::string_view t) { write(level::debug, t); }

// A line kept at the bottom of a terminal (a request's live progress): write() takes
// it off before a record, so that a record never lands in the middle of it; the line
// draws itself again at its next update. One at a time; nullptr when there is none.
class status_line {
 public:
  virtual void hide() = 0;

 protected:
  ~status_line() = default;
};
void set_status_line(status_line* line);

// The line write() would print, without the journald priority prefix (for tests).
std::string format_record(format f, level l, std::string_view text, std::span<const field> fields,
                          std::int64_t unix_ns);

}  // namespace remaphore::log
