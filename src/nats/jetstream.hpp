// The few JetStream API calls remaphore needs, as requests over core NATS
// ($JS.API.*, JSON in and out). Each returns a diagnostic: the error, and the API's
// own description (or ours) as the reason.
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

namespace remaphore::nats::js {

struct stream_config {
  std::string name;
  std::vector<std::string> subjects;
  std::chrono::nanoseconds max_age{0};
  std::int64_t max_msgs_per_subject = 1;
};

// Creates the stream, or accepts an existing one of that name. The reason says
// "JetStream is not enabled" when nobody answers the API. `existing_max_age` is set
// when a stream of that name was there with another configuration: its max_age.
struct stream_ensured {
  diagnostic result;
  std::optional<std::chrono::nanoseconds> existing_max_age;
};
boost::asio::awaitable<stream_ensured> ensure_stream(client& c, const stream_config& cfg,
                                                     std::chrono::nanoseconds timeout);

// Changes an existing stream to `cfg` (same name and subjects).
boost::asio::awaitable<diagnostic> update_stream(client& c, const stream_config& cfg, std::chrono::nanoseconds timeout);

// Publishes and waits for the stream's acknowledgement.
boost::asio::awaitable<diagnostic> publish(client& c, const std::string& subject, const std::string& payload,
                                           std::chrono::nanoseconds timeout);

// An ephemeral push consumer that delivers to `deliver_subject` every stored message
// on `filter_subject` stored at or after `start`, or from stream sequence
// `from_sequence` when that is not 0 (no acks; removed by the server after a minute
// without interest).
boost::asio::awaitable<diagnostic> create_push_consumer(
    client& c, const std::string& stream, const std::string& filter_subject, const std::string& deliver_subject,
    std::chrono::system_clock::time_point start, std::chrono::nanoseconds timeout, std::uint64_t from_sequence = 0);

// The stream sequence of a message a push consumer delivered, from its reply subject
// ($JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>..., or the longer form with
// domain and account); nullopt for anything else.
std::optional<std::uint64_t> stream_sequence(std::string_view reply_subject);

// RFC 3339 in UTC with nanoseconds, as the JetStream API writes times.
std::string rfc3339(std::chrono::system_clock::time_point t);

}  // namespace remaphore::nats::js
