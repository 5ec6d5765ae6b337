#include "nats/proto/refusal.hpp"

#include <algorithm>
#include <cctype>

#include "nats/proto/handshake.hpp"

namespace remaphore::nats {
namespace {

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         });
}

// The first Go-quoted string (%q) of `text`, unescaped: `"a\"b"` is `a"b`.
std::string first_quoted(std::string_view text) {
  auto open = text.find('"');
  if (open == std::string_view::npos) return {};
  std::string out;
  for (std::size_t i = open + 1; i < text.size(); ++i) {
    if (text[i] == '"') return out;
    if (text[i] == '\\' && i + 1 < text.size()) ++i;
    out += text[i];
  }
  return {};  // unterminated: name nothing rather than a guess
}

}  // namespace

std::optional<refusal> parse_refusal(std::string_view err_text) {
  if (!is_soft_error(err_text)) return std::nullopt;
  static constexpr struct {
    std::string_view prefix;
    refusal::refused what;
  } kinds[] = {
      {"permissions violation for publish with reply of ", refusal::refused::reply_subject},
      {"permissions violation for publish to ", refusal::refused::publish},
      {"permissions violation for subscription to ", refusal::refused::subscription},
  };
  refusal r;
  r.permission = starts_with_nocase(err_text, "permissions violation");
  for (const auto& k : kinds) {
    if (!starts_with_nocase(err_text, k.prefix)) continue;
    r.what = k.what;
    r.subject = first_quoted(err_text.substr(k.prefix.size()));
    break;
  }
  return r;
}

}  // namespace remaphore::nats
