#include "nats/jetstream.hpp"

#include <sodium.h>
#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>
#include <vector>

#include "nats/proto/error.hpp"

namespace remaphore::nats::js {
namespace asio = boost::asio;
using asio::awaitable;

namespace {

diagnostic failure(std::error_code ec, std::string why) { return make_diagnostic(ec, {}, std::move(why)); }

// One API call: request, then the JSON answer, whose "error" becomes the reason.
// "$JS.API.X", or "$JS.<domain>.API.X" for a client that names a domain.
std::string api_subject(const client& c, const std::string& subject) {
  const auto& domain = c.jetstream_domain();
  if (domain.empty() || !subject.starts_with("$JS.API.")) return subject;
  return "$JS." + domain + ".API." + subject.substr(8);
}

awaitable<diagnostic> call(client& c, const std::string& api, const std::string& body, nlohmann::json& answer,
                           std::chrono::nanoseconds timeout) {
  const auto subject = api_subject(c, api);
  message reply;
  auto ec = co_await c.request(subject, body, reply, timeout);
  if (ec == errc::no_responders)
    co_return failure(ec, "JetStream is not enabled on the server (no answer on " + subject + ")");
  if (ec) co_return failure(ec, subject + ": " + ec.message());
  answer = nlohmann::json::parse(reply.payload, nullptr, false);
  if (answer.is_discarded() || !answer.is_object())
    co_return failure(errc::server_error, subject + ": the answer is not JSON");
  if (auto it = answer.find("error"); it != answer.end() && it->is_object())
    co_return failure(errc::server_error, it->value("description", std::string("unknown JetStream error")));
  co_return diagnostic{};
}

// A JetStream API error's err_code, 0 when there is none.
int api_error_code(const nlohmann::json& answer) {
  auto it = answer.find("error");
  if (it == answer.end() || !it->is_object()) return 0;
  return it->value("err_code", 0);
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

// A request whose outcome is unknown to us once it may have left: anything but a
// refusal before sending.
bool maybe_sent(std::error_code ec) {
  return ec != errc::max_payload_exceeded && ec != errc::buffer_full && ec != errc::connection_closed &&
         ec != errc::no_responders;
}

constexpr int err_no_message = 10037;
constexpr int err_delete_no_message = 10057;
constexpr int err_stream_not_found = 10059;
constexpr int err_wrong_last_sequence = 10071;

}  // namespace

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

static nlohmann::json stream_body(const stream_config& cfg) {
  return {
      {"name", cfg.name},
      {"subjects", cfg.subjects},
      {"retention", "limits"},
      {"storage", "file"},
      {"num_replicas", cfg.replicas},
      {"max_msgs_per_subject", cfg.max_msgs_per_subject},
      {"max_age", cfg.max_age.count()},
      {"discard", "old"},
      {"allow_direct", true},
  };
}

awaitable<stream_ensured> ensure_stream(client& c, const stream_config& cfg, std::chrono::nanoseconds timeout) {
  stream_ensured out;
  nlohmann::json answer;
  out.result = co_await call(c, "$JS.API.STREAM.CREATE." + cfg.name, stream_body(cfg).dump(), answer, timeout);
  if (out.result.error != errc::server_error) co_return out;
  // Created by another host first, with other settings: use it as it is, and say how
  // long it keeps signals.
  nlohmann::json info;
  auto found = co_await call(c, "$JS.API.STREAM.INFO." + cfg.name, "", info, timeout);
  if (found.error) co_return out;
  out.result = diagnostic{};
  const auto config = info.value("config", nlohmann::json::object());
  out.existing_max_age = std::chrono::nanoseconds(config.value("max_age", std::int64_t{0}));
  out.existing_subjects = config.value("subjects", std::vector<std::string>{});
  out.existing_replicas = config.value("num_replicas", 1);
  co_return out;
}

awaitable<diagnostic> update_stream(client& c, const std::string& stream, const stream_change& change,
                                    std::chrono::nanoseconds timeout) {
  nlohmann::json info;
  auto found = co_await call(c, "$JS.API.STREAM.INFO." + stream, "", info, timeout);
  if (found.error) co_return found;
  auto config = info.value("config", nlohmann::json::object());
  if (change.max_age) config["max_age"] = change.max_age->count();
  if (change.replicas) config["num_replicas"] = *change.replicas;
  nlohmann::json answer;
  co_return co_await call(c, "$JS.API.STREAM.UPDATE." + stream, config.dump(), answer, timeout);
}

awaitable<diagnostic> publish(client& c, const std::string& subject, const std::string& payload,
                              std::chrono::nanoseconds timeout, const std::string& msg_id) {
  message reply;
  const std::string headers = msg_id.empty() ? std::string() : "NATS/1.0\r\nNats-Msg-Id: " + msg_id + "\r\n\r\n";
  auto ec = co_await c.request(subject, payload, reply, timeout, headers);
  if (ec == errc::no_responders) co_return failure(ec, "no stream holds " + subject);
  if (ec) co_return failure(ec, "no acknowledgement from JetStream: " + ec.message());
  auto ack = nlohmann::json::parse(reply.payload, nullptr, false);
  if (ack.is_discarded() || !ack.is_object() || ack.contains("error") || !ack.contains("seq"))
    co_return failure(errc::server_error, "JetStream did not store the message: " + reply.payload);
  co_return diagnostic{};
}

awaitable<consumer_created> create_push_consumer(client& c, const std::string& stream,
                                                 const std::string& filter_subject,
                                                 const std::string& deliver_subject,
                                                 std::chrono::system_clock::time_point start,
                                                 std::chrono::nanoseconds timeout, std::uint64_t from_sequence) {
  nlohmann::json body = {
      {"stream_name", stream},
      {"config",
       {
           {"deliver_subject", deliver_subject},
           {"ack_policy", "none"},
           {"filter_subject", filter_subject},
           {"inactive_threshold", std::chrono::nanoseconds(consumer_inactivity).count()},
           {"mem_storage", true},
           {"num_replicas", 1},
       }},
  };
  auto& config = body["config"];
  if (from_sequence > 0) {
    config["deliver_policy"] = "by_start_sequence";
    config["opt_start_seq"] = from_sequence;
  } else {
    config["deliver_policy"] = "by_start_time";
    config["opt_start_time"] = rfc3339(start);
  }
  consumer_created out;
  nlohmann::json answer;
  out.result = co_await call(c, "$JS.API.CONSUMER.CREATE." + stream, body.dump(), answer, timeout);
  if (!out.result.error) out.name = answer.value("name", std::string());
  co_return out;
}

awaitable<diagnostic> delete_consumer(client& c, const std::string& stream, const std::string& name,
                                      std::chrono::nanoseconds timeout) {
  nlohmann::json answer;
  co_return co_await call(c, "$JS.API.CONSUMER.DELETE." + stream + "." + name, "", answer, timeout);
}

awaitable<write_result> publish_expecting(client& c, const std::string& subject, const std::string& payload,
                                          std::optional<std::uint64_t> expected_last,
                                          std::chrono::nanoseconds timeout) {
  write_result out;
  std::string headers;
  if (expected_last)
    headers = "NATS/1.0\r\nNats-Expected-Last-Subject-Sequence: " + std::to_string(*expected_last) + "\r\n\r\n";
  message reply;
  auto ec = co_await c.request(subject, payload, reply, timeout, headers);
  if (ec) {
    out.outcome = maybe_sent(ec) ? write_outcome::ambiguous : write_outcome::not_sent;
    out.result = failure(ec, ec == errc::no_responders ? "no stream holds " + subject
                                                       : "no acknowledgement from JetStream: " + ec.message());
    co_return out;
  }
  auto ack = nlohmann::json::parse(reply.payload, nullptr, false);
  if (ack.is_object() && !ack.contains("error") && ack.contains("seq") && ack["seq"].is_number_unsigned()) {
    out.outcome = write_outcome::stored;
    out.seq = ack["seq"].get<std::uint64_t>();
    co_return out;
  }
  out.outcome = write_outcome::rejected;
  std::string why = reply.payload;
  if (ack.is_object() && ack.contains("error") && ack["error"].is_object())
    why = ack["error"].value("description", reply.payload);
  out.wrong_last_sequence = ack.is_object() && api_error_code(ack) == err_wrong_last_sequence;
  if (out.wrong_last_sequence) out.last_seq = trailing_number(why);
  out.result = failure(errc::server_error, why);
  co_return out;
}

awaitable<delete_result> delete_message(client& c, const std::string& stream, std::uint64_t seq,
                                        std::chrono::nanoseconds timeout) {
  delete_result out;
  nlohmann::json answer;
  nlohmann::json body = {{"seq", seq}, {"no_erase", true}};
  out.result = co_await call(c, "$JS.API.STREAM.MSG.DELETE." + stream, body.dump(), answer, timeout);
  if (out.result.error && api_error_code(answer) == err_delete_no_message) {
    out.gone = true;
    out.result = diagnostic{};
  }
  co_return out;
}

awaitable<diagnostic> purge_subject(client& c, const std::string& stream, const std::string& subject,
                                    std::chrono::nanoseconds timeout) {
  nlohmann::json answer;
  const std::string body = nlohmann::json{{"filter", subject}}.dump();
  auto d = co_await call(c, "$JS.API.STREAM.PURGE." + stream, body, answer, timeout);
  co_return d;
}

awaitable<stream_info> get_stream_info(client& c, const std::string& stream, const std::string& subjects_filter,
                                       std::chrono::nanoseconds timeout) {
  stream_info out;
  nlohmann::json answer;
  nlohmann::json body = nlohmann::json::object();
  if (!subjects_filter.empty()) body["subjects_filter"] = subjects_filter;
  out.result = co_await call(c, "$JS.API.STREAM.INFO." + stream, body.dump(), answer, timeout);
  if (out.result.error) {
    if (api_error_code(answer) == err_stream_not_found) out.result = diagnostic{};
    co_return out;
  }
  out.found = true;
  const auto config = answer.value("config", nlohmann::json::object());
  out.config.name = config.value("name", stream);
  out.config.subjects = config.value("subjects", std::vector<std::string>{});
  out.config.max_age = std::chrono::nanoseconds(config.value("max_age", std::int64_t{0}));
  out.config.max_msgs_per_subject = config.value("max_msgs_per_subject", std::int64_t{0});
  out.config.replicas = config.value("num_replicas", 1);
  const auto state = answer.value("state", nlohmann::json::object());
  const auto stored = state.value("subjects", nlohmann::json::object());
  for (const auto& [subject, count] : stored.items()) out.subjects.push_back(subject);
  out.leader = answer.value("cluster", nlohmann::json::object()).value("leader", std::string());
  co_return out;
}

awaitable<stored_message> get_last_message(client& c, const std::string& stream, const std::string& subject,
                                           std::chrono::nanoseconds timeout) {
  stored_message out;
  nlohmann::json answer;
  nlohmann::json body = {{"last_by_subj", subject}};
  out.result = co_await call(c, "$JS.API.STREAM.MSG.GET." + stream, body.dump(), answer, timeout);
  if (out.result.error) {
    if (api_error_code(answer) == err_no_message) out.result = diagnostic{};
    co_return out;
  }
  const auto msg = answer.value("message", nlohmann::json::object());
  out.found = true;
  out.seq = msg.value("seq", std::uint64_t{0});
  out.time_ns = parse_rfc3339(msg.value("time", std::string())).value_or(0);
  const auto data = msg.value("data", std::string());
  out.data.resize(data.size());
  std::size_t size = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data.data()), out.data.size(), data.data(), data.size(),
                        nullptr, &size, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    out.result = failure(errc::server_error, "STREAM.MSG.GET: the message data is not base64");
  out.data.resize(size);
  co_return out;
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
  return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000'000 + frac;
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

}  // namespace remaphore::nats::js
