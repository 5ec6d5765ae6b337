// remaphore -r: a signed request to the peers matching -D; every reply on stdout.
#include <unistd.h>

#include "app/connect.hpp"
#include "app/message.hpp"
#include "app/modes.hpp"
#include "core/requester.hpp"
#include "log/log.hpp"

namespace remaphore::app {
using namespace std::chrono_literals;

namespace {

constexpr auto default_request_timeout = 10s;

// One write per reply: replies never interleave, even with other writers.
void write_stdout(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(1, text.data(), text.size());
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

boost::asio::awaitable<int> run_request(const cli_options& cli, const protocol::config& cfg, deadline until) {
  std::string pattern = cli.dest.value_or("**");
  auto suspected = core::peers_matching(cfg, pattern);
  if (suspected.empty()) {
    log::error("no peer in " + cli.config_path + " has a destination matching '" + pattern + "'");
    co_return exit_usage;
  }
  auto wire = build_message(cli, cfg, true);
  if (!wire) co_return exit_usage;
  if (!until && !cli.no_timeout) until = std::chrono::steady_clock::now() + default_request_timeout;
  core::request_options o{cli.subject, until, cli.json};
  co_return co_await run_connected(cli, cfg, {until}, [&](nats::client& c) -> boost::asio::awaitable<int> {
    core::requester r(c, cfg, suspected, *wire, o, write_stdout);
    co_return exit_code_of(co_await r.run());
  });
}

}  // namespace remaphore::app
