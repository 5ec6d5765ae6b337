// A test's own NATS client beside the processes under test: for looking into a stream
// directly, or setting one up as another tool would have.
#pragma once
#include <doctest/doctest.h>

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>

#include "nats/client.hpp"
#include "support/coro.hpp"

namespace remaphore::test {

// Runs `body` on a client connected to `url`.
inline void with_client(const std::string& url,
                        std::function<boost::asio::awaitable<void>(remaphore::nats::client&)> body) {
  run_coro([&](boost::asio::io_context& ioc) -> boost::asio::awaitable<void> {
    remaphore::nats::options o;
    o.servers = {url};
    remaphore::nats::client c(ioc.get_executor(), o);
    REQUIRE_FALSE(co_await c.connect());
    co_await body(c);
    co_await c.close();
  });
}

}  // namespace remaphore::test
