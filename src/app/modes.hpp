// The modes of the CLI. Each returns the process exit code.
#pragma once
#include <boost/asio/awaitable.hpp>

#include "app/cli.hpp"
#include "protocol/config.hpp"

namespace remaphore::app {

enum exit_code : int {
  exit_ok = 0,
  exit_timeout = 1,
  exit_usage = 2,
  exit_runtime = 3,
};

boost::asio::awaitable<int> run_send(const cli_options& cli, const protocol::config& cfg);
boost::asio::awaitable<int> run_receive(const cli_options& cli, const protocol::config& cfg);
boost::asio::awaitable<int> run_request(const cli_options& cli, const protocol::config& cfg);

}  // namespace remaphore::app
