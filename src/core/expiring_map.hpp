// Values by message hash, each kept for a window and bounded in entries and in
// bytes; the oldest go first. Behind the replay cache (hashes alone) and the
// remembered replies (the reply to each request). Pure: the clock is passed in.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <unordered_map>

#include "protocol/keys.hpp"

namespace remaphore::core {

struct digest_hasher {
  std::size_t operator()(const protocol::digest& h) const noexcept {
    std::size_t v = 0;
    for (std::size_t i = 0; i < sizeof v; ++i) v = (v << 8) | h[i];
    return v;  // SHA-256 bytes are already uniform
  }
};

template <class Value>
class expiring_map {
 public:
  using clock = std::chrono::steady_clock;

  expiring_map(std::chrono::nanoseconds window, std::size_t max_entries,
               std::size_t max_bytes = std::numeric_limits<std::size_t>::max())
      : window_(window), max_entries_(max_entries == 0 ? 1 : max_entries), max_bytes_(max_bytes) {}

  // Keeps `value` (of `bytes` bytes) under `key` from `now`, making room by dropping
  // the oldest. False when `key` is held already, or when the value alone is over the bound.
  bool insert(const protocol::digest& key, Value value, clock::time_point now, std::size_t bytes = 0) {
    expire(now);
    if (bytes > max_bytes_ || values_.contains(key)) return false;
    while (!order_.empty() && (values_.size() >= max_entries_ || bytes_ + bytes > max_bytes_)) drop_oldest();
    values_.emplace(key, std::move(value));
    order_.push_back({now, key, bytes});
    bytes_ += bytes;
    return true;
  }

  // The value under `key`, if it was kept within the window.
  const Value* find(const protocol::digest& key, clock::time_point now) {
    expire(now);
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
  }

  std::size_t size() const { return values_.size(); }
  std::size_t bytes() const { return bytes_; }
  std::size_t capacity() const { return max_entries_; }

 private:
  struct entry {
    clock::time_point at;
    protocol::digest key;
    std::size_t bytes;
  };
  void expire(clock::time_point now) {
    while (!order_.empty() && now - order_.front().at > window_) drop_oldest();
  }
  void drop_oldest() {
    values_.erase(order_.front().key);
    bytes_ -= order_.front().bytes;
    order_.pop_front();
  }

  std::chrono::nanoseconds window_;
  std::size_t max_entries_, max_bytes_;
  std::size_t bytes_ = 0;
  std::deque<entry> order_;  // oldest first
  std::unordered_map<protocol::digest, Value, digest_hasher> values_;
};

}  // namespace remaphore::core
