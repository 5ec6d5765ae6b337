// Publishing prepared messages (signed or forged in the test) as a peer would, from an
// in-process client, confirmed by the server before it returns.
#pragma once
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "nats/client.hpp"
#include "support/client_options.hpp"
#include "support/coro.hpp"

namespace remaphore::test {

inline void publish_all(const nats_server& server, const std::vector<std::string>& wires,
                        const std::string& subject = "remaphore.all") {
  run_coro([&](boost::asio::io_context& ioc) -> boost::asio::awaitable<void> {
    nats::client c(ioc.get_executor(), client_options(server));
    REQUIRE(!co_await c.connect());
    for (const auto& w : wires) REQUIRE(!c.publish(subject, w));
    REQUIRE(!co_await c.flush(std::chrono::seconds(5)));
    co_await c.close();
  });
}

}  // namespace remaphore::test
