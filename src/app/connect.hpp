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

// How a mode connects: -t's deadline; whether it lives long (a receiver, whose
// reconnects are spread out); whether connecting is retried until the deadline
// (--connect-retry or the config's connect_retry, filled in by run_connected).
struct connect_plan {
  std::optional<std::chrono::steady_clock::time_point> until;
  bool long_lived = false;
  bool retry = false;
  // Runs on the client before it connects: what it publishes there goes with the
  // handshake (see nats::client::publish).
  std::function<void(nats::client&)> before_connect;
};

nats::options nats_options(const cli_options& cli, const protocol::config& cfg, const connect_plan& plan);

// Connects, or logs why not and returns false.
boost::asio::awaitable<bool> connect_or_log(nats::client& c, const protocol::config& cfg);

// "<what>: '<the server's words>' (server URL, <the identity used>)": a refusal by the
// server (errc::permission_denied), verbatim.
void log_refusal(const std::string& what, const nats::client& c, const nats::diagnostic& why,
                 const protocol::config& cfg);

// Connects within the deadline (-t), runs `work` on the connection until it ends or
// a signal arrives (128 + N), and closes. Exit 3 when no connection was made.
using connected_work = std::function<boost::asio::awaitable<int>(nats::client&)>;
boost::asio::awaitable<int> run_connected(const cli_options& cli, const protocol::config& cfg, connect_plan plan,
                                          connected_work work);

}  // namespace remaphore::app
