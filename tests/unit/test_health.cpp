// The health check of a live connection, on a simulated clock: when PINGs go out,
// when a silent server is declared stale, when a write is declared stuck.
#include <ostream>

#include <doctest/doctest.h>

#include "nats/proto/health.hpp"

using namespace remaphore::nats;
using namespace std::chrono_literals;
using verdict = health_check::verdict;

namespace {

// Follows next_check() with a server that never answers; returns when it went stale.
std::chrono::milliseconds time_to_stale(const health_settings& s) {
  auto start = health_check::clock::now();
  health_check h(s, start);
  auto now = start;
  for (int i = 0; i < 10000; ++i) {
    now = h.next_check(now);
    if (h.check(now) == verdict::stale) return std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
  }
  FAIL("never stale");
  return {};
}

}  // namespace

TEST_CASE("health: by default a server that stops answering is noticed within 30 s") {
  health_settings defaults;
  CHECK(health_check::stale_after(defaults) <= 30s);
  CHECK(time_to_stale(defaults) <= 30s);
  CHECK(time_to_stale(defaults) >= 20s);  // not so eager that one slow PONG drops a connection
}

TEST_CASE("health: PINGs every interval, a PONG resets the count") {
  health_settings s{100ms, 2, 10s};
  auto t0 = health_check::clock::now();
  health_check h(s, t0);
  CHECK(h.next_check(t0) == t0 + 100ms);
  CHECK(h.check(t0 + 50ms) == verdict::fine);
  CHECK(h.check(t0 + 100ms) == verdict::send_ping);
  CHECK(h.pings_out() == 1);
  CHECK(h.check(t0 + 150ms) == verdict::fine);
  CHECK(h.check(t0 + 200ms) == verdict::send_ping);
  h.pong_received();
  CHECK(h.pings_out() == 0);
  CHECK(h.check(t0 + 300ms) == verdict::send_ping);
  CHECK(h.check(t0 + 400ms) == verdict::send_ping);
  CHECK(h.check(t0 + 500ms) == verdict::stale);
  CHECK(time_to_stale(s) == health_check::stale_after(s));
}

TEST_CASE("health: a write that does not complete within write_timeout is stuck, long before PINGs go stale") {
  health_settings s{10s, 2, 500ms};
  auto t0 = health_check::clock::now();
  health_check h(s, t0);
  // Idle, the check still comes at least every write_timeout.
  CHECK(h.next_check(t0) == t0 + 500ms);
  CHECK(h.check(t0 + 500ms) == verdict::fine);
  h.write_started(t0 + 700ms);
  CHECK(h.next_check(t0 + 900ms) == t0 + 1200ms);
  CHECK(h.check(t0 + 1100ms) == verdict::fine);
  CHECK(h.check(t0 + 1200ms) == verdict::write_stuck);
  h.write_finished();
  CHECK(h.check(t0 + 1300ms) == verdict::fine);
}

TEST_CASE("health: a write started while the check sleeps is caught at its own deadline") {
  health_settings s{10s, 2, 500ms};
  auto t0 = health_check::clock::now();
  health_check h(s, t0);
  auto wake = h.next_check(t0);  // the session sleeps until t0 + 500 ms
  h.write_started(t0 + 100ms);   // meanwhile a write starts and gets stuck
  CHECK(h.check(wake) == verdict::fine);
  wake = h.next_check(wake);
  CHECK(wake == t0 + 600ms);
  CHECK(h.check(wake) == verdict::write_stuck);
}
