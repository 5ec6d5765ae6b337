// The bytes of a text, for the APIs that take bytes.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace remaphore::test {

inline std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

}  // namespace remaphore::test
