// What happens to the client's connection, as typed events: the application picks
// a log level or a reaction by kind, not by parsing text.
#pragma once
#include <string>
#include <string_view>
#include <system_error>

namespace remaphore::nats {

enum class conn_event_kind {
  connected,          // connect() reached a server
  connect_failed,     // one attempt at one server failed (connect, retry or reconnect)
  disconnected,       // a live connection ended; error and text say why
  reconnected,        // back on a server after a disconnect
  server_discovered,  // a server announced in INFO connect_urls joined the pool
  lame_duck,          // our server is shutting down; the client moves to another one
  server_error,       // the server sent an -ERR it keeps the connection after (text verbatim);
                      // an -ERR that closes it is the reason of `disconnected`
  slow_consumer,      // a subscription's queue is full; messages are being dropped
  gave_up,            // reconnecting stopped: the same server refused our credentials twice
};

struct conn_event {
  conn_event_kind kind;
  std::error_code error;  // set for connect_failed, disconnected, server_error, gave_up
  std::string server;     // the server concerned (URL without credentials), if any
  std::string text;       // reason or detail, without the server and without `error` repeated
};

std::string_view to_string(conn_event_kind kind);

// One log line: "disconnected from nats://h:4222: 2 PINGs unanswered".
std::string describe(const conn_event& e);

}  // namespace remaphore::nats
