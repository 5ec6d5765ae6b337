// Hashes of accepted messages, each remembered for a window (twice allow_skew), so
// the same signed bytes are accepted once: the skew check alone would let a
// captured message be replayed for as long as its timestamp looks fresh.
#pragma once
#include <chrono>
#include <cstddef>

#include "core/expiring_map.hpp"
#include "core/replay_checks.hpp"

namespace remaphore::core {

class replay_cache final : public replay_memory {
 public:
  using clock = std::chrono::steady_clock;

  // `window`: how long a hash is kept. `capacity`: the most hashes kept; when full,
  // the oldest is forgotten first (its message is then older than most of the
  // window, and the skew check still rejects it once it is older than allow_skew).
  replay_cache(std::chrono::nanoseconds window, std::size_t capacity) : hashes_(window, capacity) {}

  // true when the hash was not seen within the window (and records it now);
  // false for a replay.
  bool insert(const protocol::digest& h, clock::time_point now = clock::now()) { return hashes_.insert(h, {}, now); }
  bool first_time(const protocol::digest& h, steady_time now) override { return insert(h, now); }

  std::size_t size() const { return hashes_.size(); }
  std::size_t capacity() const { return hashes_.capacity(); }

 private:
  struct nothing {};
  expiring_map<nothing> hashes_;
};

}  // namespace remaphore::core
