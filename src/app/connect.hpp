// The app's side of the NATS client: its options from the config and the command
// line, and what a user reads when connecting fails.
#pragma once
#include <boost/asio/awaitable.hpp>

#include "app/cli.hpp"
#include "nats/client.hpp"
#include "protocol/config.hpp"

namespace remaphore::app {

nats::options nats_options(const cli_options& cli, const protocol::config& cfg);

// Connects, or logs why not and returns false.
boost::asio::awaitable<bool> connect_or_log(nats::client& c, const protocol::config& cfg);

}  // namespace remaphore::app
