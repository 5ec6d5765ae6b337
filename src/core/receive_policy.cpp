#include "core/receive_policy.hpp"

namespace remaphore::core {

const char* to_string(action a) {
  switch (a) {
    case action::none: return "none";
    case action::answer: return "answer";
    case action::enqueue: return "enqueue";
    case action::queue_full: return "queue full";
    case action::finish: return "finish";
  }
  return "unknown";
}

action receive_policy::on_accepted(const accepted_message& m, std::size_t queued) {
  ++accepted_;
  const bool request = m.fields.request;
  if (rules_.count > 0) {
    senders_.insert(m.sender.bytes);
    if (senders_.size() >= rules_.count) return action::finish;
    // Before the barrier opens the command does not run; a request is still
    // answered when there is no command, so the requester hears from us.
    return request && !rules_.has_command ? action::answer : action::none;
  }
  if (rules_.once) return action::finish;
  if (!rules_.has_command) return request ? action::answer : action::none;
  return queued >= rules_.queue_limit ? action::queue_full : action::enqueue;
}

outcome receive_policy::on_deadline() const {
  if (rules_.count > 0) return outcome::timed_out;  // the barrier did not open
  return accepted_ > 0 ? outcome::done : outcome::timed_out;
}

}  // namespace remaphore::core
