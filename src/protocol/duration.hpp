// Go duration syntax: "1h2m3s4ms", "300ms", "1.5h", "-2s", "0", units ns us µs ms s m h.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace remaphore::protocol {

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

// Formats as Go's time.Duration.String() does ("1h0m0s", "300ms", "1.5s", "0s").
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace remaphore::protocol
