#include "nats/jetstream.hpp"

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
awaitable<diagnostic> call(client& c, const std::string& subject, const std::string& body, nlohmann::json& answer,
                           std::chrono::nanoseconds timeout) {
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

// The out-parameter form of a call.

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
      {"num_replicas", 1},
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
  auto age = info.value("config", nlohmann::json::object()).value("max_age", std::int64_t{0});
  out.existing_max_age = std::chrono::nanoseconds(age);
  co_return out;
}

awaitable<diagnostic> update_stream(client& c, const stream_config& cfg, std::chrono::nanoseconds timeout) {
  nlohmann::json answer;
  co_return co_await call(c, "$JS.API.STREAM.UPDATE." + cfg.name, stream_body(cfg).dump(), answer, timeout);
}

awaitable<diagnostic> publish(client& c, const std::string& subject, const std::string& payload,
                              std::chrono::nanoseconds timeout) {
  message reply;
  auto ec = co_await c.request(subject, payload, reply, timeout);
  if (ec == errc::no_responders) co_return failure(ec, "no stream holds " + subject);
  if (ec) co_return failure(ec, "no acknowledgement from JetStream: " + ec.message());
  auto ack = nlohmann::json::parse(reply.payload, nullptr, false);
  if (ack.is_discarded() || !ack.is_object() || ack.contains("error") || !ack.contains("seq"))
    co_return failure(errc::server_error, "JetStream did not store the message: " + reply.payload);
  co_return diagnostic{};
}

awaitable<diagnostic> create_push_consumer(client& c, const std::string& stream, const std::string& filter_subject,
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
           {"inactive_threshold", std::chrono::nanoseconds(std::chrono::minutes(1)).count()},
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
  nlohmann::json answer;
  co_return co_await call(c, "$JS.API.CONSUMER.CREATE." + stream, body.dump(), answer, timeout);
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
