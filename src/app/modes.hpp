// The modes of the CLI, as wiring: parse, connect, hand over to core, map the
// outcome to the process exit code.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>

#include "app/cli.hpp"
#include "app/exit_codes.hpp"
#include "protocol/config.hpp"

namespace remaphore::app {

// -t: a deadline from the start of the process, covering connect and subscribe.
using deadline = std::optional<std::chrono::steady_clock::time_point>;

boost::asio::awaitable<int> run_send(const cli_options& cli, const protocol::config& cfg, deadline until);
boost::asio::awaitable<int> run_receive(const cli_options& cli, const protocol::config& cfg, deadline until);
boost::asio::awaitable<int> run_request(const cli_options& cli, const protocol::config& cfg, deadline until);
boost::asio::awaitable<int> run_discover(const cli_options& cli, const protocol::config& cfg, deadline until);
boost::asio::awaitable<int> run_lock(const cli_options& cli, const protocol::config& cfg, deadline until);
boost::asio::awaitable<int> run_lock_status(const cli_options& cli, const protocol::config& cfg, deadline until);

}  // namespace remaphore::app
