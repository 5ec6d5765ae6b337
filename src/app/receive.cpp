// remaphore [command...]: wait for messages; run the command for each, answer requests.
#include <unistd.h>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "app/connect.hpp"
#include "app/modes.hpp"
#include "app/replay_record.hpp"
#include "app/sd_notify.hpp"
#include "core/discover/status_responder.hpp"
#include "core/metrics/exporter.hpp"
#include "core/output_echo.hpp"
#include "core/receive/receiver.hpp"
#include "core/replay/replay_cache.hpp"
#include "core/respond/responder.hpp"
#include "core/wait.hpp"
#include "log/log.hpp"
#include "protocol/skew.hpp"

namespace remaphore::app {

namespace {

constexpr std::size_t replay_cache_capacity = 100000;

// The pipeline's filters from -D, -d, -u, -v and -p; nullopt after logging a usage error.
std::optional<core::filters> filters_of(const cli_options& cli, const protocol::config& cfg) {
  core::filters f;
  f.exact_destination = cli.dest;
  f.no_destination = cli.no_dest_filter;
  if (cli.uuid) f.uuid = protocol::uuid_from(*cli.uuid);
  f.verbs = cli.verbs;
  f.sender = cli.pubkey;
  if (!f.exact_destination && !f.no_destination && cfg.destination.empty()) {
    log::error(cli.config_path + " has no 'destination:': set one, or use -D DEST or -d");
    return std::nullopt;
  }
  return f;
}

core::receiver_options receiver_options_of(const cli_options& cli, const protocol::config& cfg, core::filters f,
                                           deadline until) {
  core::receiver_options o;
  o.filter = std::move(f);
  o.count = cli.count;
  o.once = cli.count == 0 && (cli.once || cli.uuid.has_value());
  o.queue_limit = cfg.command_queue;
  o.subject = cli.subject;
  o.since = cli.since;
  o.deadline = until;
  return o;
}

core::responder_options responder_options_of(const cli_options& cli, const protocol::config& cfg) {
  core::responder_options ro;
  ro.command = cli.rest;
  ro.destmatch_env = !cli.no_dest_filter;
  ro.subject_root = cfg.subject;
  ro.replier = cfg.effective_default_identity();
  ro.remember_for = protocol::replay_window(cfg.allow_skew);
  return ro;
}

core::status_responder_options status_options_of(const protocol::config& cfg) {
  core::status_responder_options so;
  so.subject_root = cfg.subject;
  so.replier = cfg.effective_default_identity();
  so.version = REMAPHORE_VERSION;
  so.replay_window = protocol::replay_window(cfg.allow_skew);
  return so;
}

// The receiver (answering discoveries beside its messages), and beside it the
// commands' output copied to our stdout and, when asked for, the metrics served over
// HTTP; what is left of that output is written out at the end.
boost::asio::awaitable<int> receive_on(nats::client& c, const protocol::config& cfg, core::receiver_options o,
                                       core::responder_options ro,
                                       const std::optional<protocol::listen_address>& metrics_at) {
  using namespace boost::asio::experimental::awaitable_operators;
  core::listener_metrics metrics;
  std::optional<core::metrics_exporter> exporter;
  if (metrics_at) {
    exporter.emplace(c.executor(), *metrics_at, metrics, c);
    std::string why;
    if (!exporter->open(why)) {
      log::error(why);
      co_return exit_runtime;
    }
    o.metrics = ro.metrics = &metrics;
  }
  auto serve_metrics = [&]() -> boost::asio::awaitable<void> {
    if (exporter) co_return co_await exporter->run();
    co_await core::until_stopped();
  };
  core::output_echo echo(c.executor(), STDOUT_FILENO);
  ro.echo = &echo;
  core::responder responder(c, ro);
  core::status_responder status(c, cfg, status_options_of(cfg));
  o.discovery = &status;
  core::replay_cache seen(core::receiver_replay_window(cfg, o.since), replay_cache_capacity);
  const auto until = o.deadline.value_or(std::chrono::steady_clock::time_point::max());
  core::receiver rx(c, cfg, std::move(o), responder, seen);
  auto ended = co_await (rx.run() || echo.run() || serve_metrics());
  // A stdout that takes nothing (its reader stopped) must not outlast -t.
  if (const auto unwritten = echo.flush(until))
    log::warn(std::to_string(unwritten) +
              " bytes of the commands' output were not written: stdout took none before -t");
  co_return ended.index() == 0 ? exit_code_of(std::get<0>(ended)) : exit_runtime;
}

}  // namespace

boost::asio::awaitable<int> run_receive(const cli_options& cli, const protocol::config& cfg, deadline until) {
  // Before connecting: the resolver's thread must not read the environment meanwhile.
  const auto systemd = systemd_notifier::from_environment();
  auto f = filters_of(cli, cfg);
  if (!f) co_return exit_usage;
  auto o = receiver_options_of(cli, cfg, std::move(*f), until);
  // A Type=notify unit is started once the subscription is in place.
  o.on_ready = [&systemd] { systemd.notify("READY=1"); };
  auto record = open_replay_record_of(cfg);
  if (record) o.host_record = &*record;
  connect_plan plan;
  plan.until = until;
  plan.long_lived = true;
  co_return co_await run_connected(cli, cfg, plan, [&](nats::client& c) -> boost::asio::awaitable<int> {
    co_return co_await receive_on(c, cfg, o, responder_options_of(cli, cfg), cli.metrics ? cli.metrics : cfg.metrics);
  });
}

}  // namespace remaphore::app
