#include "core/wait.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace remaphore::core {
namespace asio = boost::asio;

asio::awaitable<woken> park(asio::steady_timer& timer, asio::steady_timer::time_point until) {
  timer.expires_at(until);
  boost::system::error_code ignored;  // cancel() is how a parked coroutine is woken
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  auto cs = co_await asio::this_coro::cancellation_state;
  co_return cs.cancelled() == asio::cancellation_type::none ? woken::normally : woken::to_stop;
}

asio::awaitable<void> until_stopped() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    const auto woke = co_await park(timer);
    if (woke == woken::to_stop) co_return;
  }
}

}  // namespace remaphore::core
