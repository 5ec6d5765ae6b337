// The client against scripted servers that fail at each step of the handshake or
// stop working on an open connection, and against a real server for the
// disconnected-publish buffer, a dropped connection and a client destroyed without
// close(): every failure is a clean error within the bound, never a hang or a crash.
#include <doctest/doctest.h>

#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <memory>
#include <vector>

#include "nats/client.hpp"
#include "nats/error.hpp"
#include "support/coro.hpp"
#include "support/nats_server.hpp"
#include "support/poll_until.hpp"

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using namespace std::chrono_literals;
using remaphore::nats::client;
using remaphore::nats::conn_event;
using remaphore::nats::conn_event_kind;
using remaphore::nats::errc;
using remaphore::nats::message;
using remaphore::nats::options;
using remaphore::test::fixed_port;
using remaphore::test::nats_server;
using remaphore::test::poll_until;
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
  if (!s.answer_to_connect.empty()) co_await asio::async_write(sock, asio::buffer(s.answer_to_connect), use_awaitable);
  // Keep the connection open until the client goes (a success case stays up).
  char buf[256];
  while (!ec) co_await sock.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
}

// A server for the faults a real nats-server does not produce on demand. Each
// accepted connection completes the handshake, then behaves as the next entry of
// `plan` says (the last entry repeats). shutdown() ends every connection, so the
// test's io_context runs out of work; the coroutines share the state, so they may
// end after the test body has returned.
class scripted_server {
 public:
  enum class then {
    answer_pings,  // a working server: reads everything, answers each PING
    stop_reading,  // accepts and never reads again: the client's writes fill the buffers
    ignore_pings,  // reads everything, answers nothing: a silent server
  };

  scripted_server(asio::io_context& ioc, std::vector<then> plan) : state_(std::make_shared<state>(ioc)) {
    state_->plan = std::move(plan);
    auto& a = state_->acceptor;
    a.open(asio::ip::tcp::v4());
    a.set_option(asio::socket_base::reuse_address(true));
    // Small, so that a server that stops reading makes the client's writes block soon.
    a.set_option(asio::socket_base::receive_buffer_size(4096));
    a.bind({asio::ip::make_address("127.0.0.1"), 0});
    a.listen();
    asio::co_spawn(ioc, accept_loop(state_), asio::detached);
  }
  ~scripted_server() { shutdown(); }

  std::string url() const { return "nats://127.0.0.1:" + std::to_string(state_->acceptor.local_endpoint().port()); }
  int accepted() const { return state_->accepted; }
  const std::string& first_connect() const { return state_->first_connect; }

  void shutdown() {
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
    state_->stop.cancel();
    for (auto& sock : state_->sockets) sock->close(ignored);
  }

 private:
  using socket_ptr = std::shared_ptr<asio::ip::tcp::socket>;
  struct state {
    explicit state(asio::io_context& ioc) : acceptor(ioc), stop(ioc, asio::steady_timer::time_point::max()) {}
    asio::ip::tcp::acceptor acceptor;
    asio::steady_timer stop;
    std::vector<then> plan;
    std::vector<socket_ptr> sockets;
    int accepted = 0;
    std::string first_connect;
  };

  static awaitable<void> accept_loop(std::shared_ptr<state> st) {
    for (;;) {
      boost::system::error_code ec;
      auto sock = std::make_shared<asio::ip::tcp::socket>(co_await asio::this_coro::executor);
      co_await st->acceptor.async_accept(*sock, asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      st->sockets.push_back(sock);
      then what = st->plan[std::min<std::size_t>(st->accepted, st->plan.size() - 1)];
      ++st->accepted;
      asio::co_spawn(st->acceptor.get_executor(), serve(st, sock, what), asio::detached);
    }
  }

  static awaitable<void> serve(std::shared_ptr<state> st, socket_ptr sock, then what) {
    boost::system::error_code ec;
    co_await asio::async_write(*sock, asio::buffer(good_info), asio::redirect_error(use_awaitable, ec));
    std::string in;
    std::size_t n = co_await asio::async_read_until(*sock, asio::dynamic_buffer(in), "PING\r\n",
                                                    asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    if (st->first_connect.empty()) st->first_connect = in.substr(0, n);
    in.erase(0, n);
    co_await asio::async_write(*sock, asio::buffer(std::string("PONG\r\n")), asio::redirect_error(use_awaitable, ec));
    if (what == then::stop_reading) {
      co_await st->stop.async_wait(asio::redirect_error(use_awaitable, ec));
      co_return;
    }
    char buf[65536];
    while (!ec) {
      std::size_t got = co_await sock->async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
      if (what == then::ignore_pings) continue;
      in.append(buf, got);
      for (auto pos = in.find("PING\r\n"); pos != std::string::npos; pos = in.find("PING\r\n")) {
        in.erase(0, pos + 6);
        co_await asio::async_write(*sock, asio::buffer(std::string("PONG\r\n")),
                                   asio::redirect_error(use_awaitable, ec));
      }
      if (in.size() > 5) in.erase(0, in.size() - 5);  // a PING split across reads keeps its start
    }
  }

  std::shared_ptr<state> state_;
};

bool has_event(const std::vector<conn_event>& events, conn_event_kind kind, std::error_code ec) {
  for (auto& e : events)
    if (e.kind == kind && e.error == ec) return true;
  return false;
}

}  // namespace

TEST_CASE("client faults: each step of the handshake failing gives a clean error") {
  const script scripts[] = {
      {"hang up at once", "", true, "", make_error_code(asio::error::eof), ""},
      {"garbage instead of INFO", "HELLO THERE\r\n", true, "", make_error_code(errc::unknown_operation), ""},
      {"INFO that is not JSON", "INFO {not json\r\n", true, "", make_error_code(errc::bad_arguments),
       "did not start with INFO"},
      {"PONG before INFO", "PONG\r\n", true, "", make_error_code(errc::bad_arguments), "did not start with INFO"},
      {"hang up after INFO", good_info, true, "", make_error_code(asio::error::eof), "during CONNECT"},
      {"auth refused", good_info, false, "-ERR 'Authorization Violation'\r\n", make_error_code(errc::auth_failed),
       "Authorization Violation"},
      {"other -ERR", good_info, false, "-ERR 'Unknown Protocol Operation'\r\n", make_error_code(errc::server_error),
       "Unknown Protocol Operation"},
      {"no PONG ever", good_info, false, "", make_error_code(errc::connect_timeout), "no answer"},
      {"oversized control line", "INFO {" + std::string(70000, 'x'), true, "",
       make_error_code(errc::control_line_too_long), ""},
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
  nats_server server{{}, {}, fixed_port()};  // started again below
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

TEST_CASE("client faults: a server that stops reading: the stuck write ends the connection within write_timeout") {
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    scripted_server server(ioc, {scripted_server::then::stop_reading, scripted_server::then::answer_pings});
    std::vector<conn_event> events;
    options o;
    o.servers = {server.url()};
    o.write_timeout = 300ms;
    o.reconnect_wait = 50ms;
    o.on_event = [&](const conn_event& e) { events.push_back(e); };
    client c(ioc.get_executor(), o);
    REQUIRE_FALSE(co_await c.connect());
    // Far more than the socket buffers hold: the write blocks once they are full.
    const std::string payload(64 * 1024, 'x');
    for (int i = 0; i < 512; ++i) REQUIRE_FALSE(c.publish("fill", payload));
    // A flush waiting behind the stuck write learns of the drop at once, not at its timeout.
    auto start = std::chrono::steady_clock::now();
    CHECK(co_await c.flush(10s) == errc::disconnected);
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(took >= 250ms);
    CHECK(took < 3s);
    CHECK(has_event(events, conn_event_kind::disconnected, errc::write_timeout));
    INFO(c.last_error().text());
    // And a reconnect follows, to a server that reads again.
    REQUIRE(co_await poll_until([&] { return c.reconnects() == 1; }, 5s));
    CHECK_FALSE(co_await c.flush(2s));
    CHECK(server.accepted() == 2);
    co_await c.close();
    server.shutdown();
  });
}

TEST_CASE("client faults: a server that stops answering PINGs is stale after ping_interval * (max_pings_out + 1)") {
  // The defaults notice a silent server within 30 s.
  options defaults;
  CHECK(defaults.ping_interval * (defaults.max_pings_out + 1) <= 30s);
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    scripted_server server(ioc, {scripted_server::then::ignore_pings, scripted_server::then::answer_pings});
    std::vector<conn_event> events;
    options o;
    o.servers = {server.url()};
    o.ping_interval = 100ms;
    o.max_pings_out = 2;
    o.reconnect_wait = 50ms;
    o.on_event = [&](const conn_event& e) { events.push_back(e); };
    client c(ioc.get_executor(), o);
    auto start = std::chrono::steady_clock::now();
    REQUIRE_FALSE(co_await c.connect());
    REQUIRE(co_await poll_until([&] { return c.reconnects() == 1; }, 5s));
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(took >= 250ms);
    CHECK(took < 3s);
    CHECK(has_event(events, conn_event_kind::disconnected, errc::stale_connection));
    co_await c.close();
    server.shutdown();
  });
}

TEST_CASE("client faults: a pending request and a pending flush learn at once that the connection dropped") {
  nats_server server;
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    options o;
    o.servers = {server.url()};
    o.reconnect_wait = 1s;  // stays disconnected for the rest of the test
    client silent(ioc.get_executor(), o);
    client c(ioc.get_executor(), o);
    REQUIRE_FALSE(co_await silent.connect());
    REQUIRE_FALSE(co_await c.connect());
    auto sub = silent.subscribe("svc.silent");  // someone listens, so no "no responders"; nobody answers
    REQUIRE_FALSE(co_await silent.flush(2s));

    std::error_code request_ec, flush_ec;
    std::chrono::steady_clock::duration request_took{}, flush_took{};
    int done = 0;
    auto start = std::chrono::steady_clock::now();
    asio::co_spawn(
        ioc,
        [&]() -> awaitable<void> {
          message reply;
          request_ec = co_await c.request("svc.silent", "anyone?", reply, 20s);
          request_took = std::chrono::steady_clock::now() - start;
          ++done;
        },
        asio::detached);
    asio::co_spawn(
        ioc,
        [&]() -> awaitable<void> {
          REQUIRE_FALSE(co_await silent.flush(2s));  // the request is on the server
          server.kill9();
          flush_ec = co_await c.flush(20s);
          flush_took = std::chrono::steady_clock::now() - start;
          ++done;
        },
        asio::detached);
    CHECK(co_await poll_until([&] { return done == 2; }, 5s));
    // Closing ends whatever still waits, so the waiters never outlive this frame.
    co_await c.close();
    co_await silent.close();
    REQUIRE(co_await poll_until([&] { return done == 2; }, 1s));
    CHECK(request_ec == errc::disconnected);
    CHECK(request_took < 3s);
    CHECK(flush_ec == errc::disconnected);
    CHECK(flush_took < 3s);
  });
}

TEST_CASE("client faults: a client destroyed without close() leaves nothing running on it") {
  nats_server server{{}, {}, fixed_port()};  // started again below
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    int events_after = 0;
    bool destroyed = false;
    options o;
    o.servers = {server.url()};
    o.reconnect_wait = 20ms;
    o.on_event = [&](const conn_event&) {
      if (destroyed) ++events_after;
    };
    asio::steady_timer t(ioc);
    SUBCASE("while connected") {
      auto c = std::make_unique<client>(ioc.get_executor(), o);
      REQUIRE_FALSE(co_await c->connect());
      c->subscribe("x");
      REQUIRE_FALSE(co_await c->flush(2s));
      c->publish("x", "in flight");
      c.reset();
      destroyed = true;
    }
    SUBCASE("while reconnecting") {
      auto c = std::make_unique<client>(ioc.get_executor(), o);
      REQUIRE_FALSE(co_await c->connect());
      server.kill9();
      REQUIRE(co_await poll_until([&] { return !c->connected(); }, 2s));
      t.expires_after(100ms);  // a few attempts and backoffs
      co_await t.async_wait(use_awaitable);
      c.reset();
      destroyed = true;
      server.start();
    }
    // The loop ends on its own, on state it owns; the application hears nothing more.
    t.expires_after(300ms);
    co_await t.async_wait(use_awaitable);
    CHECK(events_after == 0);
  });
}

TEST_CASE("client faults: CONNECT carries the application's name and version from the options") {
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    scripted_server server(ioc, {scripted_server::then::answer_pings});
    options o;
    o.servers = {server.url()};
    o.name = "fleet-node";
    o.version = "9.8.7";
    client c(ioc.get_executor(), o);
    REQUIRE_FALSE(co_await c.connect());
    const auto& line = server.first_connect();
    INFO(line);
    CHECK(line.find("\"name\":\"fleet-node\"") != std::string::npos);
    CHECK(line.find("\"version\":\"9.8.7\"") != std::string::npos);
    co_await c.close();
    server.shutdown();
  });
}
