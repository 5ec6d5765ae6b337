// remaphore [command...]: wait for messages; run the command for each, answer requests.
#include <unistd.h>

#include "app/connect.hpp"
#include "app/host_record.hpp"
#include "app/modes.hpp"
#include "app/sd_notify.hpp"
#include "core/receiver.hpp"
#include "log/log.hpp"

namespace remaphore::app {

namespace {

// The pipeline's filters from -D, -d, -u, -v and -p; nullopt after logging a usage error.
std::optional<core::filters> filters_of(const cli_options& cli, const protocol::config& cfg) {
  core::filters f;
  f.exact_destination = cli.dest;
  f.no_destination = cli.no_dest_filter;
  if (cli.uuid) f.uuid = protocol::uuid_from(*cli.uuid);
  f.verbs = cli.verbs;
  if (cli.pubkey) {
    f.sender = protocol::parse_public_key(*cli.pubkey);
    if (!f.sender) {
      log::error("-p: '" + *cli.pubkey + "' is not a base58 public key");
      return std::nullopt;
    }
  }
  if (!f.exact_destination && !f.no_destination && cfg.destination.empty()) {
    log::error(cli.config_path + " has no 'destination:': set one, or use -D DEST or -d");
    return std::nullopt;
  }
  return f;
}

}  // namespace

boost::asio::awaitable<int> run_receive(const cli_options& cli, const protocol::config& cfg, deadline until) {
  // Before connecting: the resolver's thread must not read the environment meanwhile.
  const auto systemd = systemd_notifier::from_environment();
  auto f = filters_of(cli, cfg);
  if (!f) co_return exit_usage;
  core::receiver_options o;
  o.filter = *f;
  o.rules.count = cli.count;
  o.rules.once = cli.count == 0 && (cli.once || cli.uuid.has_value());
  o.rules.has_command = !cli.rest.empty();
  o.rules.queue_limit = cfg.command_queue;
  o.subject = cli.subject;
  o.since = cli.since;
  o.deadline = until;
  // A Type=notify unit is started once the subscription is in place.
  o.on_ready = [&systemd] { systemd.notify("READY=1"); };
  core::responder_options ro;
  ro.command = cli.rest;
  ro.destmatch_env = !cli.no_dest_filter;
  ro.subject_root = cfg.subject;
  ro.replier = cfg.effective_default_identity();
  ro.remember_for = core::replay_window(cfg.allow_skew);
  auto record = open_host_record(cfg);
  if (record) o.host_record = &*record;
  connect_plan plan;
  plan.until = until;
  plan.long_lived = true;
  co_return co_await run_connected(cli, cfg, plan, [&](nats::client& c) -> boost::asio::awaitable<int> {
    core::output_echo echo(c.executor(), STDOUT_FILENO);
    ro.echo = &echo;
    o.echo = &echo;
    core::responder r(c, ro);
    core::receiver rx(c, cfg, o, r);
    co_return exit_code_of(co_await rx.run());
  });
}

int exit_code_of(core::outcome o) {
  switch (o) {
    case core::outcome::done: return exit_ok;
    case core::outcome::timed_out: return exit_timeout;
    case core::outcome::failed: return exit_runtime;
  }
  return exit_runtime;
}

}  // namespace remaphore::app
