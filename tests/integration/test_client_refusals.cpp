// What the server refused reaches the client's user: a real nats-server whose users
// have publish and subscribe deny lists answers with asynchronous -ERRs
// ('Permissions Violation for Publish to "X"', '... for Subscription to "X"') and
// keeps the connection; the flush after the command, the refused subscription and a
// connect() that carried a publish fail with errc::permission_denied and the
// server's words. A publish over the server's max_payload is refused before it is
// written, also when it was queued before connect().
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "nats/client.hpp"
#include "nats/error.hpp"
#include "support/coro.hpp"
#include "support/nats_server.hpp"

namespace asio = boost::asio;
using asio::awaitable;
using namespace std::chrono_literals;
using remaphore::nats::client;
using remaphore::nats::diagnostic;
using remaphore::nats::errc;
using remaphore::nats::message;
using remaphore::nats::options;
using remaphore::test::nats_server;
using remaphore::test::run_coro;

namespace {

// User a may not publish to secret.> or remaphore.all, nor subscribe to secret.> or
// _INBOX.>; user open may do anything.
const std::string deny_lists = R"(authorization { users = [
  { user: a, password: b, permissions: {
      publish: { deny: ["secret.>", "remaphore.all"] },
      subscribe: { deny: ["secret.>", "_INBOX.>"] } } },
  { user: open, password: b }
] })";

options as_user(const nats_server& server, const std::string& user) {
  options o;
  o.servers = {server.url()};
  o.auth.user = user;
  o.auth.password = "b";
  o.reconnect_wait = 50ms;
  o.reconnect_wait_max = 200ms;
  return o;
}

}  // namespace

TEST_CASE("client refusals: a flush fails with permission_denied and the server's words after a refused publish") {
  nats_server server(deny_lists);
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    client c(ioc.get_executor(), as_user(server, "a"));
    REQUIRE_FALSE(co_await c.connect());
    REQUIRE_FALSE(c.publish("secret.x", "not allowed"));
    diagnostic why;
    const auto ec = co_await c.flush(2s, why);
    CHECK(ec == errc::permission_denied);
    CHECK(why.reason == "Permissions Violation for Publish to \"secret.x\"");
    CHECK(why.server == server.url());
    CHECK(c.connected());  // the server keeps the connection
    // Reported once: what follows is confirmed again.
    CHECK_FALSE(co_await c.flush(2s));
    auto sub = c.subscribe("open.x");
    REQUIRE_FALSE(co_await c.flush(2s));
    REQUIRE_FALSE(c.publish("open.x", "allowed"));
    message m;
    CHECK_FALSE(co_await c.next_msg(sub, m, 2s));
    CHECK(m.payload == "allowed");
    co_await c.close();
  });
}

TEST_CASE("client refusals: a refused subscription fails the flush after it and every subscription to that subject") {
  nats_server server(deny_lists);
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    client c(ioc.get_executor(), as_user(server, "a"));
    REQUIRE_FALSE(co_await c.connect());
    auto refused1 = c.subscribe("secret.a");
    auto refused2 = c.subscribe("secret.a");
    auto allowed = c.subscribe("open.a");
    diagnostic why;
    const auto ec = co_await c.flush(2s, why);
    CHECK(ec == errc::permission_denied);
    CHECK(why.reason == "Permissions Violation for Subscription to \"secret.a\"");
    message m;
    for (const auto& sub : {refused1, refused2}) {
      const auto got = co_await c.next_msg(sub, m, 2s);
      CHECK(got == errc::permission_denied);
      CHECK(sub->failure().reason == "Permissions Violation for Subscription to \"secret.a\"");
    }
    REQUIRE_FALSE(c.publish("open.a", "heard"));
    const auto got = co_await c.next_msg(allowed, m, 2s);
    CHECK_FALSE(got);
    CHECK(allowed->failure().error == std::error_code());
    co_await c.close();
  });
}

TEST_CASE("client refusals: a resubscription the server refuses after a reconnect ends the subscription") {
  auto first = std::make_unique<nats_server>("authorization { users = [ { user: a, password: b } ] }");
  const int port = first->port();
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    client c(ioc.get_executor(), as_user(*first, "a"));
    REQUIRE_FALSE(co_await c.connect());
    auto sub = c.subscribe("x.y");
    REQUIRE_FALSE(co_await c.flush(2s));
    // The same address, now with permissions that exclude x.y.
    first.reset();
    nats_server second(
        "authorization { users = [ { user: a, password: b, permissions: { subscribe: { deny: [\"x.>\"] } } } ] }", {},
        port);
    message m;
    const auto start = std::chrono::steady_clock::now();
    const auto ec = co_await c.next_msg(sub, m, 10s);
    CHECK(ec == errc::permission_denied);
    CHECK(std::chrono::steady_clock::now() - start < 8s);
    CHECK(c.reconnects() == 1);
    CHECK(sub->failure().reason == "Permissions Violation for Subscription to \"x.y\"");
    co_await c.close();
  });
}

TEST_CASE("client refusals: a publish queued before connect() and refused fails connect() with the server's words") {
  nats_server server(deny_lists);
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    client c(ioc.get_executor(), as_user(server, "a"));
    REQUIRE_FALSE(c.publish("remaphore.all", "with CONNECT"));
    const auto ec = co_await c.connect();
    CHECK(ec == errc::permission_denied);
    CHECK(c.last_error().reason == "Permissions Violation for Publish to \"remaphore.all\"");
    CHECK(c.last_error().server == server.url());
    CHECK_FALSE(c.connected());
    // Allowed, the same path succeeds.
    client ok(ioc.get_executor(), as_user(server, "open"));
    REQUIRE_FALSE(ok.publish("remaphore.all", "with CONNECT"));
    CHECK_FALSE(co_await ok.connect());
    co_await ok.close();
  });
}

TEST_CASE("client refusals: a publish queued before connect() over the server's max_payload is never written") {
  nats_server server("max_payload: 1000");
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    options o;
    o.servers = {server.url()};
    client watcher(ioc.get_executor(), o);
    REQUIRE_FALSE(co_await watcher.connect());
    auto sub = watcher.subscribe("big");
    REQUIRE_FALSE(co_await watcher.flush(2s));

    client c(ioc.get_executor(), o);
    REQUIRE_FALSE(c.publish("big", std::string(2000, 'x')));  // its limit is not known yet
    const auto ec = co_await c.connect();
    CHECK(ec == errc::max_payload_exceeded);
    const auto& why = c.last_error().reason;
    INFO(why);
    CHECK(why.find("2000 bytes") != std::string::npos);
    CHECK(why.find("max_payload of 1000 bytes") != std::string::npos);
    message m;
    CHECK(co_await watcher.next_msg(sub, m, 300ms) == errc::timeout);
    // Connected, the limit is known: refused at once.
    client d(ioc.get_executor(), o);
    REQUIRE_FALSE(co_await d.connect());
    CHECK(d.publish("big", std::string(1001, 'x')) == errc::max_payload_exceeded);
    CHECK_FALSE(d.publish("big", std::string(1000, 'x')));
    CHECK_FALSE(co_await d.flush(2s));
    co_await d.close();
    co_await watcher.close();
  });
}

TEST_CASE("client refusals: request() fails at once when the server refuses its reply subscription") {
  nats_server server(deny_lists);
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    client c(ioc.get_executor(), as_user(server, "a"));
    REQUIRE_FALSE(co_await c.connect());
    message reply;
    const auto start = std::chrono::steady_clock::now();
    const auto ec = co_await c.request("svc.echo", "anyone?", reply, 10s);
    CHECK(ec == errc::permission_denied);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    co_await c.close();
  });
}
