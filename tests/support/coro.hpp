// Runs a coroutine test body on a fresh io_context with a bound: a test that does
// not finish in time fails instead of hanging.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <stdexcept>

namespace remaphore::test {

inline void run_coro(std::function<boost::asio::awaitable<void>(boost::asio::io_context&)> body,
                     std::chrono::seconds bound = std::chrono::seconds(30)) {
  boost::asio::io_context ioc;
  bool done = false;
  std::exception_ptr error;
  boost::asio::co_spawn(ioc, body(ioc), [&](std::exception_ptr e) {
    done = true;
    error = e;
  });
  ioc.run_for(bound);
  if (error) std::rethrow_exception(error);
  if (!done) throw std::runtime_error("coroutine test did not finish within its bound");
}

}  // namespace remaphore::test
