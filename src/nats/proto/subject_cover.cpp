#include "nats/proto/subject_cover.hpp"

namespace remaphore::nats {
namespace {

std::string_view next_token(std::string_view& rest) {
  const auto dot = rest.find('.');
  const auto token = rest.substr(0, dot);
  rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  return token;
}

}  // namespace

bool subject_covers(std::string_view pattern, std::string_view filter) {
  while (!pattern.empty() && !filter.empty()) {
    const auto p = next_token(pattern), f = next_token(filter);
    if (p == ">") return true;                             // the rest, however long
    if (f == ">" || (f == "*" && p != "*")) return false;  // the filter names more than p takes
    if (p != "*" && p != f) return false;
  }
  return pattern.empty() && filter.empty();
}

}  // namespace remaphore::nats
