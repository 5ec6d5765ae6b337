// The holder's lease on an injected clock: only an acknowledgement that comes in time
// extends it, from the send time of its write; an ambiguous write extends nothing.
#include <doctest/doctest.h>

#include "core/lock/lease.hpp"

using namespace remaphore::core::lock;
using namespace std::chrono_literals;

namespace {
const steady::time_point t0{std::chrono::hours(1)};
}

TEST_CASE("lock lease: the times follow from the lease") {
  auto t = lease_times::for_lease(15s);
  CHECK(t.renew_every == 3s);
  CHECK(t.margin == 3s);
  CHECK(t.grace == 2s);
  CHECK(t.write_timeout == 2s);
  auto short_lease = lease_times::for_lease(2s);
  CHECK(short_lease.grace == 400ms);
  CHECK(short_lease.write_timeout == 400ms);
}

TEST_CASE("lock lease: the group is ended before the lease, counted from the granting write's send time") {
  lease_schedule s(lease_times::for_lease(15s), t0);
  CHECK(s.deadline() == t0 + 12s);  // 15s - 3s margin
  CHECK(s.end_by() == t0 + 10s);    // - 2s grace: SIGTERM then
  CHECK(s.next_renewal() == t0 + 3s);
  CHECK_FALSE(s.lost(t0 + 9999ms));
  CHECK(s.lost(t0 + 10s));
}

TEST_CASE("lock lease: an acknowledged renewal extends the lease from its send time, not its ack") {
  lease_schedule s(lease_times::for_lease(15s), t0);
  s.sent(t0 + 3s, false);
  CHECK(s.acknowledged(t0 + 3s, t0 + 4s));
  CHECK(s.deadline() == t0 + 15s);
  CHECK(s.next_renewal() == t0 + 6s);
}

TEST_CASE("lock lease: an ambiguous renewal (no ack) extends nothing and is retried soon") {
  lease_schedule s(lease_times::for_lease(15s), t0);
  s.sent(t0 + 3s, true);  // sent, no acknowledgement
  CHECK(s.deadline() == t0 + 12s);
  CHECK(s.next_renewal() < t0 + 6s);
  // Every further try fails too: the lease ends where the last acknowledged write put it.
  for (auto at = t0 + 3s; at < s.end_by(); at = s.next_renewal()) s.sent(at, true);
  CHECK(s.lost(t0 + 10s));
  CHECK(s.end_by() == t0 + 10s);
}

TEST_CASE("lock lease: an acknowledgement after end_by does not bring the lease back") {
  lease_schedule s(lease_times::for_lease(15s), t0);
  CHECK_FALSE(s.acknowledged(t0 + 9s, t0 + 10s));  // sent in time, acknowledged too late
  CHECK(s.deadline() == t0 + 12s);
  CHECK(s.lost(t0 + 10s));
}

TEST_CASE("lock lease: an older acknowledgement never shortens the lease") {
  lease_schedule s(lease_times::for_lease(15s), t0);
  CHECK(s.acknowledged(t0 + 6s, t0 + 6100ms));
  CHECK(s.acknowledged(t0 + 3s, t0 + 6200ms));  // a slow ack of an earlier write
  CHECK(s.deadline() == t0 + 18s);
}
