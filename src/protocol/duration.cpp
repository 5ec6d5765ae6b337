// Go's time.ParseDuration and Duration.String(), reproduced step for step so that a
// config file means the same duration to both tools and prints the same way.
#include "protocol/duration.hpp"

#include <cstdint>

namespace remaphore::protocol {
namespace {

constexpr std::uint64_t limit = std::uint64_t{1} << 63;  // |INT64_MIN|

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Go's leadingInt: false on overflow past 2^63.
bool leading_int(std::string_view& s, std::uint64_t& x) {
  x = 0;
  std::size_t i = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    if (x > limit / 10) return false;
    x = x * 10 + static_cast<std::uint64_t>(s[i] - '0');
    if (x > limit) return false;
  }
  s.remove_prefix(i);
  return true;
}

// Go's leadingFraction: digits past what fits are consumed but ignored.
void leading_fraction(std::string_view& s, std::uint64_t& x, double& scale) {
  x = 0;
  scale = 1;
  bool overflow = false;
  std::size_t i = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    if (overflow) continue;
    if (x > (limit - 1) / 10) {
      overflow = true;
      continue;
    }
    const std::uint64_t y = x * 10 + static_cast<std::uint64_t>(s[i] - '0');
    if (y > limit) {
      overflow = true;
      continue;
    }
    x = y;
    scale *= 10;
  }
  s.remove_prefix(i);
}

std::uint64_t unit_value(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m") return 60'000'000'000;
  if (unit == "h") return 3'600'000'000'000;
  return 0;
}

// Go's fmtFrac: writes the fraction of v / 10^prec without trailing zeros (and without
// the point when the fraction is zero) before position w; returns v / 10^prec.
std::uint64_t fmt_frac(char* buf, std::size_t& w, std::uint64_t v, int prec) {
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    const auto digit = v % 10;
    print = print || digit != 0;
    if (print) buf[--w] = static_cast<char>('0' + digit);
    v /= 10;
  }
  if (print) buf[--w] = '.';
  return v;
}

void fmt_int(char* buf, std::size_t& w, std::uint64_t v) {
  if (v == 0) {
    buf[--w] = '0';
    return;
  }
  while (v > 0) {
    buf[--w] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  // The only value allowed without a unit.
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return std::nullopt;

  std::uint64_t total = 0;
  while (!s.empty()) {
    if (!(s.front() == '.' || is_digit(s.front()))) return std::nullopt;

    const std::size_t before_int = s.size();
    std::uint64_t v = 0;
    if (!leading_int(s, v)) return std::nullopt;
    const bool pre = before_int != s.size();

    std::uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      const std::size_t before_frac = s.size();
      leading_fraction(s, f, scale);
      post = before_frac != s.size();
    }
    if (!pre && !post) return std::nullopt;  // "." or ".s"

    std::size_t i = 0;
    while (i < s.size() && s[i] != '.' && !is_digit(s[i])) ++i;
    if (i == 0) return std::nullopt;  // missing unit
    const std::uint64_t unit = unit_value(s.substr(0, i));
    s.remove_prefix(i);
    if (unit == 0) return std::nullopt;  // unknown unit

    if (v > limit / unit) return std::nullopt;
    v *= unit;
    if (f > 0) {
      // Go computes the fraction in float64; doing the same keeps results identical.
      v += static_cast<std::uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > limit) return std::nullopt;
    }
    total += v;
    if (total > limit) return std::nullopt;
  }
  if (negative) {
    // total <= 2^63 here; unsigned negation then the cast gives INT64_MIN for 2^63.
    return std::chrono::nanoseconds(static_cast<std::int64_t>(0 - total));
  }
  if (total > limit - 1) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<std::int64_t>(total));
}

std::string format_duration(std::chrono::nanoseconds d) {
  char buf[32];
  std::size_t w = sizeof buf;
  const std::int64_t count = d.count();
  const bool negative = count < 0;
  std::uint64_t u = static_cast<std::uint64_t>(count);
  if (negative) u = 0 - u;

  if (u < 1'000'000'000) {
    // Below one second Go switches to the largest unit that keeps an integer part.
    int prec = 0;
    buf[--w] = 's';
    if (u == 0) return "0s";
    if (u < 1'000) {
      prec = 0;
      buf[--w] = 'n';
    } else if (u < 1'000'000) {
      prec = 3;
      buf[--w] = '\xb5';  // U+00B5 MICRO SIGN, as Go writes it
      buf[--w] = '\xc2';
    } else {
      prec = 6;
      buf[--w] = 'm';
    }
    u = fmt_frac(buf, w, u, prec);
    fmt_int(buf, w, u);
  } else {
    buf[--w] = 's';
    u = fmt_frac(buf, w, u, 9);
    fmt_int(buf, w, u % 60);  // seconds
    u /= 60;
    if (u > 0) {
      buf[--w] = 'm';
      fmt_int(buf, w, u % 60);  // minutes
      u /= 60;
      if (u > 0) {
        buf[--w] = 'h';
        fmt_int(buf, w, u);  // hours
      }
    }
  }
  if (negative) buf[--w] = '-';
  return std::string(buf + w, sizeof buf - w);
}

}  // namespace remaphore::protocol
