// What a nats::client is told: servers, credentials, TLS, timing of the health
// check, connect retry and reconnect, and where its connection events go.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nats/proto/auth.hpp"
#include "nats/proto/events.hpp"
#include "nats/transport.hpp"

namespace remaphore::nats {

using namespace std::chrono_literals;

struct options {
  std::vector<std::string> servers;  // URLs; credentials in a URL apply to that server
  bool randomize = true;             // shuffle the server list
  bool ignore_discovered = false;    // do not use INFO connect_urls
  std::string name = "remaphore";    // CONNECT "name": how the server lists us
  std::string version;               // CONNECT "version": the application's version

  auth_options auth;  // at most one kind is used: creds, nkey seed, token, user/password
  tls_options tls;
  bool echo = true;  // receive our own messages on our own subscriptions
  // The JetStream domain whose API the JetStream calls use ($JS.<domain>.API.*): from a
  // leaf node, the hub's; empty: the local API ($JS.API.*).
  std::string jetstream_domain;

  std::chrono::milliseconds connect_timeout = 2s;  // per server, TCP to PONG
  // Connect retry: unset, connect() tries each server once and fails at once. Set,
  // it goes round the servers with backoff until this time (time_point::max():
  // until it succeeds or is cancelled), emitting connect_failed for each attempt.
  std::optional<std::chrono::steady_clock::time_point> connect_retry_until;

  // Health: PING every ping_interval; a server that leaves max_pings_out of them
  // unanswered at the next one is stale, so a silent server is noticed within
  // ping_interval * (max_pings_out + 1) (30 s by default). A write that has not
  // completed after write_timeout (server or network stuck) ends the connection.
  std::chrono::milliseconds ping_interval = 10s;
  int max_pings_out = 2;
  std::chrono::milliseconds write_timeout = 10s;

  bool allow_reconnect = true;
  std::chrono::milliseconds reconnect_wait = 100ms;  // first backoff step
  std::chrono::milliseconds reconnect_wait_max = 5s;
  std::chrono::milliseconds reconnect_jitter = 100ms;  // random extra per round of attempts
  // A random delay in [0, reconnect_spread] before the first reconnect attempt, so a
  // fleet that lost its server together does not come back in step. Not applied when
  // leaving a server in lame duck mode: that server is still up.
  std::chrono::milliseconds reconnect_spread = 0ms;

  std::size_t reconnect_buffer = 8 * 1024 * 1024;    // bytes published while disconnected
  std::size_t pending_high_water = 4 * 1024 * 1024;  // publish_async waits above this
  std::size_t sub_pending_msgs = 65536;              // per subscription, then drop
  std::size_t sub_pending_bytes = 64 * 1024 * 1024;

  // Connection events. Called on the client's executor; never after the client is
  // destroyed.
  std::function<void(const conn_event&)> on_event;
};

}  // namespace remaphore::nats
