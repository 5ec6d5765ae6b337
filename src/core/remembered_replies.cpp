#include "core/remembered_replies.hpp"

namespace remaphore::core {

void remembered_replies::forget_oldest() {
  auto it = replies_.find(order_.front().second);
  if (it != replies_.end()) {
    bytes_ -= it->second.size();
    replies_.erase(it);
  }
  order_.pop_front();
}

void remembered_replies::expire(clock::time_point now) {
  while (!order_.empty() && now - order_.front().first > window_) forget_oldest();
}

void remembered_replies::remember(const hash& request, std::string reply, clock::time_point now) {
  expire(now);
  if (reply.size() > max_bytes_ || replies_.contains(request)) return;
  while (!order_.empty() && (replies_.size() >= max_entries_ || bytes_ + reply.size() > max_bytes_)) forget_oldest();
  bytes_ += reply.size();
  replies_.emplace(request, std::move(reply));
  order_.emplace_back(now, request);
}

std::optional<std::string> remembered_replies::find(const hash& request, clock::time_point now) {
  expire(now);
  auto it = replies_.find(request);
  if (it == replies_.end()) return std::nullopt;
  return it->second;
}

}  // namespace remaphore::core
