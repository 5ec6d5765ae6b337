#include "core/replay_cache.hpp"

namespace remaphore::core {

replay_cache::replay_cache(std::chrono::nanoseconds window, std::size_t capacity)
    : window_(window), capacity_(capacity == 0 ? 1 : capacity) {}

void replay_cache::expire(clock::time_point now) {
  while (!order_.empty() && (now - order_.front().first > window_ || order_.size() > capacity_)) {
    entries_.erase(order_.front().second);
    order_.pop_front();
  }
}

bool replay_cache::insert(const hash& h, clock::time_point now) {
  expire(now);
  if (entries_.contains(h)) return false;
  if (order_.size() >= capacity_) {
    entries_.erase(order_.front().second);
    order_.pop_front();
  }
  entries_.insert(h);
  order_.emplace_back(now, h);
  return true;
}

}  // namespace remaphore::core
