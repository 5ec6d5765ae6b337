// The holder's view of its lease, as a pure step on an injected clock (steady time
// points given by the caller), so that every rule below is tested without a server.
//
// Flow: a grant starts the schedule from the send time of the write that took the
// slot. Each renewal the holder sends is reported with its send time; when its
// acknowledgement arrives before the holder has begun to end its command, the lease
// is extended to that send time + lease. An acknowledgement that comes later, or
// none (an ambiguous write: it may have been stored), extends nothing.
//
// Why the send time: the stream stamps a record when it stores it, after we sent it,
// and every replica removes it max_age after that stamp by its own clock. Counting
// from the send time on our own monotonic clock can only make us end earlier than
// any replica frees the slot; the margin covers replica clocks that run ahead
// (nats-server #3653) and our own scheduling.
//
// Times, for a lease L:            renew every L/5, each write bounded by write_timeout
//   deadline = last send + L - L/5 the command's process group has exited by then
//   end_by   = deadline - grace    SIGTERM to the group; SIGKILL at the deadline
#pragma once
#include <chrono>

namespace remaphore::core::lock {

using steady = std::chrono::steady_clock;

struct lease_times {
  std::chrono::nanoseconds lease{0};
  std::chrono::nanoseconds renew_every{0};
  std::chrono::nanoseconds margin{0};
  std::chrono::nanoseconds grace{0};          // SIGTERM to SIGKILL
  std::chrono::nanoseconds write_timeout{0};  // one write's wait for its acknowledgement
  static lease_times for_lease(std::chrono::nanoseconds lease);
};

class lease_schedule {
 public:
  lease_schedule(lease_times t, steady::time_point granted_sent);

  // A renewal sent at `sent` was acknowledged at `acked`. True when that extended
  // the lease (it came before end_by()); false when it came too late to count.
  bool acknowledged(steady::time_point sent, steady::time_point acked);
  // A renewal was sent at `sent` (acknowledged or not): the next one is due a
  // renewal period later, or sooner when it failed (retry_soon).
  void sent(steady::time_point sent, bool retry_soon);

  steady::time_point deadline() const { return last_acked_sent_ + times_.lease - times_.margin; }
  steady::time_point end_by() const { return deadline() - times_.grace; }
  steady::time_point next_renewal() const { return next_renewal_; }
  bool lost(steady::time_point now) const { return now >= end_by(); }
  const lease_times& times() const { return times_; }

 private:
  lease_times times_;
  steady::time_point last_acked_sent_;
  steady::time_point next_renewal_;
};

}  // namespace remaphore::core::lock
