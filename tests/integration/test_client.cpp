// The NATS client against a real nats-server on a free loopback port.
#include <doctest/doctest.h>

#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <memory>
#include <vector>

#include "nats/client.hpp"
#include "nats/error.hpp"
#include "support/coro.hpp"
#include "support/nats_server.hpp"

namespace asio = boost::asio;
using asio::awaitable;
using namespace std::chrono_literals;
using remaphore::nats::client;
using remaphore::nats::conn_event;
using remaphore::nats::conn_event_kind;
using remaphore::nats::errc;
using remaphore::nats::message;
using remaphore::nats::options;
using remaphore::test::fixed_port;
using remaphore::test::nats_server;
using remaphore::test::run_coro;

namespace {

options opts_for(std::initializer_list<std::string> urls) {
  options o;
  o.servers = urls;
  o.connect_timeout = 2s;
  return o;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

}  // namespace

TEST_CASE("client: publish and subscribe round trip, wildcards, big payload, headers") {
  nats_server server;
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    client c(ioc.get_executor(), opts_for({server.url()}));
    REQUIRE_FALSE(co_await c.connect());
    CHECK(c.connected());
    auto exact = c.subscribe("t.one");
    auto star = c.subscribe("t.*");
    auto full = c.subscribe("t.>");
    REQUIRE_FALSE(co_await c.flush(2s));
    REQUIRE_FALSE(c.publish("t.one", "hello"));
    REQUIRE_FALSE(c.publish("t.two.deep", "deep"));
    message m;
    REQUIRE_FALSE(co_await c.next_msg(exact, m, 2s));
    CHECK(m.subject == "t.one");
    CHECK(m.payload == "hello");
    REQUIRE_FALSE(co_await c.next_msg(star, m, 2s));
    CHECK(m.payload == "hello");
    REQUIRE_FALSE(co_await c.next_msg(full, m, 2s));
    CHECK(m.payload == "hello");
    REQUIRE_FALSE(co_await c.next_msg(full, m, 2s));
    CHECK(m.subject == "t.two.deep");
    CHECK(co_await c.next_msg(star, m, 200ms) == errc::timeout);  // t.* does not match two segments

    // A 1 MiB payload (the server's default max_payload) arrives intact.
    std::string big(c.info().max_payload, 'x');
    for (std::size_t i = 0; i < big.size(); i += 997) big[i] = static_cast<char>('a' + i % 26);
    REQUIRE_FALSE(c.publish("t.one", big));
    REQUIRE_FALSE(co_await c.next_msg(exact, m, 5s));
    CHECK(m.payload == big);
    CHECK(c.publish("t.one", big + "y") == errc::max_payload_exceeded);

    // Headers.
    REQUIRE_FALSE(c.publish("t.one", "body", {}, "NATS/1.0\r\nX-Test: 1\r\n\r\n"));
    REQUIRE_FALSE(co_await c.next_msg(exact, m, 2s));
    CHECK(m.payload == "body");
    CHECK(m.headers.find("X-Test: 1") != std::string::npos);
    co_await c.close();
    CHECK(c.is_closed());
  });
}

TEST_CASE("client: request/reply, no responders, auto-unsubscribe") {
  nats_server server;
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    client responder(ioc.get_executor(), opts_for({server.url()}));
    client requester(ioc.get_executor(), opts_for({server.url()}));
    REQUIRE_FALSE(co_await responder.connect());
    REQUIRE_FALSE(co_await requester.connect());
    auto svc = responder.subscribe("svc.echo", 2);
    REQUIRE_FALSE(co_await responder.flush(2s));
    asio::co_spawn(
        ioc,
        [&]() -> awaitable<void> {
          message m;
          while (!co_await responder.next_msg(svc, m, 5s)) responder.publish(m.reply, "re:" + m.payload);
        },
        asio::detached);
    message reply;
    REQUIRE_FALSE(co_await requester.request("svc.echo", "one", reply, 2s));
    CHECK(reply.payload == "re:one");
    REQUIRE_FALSE(co_await requester.request("svc.echo", "two", reply, 2s));
    CHECK(reply.payload == "re:two");
    // The responder auto-unsubscribed after 2 messages: now nobody listens.
    CHECK(co_await requester.request("svc.echo", "three", reply, 2s) == errc::no_responders);
    co_await responder.close();
    co_await requester.close();
  });
}

TEST_CASE("client: a listener that never speaks fails with a timeout within the bound") {
  asio::io_context acceptor_ctx;
  asio::ip::tcp::acceptor acceptor(acceptor_ctx, {asio::ip::make_address("127.0.0.1"), 0});
  int port = acceptor.local_endpoint().port();
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    auto o = opts_for({"nats://127.0.0.1:" + std::to_string(port)});
    o.connect_timeout = 500ms;
    client c(ioc.get_executor(), o);
    auto start = std::chrono::steady_clock::now();
    auto ec = co_await c.connect();
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(ec == errc::connect_timeout);
    CHECK(took < 3s);
    CHECK(c.last_error().text().find("no answer") != std::string::npos);
  });
}

TEST_CASE("client: nothing listening is a clear error") {
  int port = remaphore::test::free_port();
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    client c(ioc.get_executor(), opts_for({"nats://127.0.0.1:" + std::to_string(port)}));
    auto ec = co_await c.connect();
    CHECK(ec);
    CHECK(c.last_error().text().find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
  });
}

TEST_CASE("client: kill -9 the server, restart it on the same port: reconnect and resubscribe") {
  nats_server server{{}, {}, fixed_port()};  // started again below
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    auto o = opts_for({server.url()});
    o.reconnect_wait = 50ms;
    o.reconnect_wait_max = 200ms;
    client c(ioc.get_executor(), o);
    REQUIRE_FALSE(co_await c.connect());
    auto sub = c.subscribe("after.restart");
    REQUIRE_FALSE(co_await c.flush(2s));
    server.kill9();
    asio::steady_timer t(ioc, 300ms);
    co_await t.async_wait(asio::use_awaitable);
    server.start();
    for (int i = 0; i < 100 && c.reconnects() == 0; ++i) {
      t.expires_after(50ms);
      co_await t.async_wait(asio::use_awaitable);
    }
    REQUIRE(c.reconnects() == 1);
    REQUIRE_FALSE(co_await c.flush(2s));  // our SUB is in place before we publish
    REQUIRE_FALSE(c.publish("after.restart", "still here"));
    message m;
    REQUIRE_FALSE(co_await c.next_msg(sub, m, 3s));
    CHECK(m.payload == "still here");
    co_await c.close();
  });
}

TEST_CASE("client: drain_and_close sends what was published and keeps what had arrived") {
  nats_server server;
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    client sender(ioc.get_executor(), opts_for({server.url()}));
    client receiver(ioc.get_executor(), opts_for({server.url()}));
    REQUIRE_FALSE(co_await sender.connect());
    REQUIRE_FALSE(co_await receiver.connect());
    auto to_receiver = receiver.subscribe("drain.in");
    auto from_sender = receiver.subscribe("drain.out");
    REQUIRE_FALSE(co_await receiver.flush(2s));

    // Messages for the receiver, published and flushed before it drains.
    for (int i = 0; i < 3; ++i) REQUIRE_FALSE(sender.publish("drain.in", "in" + std::to_string(i)));
    REQUIRE_FALSE(co_await sender.flush(2s));
    // The sender publishes and drains at once: nothing it published may be lost.
    constexpr int n = 1000;
    for (int i = 0; i < n; ++i) REQUIRE_FALSE(sender.publish("drain.out", std::to_string(i)));
    co_await sender.drain_and_close(2s);
    CHECK(sender.is_closed());
    CHECK(sender.publish("drain.out", "late") == errc::connection_closed);

    message m;
    int got = 0;
    while (got < n && !co_await receiver.next_msg(from_sender, m, 2s)) {
      CHECK(m.payload == std::to_string(got));
      ++got;
    }
    CHECK(got == n);

    // The receiver drains: what had arrived is still read, then the subscription ends.
    co_await receiver.drain_and_close(2s);
    for (int i = 0; i < 3; ++i) {
      REQUIRE_FALSE(co_await receiver.next_msg(to_receiver, m, 1s));
      CHECK(m.payload == "in" + std::to_string(i));
    }
    CHECK(co_await receiver.next_msg(to_receiver, m, 1s) == errc::connection_closed);
  });
}

TEST_CASE("client: a failed connect names every server tried, each with its reason once") {
  std::string dead1 = "nats://127.0.0.1:" + std::to_string(remaphore::test::free_port());
  std::string dead2 = "nats://127.0.0.1:" + std::to_string(remaphore::test::free_port());
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    std::vector<conn_event> events;
    auto o = opts_for({dead1, dead2});
    o.on_event = [&](const conn_event& e) { events.push_back(e); };
    client c(ioc.get_executor(), o);
    auto start = std::chrono::steady_clock::now();
    auto ec = co_await c.connect();
    CHECK(std::chrono::steady_clock::now() - start < 1s);  // without retry: each server once, at once
    CHECK(ec == std::errc::connection_refused);
    std::string text = c.last_error().text();
    INFO(text);
    CHECK(occurrences(text, dead1) == 1);
    CHECK(occurrences(text, dead2) == 1);
    std::string refused = std::make_error_code(std::errc::connection_refused).message();
    CHECK(occurrences(text, refused) == 2);
    CHECK(c.last_error().attempts.size() == 2);
    CHECK(std::count_if(events.begin(), events.end(),
                        [](auto& e) { return e.kind == conn_event_kind::connect_failed; }) == 2);
  });
}

TEST_CASE("client: connect retry keeps trying until a server comes up") {
  nats_server server{{}, {}, fixed_port()};  // started again below
  server.stop();
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    std::vector<conn_event> failed;
    auto o = opts_for({server.url()});
    o.connect_retry_until = std::chrono::steady_clock::now() + 20s;
    o.reconnect_wait = 50ms;
    o.reconnect_wait_max = 200ms;
    o.on_event = [&](const conn_event& e) {
      if (e.kind == conn_event_kind::connect_failed) failed.push_back(e);
    };
    asio::co_spawn(
        ioc,
        [&]() -> awaitable<void> {
          // Up only after the client failed twice: it must have retried.
          for (int i = 0; i < 500 && failed.size() < 2; ++i) co_await sleep_for(10ms);
          server.start();
        },
        asio::detached);
    client c(ioc.get_executor(), o);
    REQUIRE_FALSE(co_await c.connect());
    CHECK(c.connected());
    CHECK(failed.size() >= 2);
    for (auto& e : failed) CHECK(e.server == server.url());
    CHECK(c.last_error().text().empty());
    co_await c.close();
  });
}

TEST_CASE("client: connect retry gives up at its deadline with each server's reason") {
  std::string dead1 = "nats://127.0.0.1:" + std::to_string(remaphore::test::free_port());
  std::string dead2 = "nats://127.0.0.1:" + std::to_string(remaphore::test::free_port());
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    int attempts = 0;
    auto o = opts_for({dead1, dead2});
    auto start = std::chrono::steady_clock::now();
    o.connect_retry_until = start + 1500ms;
    o.reconnect_wait = 50ms;
    o.reconnect_wait_max = 300ms;
    o.on_event = [&](const conn_event& e) { attempts += e.kind == conn_event_kind::connect_failed; };
    client c(ioc.get_executor(), o);
    auto ec = co_await c.connect();
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(ec == std::errc::connection_refused);
    CHECK(took >= 1400ms);
    CHECK(took < 3s);
    CHECK(attempts >= 6);
    std::string text = c.last_error().text();
    INFO(text);
    CHECK(occurrences(text, dead1) == 1);
    CHECK(occurrences(text, dead2) == 1);
  });
}

TEST_CASE("client: reconnect_spread keeps a fleet that lost its server from coming back in step") {
  nats_server server{{}, {}, fixed_port()};  // started again below
  constexpr int fleet = 20;
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    std::vector<std::chrono::steady_clock::time_point> back;
    auto o = opts_for({server.url()});
    o.reconnect_wait = 20ms;
    o.reconnect_wait_max = 100ms;
    o.reconnect_spread = 2s;
    o.on_event = [&](const conn_event& e) {
      if (e.kind == conn_event_kind::reconnected) back.push_back(std::chrono::steady_clock::now());
    };
    std::vector<std::unique_ptr<client>> clients;
    for (int i = 0; i < fleet; ++i) {
      clients.push_back(std::make_unique<client>(ioc.get_executor(), o));
      REQUIRE_FALSE(co_await clients.back()->connect());
    }
    server.kill9();
    server.start();
    for (int i = 0; i < 400 && back.size() < fleet; ++i) co_await sleep_for(10ms);
    REQUIRE(back.size() == fleet);
    auto [first, last] = std::minmax_element(back.begin(), back.end());
    // Uniform over 2 s: 20 clients all within 0.5 s of each other is a chance of ~1e-6.
    CHECK(*last - *first > 500ms);
    for (auto& c : clients) co_await c->close();
  });
}

TEST_CASE("client: a publish queued before connect goes with the handshake, confirmed by its PONG") {
  nats_server server;
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    client watcher(ioc.get_executor(), opts_for({server.url()}));
    REQUIRE_FALSE(co_await watcher.connect());
    auto sub = watcher.subscribe("early.one");
    REQUIRE_FALSE(co_await watcher.flush(2s));

    client c(ioc.get_executor(), opts_for({server.url()}));
    REQUIRE_FALSE(c.publish("early.one", "with CONNECT"));
    REQUIRE_FALSE(co_await c.connect());
    // connect() returned: the server has the message. With the server gone before
    // anything else is written, a flush has nothing to wait for.
    server.kill9();
    const auto flushed = co_await c.flush(2s);
    CHECK_FALSE(flushed);
    message m;
    const auto got = co_await watcher.next_msg(sub, m, 2s);
    REQUIRE_FALSE(got);
    CHECK(m.payload == "with CONNECT");
    co_await c.close();
    co_await watcher.close();
  });
}
