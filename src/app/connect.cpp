#include "app/connect.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <map>
#include <memory>

#include "app/modes.hpp"
#include "app/signals.hpp"
#include "log/log.hpp"
#include "nats/error.hpp"

namespace remaphore::app {

namespace {

constexpr auto default_reconnect_spread = std::chrono::seconds(2);

// While connecting is retried (--connect-retry), each server's failure is a warning
// once a minute, not once per attempt.
class connect_warnings {
 public:
  bool due(const std::string& server) {
    auto now = std::chrono::steady_clock::now();
    auto [it, fresh] = last_.try_emplace(server, now);
    if (!fresh && now - it->second < std::chrono::minutes(1)) return false;
    it->second = now;
    return true;
  }

 private:
  std::map<std::string, std::chrono::steady_clock::time_point> last_;
};

// What an admin must act on is a warning; the connection's normal life is not.
void log_event(const nats::conn_event& e, connect_warnings* retrying) {
  using kind = nats::conn_event_kind;
  std::string line = nats::describe(e);
  if (e.kind == kind::connect_failed && retrying) {
    if (retrying->due(e.server)) log::warn(line + " (still trying)");
    return;
  }
  switch (e.kind) {
    case kind::disconnected:
    case kind::gave_up:
    case kind::server_error:
    case kind::slow_consumer: log::warn(line); break;
    case kind::reconnected:
    case kind::lame_duck: log::info(line); break;
    case kind::connected:
    case kind::connect_failed:
    case kind::server_discovered: log::debug(line); break;
  }
}

}  // namespace

nats::options nats_options(const cli_options& cli, const protocol::config& cfg, const connect_plan& plan) {
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
  o.jetstream_domain = cfg.jetstream_domain;
  o.connect_timeout = cli.connect_timeout;
  o.name = "remaphore";
  o.version = REMAPHORE_VERSION;
  std::shared_ptr<connect_warnings> warnings;
  if (plan.retry) {
    o.connect_retry_until = plan.until.value_or(std::chrono::steady_clock::time_point::max());
    warnings = std::make_shared<connect_warnings>();
  }
  // A fleet of receivers that lost its server must not come back in step; a one-shot
  // call has nobody to collide with and reconnects at once.
  if (plan.long_lived)
    o.reconnect_spread = cfg.reconnect_jitter.count() > 0
                             ? std::chrono::duration_cast<std::chrono::milliseconds>(cfg.reconnect_jitter)
                             : std::chrono::milliseconds(default_reconnect_spread);
  o.on_event = [warnings](const nats::conn_event& e) { log_event(e, warnings.get()); };
  return o;
}

namespace {

// Which identity the server saw: "Authorization Violation" or "Permissions
// Violation" alone does not say which of the server and the identity is wrong.
std::string identity_used(const nats::client& c, const protocol::config& cfg) {
  std::string how = !cfg.credentials.empty() ? "credentials " + cfg.credentials
                    : !cfg.nkey_seed.empty() ? "nkey seed " + cfg.nkey_seed
                    : !cfg.token.empty()     ? "token auth"
                    : !cfg.user.empty()      ? "user " + cfg.user
                                             : "no credentials";
  if (!c.auth_key().empty()) how += ", user key " + c.auth_key();
  return how;
}

}  // namespace

void log_refusal(const std::string& what, const nats::client& c, const nats::diagnostic& why,
                 const protocol::config& cfg) {
  log::error(what + ": '" + why.reason + "' (server " + why.server + ", " + identity_used(c, cfg) + ")");
}

// The server's own words are kept: they are what an admin can search for; with them
// go the server and the identity we used.
boost::asio::awaitable<bool> connect_or_log(nats::client& c, const protocol::config& cfg) {
  auto ec = co_await c.connect();
  if (!ec) co_return true;
  auto cs = co_await boost::asio::this_coro::cancellation_state;
  if (cs.cancelled() != boost::asio::cancellation_type::none) co_return false;  // the deadline says why
  const auto& why = c.last_error();
  if (ec == nats::errc::auth_failed) {
    log::error("the server refused our credentials: '" + why.reason + "' (server " + c.refused_by() + ", " +
               identity_used(c, cfg) + ")");
    if (why.attempts.size() > 1) log::error("servers tried: " + why.text());
  } else if (ec == nats::errc::permission_denied) {
    // What was published with the handshake (remaphore -s).
    log_refusal("the server refused the message", c, why, cfg);
  } else if (ec == nats::errc::max_payload_exceeded) {
    log::error("cannot send: " + why.text());
  } else {
    log::error("cannot connect: " + why.text());
  }
  co_return false;
}

namespace {

// Without retries the client tries each server once, and -t bounds that too; with
// them the client stops at the deadline itself and says what each server answered.
boost::asio::awaitable<int> connect_then(nats::client& c, const protocol::config& cfg, const connect_plan& plan,
                                         const connected_work& work) {
  using namespace boost::asio::experimental::awaitable_operators;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  timer.expires_at(plan.retry ? boost::asio::steady_timer::time_point::max()
                              : plan.until.value_or(boost::asio::steady_timer::time_point::max()));
  // as_tuple: the timer cancelled by a finished connect completes without an exception.
  auto connected =
      co_await (connect_or_log(c, cfg) || timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable)));
  if (connected.index() == 1) {
    log::error("cannot connect: no server answered before the -t deadline");
    co_return exit_runtime;
  }
  if (!std::get<0>(connected)) co_return exit_runtime;
  co_return co_await work(c);
}

}  // namespace

boost::asio::awaitable<int> run_connected(const cli_options& cli, const protocol::config& cfg, connect_plan plan,
                                          connected_work work) {
  using namespace boost::asio::experimental::awaitable_operators;
  plan.retry = cli.connect_retry || cfg.connect_retry;
  nats::client c(co_await boost::asio::this_coro::executor, nats_options(cli, cfg, plan));
  if (plan.before_connect) plan.before_connect(c);
  auto r = co_await (connect_then(c, cfg, plan, work) || wait_signal());
  co_await c.close();
  co_return std::visit([](int v) { return v; }, r);
}

}  // namespace remaphore::app
