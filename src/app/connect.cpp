#include "app/connect.hpp"

#include "log/log.hpp"
#include "nats/error.hpp"

namespace remaphore::app {

nats::options nats_options(const cli_options& cli, const protocol::config& cfg) {
  nats::options o;
  o.servers = cfg.servers;
  o.creds_file = cfg.credentials;
  o.nkey_seed_file = cfg.nkey_seed;
  o.token = cfg.token;
  o.user = cfg.user;
  o.password = cfg.password;
  o.tls.ca_file = cfg.tls_ca;
  o.tls.cert_file = cfg.tls_cert;
  o.tls.key_file = cfg.tls_key;
  o.tls.first = cfg.tls_first;
  o.ignore_discovered = cfg.ignore_discovered_servers;
  o.connect_timeout = cli.connect_timeout;
  o.name = "remaphore";
  o.on_event = [](std::string_view text) {
    if (text.starts_with("disconnected") || text.starts_with("giving up") || text.starts_with("server error") ||
        text.starts_with("slow consumer"))
      log::warn(text);
    else if (text.starts_with("reconnected"))
      log::info(text);
    else
      log::debug(text);
  };
  return o;
}

// The server's own words are kept: they are what an admin can search for; with them
// go the server and the identity we used, since "Authorization Violation" alone does
// not say which of them is wrong.
boost::asio::awaitable<bool> connect_or_log(nats::client& c, const protocol::config& cfg) {
  auto ec = co_await c.connect();
  if (!ec) co_return true;
  if (ec == nats::errc::auth_failed) {
    std::string how = !cfg.credentials.empty() ? "credentials " + cfg.credentials
                      : !cfg.nkey_seed.empty()   ? "nkey seed " + cfg.nkey_seed
                      : !cfg.token.empty()       ? "token auth"
                      : !cfg.user.empty()        ? "user " + cfg.user
                                                 : "no credentials";
    if (!c.auth_key().empty()) how += ", user key " + c.auth_key();
    log::error("the server refused our credentials: '" + c.error_text() + "' (server " + c.refused_by() +
               ", " + how + ")");
  } else {
    log::error("cannot connect: " + c.error_text() + " (" + ec.message() + ")");
  }
  co_return false;
}

}  // namespace remaphore::app
