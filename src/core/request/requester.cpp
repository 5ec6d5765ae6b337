#include "core/request/requester.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/multiple_exceptions.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/server_bounds.hpp"
#include "core/wait.hpp"
#include "log/log.hpp"
#include "nats/error.hpp"
#include "protocol/pattern.hpp"
#include "protocol/subjects.hpp"

namespace remaphore::core {
namespace asio = boost::asio;
using asio::awaitable;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

namespace {

std::string random_marker() {
  std::uint8_t b[8];
  protocol::random_bytes(b, sizeof b);
  return protocol::hex_encode(b, sizeof b);
}

std::string describe_batch(const std::vector<request_target>& targets) {
  std::string out;
  for (const auto& t : targets) out += (out.empty() ? "" : ", ") + t.destination;
  return out;
}

}  // namespace

// One signed request of a batch, with its own reply subject and its own collector
// (the binding is to this request's hash).
struct requester::pending_request {
  pending_request(const protocol::config& cfg, const peer_index& peers, const request_target& t, std::string w)
      : target(t), wire(std::move(w)), hash(protocol::message_hash(wire)), collector(cfg, peers, hash) {}
  const request_target& target;
  std::string wire;
  protocol::digest hash;
  reply_collector collector;
  nats::subscription_ptr replies;
};

requester::requester(nats::client& c, const protocol::config& cfg, batch_plan plan, signer sign, request_options o,
                     output out)
    : client_(c),
      cfg_(cfg),
      peers_(cfg),
      plan_(std::move(plan)),
      sign_(std::move(sign)),
      opts_(std::move(o)),
      out_(std::move(out)),
      marker_(random_marker()),
      started_(opts_.started),
      total_peers_(plan_.peer_count()),
      progress_(opts_.progress),
      stdout_is_terminal_(::isatty(1) == 1) {}

requester::~requester() = default;

namespace {

bool was_cancelled(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const asio::multiple_exceptions& m) {
    return was_cancelled(m.first_exception());
  } catch (const boost::system::system_error& s) {
    return s.code() == asio::error::operation_aborted;
  } catch (...) {
    return false;
  }
}

}  // namespace

awaitable<outcome> requester::run() {
  try {
    co_await run_all_batches();
  } catch (...) {
    // A signal cancels the run: the client's waits then throw (both branches of an
    // awaitable operator at once: multiple_exceptions). What was asked and answered
    // so far is still worth its summary.
    if (!was_cancelled(std::current_exception())) throw;
    stop_ = batch_stop::interrupted;
    // The batch in flight did not get to its end: its unanswered peers were cut off.
    if (batches_started_ > 0)
      for (const auto& t : plan_.batch(batches_started_ - 1))
        for (const auto* p : t.peers) tally_.interrupt(p);
  }
  finish();
  co_return outcome_of(summary(), opts_.stop_on_failure || opts_.require_all);
}

awaitable<void> requester::run_all_batches() {
  using namespace asio::experimental::awaitable_operators;
  if (progress_.enabled())
    co_await (run_batches() || tick_progress());
  else
    co_await run_batches();
}

awaitable<void> requester::run_batches() {
  for (std::size_t i = 0; i < plan_.batch_count(); ++i) {
    const auto result = co_await run_batch(i);
    if (stop_ != batch_stop::none || i + 1 == plan_.batch_count()) break;
    const bool deadline_passed = opts_.deadline && steady_clock::now() >= *opts_.deadline;
    stop_ = after_batch(result, opts_.stop_on_failure, deadline_passed);
    if (stop_ == batch_stop::none && opts_.batch_sleep.count() > 0) stop_ = co_await pause_before(i + 1);
    if (stop_ != batch_stop::none) break;
  }
}

// --batch-sleep: the pause ends early only at the -t deadline (no further batch then)
// or a signal.
awaitable<batch_stop> requester::pause_before(std::size_t next) {
  log::info("pausing " + format_seconds(opts_.batch_sleep) + " before batch " + std::to_string(next + 1) + " of " +
            std::to_string(plan_.batch_count()));
  const auto wake = steady_clock::now() + std::chrono::duration_cast<steady_clock::duration>(opts_.batch_sleep);
  const bool cut = opts_.deadline && *opts_.deadline < wake;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto woke = co_await park(timer, cut ? *opts_.deadline : wake);
  if (woke == woken::to_stop) co_return batch_stop::interrupted;
  co_return cut ? batch_stop::deadline : batch_stop::none;
}

awaitable<batch_result> requester::run_batch(std::size_t index) {
  auto requests = sign_batch(index);
  ++batches_started_;
  if (opts_.batch_size > 0)
    log::info("batch " + std::to_string(index + 1) + " of " + std::to_string(plan_.batch_count()) + ": " +
              describe_batch(plan_.batch(index)));
  const auto until = batch_deadline(steady_clock::now(), opts_.batch_timeout, opts_.deadline);
  const auto reconnects = client_.reconnects();
  const bool sent = co_await send(requests);
  if (sent)
    co_await collect_batch(requests, until, reconnects);
  else
    stop_ = batch_stop::lost;
  co_return end_batch(requests);
}

// A reconnect while replies are outstanding may have lost the request, or a reply on
// its way: the same signed requests go out again to whoever has not answered. A
// responder that already ran the command sends its remembered reply again; the
// command does not run twice.
awaitable<void> requester::collect_batch(batch_requests& requests, std::optional<time_point> until,
                                         std::uint64_t reconnects) {
  using namespace asio::experimental::awaitable_operators;
  co_await (collect_all(requests, until) || ask_again_after_reconnects(requests, reconnects));
}

// Ends only when cancelled (the collectors are done): ending earlier would cancel them.
awaitable<void> requester::ask_again_after_reconnects(batch_requests& requests, std::uint64_t seen) {
  for (;;) {
    const auto ec = co_await client_.reconnected_after(seen);
    if (ec) break;  // the client is closed: the collectors see it too
    seen = client_.reconnects();
    const bool published = publish_unanswered(requests);
    if (!published) break;
  }
  co_await until_stopped();
}

bool requester::publish_unanswered(batch_requests& requests) {
  std::size_t again = 0;
  for (auto& r : requests) {
    if (answered_all(*r)) continue;
    if (auto ec = client_.publish(protocol::subjects::live(cfg_.subject, opts_.subject), r->wire)) {
      log::warn("reconnected, but cannot publish the request again: " + ec.message());
      return false;
    }
    ++again;
  }
  if (again > 0)
    log::info("reconnected: published again " + std::to_string(again) + (again == 1 ? " request" : " requests") +
              " still waiting for replies");
  return true;
}

requester::batch_requests requester::sign_batch(std::size_t index) {
  batch_requests out;
  for (const auto& target : plan_.batch(index))
    out.push_back(std::make_unique<pending_request>(cfg_, peers_, target, sign_(target.destination)));
  return out;
}

awaitable<bool> requester::send(batch_requests& requests) {
  for (auto& r : requests) {
    r->replies = client_.subscribe(protocol::subjects::reply(cfg_.subject, r->hash));
    for (const auto* p : r->target.peers) tally_.expect(p);
  }
  // Published only once the server took the reply subscriptions: a request whose
  // replies cannot arrive must run nothing anywhere.
  if (!co_await subscriptions_confirmed()) co_return false;
  for (auto& r : requests) {
    if (auto ec = client_.publish(protocol::subjects::live(cfg_.subject, opts_.subject), r->wire)) {
      log::error("cannot publish: " + ec.message());
      co_return false;
    }
  }
  nats::diagnostic why;
  auto ec = co_await client_.flush(flush_timeout, why);
  if (ec == nats::errc::disconnected) {
    // Whether the server got them or not, they go out again after the reconnect.
    log::warn("the connection dropped before the server confirmed the request; it goes out again once reconnected");
    co_return true;
  }
  if (ec == nats::errc::permission_denied) {
    log::error("the server refused the request: '" + why.reason + "' (server " + why.server + ")");
    co_return false;
  }
  if (ec) {
    log::error("the server did not confirm the request: " + ec.message());
    co_return false;
  }
  co_return true;
}

// A flush whose PING was lost with a dropped connection says nothing; the next one
// goes with the new connection, after the resubscriptions.
awaitable<bool> requester::subscriptions_confirmed() {
  nats::diagnostic why;
  auto ec = co_await client_.flush(flush_timeout, why);
  for (int again = 0; again < 2 && ec == nats::errc::disconnected; ++again)
    ec = co_await client_.flush(flush_timeout, why);
  if (ec == nats::errc::permission_denied)
    log::error("the server refused the reply subscription: '" + why.reason + "' (server " + why.server +
               "); the request was not sent");
  else if (ec)
    log::error("the server did not confirm the reply subscription: " + ec.message() + "; the request was not sent");
  co_return !ec;
}

// Every request of the batch is collected at once; each collector ends on its own
// (all its peers answered, or the deadline), so none needs cancelling.
awaitable<void> requester::collect_all(batch_requests& requests, std::optional<time_point> until) {
  auto ex = co_await asio::this_coro::executor;
  using collect_op = decltype(asio::co_spawn(ex, collect(*requests.front(), until), asio::deferred));
  std::vector<collect_op> ops;
  ops.reserve(requests.size());
  for (auto& r : requests) ops.push_back(asio::co_spawn(ex, collect(*r, until), asio::deferred));
  auto group = asio::experimental::make_parallel_group(std::move(ops));
  auto [order, errors] = co_await group.async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

awaitable<void> requester::collect(pending_request& r, std::optional<time_point> until) {
  std::vector<nats::message> arrived;
  while (!answered_all(r) && stop_ == batch_stop::none) {
    auto left = until ? *until - steady_clock::now() : steady_clock::duration(24h);
    if (left <= 0s) break;
    nats::message m;
    auto ec = co_await client_.next_msg(r.replies, m, left);
    if (ec == nats::errc::timeout) continue;
    if (!ec) {
      arrived.push_back(std::move(m));
      take_arrived(r, arrived);
      co_await accept(r, arrived);
      arrived.clear();
      continue;
    }
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) {
      stop_ = batch_stop::interrupted;
    } else if (stop_ == batch_stop::none) {
      if (ec == nats::errc::permission_denied)
        log::error("the server refused the reply subscription after reconnecting: '" + r.replies->failure().reason +
                   "'");
      else
        log::error("lost the connection while waiting for replies: " + ec.message());
      stop_ = batch_stop::lost;
    }
  }
}

// The replies already queued behind the one awaited: a burst is checked together.
void requester::take_arrived(pending_request& r, std::vector<nats::message>& arrived) {
  constexpr std::size_t most_at_once = 4096;
  nats::message m;
  while (arrived.size() < most_at_once && client_.try_next_msg(r.replies, m)) arrived.push_back(std::move(m));
}

bool requester::answered_all(const pending_request& r) const {
  return std::all_of(r.target.peers.begin(), r.target.peers.end(),
                     [&](const protocol::peer* p) { return tally_.answered_by(p); });
}

// Ends the batch's subscriptions and names its silent peers.
batch_result requester::end_batch(batch_requests& requests) {
  batch_result result;
  for (auto& r : requests) {
    client_.unsubscribe(r->replies);
    for (const auto* p : r->target.peers) {
      if (tally_.answered_by(p)) continue;
      if (stop_ == batch_stop::interrupted) {
        tally_.interrupt(p);  // its command may still be running: not silent
        continue;
      }
      ++result.silent;
      log::warn("no reply from " + p->destination + " (" + p->pub.to_base58() + ")");
    }
  }
  for (auto& r : requests)
    for (const auto* p : r->target.peers) {
      const auto* answer = tally_.answer_of(p);
      if (answer && answer->failed()) ++result.failed;
    }
  return result;
}

awaitable<void> requester::accept(pending_request& r, const std::vector<nats::message>& arrived) {
  const auto now = protocol::now_unix_ns();
  std::vector<reply_candidate> candidates;
  std::vector<signed_text> signatures;
  reply_drop why;
  for (const auto& m : arrived) {
    auto c = r.collector.check(m.payload, now, why);
    if (!c) {
      warn_dropped(m.payload, why);
      continue;
    }
    candidates.push_back(*c);
    signatures.push_back(c->signed_by);
  }
  const auto verified = co_await signatures_.verify(signatures);
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    auto reply = r.collector.take(candidates[i], verified[i] != 0, why);
    if (!reply) {
      warn_dropped(candidates[i].peer, why);
      continue;
    }
    tally_.record(reply->peer, protocol::status_of(reply->payload));
    emit(*reply->peer,
         opts_.json ? format_reply_json(*reply) : format_reply_text(*reply, marker_, stdout_is_terminal_));
  }
  draw_progress();
}

void requester::emit(const protocol::peer& from, std::string text) {
  if (opts_.sort) {
    held_.emplace_back(&from, std::move(text));
    return;
  }
  if (stdout_is_terminal_) progress_.hide();
  out_(text);
}

awaitable<void> requester::tick_progress() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    draw_progress();
    timer.expires_after(progress_interval);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

}  // namespace remaphore::core
