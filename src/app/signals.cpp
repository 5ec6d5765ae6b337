#include "app/signals.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>

#include "log/log.hpp"

namespace remaphore::app {

boost::asio::awaitable<int> wait_signal() {
  boost::asio::signal_set signals(co_await boost::asio::this_coro::executor, SIGINT, SIGTERM, SIGHUP);
  boost::system::error_code ec;
  int sig = co_await signals.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  // Cancelled: another branch ended the run first and takes no value from here. An
  // exception instead would be thrown and unwound at the end of every run.
  if (ec == boost::asio::error::operation_aborted) co_return 0;
  if (ec) throw boost::system::system_error(ec);
  log::info(sig == SIGINT ? "interrupted (SIGINT)" : sig == SIGTERM ? "terminated (SIGTERM)" : "hung up (SIGHUP)");
  co_return 128 + sig;
}

}  // namespace remaphore::app
