// The waiting idioms of core's coroutines, written once: a timer used as a wake-up
// signal, and a branch with nothing left to do.
//
// Take what park() returns into a variable before testing it: g++ 12 miscompiles a
// co_await inside an if or while condition here (the coroutine is resumed after its
// end, a SIGILL).
//
// Why park() reports a stop request instead of the caller asking for it: once a
// coroutine is cancelled, awaiting any further coroutine throws operation_aborted
// (Asio's throw_if_cancelled), and a `||` cancels its losing branches at the end of
// every run; reading the state where the wait ends costs no exception.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace remaphore::core {

enum class woken {
  normally,  // the time came, or timer.cancel() woke it
  to_stop,   // the coroutine was asked to stop (the other side of a `||` ended, a signal)
};

using wake_timer = boost::asio::steady_timer;

// Sleeps until `until` (default: until woken by `timer.cancel()`).
boost::asio::awaitable<woken> park(wake_timer& timer, wake_timer::time_point until = wake_timer::time_point::max());

// Waits until asked to stop: for a branch of a `||` that has nothing to do, which
// must not end the race by returning.
boost::asio::awaitable<void> until_stopped();

}  // namespace remaphore::core
