#include "core/receive/receive_policy.hpp"

namespace remaphore::core {

decision receive_policy::on_accepted(const accepted_message& m, std::size_t queued) {
  ++accepted_;
  decision d;
  d.what = next_step(m, queued);
  d.how.run_command = rules_.has_command;
  d.how.reply = m.fields.request;
  return d;
}

action receive_policy::next_step(const accepted_message& m, std::size_t queued) {
  const bool request = m.fields.request;
  if (rules_.count > 0) {
    // By host: one that re-keyed during the wait (its two keys listed) counts once.
    senders_.insert(m.peer ? m.peer->pub.bytes : m.sender.bytes);
    if (senders_.size() >= rules_.count) return action::finish;
    // Before the barrier opens the command does not run; a request is still
    // answered when there is no command, so the requester hears from us.
    return request && !rules_.has_command ? action::handle_now : action::none;
  }
  if (rules_.once) return action::finish;
  if (!rules_.has_command) return request ? action::handle_now : action::none;
  return queued >= rules_.queue_limit ? action::queue_full : action::enqueue;
}

outcome receive_policy::on_deadline() const {
  if (rules_.count > 0) return outcome::timed_out;  // the barrier did not open
  return accepted_ > 0 ? outcome::done : outcome::timed_out;
}

}  // namespace remaphore::core
