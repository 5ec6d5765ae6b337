// How the client's coroutines wait for each other: a notifier, where a coroutine
// waits until another part says something changed (notify_all) or its own deadline
// passes, then looks again at what it waits for - a condition variable for one
// executor. One mechanism for every wait: the writer's for bytes to write, a flush's
// for its PONG, next_msg's for a message, the connection loop's sleeps between
// attempts, close()'s for the loop's end.
//
// Cancellation: a wait that is cancelled (the caller's ||) returns like any other
// wake-up. A public operation then simply waits again, and co_await, asked to start
// an operation in a cancelled coroutine, throws operation_aborted: that ends it as
// any cancelled co_await would. The connection loop and the parts of a session,
// cancelled at the end of every session, ask asked_to_stop() instead, which neither
// suspends nor throws.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <vector>

namespace remaphore::nats {

class notifier {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit notifier(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}
  notifier(const notifier&) = delete;
  notifier& operator=(const notifier&) = delete;

  // Returns at the next notify_all(), at `until`, or when cancelled.
  boost::asio::awaitable<void> wait_until(time_point until);
  // Wakes every coroutine waiting now.
  void notify_all();

 private:
  friend struct notifier_wait;
  boost::asio::any_io_executor ex_;
  std::vector<boost::asio::steady_timer*> waiting_;
  std::vector<std::unique_ptr<boost::asio::steady_timer>> spare_;  // reused: a busy wait allocates nothing
};

// `asked_to_stop(co_await this_coro::cancellation_state)`: true when the coroutine
// has been asked to stop (by the caller's ||, or within a session by the sibling
// that ended first).
inline bool asked_to_stop(const boost::asio::cancellation_state& cs) {
  return cs.cancelled() != boost::asio::cancellation_type::none;
}

}  // namespace remaphore::nats
