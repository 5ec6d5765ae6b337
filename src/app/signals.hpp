// The signals that end remaphore: SIGINT, SIGTERM and SIGHUP (a closed terminal).
#pragma once
#include <boost/asio/awaitable.hpp>

namespace remaphore::app {

// Completes with 128 + the signal's number when one arrives (with 0 when cancelled).
boost::asio::awaitable<int> wait_signal();

}  // namespace remaphore::app
