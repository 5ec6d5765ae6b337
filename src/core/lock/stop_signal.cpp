#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/lock/types.hpp"

namespace remaphore::core::lock {

boost::asio::awaitable<void> stop_signal::wait() {
  while (code_ == 0) {
    boost::system::error_code ec;
    co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    auto cs = co_await boost::asio::this_coro::cancellation_state;
    if (cs.cancelled() != boost::asio::cancellation_type::none) co_return;
  }
}

}  // namespace remaphore::core::lock
