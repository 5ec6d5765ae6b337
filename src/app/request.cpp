// remaphore -r: a signed request to the peers matching -D (all at once, or --batch N
// at a time); every reply on stdout, the summary on stderr.

#include <algorithm>

#include "app/connect.hpp"
#include "app/message.hpp"
#include "app/modes.hpp"
#include "app/write_stdout.hpp"
#include "core/request/progress_line.hpp"
#include "core/request/requester.hpp"
#include "log/log.hpp"
#include "protocol/envelope.hpp"

namespace remaphore::app {
using namespace std::chrono_literals;

namespace {

constexpr auto default_request_timeout = 10s;
constexpr auto default_batch_timeout = 10s;

// One write per reply: replies never interleave, even with other writers.
// A rolling request puts each peer's destination in a message: one with a ',' cannot
// be encoded (the Go tool could not read it either).
bool destinations_encodable(const std::vector<const protocol::peer*>& peers, const std::string& config_path) {
  for (const auto* p : peers) {
    if (protocol::fits_in_field(p->destination)) continue;
    log::error("--batch: the destination of peer " + p->pub.to_base58() + " in " + config_path + " ('" +
               p->destination + "') contains ',', which a message cannot carry");
    return false;
  }
  return true;
}

// --batch N, or --batch N%: that share of the peers matching -D, rounded up; 0: a plain request.
std::size_t batch_size_of(const cli_options& cli, std::size_t peers) {
  if (cli.batch_percent == 0) return cli.batch;
  return std::max<std::size_t>(1, (peers * cli.batch_percent + 99) / 100);
}

// -t is the whole run from the start of the process. A plain request waits 10s without
// it; a rolling one has no overall bound then (each batch has --batch-timeout).
core::request_options request_options_of(const cli_options& cli, deadline until, std::size_t batch) {
  core::request_options o;
  o.subject = cli.subject;
  o.deadline = until;
  const bool default_deadline = !until && !cli.no_timeout && batch == 0;
  if (default_deadline) o.deadline = std::chrono::steady_clock::now() + default_request_timeout;
  if (batch > 0) {
    o.batch_size = batch;
    o.batch_timeout = cli.batch_timeout.value_or(default_batch_timeout);
    if (o.batch_timeout->count() == 0) o.batch_timeout.reset();  // --batch-timeout 0: no bound of its own
    o.batch_sleep = cli.batch_sleep.value_or(std::chrono::nanoseconds(0));
  }
  o.stop_on_failure = cli.batch_stop_on_failure;
  o.require_all = cli.require_all;
  o.json = cli.json;
  o.sort = cli.sort;
  o.progress = core::stderr_is_terminal();
  return o;
}

}  // namespace

boost::asio::awaitable<int> run_request(const cli_options& cli, const protocol::config& cfg, deadline until) {
  std::string pattern = cli.dest.value_or("**");
  auto suspected = core::hosts_matching(cfg, pattern);
  if (suspected.empty()) {
    log::error("no peer in " + cli.config_path + " has a destination matching '" + pattern + "'");
    co_return exit_usage;
  }
  // A usage error (no identity for the verb, a ',' in -D) is exit 2 before anything goes out.
  const auto message = plan_message(cli, cfg, true);
  if (!message) co_return exit_usage;
  const auto batch = batch_size_of(cli, suspected.size());
  if (batch > 0 && !destinations_encodable(suspected, cli.config_path)) co_return exit_usage;
  auto plan = batch > 0 ? core::batch_plan::rolling(suspected, batch) : core::batch_plan::single(pattern, suspected);
  auto sign = [&](const std::string& destination) { return message->sign(destination); };
  auto options = request_options_of(cli, until, batch);
  connect_plan connecting;
  connecting.until = options.deadline;
  co_return co_await run_connected(cli, cfg, connecting, [&](nats::client& c) -> boost::asio::awaitable<int> {
    core::requester r(c, cfg, std::move(plan), sign, options, write_stdout);
    co_return exit_code_of(co_await r.run());
  });
}

}  // namespace remaphore::app
