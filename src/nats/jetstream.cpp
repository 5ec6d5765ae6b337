#include "nats/jetstream.hpp"

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

awaitable<diagnostic> call(client& c, const std::string& api, const std::string& body, api_reply& answer,
                           std::chrono::nanoseconds timeout) {
  const auto subject = api_subject(c, api);
  message reply;
  auto ec = co_await c.request(subject, body, reply, timeout);
  if (ec == errc::no_responders)
    co_return failure(ec, "JetStream is not enabled on the server (no answer on " + subject + ")");
  if (ec) co_return failure(ec, subject + ": " + ec.message());
  answer = decode_api_reply(reply.payload);
  if (!answer.is_object) co_return failure(errc::server_error, subject + ": the answer is not JSON");
  if (answer.refused) co_return failure(errc::server_error, answer.description);
  co_return diagnostic{};
}

// A request whose outcome is unknown to us once it may have left: anything but a
// refusal before sending.
bool maybe_sent(std::error_code ec) {
  return ec != errc::max_payload_exceeded && ec != errc::buffer_full && ec != errc::connection_closed &&
         ec != errc::no_responders;
}

}  // namespace

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
  api_reply answer;
  out.result = co_await call(c, "$JS.API.STREAM.CREATE." + cfg.name, stream_body(cfg).dump(), answer, timeout);
  if (out.result.error != errc::server_error) co_return out;
  // Created by another host first, with other settings: use it as it is, and say how
  // long it keeps signals.
  api_reply info;
  auto found = co_await call(c, "$JS.API.STREAM.INFO." + cfg.name, "", info, timeout);
  if (found.error) co_return out;
  out.result = diagnostic{};
  const auto existing = decode_stream_info(info.body, cfg.name).config;
  out.existing_max_age = existing.max_age;
  out.existing_subjects = existing.subjects;
  out.existing_replicas = existing.replicas;
  co_return out;
}

awaitable<diagnostic> update_stream(client& c, const std::string& stream, const stream_change& change,
                                    std::chrono::nanoseconds timeout) {
  api_reply info;
  auto found = co_await call(c, "$JS.API.STREAM.INFO." + stream, "", info, timeout);
  if (found.error) co_return found;
  auto config = raw_stream_config(info.body);
  if (change.max_age) config["max_age"] = change.max_age->count();
  if (change.replicas) config["num_replicas"] = *change.replicas;
  api_reply answer;
  co_return co_await call(c, "$JS.API.STREAM.UPDATE." + stream, config.dump(), answer, timeout);
}

awaitable<diagnostic> publish(client& c, const std::string& subject, const std::string& payload,
                              std::chrono::nanoseconds timeout, const std::string& msg_id) {
  message reply;
  const std::string headers = msg_id.empty() ? std::string() : "NATS/1.0\r\nNats-Msg-Id: " + msg_id + "\r\n\r\n";
  auto ec = co_await c.request(subject, payload, reply, timeout, headers);
  if (ec == errc::no_responders) co_return failure(ec, "no stream holds " + subject);
  if (ec) co_return failure(ec, "no acknowledgement from JetStream: " + ec.message());
  if (!decode_publish_ack(reply.payload).stored)
    co_return failure(errc::server_error, "JetStream did not store the message: " + reply.payload);
  co_return diagnostic{};
}

awaitable<consumer_created> create_push_consumer(client& c, const std::string& stream,
                                                 const std::string& filter_subject, const std::string& deliver_subject,
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
  api_reply answer;
  out.result = co_await call(c, "$JS.API.CONSUMER.CREATE." + stream, body.dump(), answer, timeout);
  if (!out.result.error) out.name = consumer_name(answer.body);
  co_return out;
}

awaitable<diagnostic> delete_consumer(client& c, const std::string& stream, const std::string& name,
                                      std::chrono::nanoseconds timeout) {
  api_reply answer;
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
  auto ack = decode_publish_ack(reply.payload);
  out.outcome = ack.stored ? write_outcome::stored : write_outcome::rejected;
  out.seq = ack.seq;
  out.wrong_last_sequence = ack.wrong_last_sequence;
  out.last_seq = ack.last_seq;
  if (!ack.stored) out.result = failure(errc::server_error, ack.why);
  co_return out;
}

awaitable<delete_result> delete_message(client& c, const std::string& stream, std::uint64_t seq,
                                        std::chrono::nanoseconds timeout) {
  delete_result out;
  api_reply answer;
  nlohmann::json body = {{"seq", seq}, {"no_erase", true}};
  out.result = co_await call(c, "$JS.API.STREAM.MSG.DELETE." + stream, body.dump(), answer, timeout);
  if (out.result.error && answer.err_code == err_delete_no_message) {
    out.gone = true;
    out.result = diagnostic{};
  }
  co_return out;
}

awaitable<diagnostic> purge_subject(client& c, const std::string& stream, const std::string& subject,
                                    std::chrono::nanoseconds timeout) {
  api_reply answer;
  const std::string body = nlohmann::json{{"filter", subject}}.dump();
  auto d = co_await call(c, "$JS.API.STREAM.PURGE." + stream, body, answer, timeout);
  co_return d;
}

awaitable<stream_info> get_stream_info(client& c, const std::string& stream, const std::string& subjects_filter,
                                       std::chrono::nanoseconds timeout) {
  stream_info out;
  api_reply answer;
  nlohmann::json body = nlohmann::json::object();
  if (!subjects_filter.empty()) body["subjects_filter"] = subjects_filter;
  out.result = co_await call(c, "$JS.API.STREAM.INFO." + stream, body.dump(), answer, timeout);
  if (out.result.error) {
    if (answer.err_code == err_stream_not_found) out.result = diagnostic{};
    co_return out;
  }
  out.found = true;
  auto described = decode_stream_info(answer.body, stream);
  out.config = std::move(described.config);
  out.subjects = std::move(described.subjects);
  out.leader = std::move(described.leader);
  co_return out;
}

awaitable<stored_message> get_last_message(client& c, const std::string& stream, const std::string& subject,
                                           std::chrono::nanoseconds timeout) {
  stored_message out;
  api_reply answer;
  nlohmann::json body = {{"last_by_subj", subject}};
  out.result = co_await call(c, "$JS.API.STREAM.MSG.GET." + stream, body.dump(), answer, timeout);
  if (out.result.error) {
    if (answer.err_code == err_no_message) out.result = diagnostic{};
    co_return out;
  }
  auto record = decode_stored_message(answer.body);
  out.found = true;
  out.seq = record.seq;
  out.time_ns = record.time_ns;
  out.data = std::move(record.data);
  if (!record.data_ok) out.result = failure(errc::server_error, "STREAM.MSG.GET: the message data is not base64");
  co_return out;
}

}  // namespace remaphore::nats::js
