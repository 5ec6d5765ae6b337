// Server order, backoff, spread and the connect plan, with an injected random
// source and clock: every decision the client's connect and reconnect loops make.
#include <ostream>

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "nats/error.hpp"
#include "nats/proto/server_pool.hpp"

using namespace remaphore::nats;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

// The same value every time: 0 picks the low end of every range.
random_source constant(std::uint64_t v) {
  return [v] { return v; };
}

random_source seeded(std::uint64_t seed) {
  return [engine = std::mt19937_64(seed)]() mutable { return engine(); };
}

server_pool pool_of(int n, pool_settings s = {}, random_source r = constant(0)) {
  server_pool pool(s, std::move(r));
  for (int i = 0; i < n; ++i) REQUIRE(pool.add("nats://10.0.0." + std::to_string(i + 1) + ":4222"));
  return pool;
}

std::vector<std::size_t> unshuffled(std::size_t n) {
  std::vector<std::size_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

// Runs a plan to its end: every server it tries fails with `ec`; returns the steps.
std::vector<connect_plan::step> run_failing(connect_plan& plan, std::error_code ec, clock_type::time_point& now,
                                            int max_steps = 1000) {
  std::vector<connect_plan::step> steps;
  for (int i = 0; i < max_steps; ++i) {
    auto s = plan.next(now);
    steps.push_back(s);
    if (s.kind == connect_plan::step::give_up) break;
    if (s.kind == connect_plan::step::wait) now = s.until;
    if (s.kind == connect_plan::step::try_server) plan.failed(s.server, ec, "refused: " + std::to_string(s.server));
  }
  return steps;
}

int count(const std::vector<connect_plan::step>& steps, connect_plan::step::kind_t kind) {
  return static_cast<int>(std::count_if(steps.begin(), steps.end(), [&](auto& s) { return s.kind == kind; }));
}

}  // namespace

TEST_CASE("pool: configured servers in order without randomize, bad URLs are not added") {
  pool_settings s;
  s.randomize = false;
  auto pool = pool_of(3, s);
  CHECK_FALSE(pool.add("http://nope"));
  CHECK(pool.size() == 3);
  CHECK(pool.round_order(std::nullopt) == unshuffled(3));
  CHECK(pool.url(1).text() == "nats://10.0.0.2:4222");
}

TEST_CASE("pool: randomize shuffles each round, every server exactly once") {
  auto pool = pool_of(8, {}, seeded(42));
  std::set<std::vector<std::size_t>> orders;
  for (int round = 0; round < 20; ++round) {
    auto order = pool.round_order(std::nullopt);
    auto sorted = order;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == unshuffled(8));
    orders.insert(order);
  }
  CHECK(orders.size() > 10);  // 20 shuffles of 8 servers: almost surely all different
}

TEST_CASE("pool: the server just lost is tried last, in every round") {
  auto pool = pool_of(4, {}, seeded(7));
  for (int round = 0; round < 10; ++round) {
    auto order = pool.round_order(2);
    REQUIRE(order.size() == 4);
    CHECK(order.back() == 2);
  }
  auto single = pool_of(1);
  CHECK(single.round_order(0) == unshuffled(1));
}

TEST_CASE("pool: discovered servers join once, reached the way we reach our server") {
  auto pool = pool_of(1);
  auto added = pool.add_discovered({"10.0.0.1:4222", "10.0.0.9:4222", "[::1]:5222", "bad url", "10.0.0.9:4222"},
                                   transport_kind::tls);
  CHECK(added == std::vector<std::string>{"tls://10.0.0.9:4222", "tls://[::1]:5222"});
  CHECK(pool.size() == 3);
  CHECK(pool.url(1).discovered);
  CHECK(pool.add_discovered({"10.0.0.9:4222"}, transport_kind::tcp).empty());

  pool_settings s;
  s.ignore_discovered = true;
  auto fixed = pool_of(1, s);
  CHECK(fixed.add_discovered({"10.0.0.9:4222"}, transport_kind::tcp).empty());
  CHECK(fixed.size() == 1);
}

TEST_CASE("pool: backoff doubles per failed round up to the cap, plus jitter from the random source") {
  pool_settings s;
  s.reconnect_wait = 100ms;
  s.reconnect_wait_max = 1s;
  s.reconnect_jitter = 50ms;
  auto low = pool_of(1, s, constant(0));
  CHECK(low.backoff(0) == 100ms);
  CHECK(low.backoff(1) == 200ms);
  CHECK(low.backoff(3) == 800ms);
  CHECK(low.backoff(4) == 1s);
  CHECK(low.backoff(1000) == 1s);  // no overflow for long outages
  auto high = pool_of(1, s, constant(50));
  CHECK(high.backoff(0) == 150ms);
  CHECK(high.backoff(10) == 1050ms);

  auto spread_out = pool_of(1, s, seeded(1));
  std::set<long long> seen;
  for (int i = 0; i < 200; ++i) {
    auto b = spread_out.backoff(0);
    CHECK(b >= 100ms);
    CHECK(b <= 150ms);
    seen.insert(b.count());
  }
  CHECK(seen.size() > 20);
}

TEST_CASE("pool: the reconnect spread is uniform in [0, reconnect_spread], and 0 by default") {
  CHECK(pool_of(1, {}, constant(12345)).spread() == 0ms);
  pool_settings s;
  s.reconnect_spread = 30s;
  auto pool = pool_of(1, s, seeded(3));
  // A fleet of 10,000 receivers: their first attempts spread over the whole window.
  std::vector<long long> delays;
  for (int i = 0; i < 10000; ++i) {
    auto d = pool.spread();
    REQUIRE(d >= 0ms);
    REQUIRE(d <= 30s);
    delays.push_back(d.count());
  }
  std::sort(delays.begin(), delays.end());
  CHECK(delays[500] < 3000);    // 5th percentile near 1.5 s
  CHECK(delays[9500] > 27000);  // 95th near 28.5 s
  CHECK(delays[5000] > 13000);  // median near 15 s
  CHECK(delays[5000] < 17000);
  CHECK(pool_of(1, s, constant(30000)).spread() == 30s);
}

TEST_CASE("plan once: each server once in pool order, then give up, no waits") {
  auto pool = pool_of(3, {}, constant(0));
  connect_plan plan(pool, {});
  auto now = clock_type::now();
  auto steps = run_failing(plan, make_error_code(errc::connect_timeout), now);
  CHECK(count(steps, connect_plan::step::try_server) == 3);
  CHECK(count(steps, connect_plan::step::wait) == 0);
  CHECK(steps.back().kind == connect_plan::step::give_up);
}

TEST_CASE("plan once: a refusal from every server still tries each, and never stops early") {
  auto pool = pool_of(2);
  connect_plan plan(pool, {});
  auto now = clock_type::now();
  auto steps = run_failing(plan, make_error_code(errc::auth_failed), now);
  CHECK(count(steps, connect_plan::step::try_server) == 2);
  CHECK_FALSE(plan.refused_twice());
}

TEST_CASE("plan once: an unusable credentials file gives up at once, since every server would fail alike") {
  auto pool = pool_of(3);
  connect_plan plan(pool, {});
  auto now = clock_type::now();
  auto steps = run_failing(plan, make_error_code(errc::bad_creds), now);
  CHECK(count(steps, connect_plan::step::try_server) == 1);
}

TEST_CASE("plan until deadline: rounds with capped backoff, no attempt and no wait past the deadline") {
  pool_settings s;
  s.reconnect_wait = 100ms;
  s.reconnect_wait_max = 400ms;
  s.reconnect_jitter = 0ms;
  auto pool = pool_of(2, s);
  auto start = clock_type::now();
  connect_plan::settings ps;
  ps.how = connect_plan::mode::until_deadline;
  ps.deadline = start + 2s;
  connect_plan plan(pool, ps);
  auto now = start;
  auto steps = run_failing(plan, make_error_code(errc::connect_timeout), now);
  REQUIRE(steps.back().kind == connect_plan::step::give_up);
  std::vector<clock_type::duration> waits;
  for (auto& st : steps) {
    if (st.kind == connect_plan::step::wait) waits.push_back(st.until - start);
    if (st.kind == connect_plan::step::wait) CHECK(st.until <= ps.deadline);
  }
  // Waits end at 100, 300, 700, 1100, 1500, 1900 ms, then at the deadline itself.
  REQUIRE(waits.size() == 7);
  CHECK(waits[0] == 100ms);
  CHECK(waits[1] == 300ms);
  CHECK(waits[2] == 700ms);
  CHECK(waits[3] == 1100ms);
  CHECK(waits[6] == 2s);
  CHECK(count(steps, connect_plan::step::try_server) == 14);  // 7 rounds of 2 servers
}

TEST_CASE("plan until deadline: the same refusal twice in a row from a server stops retrying") {
  auto pool = pool_of(2);
  connect_plan::settings ps;
  ps.how = connect_plan::mode::until_deadline;
  ps.deadline = clock_type::now() + 1h;
  connect_plan plan(pool, ps);
  auto now = clock_type::now();
  auto steps = run_failing(plan, make_error_code(errc::auth_failed), now);
  CHECK(plan.refused_twice());
  CHECK(count(steps, connect_plan::step::try_server) == 3);  // a round, then the first server again
}

TEST_CASE("plan reconnect: a different failure in between breaks the 'in a row'") {
  pool_settings s;
  s.randomize = false;
  auto pool = pool_of(1, s);
  connect_plan::settings ps;
  ps.how = connect_plan::mode::reconnect;
  connect_plan plan(pool, ps);
  auto now = clock_type::now();
  auto next_try = [&] {
    for (;;) {
      auto st = plan.next(now);
      if (st.kind == connect_plan::step::wait) {
        now = st.until;
        continue;
      }
      return st;
    }
  };
  REQUIRE(next_try().kind == connect_plan::step::try_server);
  plan.failed(0, make_error_code(errc::auth_failed), "Authorization Violation");
  REQUIRE(next_try().kind == connect_plan::step::try_server);
  plan.failed(0, make_error_code(errc::connect_timeout), "no answer");
  REQUIRE(next_try().kind == connect_plan::step::try_server);
  plan.failed(0, make_error_code(errc::auth_failed), "Authorization Violation");
  CHECK_FALSE(plan.refused_twice());
  REQUIRE(next_try().kind == connect_plan::step::try_server);
  plan.failed(0, make_error_code(errc::auth_failed), "Authorization Violation");
  CHECK(plan.refused_twice());
  CHECK(plan.next(now).kind == connect_plan::step::give_up);
}

TEST_CASE("plan reconnect: success clears a server's refusal, so a later refusal is a first one") {
  auto pool = pool_of(1);
  {
    connect_plan::settings ps;
    ps.how = connect_plan::mode::reconnect;
    connect_plan plan(pool, ps);
    auto now = clock_type::now();
    REQUIRE(plan.next(now).kind == connect_plan::step::try_server);
    plan.failed(0, make_error_code(errc::auth_failed), "Authorization Violation");
    now = plan.next(now).until;
    REQUIRE(plan.next(now).kind == connect_plan::step::try_server);
    plan.succeeded(0);
  }
  connect_plan::settings ps;
  ps.how = connect_plan::mode::reconnect;
  connect_plan plan(pool, ps);
  REQUIRE(plan.next(clock_type::now()).kind == connect_plan::step::try_server);
  plan.failed(0, make_error_code(errc::auth_failed), "Authorization Violation");
  CHECK_FALSE(plan.refused_twice());
}

TEST_CASE("plan reconnect: the spread comes first, the lost server last, and it never gives up on its own") {
  pool_settings s;
  s.randomize = false;
  s.reconnect_wait_max = 2s;
  auto pool = pool_of(3, s);
  connect_plan::settings ps;
  ps.how = connect_plan::mode::reconnect;
  ps.lost = 0;
  ps.first_delay = 1500ms;
  connect_plan plan(pool, ps);
  auto start = clock_type::now();
  auto first = plan.next(start);
  REQUIRE(first.kind == connect_plan::step::wait);
  CHECK(first.until - start == 1500ms);
  auto now = first.until;
  auto steps = run_failing(plan, make_error_code(errc::connect_timeout), now, 400);
  CHECK(steps.back().kind != connect_plan::step::give_up);
  REQUIRE(steps.size() >= 3);
  CHECK(steps[0].server == 1);
  CHECK(steps[1].server == 2);
  CHECK(steps[2].server == 0);
}
