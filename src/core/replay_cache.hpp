// Hashes of accepted messages, each remembered for a window (twice allow_skew), so
// the same signed bytes are accepted once: the skew check alone would let a
// captured message be replayed for as long as its timestamp looks fresh.
#pragma once
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_set>

namespace remaphore::core {

class replay_cache {
 public:
  using hash = std::array<std::uint8_t, 32>;
  using clock = std::chrono::steady_clock;

  // `window`: how long a hash is kept. `capacity`: the most hashes kept; when full,
  // the oldest is forgotten first (its message is then older than most of the
  // window, and the skew check still rejects it once it is older than allow_skew).
  replay_cache(std::chrono::nanoseconds window, std::size_t capacity);

  // true when the hash was not seen within the window (and records it now);
  // false for a replay.
  bool insert(const hash& h, clock::time_point now = clock::now());

  std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  struct hash_of {
    std::size_t operator()(const hash& h) const noexcept {
      std::size_t v = 0;
      for (std::size_t i = 0; i < sizeof v; ++i) v = (v << 8) | h[i];
      return v;  // SHA-256 bytes are already uniform
    }
  };
  void expire(clock::time_point now);

  std::chrono::nanoseconds window_;
  std::size_t capacity_;
  std::deque<std::pair<clock::time_point, hash>> order_;  // oldest first
  std::unordered_set<hash, hash_of> entries_;
};

}  // namespace remaphore::core
