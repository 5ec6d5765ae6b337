#include "log/printable.hpp"

#include <cstdint>
#include <cstdio>

namespace remaphore::log {
namespace {}  // namespace

std::size_t utf8_sequence_length(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) > 0x9F)) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) > 0x8F)) return 0;
    return 4;
  }
  return 0;
}

namespace {

std::uint32_t code_point(std::string_view seq) {
  const auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(seq[i])); };
  switch (seq.size()) {
    case 1: return b(0);
    case 2: return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3: return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default: return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

bool is_shown_escaped(std::uint32_t cp, std::string_view keep) {
  if (cp < 0x80 && keep.find(static_cast<char>(cp)) != std::string_view::npos) return false;
  if (cp < 0x20 || cp == 0x7F) return true;
  if (cp >= 0x80 && cp <= 0x9F) return true;      // C1 controls (CSI is U+009B)
  if (cp >= 0x202A && cp <= 0x202E) return true;  // embeddings and overrides
  return cp >= 0x2066 && cp <= 0x2069;            // isolates
}

// Calls `piece(text, escaped)` for each run of kept text and each escape, in order.
template <typename F>
void scan(std::string_view text, std::string_view keep, F piece) {
  char buf[16];
  std::size_t kept_from = 0, i = 0;
  while (i < text.size()) {
    const auto n = utf8_sequence_length(text.substr(i));
    const bool bad = n == 0;
    const bool escape = bad || is_shown_escaped(code_point(text.substr(i, n)), keep);
    if (!escape) {
      i += n;
      continue;
    }
    piece(text.substr(kept_from, i - kept_from), false);
    if (bad)
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(text[i])));
    else
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(code_point(text.substr(i, n))));
    piece(std::string_view(buf), true);
    i += bad ? 1 : n;
    kept_from = i;
  }
  piece(text.substr(kept_from), false);
}

}  // namespace

std::string printable(std::string_view text, std::string_view keep) {
  std::string out;
  out.reserve(text.size());
  scan(text, keep, [&](std::string_view part, bool) { out += part; });
  return out;
}

bool needs_escaping(std::string_view text, std::string_view keep) {
  bool any = false;
  scan(text, keep, [&](std::string_view, bool escaped) { any = any || escaped; });
  return any;
}

}  // namespace remaphore::log
