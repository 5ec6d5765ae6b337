// The clock rules every message is checked by: its send time must be within
// allow_skew of ours, and its hash must be remembered as long as that can hold.
#pragma once
#include <chrono>
#include <cstdint>

namespace remaphore::protocol {

// True when |now - send_time| <= allow_skew, without overflow for any input.
bool within_skew(std::int64_t send_time_ns, std::int64_t now_ns, std::chrono::nanoseconds allow_skew);

// A retained signal (read back from the stream) may be older than allow_skew: true
// when it was sent in the past, at most `retained_for` plus allow_skew ago.
bool retained_within(std::int64_t send_time_ns, std::int64_t now_ns, std::chrono::nanoseconds retained_for,
                     std::chrono::nanoseconds allow_skew);

// How long a message's hash must be remembered: twice allow_skew, saturating.
std::chrono::nanoseconds replay_window(std::chrono::nanoseconds allow_skew);

}  // namespace remaphore::protocol
