// remaphore -s: sign, (retain), publish, and return once the server has the message.
// Without --retain the message goes with the handshake (CONNECT, PUB, PING): the
// server's one PONG says both that it let us in and that it has the message, and a
// refusal before it (a publish permission that excludes the subject) fails the
// connect. A message over the server's max_payload is never written.
#include <boost/asio/this_coro.hpp>

#include "app/connect.hpp"
#include "app/message.hpp"
#include "app/modes.hpp"
#include "core/receive/retained.hpp"
#include "log/log.hpp"
#include "nats/error.hpp"
#include "protocol/subjects.hpp"

namespace remaphore::app {
using namespace std::chrono_literals;

boost::asio::awaitable<int> run_send(const cli_options& cli, const protocol::config& cfg, deadline until) {
  const auto message = plan_message(cli, cfg, false);
  if (!message) co_return exit_usage;
  const auto wire = message->sign();
  const auto subject = protocol::subjects::live(cfg.subject, cli.subject);
  connect_plan plan;
  plan.until = until;
  bool queued = false;
  if (!cli.retain) plan.before_connect = [&](nats::client& c) { queued = !c.publish(subject, wire); };
  co_return co_await run_connected(cli, cfg, plan, [&](nats::client& c) -> boost::asio::awaitable<int> {
    if (cli.retain) {
      // Stored first: if JetStream cannot keep it, nothing was sent and we say so.
      auto r = co_await core::retain_signal(c, cfg, cli.subject, wire);
      if (r.ec) {
        log::error("cannot retain the signal: " + r.why);
        co_return exit_runtime;
      }
    }
    auto ec = queued ? std::error_code() : c.publish(subject, wire);
    if (ec == nats::errc::max_payload_exceeded) {
      log::error("cannot send: " + nats::describe_payload_over(wire.size(), c.info().max_payload));
      co_return exit_runtime;
    }
    if (ec) {
      log::error("cannot publish: " + ec.message());
      co_return exit_runtime;
    }
    auto left = until ? std::chrono::duration_cast<std::chrono::nanoseconds>(*until - std::chrono::steady_clock::now())
                      : std::chrono::nanoseconds(5s);
    nats::diagnostic why;
    if (auto ec = co_await c.flush(std::max(left, std::chrono::nanoseconds(0)), why)) {
      if (ec == nats::errc::permission_denied)
        log_refusal("the server refused the message", c, why, cfg);
      else
        log::error("the server did not confirm the message: " + ec.message());
      co_return exit_runtime;
    }
    co_return exit_ok;
  });
}

}  // namespace remaphore::app
