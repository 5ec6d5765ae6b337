// TLS and WebSocket transports against a real nats-server with certificates the
// test makes.
#include <doctest/doctest.h>

#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <iterator>

#include "nats/client.hpp"
#include "nats/error.hpp"
#include "support/certs.hpp"
#include "support/coro.hpp"
#include "support/nats_server.hpp"

namespace asio = boost::asio;
using asio::awaitable;
using namespace std::chrono_literals;
using remaphore::nats::client;
using remaphore::nats::errc;
using remaphore::nats::message;
using remaphore::nats::options;
using remaphore::test::make_certs;
using remaphore::test::nats_server;
using remaphore::test::run_coro;
using remaphore::test::temp_dir;

namespace {

std::string tls_block(const remaphore::test::test_certs& c, bool verify_clients) {
  return "tls {\n  cert_file: \"" + c.server_cert + "\"\n  key_file: \"" + c.server_key + "\"\n  ca_file: \"" + c.ca +
         "\"\n  verify: " + (verify_clients ? "true" : "false") + "\n  timeout: 2\n}\n";
}

// Connects, subscribes, publishes and receives one message.
awaitable<void> round_trip(client& c, const std::string& subject) {
  auto sub = c.subscribe(subject);
  REQUIRE_FALSE(co_await c.flush(2s));
  REQUIRE_FALSE(c.publish(subject, "over the wire"));
  message m;
  REQUIRE_FALSE(co_await c.next_msg(sub, m, 2s));
  CHECK(m.payload == "over the wire");
}

options opts(const std::string& url) {
  options o;
  o.servers = {url};
  o.connect_timeout = 3s;
  return o;
}

// Threads of this process: Asio resolves names on a thread it starts for that.
std::size_t thread_count() {
  using std::filesystem::directory_iterator;
  return static_cast<std::size_t>(std::distance(directory_iterator("/proc/self/task"), directory_iterator()));
}

}  // namespace

TEST_CASE("transport: a numeric address is connected to without a resolver thread, a name is resolved") {
  nats_server server;
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    const auto threads = thread_count();
    client numeric(ioc.get_executor(), opts("nats://127.0.0.1:" + std::to_string(server.port())));
    auto ec = co_await numeric.connect();
    INFO(numeric.last_error().text());
    REQUIRE_FALSE(ec);
    CHECK(thread_count() == threads);
    co_await round_trip(numeric, "numeric.test");
    co_await numeric.close();

    client named(ioc.get_executor(), opts("nats://localhost:" + std::to_string(server.port())));
    ec = co_await named.connect();
    INFO(named.last_error().text());
    REQUIRE_FALSE(ec);
    co_await round_trip(named, "named.test");
    co_await named.close();
  });
}

TEST_CASE("transport: tls:// and a nats:// URL upgraded because the server requires TLS") {
  temp_dir dir;
  auto certs = make_certs(dir);
  nats_server server(tls_block(certs, false));
  for (std::string scheme : {"tls://", "nats://"}) {
    CAPTURE(scheme);
    run_coro([&](asio::io_context& ioc) -> awaitable<void> {
      auto o = opts(scheme + "127.0.0.1:" + std::to_string(server.port()));
      o.tls.ca_file = certs.ca;
      client c(ioc.get_executor(), o);
      auto ec = co_await c.connect();
      INFO(c.last_error().text());
      REQUIRE_FALSE(ec);
      co_await round_trip(c, "tls.test");
      co_await c.close();
    });
  }
}

TEST_CASE("transport: a server certificate from an unknown CA is refused with OpenSSL's reason") {
  temp_dir dir;
  auto certs = make_certs(dir);
  nats_server server(tls_block(certs, false));
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    auto o = opts("tls://127.0.0.1:" + std::to_string(server.port()));
    o.tls.ca_file = certs.other_ca;
    client c(ioc.get_executor(), o);
    auto ec = co_await c.connect();
    CHECK(ec == errc::tls_failed);
    INFO(c.last_error().text());
    CHECK(c.last_error().text().find("certificate verify failed") != std::string::npos);
  });
}

TEST_CASE("transport: mutual TLS required: refused without a client certificate, accepted with one") {
  temp_dir dir;
  auto certs = make_certs(dir);
  nats_server server(tls_block(certs, true));
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    auto o = opts("tls://127.0.0.1:" + std::to_string(server.port()));
    o.tls.ca_file = certs.ca;
    o.allow_reconnect = false;
    {
      client c(ioc.get_executor(), o);
      auto ec = co_await c.connect();
      // TLS 1.3 reports a missing client certificate after the handshake, when the
      // server closes: either way the connection must fail.
      CHECK(ec);
      co_await c.close();
    }
    o.tls.cert_file = certs.client_cert;
    o.tls.key_file = certs.client_key;
    client c(ioc.get_executor(), o);
    auto ec = co_await c.connect();
    INFO(c.last_error().text());
    REQUIRE_FALSE(ec);
    co_await round_trip(c, "mtls.test");
    co_await c.close();
  });
}

TEST_CASE("transport: mutual TLS refused for want of a client certificate says so") {
  temp_dir dir;
  auto certs = make_certs(dir);
  nats_server server(tls_block(certs, true));
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    auto o = opts("tls://127.0.0.1:" + std::to_string(server.port()));
    o.tls.ca_file = certs.ca;
    o.allow_reconnect = false;
    client c(ioc.get_executor(), o);
    auto ec = co_await c.connect();
    INFO(c.last_error().text());
    CHECK(ec == errc::client_cert_required);
    CHECK(c.last_error().text().find("requires a client certificate") != std::string::npos);
    co_await c.close();
  });
}

TEST_CASE("transport: tls_first against a server that does not expect it says so") {
  temp_dir dir;
  auto certs = make_certs(dir);
  nats_server with_tls(tls_block(certs, false));
  nats_server plain;
  for (int port : {with_tls.port(), plain.port()}) {
    CAPTURE(port);
    run_coro([&](asio::io_context& ioc) -> awaitable<void> {
      auto o = opts("tls://127.0.0.1:" + std::to_string(port));
      o.tls.ca_file = certs.ca;
      o.tls.first = true;
      client c(ioc.get_executor(), o);
      auto ec = co_await c.connect();
      INFO(c.last_error().text());
      CHECK(ec == errc::tls_failed);
      CHECK(c.last_error().text().find("does not expect TLS first") != std::string::npos);
      co_await c.close();
    });
  }
}

TEST_CASE("transport: ws:// and wss:// to nats-server's websocket listener") {
  temp_dir dir;
  auto certs = make_certs(dir);
  int ws_port = remaphore::test::free_port();
  int wss_port = remaphore::test::free_port();
  // Two servers: one plain websocket listener, one with TLS.
  nats_server plain("websocket {\n  listen: \"127.0.0.1:" + std::to_string(ws_port) + "\"\n  no_tls: true\n}\n");
  nats_server secure("websocket {\n  listen: \"127.0.0.1:" + std::to_string(wss_port) +
                     "\"\n  tls {\n    cert_file: \"" + certs.server_cert + "\"\n    key_file: \"" + certs.server_key +
                     "\"\n  }\n}\n");
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    auto o = opts("ws://127.0.0.1:" + std::to_string(ws_port));
    client ws(ioc.get_executor(), o);
    auto ec = co_await ws.connect();
    INFO(ws.last_error().text());
    REQUIRE_FALSE(ec);
    co_await round_trip(ws, "ws.test");

    // A WebSocket client and a TCP client on the same server see each other.
    client tcp(ioc.get_executor(), opts(plain.url()));
    REQUIRE_FALSE(co_await tcp.connect());
    auto sub = tcp.subscribe("mixed");
    REQUIRE_FALSE(co_await tcp.flush(2s));
    std::string big(200000, 'w');  // spans many WebSocket frames and reads
    REQUIRE_FALSE(ws.publish("mixed", big));
    message m;
    REQUIRE_FALSE(co_await tcp.next_msg(sub, m, 3s));
    CHECK(m.payload == big);
    co_await ws.close();
    co_await tcp.close();

    auto so = opts("wss://127.0.0.1:" + std::to_string(wss_port));
    so.tls.ca_file = certs.ca;
    client wss(ioc.get_executor(), so);
    ec = co_await wss.connect();
    INFO(wss.last_error().text());
    REQUIRE_FALSE(ec);
    co_await round_trip(wss, "wss.test");
    co_await wss.close();

    so.tls.ca_file = certs.other_ca;
    client bad(ioc.get_executor(), so);
    CHECK(co_await bad.connect() == errc::tls_failed);
    CHECK(bad.last_error().text().find("certificate verify failed") != std::string::npos);
  });
}

// nats-server 2.9 has no handshake_first, so a small TLS-first server stands in:
// TLS handshake at once, then INFO, then PONG for every PING.
TEST_CASE("transport: TLS-first handshake for servers that expect TLS before INFO") {
  temp_dir dir;
  auto certs = make_certs(dir);
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    namespace ssl = asio::ssl;
    ssl::context sctx(ssl::context::tls_server);
    sctx.use_certificate_chain_file(certs.server_cert);
    sctx.use_private_key_file(certs.server_key, ssl::context::pem);
    asio::ip::tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    int port = acceptor.local_endpoint().port();
    int served = 0;
    asio::co_spawn(
        ioc,
        [&]() -> awaitable<void> {
          for (;;) {
            auto sock = co_await acceptor.async_accept(asio::use_awaitable);
            ++served;
            asio::co_spawn(
                ioc,
                [&sctx, s = std::move(sock)]() mutable -> awaitable<void> {
                  ssl::stream<asio::ip::tcp::socket> tls(std::move(s), sctx);
                  co_await tls.async_handshake(ssl::stream_base::server, asio::use_awaitable);
                  std::string info = "INFO {\"server_id\":\"fake\",\"max_payload\":1048576,\"tls_required\":true}\r\n";
                  co_await asio::async_write(tls, asio::buffer(info), asio::use_awaitable);
                  std::string buf;
                  for (;;) {
                    char chunk[4096];
                    std::size_t n = co_await tls.async_read_some(asio::buffer(chunk), asio::use_awaitable);
                    buf.append(chunk, n);
                    for (auto pos = buf.find("PING\r\n"); pos != std::string::npos; pos = buf.find("PING\r\n")) {
                      buf.erase(0, pos + 6);
                      co_await asio::async_write(tls, asio::buffer(std::string("PONG\r\n")), asio::use_awaitable);
                    }
                  }
                },
                asio::detached);
          }
        },
        asio::detached);

    auto o = opts("tls://127.0.0.1:" + std::to_string(port));
    o.tls.ca_file = certs.ca;
    o.connect_timeout = 1s;
    {
      // Without tls_first the client waits for an INFO that never comes in clear.
      client c(ioc.get_executor(), o);
      CHECK(co_await c.connect() == errc::connect_timeout);
    }
    o.tls.first = true;
    client c(ioc.get_executor(), o);
    auto ec = co_await c.connect();
    INFO(c.last_error().text());
    REQUIRE_FALSE(ec);
    CHECK(c.info().server_id == "fake");
    CHECK_FALSE(co_await c.flush(2s));
    co_await c.close();
    CHECK(served == 2);
    acceptor.close();
  });
}

TEST_CASE("transport: reconnect and auth work the same over WebSocket, and a server list may mix transports") {
  int ws_port = remaphore::test::fixed_port();
  nats_server server("authorization { token: \"s3cret\" }\nwebsocket {\n  listen: \"127.0.0.1:" +
                         std::to_string(ws_port) + "\"\n  no_tls: true\n}\n",
                     {}, remaphore::test::fixed_port());  // started again below
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    std::string ws_url = "ws://127.0.0.1:" + std::to_string(ws_port);
    {
      auto o = opts(ws_url);
      o.auth.token = "wrong";
      client c(ioc.get_executor(), o);
      CHECK(co_await c.connect() == errc::auth_failed);
      CHECK(c.last_error().reason == "Authorization Violation");
    }
    auto o = opts(ws_url);
    o.auth.token = "s3cret";
    o.reconnect_wait = 50ms;
    o.reconnect_wait_max = 200ms;
    client c(ioc.get_executor(), o);
    auto ec = co_await c.connect();
    INFO(c.last_error().text());
    REQUIRE_FALSE(ec);
    auto sub = c.subscribe("ws.reconnect");
    REQUIRE_FALSE(co_await c.flush(2s));
    server.kill9();
    server.start();
    asio::steady_timer t(ioc);
    for (int i = 0; i < 200 && c.reconnects() == 0; ++i) {
      t.expires_after(20ms);
      co_await t.async_wait(asio::use_awaitable);
    }
    REQUIRE(c.reconnects() == 1);
    REQUIRE_FALSE(co_await c.flush(2s));
    REQUIRE_FALSE(c.publish("ws.reconnect", "after restart"));
    message m;
    REQUIRE_FALSE(co_await c.next_msg(sub, m, 3s));
    CHECK(m.payload == "after restart");
    co_await c.close();

    // A list with a dead WebSocket URL and a live TCP one: the client gets through.
    options mixed;
    mixed.servers = {"ws://127.0.0.1:" + std::to_string(remaphore::test::free_port()), server.url()};
    mixed.auth.token = "s3cret";
    mixed.connect_timeout = 2s;
    client m2(ioc.get_executor(), mixed);
    ec = co_await m2.connect();
    INFO(m2.last_error().text());
    CHECK_FALSE(ec);
    CHECK(m2.current_server() == server.url());
    co_await m2.close();
  });
}
