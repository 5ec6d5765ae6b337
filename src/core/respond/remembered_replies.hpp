// The replies a responder sent, kept for the replay window by the hash of the request
// they answer: a requester that lost its connection publishes its request again, the
// replay check drops the copy, and the responder sends the same signed reply again
// instead of running the command twice. Bounded in entries and bytes; the oldest go
// first. Pure: the clock is passed in.
#pragma once
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "core/expiring_map.hpp"

namespace remaphore::core {

class remembered_replies {
 public:
  using clock = std::chrono::steady_clock;

  explicit remembered_replies(std::chrono::nanoseconds window, std::size_t max_entries = 10000,
                              std::size_t max_bytes = 16 * 1024 * 1024)
      : replies_(window, max_entries, max_bytes) {}

  void remember(const protocol::digest& request, std::string reply, clock::time_point now) {
    const auto bytes = reply.size();
    replies_.insert(request, std::move(reply), now, bytes);
  }
  // The reply to `request`, if it was sent within the window.
  std::optional<std::string> find(const protocol::digest& request, clock::time_point now) {
    const auto* reply = replies_.find(request, now);
    return reply ? std::optional<std::string>(*reply) : std::nullopt;
  }

  std::size_t size() const { return replies_.size(); }
  std::size_t bytes() const { return replies_.bytes(); }

 private:
  expiring_map<std::string> replies_;
};

}  // namespace remaphore::core
