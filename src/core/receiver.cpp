#include "core/receiver.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

#include "core/retained.hpp"
#include "log/log.hpp"
#include "nats/error.hpp"
#include "nats/jetstream.hpp"
#include "protocol/duration.hpp"
#include "protocol/subjects.hpp"

namespace remaphore::core {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;

namespace {

constexpr auto flush_timeout = 5s;
constexpr auto forever = asio::steady_timer::time_point::max();

// Text from a message goes into logs clipped: a log line stays short, whatever a
// peer puts in its verb.
std::string clip(const std::string& text, std::size_t max = 64) {
  return text.size() <= max ? text : text.substr(0, max) + "...(" + std::to_string(text.size()) + " bytes)";
}

// The server's words verbatim, with the server: what an admin searches for.
std::string refused_text(const nats::diagnostic& why) {
  return "the server refused the subscription: '" + why.reason + "' (server " + why.server + ")";
}

awaitable<void> park(asio::steady_timer& t, asio::steady_timer::time_point until) {
  t.expires_at(until);
  boost::system::error_code ec;
  co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
}

// A --since receiver takes signals as old as its window: it must remember them that
// long, or one read again after a reconnect would be taken twice.
std::chrono::nanoseconds receiver_replay_window(const protocol::config& cfg,
                                                const std::optional<std::chrono::nanoseconds>& since) {
  auto window = replay_window(cfg.allow_skew);
  if (!since) return window;
  return std::max(window, replay_window(*since + cfg.allow_skew));
}

}  // namespace

receiver::receiver(nats::client& c, const protocol::config& cfg, receiver_options o, responder& r)
    : client_(c),
      cfg_(cfg),
      opts_(std::move(o)),
      responder_(r),
      pipeline_(cfg, opts_.filter, 100000, receiver_replay_window(cfg, opts_.since)),
      policy_(opts_.rules),
      retained_wake_(c.executor()),
      queue_wake_(c.executor()),
      drops_wake_(c.executor()) {}

awaitable<outcome> receiver::run() {
  if (!co_await subscribe()) co_return outcome::failed;
  auto r = co_await (read_live() || read_retained() || follow_after_reconnects() || dispatch() || wait_deadline() ||
                     report_drops() || write_echo());
  auto result = std::visit([](outcome o) { return o; }, r);
  log_drop_summaries(true);
  log_totals();
  if (opts_.echo) opts_.echo->flush();
  // The last reply must leave before the connection is closed.
  if (result == outcome::done && responder_.replies_sent() > 0) co_await client_.flush(flush_timeout);
  co_return result;
}

// Live first, so that nothing falls between the two; then what was retained.
awaitable<bool> receiver::subscribe() {
  // Taken before the SUB goes out: whatever it delivers live arrives after this.
  pipeline_.use_host_record(opts_.host_record, replay_cache::clock::now());
  live_ = client_.subscribe(protocol::subjects::live(cfg_.subject, opts_.subject));
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
  }
  log::info(ready_text());
  if (opts_.on_ready) opts_.on_ready();
  co_return true;
}

std::string receiver::ready_text() const {
  const auto& f = opts_.filter;
  std::string dest = f.no_destination      ? std::string("any destination")
                     : f.exact_destination ? "destination " + *f.exact_destination
                                           : "destination " + cfg_.destination;
  std::string text = "ready: listening on " + live_->subject() + " at " + client_.current_server() + " for " + dest;
  if (opts_.since) text += " (and signals retained in the last " + protocol::format_duration(*opts_.since) + ")";
  return text;
}

// Parked until cancelled: a branch with nothing to do.
awaitable<outcome> receiver::idle() {
  asio::steady_timer t(co_await asio::this_coro::executor);
  co_await park(t, forever);
  co_return outcome::failed;  // only ever cancelled: another branch ended the run
}

awaitable<outcome> receiver::read_live() {
  for (;;) {
    nats::message m;
    auto ec = co_await client_.next_msg(live_, m, 1h);
    if (ec == nats::errc::timeout) continue;
    if (ec == nats::errc::permission_denied) {
      // Refused again after a reconnect: a listener that can hear nothing ends.
      log::error(refused_text(live_->failure()));
      co_return outcome::failed;
    }
    if (ec) {
      log::error("stopped receiving: " + ec.message() +
                 (client_.error_text().empty() ? "" : " (" + client_.error_text() + ")"));
      co_return outcome::failed;
    }
    auto done = co_await on_message(m, 0ns);
    if (done) co_return *done;
  }
}

// The retained subscription is replaced after a reconnect; the old one then ends
// with subscription_closed and the loop goes on with the new one.
awaitable<outcome> receiver::read_retained() {
  if (!opts_.since) co_return co_await idle();
  for (;;) {
    if (!retained_) {
      co_await park(retained_wake_, forever);
      auto cs = co_await asio::this_coro::cancellation_state;
      if (cs.cancelled() != asio::cancellation_type::none) co_return outcome::failed;
      continue;
    }
    auto sub = retained_;
    nats::message m;
    auto ec = co_await client_.next_msg(sub, m, 1h);
    if (ec == nats::errc::timeout || ec == nats::errc::subscription_closed) continue;
    if (ec) co_return co_await idle();  // the connection is gone: read_live says so
    if (auto seq = nats::js::stream_sequence(m.reply)) retained_seq_ = std::max(retained_seq_, *seq);
    auto done = co_await on_message(m, *opts_.since);
    if (done) co_return *done;
  }
}

awaitable<outcome> receiver::follow_after_reconnects() {
  if (!opts_.since) co_return co_await idle();
  for (auto seen = client_.reconnects();; seen = client_.reconnects()) {
    auto ec = co_await client_.reconnected_after(seen);
    if (ec) co_return co_await idle();  // closed: read_live says so
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
  retained_wake_.cancel();
  log::info(retained_seq_ ? "reading retained signals again after reconnecting, after stream sequence " +
                                std::to_string(retained_seq_)
                          : std::string("reading retained signals again after reconnecting"));
}

awaitable<std::optional<outcome>> receiver::on_message(const nats::message& m, std::chrono::nanoseconds retained_for) {
  if (finished_) co_return std::nullopt;
  auto v = pipeline_.process(m.payload, protocol::now_unix_ns(), {}, retained_for);
  if (auto problem = pipeline_.take_host_problem()) warn_host_problem(*problem);
  if (!v.message) {
    count_drop(v);
    if (v.replayed_request) responder_.resend(v.replayed_hash);
    co_return std::nullopt;
  }
  auto& msg = *v.message;
  if (opts_.on_accepted) opts_.on_accepted(msg);
  auto act = policy_.on_accepted(msg, queue_.size());
  log_accepted(msg, retained_for.count() > 0);
  switch (act) {
    case action::none: break;
    case action::answer: co_await responder_.handle(msg); break;
    case action::enqueue:
      queue_.push_back(std::move(msg));
      queue_wake_.cancel();
      break;
    case action::queue_full:
      suspicious_drops_.add("command queue full");
      drops_wake_.cancel();
      break;
    case action::finish:
      finished_ = true;
      co_await responder_.handle(msg);
      co_return outcome::done;
  }
  co_return std::nullopt;
}

// Commands run one at a time, in arrival order, while receiving goes on.
awaitable<outcome> receiver::dispatch() {
  for (;;) {
    while (queue_.empty()) {
      co_await park(queue_wake_, forever);
      auto cs = co_await asio::this_coro::cancellation_state;
      if (cs.cancelled() != asio::cancellation_type::none) co_return outcome::failed;
    }
    auto m = std::move(queue_.front());
    queue_.pop_front();
    co_await responder_.handle(m);
  }
}

awaitable<outcome> receiver::wait_deadline() {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_at(opts_.deadline ? *opts_.deadline : forever);
  boost::system::error_code ec;
  co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
  // Cancelled: another branch ended the run (an exception instead would be thrown and
  // unwound at the end of every run that does not time out).
  if (ec) co_return outcome::failed;
  auto o = policy_.on_deadline();
  if (opts_.rules.count > 0)
    log::info("timed out with " + std::to_string(policy_.peers_counted()) + " of " + std::to_string(opts_.rules.count) +
              " peers");
  else if (o == outcome::timed_out)
    log::info("timed out: no message accepted");
  co_return o;
}

void receiver::count_drop(const verdict& v) {
  std::string_view why = describe_drop(v.reason, v.decode);
  if (log::enabled(log::level::debug)) log::debug("dropped a message: " + std::string(why));
  (is_routine(v.reason) ? routine_drops_ : suspicious_drops_).add(why);
  drops_wake_.cancel();
}

// Parked until a drop is counted, then wakes when the next summary is due.
awaitable<outcome> receiver::report_drops() {
  for (;;) {
    auto a = suspicious_drops_.next_due(), b = routine_drops_.next_due();
    auto next = forever;
    if (a) next = std::min(next, *a);
    if (b) next = std::min(next, *b);
    co_await park(drops_wake_, next);
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) co_return outcome::failed;
    log_drop_summaries(false);
  }
}

awaitable<outcome> receiver::write_echo() {
  if (!opts_.echo) co_return co_await idle();
  co_await opts_.echo->run();
  co_return outcome::failed;  // only ever cancelled: another branch ended the run
}

void receiver::log_drop_summaries(bool all) {
  auto now = drop_summary::clock::now();
  for (auto& l : all ? suspicious_drops_.take_all(now) : suspicious_drops_.take_due(now)) log::warn(describe(l));
  for (auto& l : all ? routine_drops_.take_all(now) : routine_drops_.take_due(now)) log::debug(describe(l));
}

// Once: a record that stays unusable would otherwise say so for every message.
void receiver::warn_host_problem(const std::string& problem) {
  if (std::exchange(host_problem_warned_, true)) return log::debug("host-wide replay record: " + problem);
  log::warn("host-wide replay record: " + problem + " (this process's own replay cache still applies)");
}

void receiver::log_totals() const {
  std::uint64_t dropped = 0;
  for (std::size_t r = 0; r < static_cast<std::size_t>(drop_reason::count_); ++r)
    dropped += pipeline_.dropped(static_cast<drop_reason>(r));
  log::write(
      log::level::info,
      "received " + group_thousands(pipeline_.accepted() + dropped) + " messages, " +
          group_thousands(pipeline_.accepted()) + " passed every check, " + group_thousands(dropped) + " dropped",
      {{"passed", static_cast<std::int64_t>(pipeline_.accepted())}, {"dropped", static_cast<std::int64_t>(dropped)}});
}

void receiver::log_accepted(const accepted_message& m, bool retained) const {
  std::string text = "accepted '" + clip(m.fields.verb) + "' from " + (m.peer ? m.peer->destination : "?") + " (" +
                     m.sender.to_base58() + ")";
  if (retained) text += " (retained)";
  if (opts_.rules.count > 0)
    text +=
        ", " + std::to_string(policy_.peers_counted()) + " of " + std::to_string(opts_.rules.count) + " peers so far";
  log::info(text);
}

}  // namespace remaphore::core
