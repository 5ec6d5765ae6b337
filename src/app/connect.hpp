// The app's side of the NATS client: its options from the config and the command
// line, and what a user reads when connecting fails.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <optional>

#include "app/cli.hpp"
#include "nats/client.hpp"
#include "protocol/config.hpp"

namespace remaphore::app {

nats::options nats_options(const cli_options& cli, const protocol::config& cfg);

// Connects, or logs why not and returns false.
boost::asio::awaitable<bool> connect_or_log(nats::client& c, const protocol::config& cfg);

// Connects within the deadline (-t), runs `work` on the connection until it ends or
// a signal arrives (128 + N), and closes. Exit 3 when no connection was made.
using connected_work = std::function<boost::asio::awaitable<int>(nats::client&)>;
boost::asio::awaitable<int> run_connected(const cli_options& cli, const protocol::config& cfg,
                                          std::optional<std::chrono::steady_clock::time_point> until,
                                          connected_work work);

}  // namespace remaphore::app
