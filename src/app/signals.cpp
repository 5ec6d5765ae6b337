#include "app/signals.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>

#include "log/log.hpp"

namespace remaphore::app {

boost::asio::awaitable<int> wait_signal() {
  boost::asio::signal_set signals(co_await boost::asio::this_coro::executor, SIGINT, SIGTERM, SIGHUP);
  int sig = co_await signals.async_wait(boost::asio::use_awaitable);
  log::info(sig == SIGINT ? "interrupted (SIGINT)" : sig == SIGTERM ? "terminated (SIGTERM)" : "hung up (SIGHUP)");
  co_return 128 + sig;
}

}  // namespace remaphore::app
