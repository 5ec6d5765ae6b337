#include "core/discover/discovery_report.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/report_text.hpp"
#include "protocol/duration.hpp"

namespace remaphore::core {
namespace {

using json = nlohmann::json;

std::string list_or(const std::vector<std::string>& words, std::string_view none) {
  if (words.empty()) return std::string(none);
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ",") + w;
  return out;
}

// Whole seconds: the precision of an uptime or an age as people read them.
std::string seconds_text(std::int64_t ms) {
  return protocol::format_duration(std::chrono::seconds(std::max<std::int64_t>(ms, 0) / 1000));
}

std::string last_accepted_text(const protocol::listener_status& s, std::int64_t now_ns) {
  if (!s.last_accepted_ns) return "never";
  return seconds_text((now_ns - *s.last_accepted_ns) / 1'000'000);
}

std::string word(std::string_view key, std::string_view value) {
  return " " + std::string(key) + "=" + printable_word(value);
}

std::string format_seconds(std::chrono::nanoseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", std::chrono::duration<double>(d).count());
  return buf;
}

}  // namespace

std::string printable_word(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    if (c > 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string format_host_text(const host_answer& a, const std::optional<refusal>& refused, std::string_view verb,
                             std::int64_t now_ns) {
  const auto& s = a.status;
  std::string line = printable_word(a.peer->destination);
  line += word("key", a.key_b58);
  line += word("version", s.version);
  line += word("up", seconds_text(s.uptime_ms));
  line += word("subject", s.subject);
  line += word("dest", std::string(protocol::to_string(s.filter)) +
                           (s.filter == protocol::destination_filter::any ? "" : ":" + s.destination));
  line += word("verbs", list_or(s.verbs_for_you, "none"));
  line += word("filter", list_or(s.verb_filter, "*"));
  if (s.sender_filter) line += word("only_sender", *s.sender_filter);
  if (s.uuid_filter) line += word("only_uuid", "yes");
  line += word("command", s.command ? "yes" : "no");
  line += word("queue", std::to_string(s.queue));
  line += word("last", last_accepted_text(s, now_ns));
  line += word("locks", list_or(s.locks, "-"));
  line += word("replay_record", s.replay_record);
  line += refused ? word("refuses", std::string(verb) + ":" + refused->code) : word("accepts", verb);
  return line + "\n";
}

std::string format_host_json(const host_answer& a, const std::optional<refusal>& refused, std::string_view verb) {
  json j;
  j["destination"] = a.peer->destination;
  j["key"] = a.key_b58;
  j["status"] = json::parse(protocol::encode_status(a.status));
  j["verb"] = verb;
  j["accepts"] = !refused;
  j["refusal"] = refused ? json{{"code", refused->code}, {"why", refused->why}} : json(nullptr);
  return json_line(j);
}

std::string format_discovery_summary_text(const discovery_tally& t, std::chrono::nanoseconds elapsed) {
  std::string out = std::to_string(t.expected()) + " expected, " + std::to_string(t.answered()) + " answered";
  const auto& refused = t.would_not_accept();
  if (!refused.empty()) {
    out += " (" + std::to_string(refused.size()) + " would not accept '" + t.verb() + "': ";
    for (std::size_t i = 0; i < refused.size(); ++i)
      out += (i ? "; " : "") + refused[i].first->destination + ": " + refused[i].second.why;
    out += ")";
  }
  const auto silent = t.no_answer();
  out += ", " + std::to_string(silent.size()) + " no answer";
  if (!silent.empty()) {
    std::string names;
    for (const auto* p : silent) names += (names.empty() ? "" : ", ") + p->destination;
    out += " (" + names + ")";
  }
  if (!t.strangers().empty()) out += ", " + std::to_string(t.strangers().size()) + " unknown keys";
  return out + ", " + format_seconds(elapsed);
}

std::string format_discovery_summary_json(const discovery_tally& t, std::chrono::nanoseconds elapsed) {
  json j;
  j["expected"] = t.expected();
  j["answered"] = t.answered();
  j["verb"] = t.verb();
  auto refused = json::array();
  for (const auto& [peer, r] : t.would_not_accept())
    refused.push_back({{"destination", peer->destination}, {"code", r.code}, {"why", r.why}});
  j["would_not_accept"] = std::move(refused);
  auto silent = json::array();
  for (const auto* p : t.no_answer()) silent.push_back(p->destination);
  j["no_answer"] = std::move(silent);
  auto strangers = json::array();
  for (const auto& a : t.strangers()) strangers.push_back({{"key", a.key_b58}, {"destination", a.status.destination}});
  j["unknown_keys"] = std::move(strangers);
  j["elapsed_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
  return json_line(json{{"summary", std::move(j)}});
}

}  // namespace remaphore::core
