// The few JetStream API calls remaphore needs, as requests over core NATS
// ($JS.API.*, JSON in and out). Each returns a diagnostic: the error, and the API's
// own description (or ours) as the reason. What the API answers is decoded in
// nats/proto/js_reply.hpp.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "nats/client.hpp"
#include "nats/proto/diagnostic.hpp"
#include "nats/proto/js_reply.hpp"

namespace remaphore::nats::js {

// Creates the stream, or accepts an existing one of that name. The reason says
// "JetStream is not enabled" when nobody answers the API. `existing_max_age` is set
// when a stream of that name was there with another configuration: its max_age (0:
// no limit), with `existing_subjects`, what it holds, and `existing_replicas`.
struct stream_ensured {
  diagnostic result;
  std::optional<std::chrono::nanoseconds> existing_max_age;
  std::vector<std::string> existing_subjects;
  int existing_replicas = 1;
};
boost::asio::awaitable<stream_ensured> ensure_stream(client& c, const stream_config& cfg,
                                                     std::chrono::nanoseconds timeout);

// Changes the max_age and/or the replicas of an existing stream and nothing else: its
// configuration is read and sent back with those fields changed, so that the subjects,
// limits and policies someone else gave it stay as they were.
struct stream_change {
  std::optional<std::chrono::nanoseconds> max_age;
  std::optional<int> replicas;
};
boost::asio::awaitable<diagnostic> update_stream(client& c, const std::string& stream, const stream_change& change,
                                                 std::chrono::nanoseconds timeout);

// Publishes and waits for the stream's acknowledgement. With `msg_id` (Nats-Msg-Id),
// the stream keeps one copy of messages with that id within its duplicate window, so
// that a publish whose acknowledgement was lost may be sent again.
boost::asio::awaitable<diagnostic> publish(client& c, const std::string& subject, const std::string& payload,
                                           std::chrono::nanoseconds timeout, const std::string& msg_id = {});

// Per-subject compare-and-set writes (ADR-8's Create and Update).
// stored: the stream acknowledged it at `seq`. rejected: the server refused it, so it
// was not stored; with the wrong-last-sequence error (10071), `last_seq` is the
// subject's actual last sequence. ambiguous: sent, but no acknowledgement came (a
// timeout, a lost connection): it may have been stored. not_sent: it never left.
enum class write_outcome { stored, rejected, ambiguous, not_sent };
struct write_result {
  write_outcome outcome = write_outcome::not_sent;
  std::uint64_t seq = 0;
  bool wrong_last_sequence = false;
  std::uint64_t last_seq = 0;
  diagnostic result;
};
// Publishes `payload` to `subject` with Nats-Expected-Last-Subject-Sequence when
// `expected_last` is set (0: only if the subject holds nothing), and waits for the
// stream's acknowledgement.
boost::asio::awaitable<write_result> publish_expecting(client& c, const std::string& subject,
                                                       const std::string& payload,
                                                       std::optional<std::uint64_t> expected_last,
                                                       std::chrono::nanoseconds timeout);

// Removes one message by its stream sequence (STREAM.MSG.DELETE): never another
// message, whatever was stored since. `gone` is true when the message was not there
// (removed before, or expired).
struct delete_result {
  diagnostic result;
  bool gone = false;
};
boost::asio::awaitable<delete_result> delete_message(client& c, const std::string& stream, std::uint64_t seq,
                                                     std::chrono::nanoseconds timeout);

// Removes every message stored on one subject (STREAM.PURGE with a filter): only for a
// subject that no one else writes to.
boost::asio::awaitable<diagnostic> purge_subject(client& c, const std::string& stream, const std::string& subject,
                                                 std::chrono::nanoseconds timeout);

// A stream's configuration and the stored subjects that match `subjects_filter`
// (STREAM.INFO). `found` is false when the stream does not exist (no error then).
struct stream_info {
  diagnostic result;
  bool found = false;
  stream_config config;
  std::vector<std::string> subjects;  // stored subjects matching the filter
  std::string leader;                 // the stream's cluster leader, when clustered
};
boost::asio::awaitable<stream_info> get_stream_info(client& c, const std::string& stream,
                                                    const std::string& subjects_filter,
                                                    std::chrono::nanoseconds timeout);

// The last message stored on a subject (STREAM.MSG.GET last_by_subj), answered by the
// stream's leader. `found` is false when the subject holds nothing.
struct stored_message {
  diagnostic result;
  bool found = false;
  std::uint64_t seq = 0;
  std::int64_t time_ns = 0;  // when the stream stored it, unix ns (the leader's clock)
  std::string data;
};
boost::asio::awaitable<stored_message> get_last_message(client& c, const std::string& stream,
                                                        const std::string& subject, std::chrono::nanoseconds timeout);

// An ephemeral push consumer that delivers to `deliver_subject` every stored message
// on `filter_subject` stored at or after `start`, or from stream sequence
// `from_sequence` when that is not 0 (no acks). Whoever made it deletes it when done;
// the server removes one left behind (its maker killed) after `consumer_inactivity`
// without interest.
inline constexpr std::chrono::seconds consumer_inactivity{5};
struct consumer_created {
  diagnostic result;
  std::string name;  // for delete_consumer
};
boost::asio::awaitable<consumer_created> create_push_consumer(
    client& c, const std::string& stream, const std::string& filter_subject, const std::string& deliver_subject,
    std::chrono::system_clock::time_point start, std::chrono::nanoseconds timeout, std::uint64_t from_sequence = 0);
boost::asio::awaitable<diagnostic> delete_consumer(client& c, const std::string& stream, const std::string& name,
                                                   std::chrono::nanoseconds timeout);

}  // namespace remaphore::nats::js
