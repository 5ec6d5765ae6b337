// The client against scripted servers that fail at each step of the handshake,
// and against a real server for the disconnected-publish buffer: every failure is
// a clean error within the bound, never a hang or a crash.
#include <doctest/doctest.h>

#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "nats/client.hpp"
#include "nats/error.hpp"
#include "support/coro.hpp"
#include "support/nats_server.hpp"

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using namespace std::chrono_literals;
using remaphore::nats::client;
using remaphore::nats::errc;
using remaphore::nats::message;
using remaphore::nats::options;
using remaphore::test::nats_server;
using remaphore::test::run_coro;

namespace {

const std::string good_info = "INFO {\"server_id\":\"s\",\"max_payload\":1048576,\"headers\":true}\r\n";

// One scripted connection: what the server says (or does) at each step.
struct script {
  const char* name;
  std::string greeting;           // sent right after accept ("" = nothing)
  bool close_after_greeting;      // hang up once the greeting is out
  std::string answer_to_connect;  // sent after the CONNECT+PING lines arrive
  std::error_code expected;       // what connect() must return (0 = success)
  const char* text;               // must appear in last_error().text() ("" = anything)
};

awaitable<void> serve_once(asio::ip::tcp::acceptor& acceptor, const script& s) {
  auto sock = co_await acceptor.async_accept(use_awaitable);
  if (!s.greeting.empty()) co_await asio::async_write(sock, asio::buffer(s.greeting), use_awaitable);
  if (s.close_after_greeting) co_return;
  std::string in;
  boost::system::error_code ec;
  co_await asio::async_read_until(sock, asio::dynamic_buffer(in), "PING\r\n", asio::redirect_error(use_awaitable, ec));
  if (ec) co_return;
  if (!s.answer_to_connect.empty())
    co_await asio::async_write(sock, asio::buffer(s.answer_to_connect), use_awaitable);
  // Keep the connection open until the client goes (a success case stays up).
  char buf[256];
  while (!ec) co_await sock.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
}

}  // namespace

TEST_CASE("client faults: each step of the handshake failing gives a clean error") {
  const script scripts[] = {
      {"hang up at once", "", true, "", make_error_code(asio::error::eof), ""},
      {"garbage instead of INFO", "HELLO THERE\r\n", true, "", make_error_code(errc::unknown_operation), ""},
      {"INFO that is not JSON", "INFO {not json\r\n", true, "", make_error_code(errc::bad_arguments), "did not start with INFO"},
      {"PONG before INFO", "PONG\r\n", true, "", make_error_code(errc::bad_arguments), "did not start with INFO"},
      {"hang up after INFO", good_info, true, "", make_error_code(asio::error::eof), "during CONNECT"},
      {"auth refused", good_info, false, "-ERR 'Authorization Violation'\r\n", make_error_code(errc::auth_failed),
       "Authorization Violation"},
      {"other -ERR", good_info, false, "-ERR 'Unknown Protocol Operation'\r\n", make_error_code(errc::server_error),
       "Unknown Protocol Operation"},
      {"no PONG ever", good_info, false, "", make_error_code(errc::connect_timeout), "no answer"},
      {"oversized control line", "INFO {" + std::string(70000, 'x'), true, "", make_error_code(errc::control_line_too_long), ""},
      {"success", good_info, false, "+OK\r\nPONG\r\n", {}, ""},
  };
  for (const auto& s : scripts) {
    std::string name = s.name;
    CAPTURE(name);
    run_coro(
        [&](asio::io_context& ioc) -> awaitable<void> {
          asio::ip::tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
          options o;
          o.servers = {"nats://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port())};
          o.connect_timeout = 700ms;
          o.allow_reconnect = false;
          asio::co_spawn(ioc, serve_once(acceptor, s), asio::detached);
          client c(ioc.get_executor(), o);
          auto ec = co_await c.connect();
          INFO(c.last_error().text());
          CHECK(ec == s.expected);
          CHECK(c.last_error().text().find(s.text) != std::string::npos);
          co_await c.close();
          acceptor.close();
        },
        10s);
  }
}

TEST_CASE("client faults: publishes while disconnected are buffered up to the bound, then refused") {
  nats_server server;
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    options o;
    o.servers = {server.url()};
    o.reconnect_wait = 50ms;
    o.reconnect_wait_max = 100ms;
    o.reconnect_buffer = 4096;
    client c(ioc.get_executor(), o);
    REQUIRE_FALSE(co_await c.connect());
    // Our own subscription sees what we publish (echo): after the reconnect the
    // client resubscribes before it sends the buffer, so nothing may be missing.
    auto sub = c.subscribe("buffered");
    REQUIRE_FALSE(co_await c.flush(2s));
    server.kill9();
    asio::steady_timer t(ioc);
    for (int i = 0; i < 100 && c.connected(); ++i) {
      t.expires_after(20ms);
      co_await t.async_wait(use_awaitable);
    }
    REQUIRE_FALSE(c.connected());
    int accepted = 0;
    std::error_code last;
    for (int i = 0; i < 1000 && !last; ++i) {
      last = c.publish("buffered", "message " + std::to_string(i));
      if (!last) ++accepted;
    }
    CHECK(last == errc::buffer_full);
    CHECK(accepted > 10);
    CHECK(c.pending_bytes() <= 4096);

    server.start();
    for (int i = 0; i < 200 && c.reconnects() == 0; ++i) {
      t.expires_after(20ms);
      co_await t.async_wait(use_awaitable);
    }
    REQUIRE(c.reconnects() == 1);
    REQUIRE_FALSE(co_await c.flush(2s));
    message m;
    int got = 0;
    while (!co_await c.next_msg(sub, m, 500ms)) {
      CHECK(m.payload == "message " + std::to_string(got));
      ++got;
    }
    CHECK(got == accepted);
    co_await c.close();
  });
}

TEST_CASE("client faults: next_msg is cancellable and close() ends waiters") {
  nats_server server;
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    options o;
    o.servers = {server.url()};
    client c(ioc.get_executor(), o);
    REQUIRE_FALSE(co_await c.connect());
    auto sub = c.subscribe("quiet");
    std::error_code waiter_ec;
    bool waiter_done = false;
    asio::co_spawn(
        ioc,
        [&]() -> awaitable<void> {
          message m;
          waiter_ec = co_await c.next_msg(sub, m, 30s);
          waiter_done = true;
        },
        asio::detached);
    asio::steady_timer t(ioc, 100ms);
    co_await t.async_wait(use_awaitable);
    CHECK_FALSE(waiter_done);
    co_await c.close();
    for (int i = 0; i < 50 && !waiter_done; ++i) {
      t.expires_after(10ms);
      co_await t.async_wait(use_awaitable);
    }
    CHECK(waiter_done);
    CHECK(waiter_ec == errc::connection_closed);
    CHECK(c.publish("x", "y") == errc::connection_closed);
  });
}
