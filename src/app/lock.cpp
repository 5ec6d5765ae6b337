// remaphore --lock NAME [-n SLOTS] command...: run a command while holding one slot of
// a fleet-wide lock; remaphore --lock-status NAME: who holds it.
//
// Signals are not raced against the run as in the other modes: a signal asks the lock
// to stop (core::lock::stop_signal), and the run ends the command's group and
// releases the slot before it returns.
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>

#include "app/connect.hpp"
#include "app/lock_print.hpp"
#include "app/modes.hpp"
#include "core/lock/hold.hpp"
#include "core/lock/record.hpp"
#include "core/lock/run.hpp"
#include "core/lock/status.hpp"
#include "log/log.hpp"

namespace remaphore::app {
namespace asio = boost::asio;
using asio::awaitable;
using namespace asio::experimental::awaitable_operators;
namespace lk = core::lock;

namespace {

// Turns each SIGINT, SIGTERM or SIGHUP into a stop request; ends only when cancelled.
awaitable<void> watch_signals(lk::stop_signal& stop) {
  asio::signal_set signals(co_await asio::this_coro::executor, SIGINT, SIGTERM, SIGHUP);
  for (;;) {
    boost::system::error_code ec;
    int sig = co_await signals.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;
    log::info(sig == SIGINT ? "interrupted (SIGINT)" : sig == SIGTERM ? "terminated (SIGTERM)" : "hung up (SIGHUP)");
    stop.request(128 + sig);
  }
}

int lock_exit_code(const lk::lock_result& r) {
  switch (r.outcome) {
    case lk::lock_outcome::ran:
    case lk::lock_outcome::interrupted: return r.exit_code;
    case lk::lock_outcome::not_acquired: return exit_timeout;
    case lk::lock_outcome::refused: return exit_usage;
    case lk::lock_outcome::failed: return exit_runtime;
    case lk::lock_outcome::lease_lost: return lk::exit_lease_lost;
  }
  return exit_runtime;
}

// The identity that signs the lock's records: -p, else the default identity, else the
// first that may take this lock.
const protocol::identity* lock_signer(const cli_options& cli, const protocol::config& cfg) {
  auto allowed = [&](const protocol::identity& id) { return lk::may_lock(id.verbs, cli.lock_name); };
  if (cli.pubkey) {
    const auto* id = cfg.find_identity(*cli.pubkey);
    if (id && allowed(*id)) return id;
    log::error("-p: " + cli.pubkey->to_base58() +
               (id ? " may not take lock " + cli.lock_name : " is not among the [ Identities ]"));
    return nullptr;
  }
  if (const auto* id = cfg.effective_default_identity(); id && allowed(*id)) return id;
  for (const auto& id : cfg.identities)
    if (allowed(id)) return &id;
  log::error("no identity in " + cli.config_path + " may take lock " + cli.lock_name +
             ": it needs the verb 'lock' or 'lock:" + cli.lock_name + "' (or '*') in its permission list");
  return nullptr;
}

// Connects (within -t; a signal ends that at once), then runs `work`.
awaitable<int> connected(const cli_options& cli, const protocol::config& cfg, deadline until, lk::stop_signal& stop,
                         std::function<awaitable<int>(nats::client&)> work) {
  connect_plan plan;
  plan.until = until;
  plan.retry = cli.connect_retry || cfg.connect_retry;
  auto opts = nats_options(cli, cfg, plan);
  opts.reconnect_spread = std::chrono::milliseconds(0);  // a holder must renew soon after a failover
  nats::client c(co_await asio::this_coro::executor, opts);
  asio::steady_timer timer(c.executor(), until.value_or(asio::steady_timer::time_point::max()));
  boost::system::error_code ec;
  auto up = co_await (connect_or_log(c, cfg) || stop.wait() ||
                      timer.async_wait(asio::redirect_error(asio::use_awaitable, ec)));
  int code = exit_runtime;
  if (up.index() == 1) {
    code = stop.code();
  } else if (up.index() == 2) {
    log::error("cannot connect: no server answered before the -t deadline");
  } else if (std::get<0>(up)) {
    code = co_await work(c);
  }
  co_await c.close();
  co_return code;
}

}  // namespace

awaitable<int> run_lock(const cli_options& cli, const protocol::config& cfg, deadline until) {
  lk::lock_request req;
  req.name = cli.lock_name;
  req.slots = cli.count == 0 ? 1 : cli.count;
  req.command = cli.rest;
  req.deadline = until;
  req.config_path = cli.config_path;
  req.signer = lock_signer(cli, cfg);
  if (!req.signer) co_return exit_usage;
  lk::stop_signal stop(co_await asio::this_coro::executor);
  auto work = [&](nats::client& c) -> awaitable<int> {
    auto r = co_await lk::run_lock(c, cfg, req, stop);
    if (!r.why.empty() && r.outcome != lk::lock_outcome::ran && r.outcome != lk::lock_outcome::interrupted)
      (r.outcome == lk::lock_outcome::not_acquired ? log::warn : log::error)(r.why);
    co_return lock_exit_code(r);
  };
  auto done = co_await (connected(cli, cfg, until, stop, work) || watch_signals(stop));
  co_return done.index() == 0 ? std::get<0>(done) : exit_runtime;
}

awaitable<int> run_lock_status(const cli_options& cli, const protocol::config& cfg, deadline until) {
  lk::stop_signal stop(co_await asio::this_coro::executor);
  co_return co_await connected(cli, cfg, until, stop, [&](nats::client& c) -> awaitable<int> {
    auto s = co_await lk::read_status(c, cfg, cli.lock_name);
    if (!s.ok) {
      log::error("cannot read lock " + cli.lock_name + ": " + s.why);
      co_return exit_runtime;
    }
    print_lock_status(cli.lock_name, s, cli.json);
    co_return exit_ok;
  });
}

}  // namespace remaphore::app
