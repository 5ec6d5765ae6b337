#include "nats/proto/js_reply.hpp"

#include <sodium.h>

#include <charconv>
#include <cstdio>
#include <ctime>
#include <limits>

namespace remaphore::nats::js {

namespace {

using nlohmann::json;

// A member of an object, or nullptr when `j` is no object or lacks it: a server's
// answer of another shape is read as one without the member, never an exception.
const json* member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string text_of(const json& j, const char* key, std::string fallback = {}) {
  const json* m = member(j, key);
  return m && m->is_string() ? m->get<std::string>() : fallback;
}

template <class Int>
Int number_of(const json& j, const char* key, Int fallback) {
  const json* m = member(j, key);
  if (!m || !m->is_number_integer()) return fallback;
  if (m->is_number_unsigned()) {
    auto v = m->get<std::uint64_t>();
    return v <= static_cast<std::uint64_t>(std::numeric_limits<Int>::max()) ? static_cast<Int>(v) : fallback;
  }
  auto v = m->get<std::int64_t>();
  if (v < static_cast<std::int64_t>(std::numeric_limits<Int>::min())) return fallback;
  if (v > 0 && static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(std::numeric_limits<Int>::max()))
    return fallback;
  return static_cast<Int>(v);
}

std::vector<std::string> texts_of(const json& j, const char* key) {
  std::vector<std::string> out;
  const json* m = member(j, key);
  if (!m || !m->is_array()) return out;
  for (const auto& e : *m)
    if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

const json& object_of(const json& j, const char* key) {
  static const json empty = json::object();
  const json* m = member(j, key);
  return m && m->is_object() ? *m : empty;
}

// "wrong last sequence: 41" -> 41.
std::uint64_t trailing_number(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return 0;
  text.remove_prefix(colon + 1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  std::uint64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

}  // namespace

api_reply decode_api_reply(std::string_view payload) {
  api_reply out;
  out.body = json::parse(payload, nullptr, false);
  out.is_object = !out.body.is_discarded() && out.body.is_object();
  if (!out.is_object) return out;
  const json* error = member(out.body, "error");
  out.refused = error && error->is_object();
  if (!out.refused) return out;
  out.err_code = number_of(*error, "err_code", 0);
  out.description = text_of(*error, "description", "unknown JetStream error");
  return out;
}

publish_ack decode_publish_ack(std::string_view payload) {
  publish_ack out;
  const auto reply = decode_api_reply(payload);
  const json* seq = reply.is_object ? member(reply.body, "seq") : nullptr;
  if (reply.is_object && !member(reply.body, "error") && seq && seq->is_number_unsigned()) {
    out.stored = true;
    out.seq = seq->get<std::uint64_t>();
    return out;
  }
  out.why = reply.refused ? reply.description : std::string(payload);
  out.wrong_last_sequence = reply.refused && reply.err_code == err_wrong_last_sequence;
  if (out.wrong_last_sequence) out.last_seq = trailing_number(out.why);
  return out;
}

stream_description decode_stream_info(const json& answer, const std::string& stream) {
  stream_description out;
  const json& config = object_of(answer, "config");
  out.config.name = text_of(config, "name", stream);
  out.config.subjects = texts_of(config, "subjects");
  out.config.max_age = std::chrono::nanoseconds(number_of(config, "max_age", std::int64_t{0}));
  out.config.max_msgs_per_subject = number_of(config, "max_msgs_per_subject", std::int64_t{0});
  out.config.replicas = number_of(config, "num_replicas", 1);
  for (const auto& item : object_of(object_of(answer, "state"), "subjects").items()) out.subjects.push_back(item.key());
  out.leader = text_of(object_of(answer, "cluster"), "leader");
  return out;
}

json raw_stream_config(const json& answer) { return object_of(answer, "config"); }

std::string consumer_name(const json& answer) { return text_of(answer, "name"); }

message_record decode_stored_message(const json& answer) {
  message_record out;
  const json& msg = object_of(answer, "message");
  out.seq = number_of(msg, "seq", std::uint64_t{0});
  out.time_ns = parse_rfc3339(text_of(msg, "time")).value_or(0);
  const auto data = text_of(msg, "data");
  out.data.resize(data.size());
  std::size_t size = 0;
  out.data_ok = sodium_base642bin(reinterpret_cast<unsigned char*>(out.data.data()), out.data.size(), data.data(),
                                  data.size(), nullptr, &size, nullptr, sodium_base64_VARIANT_ORIGINAL) == 0;
  out.data.resize(out.data_ok ? size : 0);
  return out;
}

std::optional<std::uint64_t> stream_sequence(std::string_view reply_subject) {
  std::vector<std::string_view> tokens;
  while (!reply_subject.empty()) {
    auto dot = reply_subject.find('.');
    tokens.push_back(reply_subject.substr(0, dot));
    reply_subject.remove_prefix(dot == std::string_view::npos ? reply_subject.size() : dot + 1);
  }
  if (tokens.size() < 9 || tokens[0] != "$JS" || tokens[1] != "ACK") return std::nullopt;
  // 9 tokens: $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<time>.<pending>;
  // 11 or more: two more (domain, account hash) after ACK.
  const auto& text = tokens[tokens.size() == 9 ? 5 : 7];
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
  long frac = static_cast<long>(ns % 1'000'000'000);
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

std::optional<std::int64_t> parse_rfc3339(std::string_view text) {
  // 2026-01-02T03:04:05[.fraction]Z
  if (text.size() < 20 || text.back() != 'Z' || text[4] != '-' || text[10] != 'T') return std::nullopt;
  auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + n, v);
    return ec == std::errc() && end == text.data() + at + n ? v : -1;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(5, 2) - 1;
  tm.tm_mday = num(8, 2);
  tm.tm_hour = num(11, 2);
  tm.tm_min = num(14, 2);
  tm.tm_sec = num(17, 2);
  if (tm.tm_mon < 0 || tm.tm_mday < 0 || tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0) return std::nullopt;
  std::int64_t frac = 0;
  std::size_t at = 19;
  if (text[at] == '.') {
    std::int64_t scale = 100'000'000;
    for (++at; at + 1 < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, scale /= 10)
      frac += (text[at] - '0') * scale;
  }
  if (at + 1 != text.size()) return std::nullopt;
  // Unix ns in 64 bits hold 1677 to 2262 (Go's zero time, year 1, is outside).
  constexpr std::int64_t last_second = std::numeric_limits<std::int64_t>::max() / 1'000'000'000 - 1;
  const auto secs = static_cast<std::int64_t>(timegm(&tm));
  if (secs > last_second || secs < -last_second) return std::nullopt;
  return secs * 1'000'000'000 + frac;
}

}  // namespace remaphore::nats::js
