#include "app/connect.hpp"

#include "log/log.hpp"
#include "nats/error.hpp"

namespace remaphore::app {

namespace {

// What an admin must act on is a warning; the connection's normal life is not.
void log_event(const nats::conn_event& e) {
  using kind = nats::conn_event_kind;
  std::string line = nats::describe(e);
  switch (e.kind) {
    case kind::disconnected:
    case kind::gave_up:
    case kind::server_error:
    case kind::slow_consumer:
      log::warn(line);
      break;
    case kind::reconnected:
    case kind::lame_duck:
      log::info(line);
      break;
    case kind::connected:
    case kind::connect_failed:
    case kind::server_discovered:
      log::debug(line);
      break;
  }
}

}  // namespace

nats::options nats_options(const cli_options& cli, const protocol::config& cfg) {
  nats::options o;
  o.servers = cfg.servers;
  o.auth.creds_file = cfg.credentials;
  o.auth.nkey_seed_file = cfg.nkey_seed;
  o.auth.token = cfg.token;
  o.auth.user = cfg.user;
  o.auth.password = cfg.password;
  o.tls.ca_file = cfg.tls_ca;
  o.tls.cert_file = cfg.tls_cert;
  o.tls.key_file = cfg.tls_key;
  o.tls.first = cfg.tls_first;
  o.ignore_discovered = cfg.ignore_discovered_servers;
  o.connect_timeout = cli.connect_timeout;
  o.name = "remaphore";
  o.version = REMAPHORE_VERSION;
  o.on_event = log_event;
  return o;
}

// The server's own words are kept: they are what an admin can search for; with them
// go the server and the identity we used, since "Authorization Violation" alone does
// not say which of them is wrong.
boost::asio::awaitable<bool> connect_or_log(nats::client& c, const protocol::config& cfg) {
  auto ec = co_await c.connect();
  if (!ec) co_return true;
  const auto& why = c.last_error();
  if (ec == nats::errc::auth_failed) {
    std::string how = !cfg.credentials.empty() ? "credentials " + cfg.credentials
                      : !cfg.nkey_seed.empty()   ? "nkey seed " + cfg.nkey_seed
                      : !cfg.token.empty()       ? "token auth"
                      : !cfg.user.empty()        ? "user " + cfg.user
                                                 : "no credentials";
    if (!c.auth_key().empty()) how += ", user key " + c.auth_key();
    log::error("the server refused our credentials: '" + why.reason + "' (server " + c.refused_by() + ", " + how +
               ")");
    if (why.attempts.size() > 1) log::error("servers tried: " + why.text());
  } else {
    log::error("cannot connect: " + why.text());
  }
  co_return false;
}

}  // namespace remaphore::app
