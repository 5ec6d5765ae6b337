// A whole --lock run: the stream made ready, a slot waited for, the command run while
// it is held, the slot released.
#pragma once
#include <boost/asio/awaitable.hpp>

#include "core/lock/types.hpp"
#include "nats/client.hpp"
#include "protocol/config.hpp"

namespace remaphore::core::lock {

boost::asio::awaitable<lock_result> run_lock(nats::client& c, const protocol::config& cfg, const lock_request& req,
                                             stop_signal& stop);

}  // namespace remaphore::core::lock
