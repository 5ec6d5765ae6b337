// The client against a nats-server cluster on loopback: it learns the other nodes
// from INFO connect_urls, fails over when its node dies, and leaves a node that
// enters lame duck mode. Every wait is a bounded poll.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

#include "nats/client.hpp"
#include "nats/error.hpp"
#include "support/coro.hpp"
#include "support/nats_cluster.hpp"
#include "support/poll_until.hpp"

namespace asio = boost::asio;
using asio::awaitable;
using namespace std::chrono_literals;
using remaphore::nats::client;
using remaphore::nats::errc;
using remaphore::nats::message;
using remaphore::nats::options;
using remaphore::test::nats_cluster;
using remaphore::test::nats_server;
using remaphore::test::poll_until;
using remaphore::test::run_coro;

namespace {

options opts_for(const std::string& url) {
  options o;
  o.servers = {url};
  o.connect_timeout = 2s;
  o.reconnect_wait = 50ms;
  o.reconnect_wait_max = 200ms;
  o.reconnect_jitter = 20ms;
  return o;
}

// Interest crosses routes asynchronously: publish from `pub` until `sub` of `receiver`
// gets one, within the bound. True with `got` filled when a message arrived.
awaitable<bool> publish_until_received(client& pub, client& receiver, const remaphore::nats::subscription_ptr& sub,
                                       const std::string& payload, message& got, std::chrono::milliseconds bound) {
  auto end = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < end) {
    if (pub.publish(sub->subject(), payload)) co_return false;
    if (!co_await receiver.next_msg(sub, got, 100ms)) co_return true;
  }
  co_return false;
}

}  // namespace

TEST_CASE("cluster: ignore_discovered keeps the client on its configured servers") {
  nats_cluster c(2);
  run_coro(
      [&](asio::io_context& ioc) -> awaitable<void> {
        auto o = opts_for(c.node(0).url());
        o.ignore_discovered = true;
        client fixed(ioc.get_executor(), o);
        client learning(ioc.get_executor(), opts_for(c.node(0).url()));
        REQUIRE_FALSE(co_await fixed.connect());
        REQUIRE_FALSE(co_await learning.connect());
        // Once the other node has been announced to one client, it has been to both.
        REQUIRE(co_await poll_until([&] { return learning.known_servers() == 2; }, 10s));
        REQUIRE_FALSE(co_await fixed.flush(2s));
        CHECK(fixed.known_servers() == 1);
        co_await fixed.close();
        co_await learning.close();
      },
      30s);
}

TEST_CASE("cluster: discover the other nodes, fail over when ours is killed") {
  nats_cluster c(3);
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    client sub_client(ioc.get_executor(), opts_for(c.node(0).url()));
    REQUIRE_FALSE(co_await sub_client.connect());
    CHECK(sub_client.current_server() == "nats://127.0.0.1:" + std::to_string(c.node(0).port()));
    // Routes form after start; node 1 announces the others as they join.
    REQUIRE(co_await poll_until([&] { return sub_client.known_servers() == 3; }, 10s));
    auto sub = sub_client.subscribe("cluster.failover");
    REQUIRE_FALSE(co_await sub_client.flush(2s));

    client pub_client(ioc.get_executor(), opts_for(c.node(1).url()));
    REQUIRE_FALSE(co_await pub_client.connect());
    message m;
    REQUIRE(co_await publish_until_received(pub_client, sub_client, sub, "before", m, 5s));
    CHECK(m.payload == "before");

    c.node(0).kill9();
    REQUIRE(co_await poll_until([&] { return sub_client.reconnects() == 1 && sub_client.connected(); }, 10s));
    CHECK(sub_client.current_server() != "nats://127.0.0.1:" + std::to_string(c.node(0).port()));
    REQUIRE_FALSE(co_await sub_client.flush(2s));  // resubscribed on the new node
    // Drain what was in flight around the failover, then require the new message.
    while (!co_await sub_client.next_msg(sub, m, 0ms)) {
    }
    REQUIRE(co_await publish_until_received(pub_client, sub_client, sub, "after failover", m, 5s));
    CHECK(m.payload == "after failover");
    CHECK(pub_client.reconnects() == 0);
    co_await pub_client.close();
    co_await sub_client.close();
  });
}

TEST_CASE("cluster: a node in lame duck mode is left for another one") {
  // The client must leave on the INFO announcing lame duck mode, long before the
  // server starts closing clients after its grace period (30 s is the smallest
  // duration nats-server 2.9 accepts; the destructor's SIGTERM ends it early).
  nats_cluster c(2, "lame_duck_duration: \"30s\"\nlame_duck_grace_period: \"2s\"\n");
  run_coro([&](asio::io_context& ioc) -> awaitable<void> {
    std::vector<std::string> events;
    auto o = opts_for(c.node(0).url());
    o.on_event = [&](const remaphore::nats::conn_event& e) { events.push_back(remaphore::nats::describe(e)); };
    client sub_client(ioc.get_executor(), o);
    REQUIRE_FALSE(co_await sub_client.connect());
    REQUIRE(co_await poll_until([&] { return sub_client.known_servers() == 2; }, 10s));
    auto sub = sub_client.subscribe("cluster.ldm");
    REQUIRE_FALSE(co_await sub_client.flush(2s));

    client pub_client(ioc.get_executor(), opts_for(c.node(1).url()));
    REQUIRE_FALSE(co_await pub_client.connect());

    auto start = std::chrono::steady_clock::now();
    c.node(0).lame_duck();
    const std::string node2 = "nats://127.0.0.1:" + std::to_string(c.node(1).port());
    REQUIRE(co_await poll_until([&] { return sub_client.connected() && sub_client.current_server() == node2; }, 10s));
    // Well within the grace period: the move was ours, not the server closing us.
    CHECK(std::chrono::steady_clock::now() - start < 1s);
    CHECK(sub_client.reconnects() == 1);
    bool saw_ldm = false;
    for (auto& e : events) saw_ldm = saw_ldm || e.find("lame duck") != std::string::npos;
    CHECK(saw_ldm);

    REQUIRE_FALSE(co_await sub_client.flush(2s));
    message m;
    REQUIRE(co_await publish_until_received(pub_client, sub_client, sub, "after lame duck", m, 5s));
    CHECK(m.payload == "after lame duck");
    co_await pub_client.close();
    co_await sub_client.close();
  });
}
