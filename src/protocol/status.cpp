#include "protocol/status.hpp"

#include <nlohmann/json.hpp>

namespace remaphore::protocol {
namespace {

using json = nlohmann::json;

json optional_json(const auto& v) { return v ? json(*v) : json(nullptr); }

void read_string(const json& j, const char* key, std::string& out) {
  if (auto it = j.find(key); it != j.end() && it->is_string()) out = it->get<std::string>();
}

void read_strings(const json& j, const char* key, std::vector<std::string>& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return;
  for (const auto& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
}

template <class Int>
void read_number(const json& j, const char* key, Int& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return;
  if constexpr (std::is_unsigned_v<Int>) {
    if (it->is_number_unsigned()) out = it->get<Int>();
  } else {
    out = it->get<Int>();
  }
}

void read_bool(const json& j, const char* key, bool& out) {
  if (auto it = j.find(key); it != j.end() && it->is_boolean()) out = it->get<bool>();
}

destination_filter filter_from(const json& j) {
  std::string text;
  read_string(j, "destination_filter", text);
  if (text == "exact") return destination_filter::exact;
  if (text == "any") return destination_filter::any;
  return destination_filter::config;
}

}  // namespace

const char* to_string(destination_filter f) {
  switch (f) {
    case destination_filter::config: return "config";
    case destination_filter::exact: return "exact";
    case destination_filter::any: return "any";
  }
  return "config";
}

std::string encode_status(const listener_status& s) {
  json j;
  j["destination"] = s.destination;
  j["destination_filter"] = to_string(s.filter);
  j["version"] = s.version;
  j["uptime_ms"] = s.uptime_ms;
  j["subject"] = s.subject;
  j["verbs_for_you"] = s.verbs_for_you;
  j["verb_filter"] = s.verb_filter;
  j["sender_filter"] = optional_json(s.sender_filter);
  j["uuid_filter"] = s.uuid_filter;
  j["command"] = s.command;
  j["queue"] = s.queue;
  j["last_accepted_ns"] = optional_json(s.last_accepted_ns);
  j["locks"] = s.locks;
  j["replay_record"] = s.replay_record;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<listener_status> decode_status(std::string_view payload) {
  const auto j = json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  listener_status s;
  read_string(j, "destination", s.destination);
  s.filter = filter_from(j);
  read_string(j, "version", s.version);
  read_number(j, "uptime_ms", s.uptime_ms);
  read_string(j, "subject", s.subject);
  read_strings(j, "verbs_for_you", s.verbs_for_you);
  read_strings(j, "verb_filter", s.verb_filter);
  if (auto it = j.find("sender_filter"); it != j.end() && it->is_string()) s.sender_filter = it->get<std::string>();
  read_bool(j, "uuid_filter", s.uuid_filter);
  read_bool(j, "command", s.command);
  read_number(j, "queue", s.queue);
  if (auto it = j.find("last_accepted_ns"); it != j.end() && it->is_number_integer())
    s.last_accepted_ns = it->get<std::int64_t>();
  read_strings(j, "locks", s.locks);
  read_string(j, "replay_record", s.replay_record);
  return s;
}

}  // namespace remaphore::protocol
