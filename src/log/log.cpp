#include "log/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "log/printable.hpp"

namespace remaphore::log {
namespace {

level threshold_ = level::info;
format format_ = format::text;
bool journal_ = false;
status_line* status_line_ = nullptr;

constexpr const char* names[] = {"error", "warn", "info", "debug"};
constexpr int syslog_priority[] = {3, 4, 6, 7};

// systemd sets JOURNAL_STREAM to "DEV:INODE" of the stream it connected to stderr;
// stderr redirected elsewhere by the unit's command keeps the variable but not the
// identity, so both are compared.
bool stderr_is_journal() {
  const char* js = std::getenv("JOURNAL_STREAM");
  if (!js) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (::fstat(2, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

// A record stays one line, whatever a peer put in a verb or a payload, and shows
// the controls in it instead of passing them to the terminal (log/printable.hpp).
void append_one_line(std::string& out, std::string_view text) {
  std::string line(text);
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  out += printable(line, "\t");
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

// Valid UTF-8 is kept; a byte that is not is U+FFFD, as -r --json writes it: the line
// stays valid JSON whatever encoding a peer's payload used, and reads the same.
void append_json_text(std::string& out, std::string_view s) {
  std::string valid;
  valid.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto n = utf8_sequence_length(s.substr(i));
    if (n == 0) {
      valid += "\xEF\xBF\xBD";
      ++i;
    } else {
      valid += s.substr(i, n);
      i += n;
    }
  }
  append_json_string(out, valid);
}

std::string rfc3339_utc(std::int64_t unix_ns) {
  std::time_t secs = static_cast<std::time_t>(unix_ns / 1'000'000'000);
  long micros = static_cast<long>((unix_ns % 1'000'000'000) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int the compiler assumes, not just real dates
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
  return buf;
}

void append_text_value(std::string& out, const field& f) {
  if (auto* n = std::get_if<std::int64_t>(&f.value)) {
    out += std::to_string(*n);
    return;
  }
  auto s = std::get<std::string_view>(f.value);
  bool quote = s.empty() || s.find_first_of(" \"=") != std::string_view::npos;
  if (!quote) return append_one_line(out, s);
  std::string quoted;
  for (char c : s) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  out += '"';
  append_one_line(out, quoted);
  out += '"';
}

}  // namespace

std::optional<level> parse_level(std::string_view name) {
  for (int i = 0; i < 4; ++i)
    if (name == names[i]) return static_cast<level>(i);
  return std::nullopt;
}

std::optional<format> parse_format(std::string_view name) {
  if (name == "text") return format::text;
  if (name == "json") return format::json;
  return std::nullopt;
}

void configure(level threshold, format f) {
  threshold_ = threshold;
  format_ = f;
  journal_ = stderr_is_journal();
}

bool enabled(level l) { return l <= threshold_; }

std::string format_record(format f, level l, std::string_view text, std::span<const field> fields,
                          std::int64_t unix_ns) {
  std::string line;
  if (f == format::json) {
    line = "{\"time\":\"" + rfc3339_utc(unix_ns) + "\",\"level\":\"" + names[static_cast<int>(l)] + "\",\"msg\":";
    append_json_text(line, text);
    for (const auto& fl : fields) {
      line += ',';
      append_json_string(line, fl.key);
      line += ':';
      if (auto* n = std::get_if<std::int64_t>(&fl.value))
        line += std::to_string(*n);
      else
        append_json_text(line, std::get<std::string_view>(fl.value));
    }
    line += '}';
  } else {
    line = "remaphore: ";
    line += names[static_cast<int>(l)];
    line += ": ";
    append_one_line(line, text);
    for (const auto& fl : fields) {
      line += ' ';
      line += fl.key;
      line += '=';
      append_text_value(line, fl);
    }
  }
  line += '\n';
  return line;
}

void write(level l, std::string_view text, std::initializer_list<field> fields) {
  write(l, text, std::span<const field>(fields.begin(), fields.size()));
}

void write(level l, std::string_view text, std::span<const field> fields) {
  if (!enabled(l)) return;
  auto now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string line = format_record(format_, l, text, fields, now);
  if (journal_) line.insert(0, "<" + std::to_string(syslog_priority[static_cast<int>(l)]) + ">");
  // One write per record, so records from concurrent processes do not interleave.
  if (status_line_) status_line_->hide();
  ssize_t rc = ::write(2, line.data(), line.size());
  (void)rc;
}

void set_status_line(status_line* line) { status_line_ = line; }

}  // namespace remaphore::log
