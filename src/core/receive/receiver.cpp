#include "core/receive/receiver.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <utility>

#include "core/receive/retained.hpp"
#include "core/server_bounds.hpp"
#include "core/wait.hpp"
#include "log/log.hpp"
#include "nats/error.hpp"
#include "nats/jetstream.hpp"
#include "protocol/skew.hpp"
#include "protocol/subjects.hpp"

namespace remaphore::core {
namespace asio = boost::asio;
using asio::awaitable;
using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;

namespace {

// The host-wide record is held for about a microsecond at a time; a process stopped
// while holding it must not hold up our messages for longer than this.
constexpr auto host_record_patience = 200ms;

// The server's words verbatim, with the server: what an admin searches for.
std::string refused_text(const nats::diagnostic& why) {
  return "the server refused the subscription: '" + why.reason + "' (server " + why.server + ")";
}

}  // namespace

std::chrono::nanoseconds receiver_replay_window(const protocol::config& cfg,
                                                const std::optional<std::chrono::nanoseconds>& since) {
  auto window = protocol::replay_window(cfg.allow_skew);
  if (!since) return window;
  return std::max(window, protocol::replay_window(*since + cfg.allow_skew));
}

receiver::receiver(nats::client& c, const protocol::config& cfg, receiver_options o, message_handler& handler,
                   replay_memory& seen)
    : client_(c),
      cfg_(cfg),
      opts_(std::move(o)),
      handler_(handler),
      pipeline_(cfg, opts_.filter, seen),
      policy_({opts_.count, opts_.once, handler.has_command(), opts_.queue_limit}),
      finished_wake_(c.executor()),
      retained_wake_(c.executor()),
      queue_wake_(c.executor()),
      drops_wake_(c.executor()) {
  if (opts_.metrics) opts_.metrics->refreshers.push_back([this](listener_metrics& m) { copy_metrics(m); });
}

awaitable<outcome> receiver::run() {
  const bool subscribed = co_await subscribe();
  if (!subscribed) co_return outcome::failed;
  auto ended = co_await (until_finished() || background());
  const auto result = ended.index() == 0 ? std::get<0>(ended) : outcome::failed;
  log_drop_summaries(true);
  report_not_run();
  log_totals();
  // A --since receiver's consumer goes with it, not a while after: also when a signal
  // ended the run (the call is bounded by its own timeout).
  if (!retained_consumer_.empty()) {
    co_await asio::this_coro::reset_cancellation_state();
    co_await asio::this_coro::throw_if_cancelled(false);
    co_await stop_following(client_, cfg_, retained_consumer_);
  }
  // The last reply must leave before the connection is closed.
  if (result == outcome::done && handler_.replies_sent() > 0) co_await client_.flush(flush_timeout);
  co_return result;
}

awaitable<outcome> receiver::until_finished() {
  while (!finished_) co_await park(finished_wake_);
  co_return *finished_;
}

// Every branch runs until the race is over: they end the run through finish() only.
awaitable<void> receiver::background() {
  co_await (read_live() || read_retained() || read_discovery() || follow_after_reconnects() || dispatch() ||
            wait_deadline() || report_drops());
}

void receiver::finish(outcome o) {
  if (finished_) return;
  finished_ = o;
  finished_wake_.cancel();
}

// Live first, so that nothing falls between the two; then what was retained.
awaitable<bool> receiver::subscribe() {
  // Taken before the SUB goes out: whatever it delivers live arrives after this.
  subscribed_at_ = std::chrono::steady_clock::now();
  live_ = client_.subscribe(protocol::subjects::live(cfg_.subject, opts_.subject));
  if (opts_.discovery) discovery_ = client_.subscribe(protocol::subjects::discover(cfg_.subject));
  // Ready only once the server took the subscription: a refused one hears nothing.
  nats::diagnostic why;
  if (auto ec = co_await client_.flush(flush_timeout, why)) {
    log::error(ec == nats::errc::permission_denied ? refused_text(why) : "cannot subscribe: " + ec.message());
    co_return false;
  }
  if (opts_.since) {
    auto r = co_await follow_retained(client_, cfg_, opts_.subject, opts_.filter.uuid, *opts_.since);
    if (r.ec) {
      log::error("cannot read retained signals: " + r.why);
      co_return false;
    }
    if (r.no_stream)
      log::info("no signal has been retained yet (no stream " + protocol::subjects::stream_name(cfg_.subject) + ")");
    retained_ = r.sub;
    retained_consumer_ = r.consumer;
  }
  log::info(ready_text());
  if (opts_.on_ready) opts_.on_ready();
  co_return true;
}

awaitable<void> receiver::read_live() {
  for (;;) {
    nats::message m;
    auto ec = co_await client_.next_msg(live_, m, 1h);
    if (ec == nats::errc::timeout) continue;
    if (ec == nats::errc::permission_denied) {
      // Refused again after a reconnect: a listener that can hear nothing ends.
      log::error(refused_text(live_->failure()));
      finish(outcome::failed);
      co_return co_await until_stopped();
    }
    if (ec) {
      log::error("stopped receiving: " + ec.message() +
                 (client_.error_text().empty() ? "" : " (" + client_.error_text() + ")"));
      finish(outcome::failed);
      co_return co_await until_stopped();
    }
    co_await on_message(m, 0ns);
  }
}

// The retained subscription is replaced after a reconnect; the old one then ends
// with subscription_closed and the loop goes on with the new one. A lost connection
// is read_live's to report.
awaitable<void> receiver::read_retained() {
  if (!opts_.since) co_return co_await until_stopped();
  for (;;) {
    if (!retained_) {
      const auto woke = co_await park(retained_wake_);
      if (woke == woken::to_stop) co_return;
      continue;
    }
    auto sub = retained_;
    nats::message m;
    auto ec = co_await client_.next_msg(sub, m, 1h);
    if (ec == nats::errc::timeout || ec == nats::errc::subscription_closed) continue;
    if (ec) co_return co_await until_stopped();
    if (auto seq = nats::js::stream_sequence(m.reply)) retained_seq_ = std::max(retained_seq_, *seq);
    co_await on_message(m, *opts_.since);
  }
}

// Beside the live subscription, on a subject of its own: what arrives there is
// answered with a status or dropped, and never counted, queued or run.
awaitable<void> receiver::read_discovery() {
  if (!opts_.discovery) co_return co_await until_stopped();
  for (;;) {
    nats::message m;
    auto ec = co_await client_.next_msg(discovery_, m, 1h);
    if (ec == nats::errc::timeout) continue;
    if (ec) co_return co_await until_stopped();  // a lost connection is read_live's to report
    opts_.discovery->on_discovery(m.payload, status());
  }
}

awaitable<void> receiver::follow_after_reconnects() {
  if (!opts_.since) co_return co_await until_stopped();
  for (auto seen = client_.reconnects();; seen = client_.reconnects()) {
    auto ec = co_await client_.reconnected_after(seen);
    if (ec) co_return co_await until_stopped();  // closed: read_live says so
    co_await follow_again();
  }
}

// A new consumer from the last retained signal read (or the original window), on a
// new inbox; the old consumer, if it survived the gap, loses its interest and expires.
awaitable<void> receiver::follow_again() {
  auto r = co_await follow_retained(client_, cfg_, opts_.subject, opts_.filter.uuid, *opts_.since, retained_seq_);
  if (r.ec) {
    log::warn("cannot read retained signals again after reconnecting: " + r.why +
              " (tried again at the next reconnect)");
    co_return;
  }
  if (r.no_stream) co_return;  // still nothing retained
  auto old = std::exchange(retained_, r.sub);
  if (old) client_.unsubscribe(old);
  const auto old_consumer = std::exchange(retained_consumer_, r.consumer);
  co_await stop_following(client_, cfg_, old_consumer);
  retained_wake_.cancel();
  log::info(retained_seq_ ? "reading retained signals again after reconnecting, after stream sequence " +
                                std::to_string(retained_seq_)
                          : std::string("reading retained signals again after reconnecting"));
}

awaitable<void> receiver::on_message(const nats::message& m, std::chrono::nanoseconds retained_for) {
  if (finishing_ || finished_) co_return;
  const auto received = std::chrono::steady_clock::now();
  auto v = pipeline_.process(m.payload, protocol::now_unix_ns(), received, retained_for);
  if (v.message && !v.message->retained && co_await host_says_replay(*v.message, received))
    pipeline_.overrule_as_replay(v);
  if (!v.message) {
    count_drop(v);
    if (v.replayed_request) handler_.answer_again(v.replayed_hash);
    co_return;
  }
  if (opts_.on_accepted) opts_.on_accepted(*v.message);
  last_accepted_ns_ = protocol::now_unix_ns();
  if (opts_.metrics) opts_.metrics->last_accepted_unix_ns = last_accepted_ns_;
  const auto d = policy_.on_accepted(*v.message, queue_.size());
  log_accepted(*v.message);
  co_await act_on(*v.message, d);
}

awaitable<void> receiver::act_on(accepted_message& m, decision d) {
  switch (d.what) {
    case action::none: break;
    case action::handle_now: co_await handler_.handle(m, d.how); break;
    case action::enqueue:
      queue_.emplace_back(std::move(m), d.how);
      queue_wake_.cancel();
      break;
    case action::queue_full:
      ++queue_full_;
      suspicious_drops_.add("command queue full");
      drops_wake_.cancel();
      break;
    case action::finish:
      finishing_ = true;  // messages arriving meanwhile are not taken
      co_await handler_.handle(m, d.how);
      finish(outcome::done);
      break;
  }
}

// A live message the host first accepted before this receiver subscribed cannot be a
// fresh delivery to it. (Retained signals are asked for on purpose and skip this.)
// The record is never waited for on the event loop: a busy record is asked again
// after a short sleep, within a bound, and then this process's own check stands.
awaitable<bool> receiver::host_says_replay(const accepted_message& m, steady_time received) {
  if (!opts_.host_record) co_return false;
  asio::steady_timer retry(co_await asio::this_coro::executor);
  const auto give_up = std::chrono::steady_clock::now() + host_record_patience;
  for (auto pause = 50us;; pause = std::min<std::chrono::microseconds>(pause * 2, 5ms)) {
    auto a = opts_.host_record->try_first_accepted(m.hash, received);
    if (!a.busy || std::chrono::steady_clock::now() >= give_up) {
      if (!a.problem.empty()) warn_host_problem(a.problem);
      host_record_failing_ = !a.first.has_value();
      co_return a.first&&* a.first < subscribed_at_;
    }
    const auto woke = co_await park(retry, std::chrono::steady_clock::now() + pause);
    if (woke == woken::to_stop) co_return false;
  }
}

// Accepted messages still queued when the run ended: said, and each audited.
void receiver::report_not_run() {
  not_run_ = queue_.size();
  if (not_run_ == 0) return;
  log::warn(std::to_string(not_run_) + (not_run_ == 1 ? " accepted message was" : " accepted messages were") +
            " not run: the receiver stopped while they waited in the command queue");
  for (const auto& [m, how] : queue_) handler_.not_handled(m, "the receiver stopped while it waited to run");
  queue_.clear();
}

// Commands run one at a time, in arrival order, while receiving goes on.
awaitable<void> receiver::dispatch() {
  for (;;) {
    while (queue_.empty()) {
      const auto woke = co_await park(queue_wake_);
      if (woke == woken::to_stop) co_return;
    }
    auto [m, how] = std::move(queue_.front());
    queue_.pop_front();
    co_await handler_.handle(m, how);
  }
}

awaitable<void> receiver::wait_deadline() {
  asio::steady_timer t(co_await asio::this_coro::executor);
  const auto woke = co_await park(t, opts_.deadline.value_or(asio::steady_timer::time_point::max()));
  if (woke == woken::to_stop) co_return;
  auto o = policy_.on_deadline();
  if (opts_.count > 0)
    log::info("timed out with " + std::to_string(policy_.peers_counted()) + " of " + std::to_string(opts_.count) +
              " peers");
  else if (o == outcome::timed_out)
    log::info("timed out: no message accepted");
  finish(o);
  co_await until_stopped();
}

// Parked until a drop is counted, then wakes when the next summary is due.
awaitable<void> receiver::report_drops() {
  for (;;) {
    auto a = suspicious_drops_.next_due(), b = routine_drops_.next_due();
    auto next = asio::steady_timer::time_point::max();
    if (a) next = std::min(next, *a);
    if (b) next = std::min(next, *b);
    const auto woke = co_await park(drops_wake_, next);
    if (woke == woken::to_stop) co_return;
    log_drop_summaries(false);
  }
}

}  // namespace remaphore::core
