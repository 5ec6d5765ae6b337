#include "core/lock/listing.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

namespace remaphore::core::lock {
namespace {

std::vector<std::string_view> tokens_of(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    auto dot = s.find('.');
    out.push_back(s.substr(0, dot));
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  return out;
}

template <class T>
bool number_of(std::string_view text, T& out, int base = 10) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

bool counted(const ticket& t, const skip_fn& skip) { return !skip || !skip(t.id); }

}  // namespace

listing parse_listing(std::string_view root, std::string_view lock, const std::vector<std::string>& subjects) {
  listing l;
  const std::string prefix = std::string(root) + ".lock." + std::string(lock) + ".";
  for (const auto& subject : subjects) {
    if (!std::string_view(subject).starts_with(prefix)) continue;
    auto t = tokens_of(std::string_view(subject).substr(prefix.size()));
    unsigned slot = 0;
    if (t.size() == 2 && t[0] == "slot" && number_of(t[1], slot)) {
      l.held.push_back(slot);
    } else if (t.size() == 4 && t[0] == "wait") {
      ticket w;
      if (!number_of(t[1], w.slots) || !number_of(t[2], w.joined_ns, 16)) continue;
      w.id = t[3];
      w.subject = subject;
      l.waiting.push_back(std::move(w));
    }
  }
  std::sort(l.held.begin(), l.held.end());
  std::sort(l.waiting.begin(), l.waiting.end(), [](const ticket& a, const ticket& b) {
    return a.joined_ns != b.joined_ns ? a.joined_ns < b.joined_ns : a.id < b.id;
  });
  return l;
}

std::vector<unsigned> free_slots(const listing& l, unsigned slots) {
  std::vector<unsigned> out;
  for (unsigned i = 0; i < slots; ++i)
    if (!std::binary_search(l.held.begin(), l.held.end(), i)) out.push_back(i);
  return out;
}

std::optional<std::size_t> rank_of(const listing& l, std::string_view id, const skip_fn& skip) {
  std::size_t ahead = 0;
  for (const auto& t : l.waiting) {
    if (t.id == id) return ahead;
    if (counted(t, skip)) ++ahead;
  }
  return std::nullopt;
}

std::vector<std::string> first_waiters(const listing& l, std::size_t k, const skip_fn& skip) {
  std::vector<std::string> out;
  for (const auto& t : l.waiting) {
    if (out.size() == k) break;
    if (counted(t, skip)) out.push_back(t.id);
  }
  return out;
}

std::optional<mismatch> find_mismatch(const listing& l, unsigned slots) {
  for (const auto& t : l.waiting)
    if (t.slots != slots) return mismatch{t.slots, 0};
  for (unsigned held : l.held)
    if (held >= slots) return mismatch{0, held};
  return std::nullopt;
}

std::string encode_note(const note& n) {
  return nlohmann::json{{"free", n.free}, {"next", n.next}, {"waiting", n.waiting}}.dump();
}

std::optional<note> decode_note(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  note n;
  try {
    n.free = j.value("free", std::vector<unsigned>{});
    n.next = j.value("next", std::vector<std::string>{});
    n.waiting = j.value("waiting", std::size_t{0});
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return n;
}

}  // namespace remaphore::core::lock
