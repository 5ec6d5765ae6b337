// The coroutine form of wait_until: polls `cond` on the io_context every 10 ms until
// it holds or `bound` passes, without blocking the loop the code under test runs on.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <functional>

namespace remaphore::test {

// `cond` is a std::function, not a template parameter: g++ 12 warns (subobject-linkage)
// when a lambda's type becomes a field of a coroutine frame declared in a header.
inline boost::asio::awaitable<bool> poll_until(std::function<bool()> cond, std::chrono::milliseconds bound) {
  boost::asio::steady_timer t(co_await boost::asio::this_coro::executor);
  const auto end = std::chrono::steady_clock::now() + bound;
  while (!cond()) {
    if (std::chrono::steady_clock::now() >= end) co_return false;
    t.expires_after(std::chrono::milliseconds(10));
    co_await t.async_wait(boost::asio::use_awaitable);
  }
  co_return true;
}

}  // namespace remaphore::test
