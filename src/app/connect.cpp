#include "app/connect.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "app/modes.hpp"
#include "app/signals.hpp"
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
  auto cs = co_await boost::asio::this_coro::cancellation_state;
  if (cs.cancelled() != boost::asio::cancellation_type::none) co_return false;  // the deadline says why
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

namespace {

boost::asio::awaitable<int> connect_then(nats::client& c, const protocol::config& cfg,
                                         std::optional<std::chrono::steady_clock::time_point> until,
                                         const connected_work& work) {
  using namespace boost::asio::experimental::awaitable_operators;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  timer.expires_at(until.value_or(boost::asio::steady_timer::time_point::max()));
  auto connected = co_await (connect_or_log(c, cfg) || timer.async_wait(boost::asio::use_awaitable));
  if (connected.index() == 1) {
    log::error("cannot connect: no server answered before the -t deadline");
    co_return exit_runtime;
  }
  if (!std::get<0>(connected)) co_return exit_runtime;
  co_return co_await work(c);
}

}  // namespace

boost::asio::awaitable<int> run_connected(const cli_options& cli, const protocol::config& cfg,
                                          std::optional<std::chrono::steady_clock::time_point> until,
                                          connected_work work) {
  using namespace boost::asio::experimental::awaitable_operators;
  nats::client c(co_await boost::asio::this_coro::executor, nats_options(cli, cfg));
  auto r = co_await (connect_then(c, cfg, until, work) || wait_signal());
  co_await c.close();
  co_return std::visit([](int v) { return v; }, r);
}

}  // namespace remaphore::app
