#include "core/lock/lease.hpp"

#include <algorithm>

namespace remaphore::core::lock {

using namespace std::chrono_literals;

lease_times lease_times::for_lease(std::chrono::nanoseconds lease) {
  lease_times t;
  t.lease = lease;
  t.renew_every = lease / 5;
  t.margin = lease / 5;
  // At most 2s between SIGTERM and SIGKILL, as for receivers; less on short leases,
  // where the grace comes out of the time a renewal has to get through.
  t.grace = std::min<std::chrono::nanoseconds>(lease / 5, 2s);
  t.write_timeout = std::clamp<std::chrono::nanoseconds>(lease / 5, 200ms, 2s);
  return t;
}

lease_schedule::lease_schedule(lease_times t, steady::time_point granted_sent)
    : times_(t), last_acked_sent_(granted_sent), next_renewal_(granted_sent + t.renew_every) {}

bool lease_schedule::acknowledged(steady::time_point sent, steady::time_point acked) {
  // After end_by the command is being ended: nothing brings the lease back, and an
  // acknowledgement this late may be of a write the stream applied after the record
  // it renews had expired somewhere.
  if (acked >= end_by()) return false;
  last_acked_sent_ = std::max(last_acked_sent_, sent);
  return true;
}

void lease_schedule::sent(steady::time_point sent, bool retry_soon) {
  // A failed renewal is tried again soon: a handful of tries fit before end_by.
  next_renewal_ = sent + (retry_soon ? times_.renew_every / 4 : times_.renew_every);
}

}  // namespace remaphore::core::lock
