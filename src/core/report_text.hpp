// Wording that every feature's reports and logs share.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace remaphore::core {

// One JSON value on a line, as the --json outputs print them. Texts from other hosts
// may hold bytes that are not UTF-8: those become U+FFFD instead of making dump() throw.
inline std::string json_line(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// At most `max` bytes of a text another host chose (a key, a destination), with its
// length when cut: a flood of long made-up values cannot fill a log.
inline std::string clipped(std::string_view text, std::size_t max = 64) {
  std::string out(text.substr(0, max));
  if (text.size() > max) out.append("...(").append(std::to_string(text.size())).append(" bytes)");
  return out;
}

// "1 replica", "3 replicas".
inline std::string replicas_text(int n) { return std::to_string(n) + (n == 1 ? " replica" : " replicas"); }

}  // namespace remaphore::core
