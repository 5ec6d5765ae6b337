// The replies a responder sent, kept for the replay window by the hash of the request
// they answer: a requester that lost its connection publishes its request again, the
// replay check drops the copy, and the responder sends the same signed reply again
// instead of running the command twice. Bounded in entries and bytes; the oldest go
// first. Pure: the clock is passed in.
#pragma once
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace remaphore::core {

class remembered_replies {
 public:
  using clock = std::chrono::steady_clock;
  using hash = std::array<std::uint8_t, 32>;

  remembered_replies(std::chrono::nanoseconds window, std::size_t max_entries = 10000,
                     std::size_t max_bytes = 16 * 1024 * 1024)
      : window_(window), max_entries_(max_entries), max_bytes_(max_bytes) {}

  void remember(const hash& request, std::string reply, clock::time_point now);
  // The reply to `request`, if it was sent within the window.
  std::optional<std::string> find(const hash& request, clock::time_point now);

  std::size_t size() const { return replies_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  void forget_oldest();
  void expire(clock::time_point now);

  std::chrono::nanoseconds window_;
  std::size_t max_entries_, max_bytes_;
  std::size_t bytes_ = 0;
  std::deque<std::pair<clock::time_point, hash>> order_;  // oldest first
  std::map<hash, std::string> replies_;
};

}  // namespace remaphore::core
