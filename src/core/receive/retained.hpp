// Late joiners over JetStream: a sender with --retain stores its signal in the
// stream before publishing it live; a receiver with --since reads back what was
// stored within that window through a push consumer, beside its live subscription
// (the replay check makes a signal seen both ways count once).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "nats/client.hpp"
#include "protocol/config.hpp"

namespace remaphore::core {

struct retained_result {
  std::error_code ec;
  std::string why;             // the API's words on failure
  nats::subscription_ptr sub;  // follow_retained: where retained signals arrive
  bool no_stream = false;      // follow_retained: nothing was ever retained
  std::string consumer;        // follow_retained: the consumer made, to delete at the end
};

// Deletes a consumer follow_retained made (at the end of a run, or replaced after a
// reconnect); a failure is for the server's inactivity threshold to mend.
boost::asio::awaitable<void> stop_following(nats::client& c, const protocol::config& cfg, const std::string& consumer);

// Stores a signed signal (the wire bytes) under <root>.retained.<all|S>.<uuid>.<sender>.
boost::asio::awaitable<retained_result> retain_signal(nats::client& c, const protocol::config& cfg,
                                                      const std::optional<std::string>& s, std::string_view wire);

// Subscribes to an inbox and asks the stream to deliver there every retained signal
// for this subject and uuid (all uuids when none) sent within `since`, or, when
// `after_sequence` is not 0, every one stored after that stream sequence (a receiver
// reading on after a lost connection).
boost::asio::awaitable<retained_result> follow_retained(nats::client& c, const protocol::config& cfg,
                                                        const std::optional<std::string>& s,
                                                        const std::optional<std::vector<std::uint8_t>>& uuid,
                                                        std::chrono::nanoseconds since,
                                                        std::uint64_t after_sequence = 0);

}  // namespace remaphore::core
