#include "protocol/config_words.hpp"

#include <algorithm>
#include <charconv>

namespace remaphore::protocol::config_words {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view next_token(std::string_view& rest) {
  rest = trim(rest);
  std::size_t i = 0;
  while (i < rest.size() && !is_space(rest[i])) ++i;
  const auto token = rest.substr(0, i);
  rest = trim(rest.substr(i));
  return token;
}

bool is_key_name(std::string_view s) {
  if (s.empty() || (s.front() >= '0' && s.front() <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::optional<bool> parse_flag(std::string_view value) {
  const auto v = to_lower(value);
  if (v == "yes" || v == "true" || v == "1") return true;
  if (v == "no" || v == "false" || v == "0") return false;
  return std::nullopt;
}

std::optional<std::size_t> parse_number_in(std::string_view value, std::size_t lo, std::size_t hi) {
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc{} || end != value.data() + value.size() || n < lo || n > hi) return std::nullopt;
  return n;
}

std::optional<std::string> parse_verb_list(std::string_view text, std::vector<std::string>& verbs) {
  if (text.empty()) return "permission list [..] missing";
  if (text.front() != '[' || text.back() != ']') return "permission list must be written as [verb, verb]";
  std::string_view inner = trim(text.substr(1, text.size() - 2));
  verbs.clear();
  while (!inner.empty()) {
    const auto comma = inner.find(',');
    const auto verb = trim(inner.substr(0, comma));
    if (verb.empty()) return "empty verb in the permission list " + std::string(text);
    verbs.push_back(to_lower(verb));
    if (comma == std::string_view::npos) break;
    inner.remove_prefix(comma + 1);
    if (trim(inner).empty()) return "empty verb in the permission list " + std::string(text);
  }
  return std::nullopt;
}

}  // namespace remaphore::protocol::config_words
