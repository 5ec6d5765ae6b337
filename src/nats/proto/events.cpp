#include "nats/proto/events.hpp"

namespace remaphore::nats {

std::string_view to_string(conn_event_kind kind) {
  switch (kind) {
    case conn_event_kind::connected: return "connected";
    case conn_event_kind::connect_failed: return "connect failed";
    case conn_event_kind::disconnected: return "disconnected";
    case conn_event_kind::reconnected: return "reconnected";
    case conn_event_kind::server_discovered: return "server discovered";
    case conn_event_kind::lame_duck: return "lame duck";
    case conn_event_kind::server_error: return "server error";
    case conn_event_kind::slow_consumer: return "slow consumer";
    case conn_event_kind::gave_up: return "gave up reconnecting";
  }
  return "connection event";
}

std::string describe(const conn_event& e) {
  std::string server = e.server.empty() ? std::string() : " " + e.server;
  std::string why = !e.text.empty() ? e.text : e.error ? e.error.message() : std::string();
  std::string line;
  switch (e.kind) {
    case conn_event_kind::connected: line = "connected to" + server; break;
    case conn_event_kind::connect_failed: line = "cannot connect to" + server; break;
    case conn_event_kind::disconnected: line = "disconnected from" + server; break;
    case conn_event_kind::reconnected: line = "reconnected to" + server; break;
    case conn_event_kind::server_discovered: line = "learned server" + server; break;
    case conn_event_kind::lame_duck:
      line = (server.empty() ? std::string("the server") : server.substr(1)) +
             " entered lame duck mode; moving to another server";
      break;
    case conn_event_kind::server_error: line = "server error from" + server; break;
    case conn_event_kind::slow_consumer: line = "slow consumer"; break;
    case conn_event_kind::gave_up: line = "gave up reconnecting"; break;
  }
  if (!why.empty()) line += ": " + why;
  return line;
}

}  // namespace remaphore::nats
