// remaphore --discover: who is listening among the peers matching -D, asked without
// running anything; one line per host on stdout, the summary on stderr.

#include "app/connect.hpp"
#include "app/modes.hpp"
#include "app/write_stdout.hpp"
#include "core/discover/discoverer.hpp"
#include "core/discover/discovery_gate.hpp"
#include "core/discover/discovery_tally.hpp"
#include "log/log.hpp"
#include "protocol/envelope.hpp"

namespace remaphore::app {
using namespace std::chrono_literals;

namespace {

// Shorter than a request's: a discovery waits for hosts that are down as long as it
// is allowed to, and is often run to find exactly those.
constexpr auto default_discover_timeout = 5s;

std::string sign_discovery(const protocol::identity& id, const std::string& pattern) {
  protocol::envelope_fields f;
  f.destination = pattern;
  f.send_time_ns = protocol::now_unix_ns();
  f.uuid = protocol::uuid_from("");
  f.verb = std::string(core::discover_verb);
  f.request = true;
  return protocol::encode(id.priv, f);
}

}  // namespace

boost::asio::awaitable<int> run_discover(const cli_options& cli, const protocol::config& cfg, deadline until) {
  core::discover_options o;
  o.pattern = cli.dest.value_or("**");
  o.verb = cli.verbs.empty() ? "ping" : cli.verbs.front();
  o.json = cli.json;
  if (!protocol::fits_in_field(o.pattern) || !protocol::fits_in_field(o.verb)) {
    log::error("the verb and the destination cannot contain ','");
    co_return exit_usage;
  }
  if (core::hosts_matching(cfg, o.pattern).empty()) {
    log::error("no peer in " + cli.config_path + " has a destination matching '" + o.pattern + "'");
    co_return exit_usage;
  }
  const auto signer = cfg.signing_identity(core::discover_verb, cli.pubkey);
  if (!signer.id) {
    log::error((cli.pubkey ? "-p: " : "") + signer.why_none + " (in " + cli.config_path + ")");
    co_return exit_usage;
  }
  o.asking_key = signer.id->pub.to_base58();
  o.deadline = until            ? *until
               : cli.no_timeout ? std::chrono::steady_clock::time_point::max()
                                : std::chrono::steady_clock::now() + default_discover_timeout;
  connect_plan plan;
  plan.until = o.deadline;
  co_return co_await run_connected(cli, cfg, plan, [&](nats::client& c) -> boost::asio::awaitable<int> {
    core::discoverer d(c, cfg, sign_discovery(*signer.id, o.pattern), o, write_stdout);
    co_return exit_code_of(co_await d.run());
  });
}

}  // namespace remaphore::app
