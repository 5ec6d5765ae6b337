#include "nats/proto/health.hpp"

#include <algorithm>

namespace remaphore::nats {

health_check::clock::time_point health_check::next_check(clock::time_point now) const {
  auto t = std::min(next_ping_, now + settings_.write_timeout);
  if (writing_) t = std::min(t, write_started_ + settings_.write_timeout);
  return t;
}

health_check::verdict health_check::check(clock::time_point now) {
  if (writing_ && now - write_started_ >= settings_.write_timeout) return verdict::write_stuck;
  if (now < next_ping_) return verdict::fine;
  if (pings_out_ >= settings_.max_pings_out) return verdict::stale;
  ++pings_out_;
  next_ping_ = now + settings_.ping_interval;
  return verdict::send_ping;
}

}  // namespace remaphore::nats
