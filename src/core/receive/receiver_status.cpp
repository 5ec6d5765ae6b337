// What a receiver says of itself to a discovery: how it filters, whether it runs a
// command, how busy it is, when it last accepted a message. Nothing of a message.
#include "core/receive/receiver.hpp"

namespace remaphore::core {

protocol::listener_status receiver::status() const {
  protocol::listener_status s;
  const auto& f = opts_.filter;
  if (f.no_destination) {
    s.filter = protocol::destination_filter::any;
  } else if (f.exact_destination) {
    s.filter = protocol::destination_filter::exact;
    s.destination = *f.exact_destination;
  } else {
    s.destination = cfg_.destination;
  }
  s.uptime_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - subscribed_at_).count();
  s.subject = live_ ? live_->subject() : std::string();
  s.verb_filter = f.verbs;
  if (f.sender) s.sender_filter = f.sender->to_base58();
  s.uuid_filter = f.uuid.has_value();
  s.command = policy_.rules().has_command;
  s.queue = queue_.size();
  s.last_accepted_ns = last_accepted_ns_;
  s.replay_record = !opts_.host_record ? "off" : host_record_failing_ ? "unusable" : "on";
  return s;
}

}  // namespace remaphore::core
