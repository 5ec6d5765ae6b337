#include "protocol/skew.hpp"

namespace remaphore::protocol {

bool within_skew(std::int64_t send_time_ns, std::int64_t now_ns, std::chrono::nanoseconds allow_skew) {
  // Compute |now - send| in unsigned arithmetic: both may be anywhere in int64.
  std::uint64_t a = static_cast<std::uint64_t>(now_ns), b = static_cast<std::uint64_t>(send_time_ns);
  std::uint64_t diff = now_ns >= send_time_ns ? a - b : b - a;
  auto skew = allow_skew.count();
  return skew >= 0 && diff <= static_cast<std::uint64_t>(skew);
}

bool retained_within(std::int64_t send_time_ns, std::int64_t now_ns, std::chrono::nanoseconds retained_for,
                     std::chrono::nanoseconds allow_skew) {
  if (retained_for.count() <= 0 || send_time_ns >= now_ns || allow_skew.count() < 0) return false;
  std::uint64_t age = static_cast<std::uint64_t>(now_ns) - static_cast<std::uint64_t>(send_time_ns);
  return age <= static_cast<std::uint64_t>(retained_for.count()) + static_cast<std::uint64_t>(allow_skew.count());
}

// A hash must be remembered as long as its message can pass the skew check:
// send_time may be up to allow_skew ahead of or behind our clock. allow_skew can be
// as large as a Go duration goes; doubling that must saturate, not wrap to a
// negative window that forgets every hash at once.
std::chrono::nanoseconds replay_window(std::chrono::nanoseconds allow_skew) {
  constexpr auto max = std::chrono::nanoseconds::max();
  return allow_skew > max / 2 ? max : allow_skew * 2;
}

}  // namespace remaphore::protocol
