// Connecting, the connection loop and the end of a client (see the Flow in
// client_impl.hpp). The decisions - which server next, how long to wait, when to
// give up - are the connect_plan's; this file only executes them.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>

#include "nats/client_impl.hpp"
#include "nats/proto/commands.hpp"
#include "nats/proto/error.hpp"

namespace remaphore::nats {
namespace asio = boost::asio;
using asio::awaitable;
using clock = std::chrono::steady_clock;

namespace {

pool_settings pool_settings_of(const options& o) {
  return {o.randomize,          o.ignore_discovered, o.reconnect_wait,
          o.reconnect_wait_max, o.reconnect_jitter,  o.reconnect_spread};
}

}  // namespace

client::impl::impl(asio::any_io_executor ex, options opts)
    : ex_(ex),
      opts_(std::move(opts)),
      pool_(pool_settings_of(opts_)),
      conn_(ex),
      writer_wake_(ex),
      drained_(ex),
      loop_done_(ex),
      sleep_(ex),
      reconnect_wake_(ex),
      rng_(random_seed()) {
  for (const auto& s : opts_.servers)
    if (!pool_.add(s)) invalid_urls_.push_back(s);
}

void client::impl::emit(conn_event_kind kind, std::error_code ec, std::string server, std::string text) {
  if (opts_.on_event) opts_.on_event(conn_event{kind, ec, std::move(server), std::move(text)});
}

std::string client::impl::current_server() const {
  return current_ < pool_.size() ? pool_.url(current_).text() : std::string();
}

awaitable<std::error_code> client::impl::connect() {
  if (state_ == state::closed) co_return make_error_code(errc::connection_closed);
  if (state_ != state::idle) co_return std::error_code{};  // connect() once per client
  last_error_.clear();
  state_ = state::connecting;
  connect_plan::settings plan;
  if (opts_.connect_retry_until) {
    plan.how = connect_plan::mode::until_deadline;
    plan.deadline = *opts_.connect_retry_until;
  }
  std::error_code ec = co_await run_plan(plan);
  if (ec) {
    teardown();
    co_return ec;
  }
  emit(conn_event_kind::connected, {}, current_server());
  start_loop();
  co_return std::error_code{};
}

awaitable<std::error_code> client::impl::run_plan(connect_plan::settings plan_settings) {
  if (pool_.empty()) {
    std::string why = invalid_urls_.empty() ? "no server configured" : "invalid server URL '" + invalid_urls_[0] + "'";
    last_error_ = make_diagnostic(errc::no_servers, {}, why);
    co_return make_error_code(errc::no_servers);
  }
  connect_plan plan(pool_, plan_settings);
  std::error_code last = errc::no_servers;
  for (;;) {
    if (closing()) co_return make_error_code(errc::connection_closed);
    if (detail::asked_to_stop(co_await asio::this_coro::cancellation_state))
      co_return make_error_code(asio::error::operation_aborted);
    auto step = plan.next(clock::now());
    switch (step.kind) {
      case connect_plan::step::give_up: co_return give_up(last);
      case connect_plan::step::wait:
        if (auto ec = co_await sleep_until(step.until)) co_return ec;
        break;
      case connect_plan::step::try_server:
        last = co_await try_server(step.server, plan, plan_settings.deadline);
        if (!last) co_return last;
        break;
    }
  }
}

// One attempt at one server, bounded by connect_timeout and by the plan's deadline.
awaitable<std::error_code> client::impl::try_server(std::size_t index, connect_plan& plan, clock::time_point deadline) {
  auto timeout = opts_.connect_timeout;
  if (deadline != clock::time_point::max()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    timeout = std::max(std::chrono::milliseconds(1), std::min(left, timeout));
  }
  auto self = shared_from_this();           // close() or ~client() may run while we wait
  const server_url url = pool_.url(index);  // a copy: the pool may grow meanwhile
  // Publishes queued before connecting go with CONNECT, unless subscriptions are to be
  // made first (a copy: publish() may append to pending_ meanwhile).
  const std::string early = subs_.empty() ? pending_ : std::string();
  auto out = co_await conn_.open(url, opts_, timeout, early);
  auth_key_ = out.user_key;
  if (closing()) {
    conn_.close();
    co_return make_error_code(errc::connection_closed);
  }
  if (!out.failure) {
    plan.succeeded(index);
    if (out.sent_early) pending_.erase(0, early.size());
    on_connected(index, std::move(out.info));
    for (auto& text : out.soft_errors)
      emit(conn_event_kind::server_error, make_error_code(errc::server_error), current_server(), std::move(text));
    co_return std::error_code{};
  }
  std::string server = url.text();
  last_error_.add_attempt(server, out.failure.error, out.failure.reason);
  if (out.failure.error == errc::auth_failed) {
    // Kept apart: a refusal is what the admin must see, whatever the other servers did.
    last_error_.error = out.failure.error;
    last_error_.server = server;
    last_error_.reason = out.failure.reason;
  }
  plan.failed(index, out.failure.error, out.failure.reason);
  emit(conn_event_kind::connect_failed, out.failure.error, server, out.failure.reason);
  co_return out.failure.error;
}

// The plan ended without a connection: the refusal if a server refused our
// credentials, else the last attempt's error; every attempt stays listed.
std::error_code client::impl::give_up(std::error_code last) {
  if (last_error_.error == errc::auth_failed) return last_error_.error;
  last_error_.error = last;
  if (!last_error_.attempts.empty()) {
    last_error_.server = last_error_.attempts.back().server;
    last_error_.reason = last_error_.attempts.back().reason;
  }
  return last;
}

awaitable<std::error_code> client::impl::sleep_until(clock::time_point t) {
  auto self = shared_from_this();
  sleep_.expires_at(t);
  boost::system::error_code ignored;
  co_await sleep_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  if (closing()) co_return make_error_code(errc::connection_closed);
  if (detail::asked_to_stop(co_await asio::this_coro::cancellation_state))
    co_return make_error_code(asio::error::operation_aborted);
  co_return std::error_code{};
}

void client::impl::on_connected(std::size_t index, server_info info) {
  current_ = index;
  info_ = std::move(info);
  last_error_.clear();
  add_discovered(info_);
  queue_resubscriptions();
  written_since_connected_ = false;
  state_ = state::connected;
}

// Subscriptions made while disconnected, or lost with the last connection, go
// first, so nothing published next on this connection can miss them.
void client::impl::queue_resubscriptions() {
  std::string subs;
  for (auto& [sid, sub] : subs_) {
    if (sub->closed_) continue;
    append_subscribe(subs, sub->subject_, sid);
    if (sub->max_ > 0) append_unsubscribe(subs, sid, sub->max_ - sub->delivered_);
  }
  pending_.insert(0, subs);
}

void client::impl::start_loop() {
  loop_running_ = true;
  asio::co_spawn(ex_, run_loop(), [self = shared_from_this()](std::exception_ptr e) {
    // run_loop handles what it expects; anything else must not vanish silently.
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      self->emit(conn_event_kind::gave_up, make_error_code(errc::connection_closed), {},
                 std::string("connection loop failed: ") + ex.what());
    }
    self->loop_running_ = false;
    self->teardown();
    self->loop_done_.cancel();
  });
}

awaitable<void> client::impl::run_loop() {
  while (!closing()) {
    std::error_code why = co_await session();
    end_session();
    if (closing()) break;
    co_await reconnect_after(why);
  }
  teardown();
  loop_running_ = false;
  loop_done_.cancel();
}

awaitable<void> client::impl::reconnect_after(std::error_code why) {
  state_ = state::reconnecting;
  std::string lost = current_server();
  emit(conn_event_kind::disconnected, why, lost, last_error_.reason);
  if (!opts_.allow_reconnect) {
    closing_ = true;
    co_return;
  }
  last_error_.clear();
  connect_plan::settings plan;
  plan.how = connect_plan::mode::reconnect;
  plan.lost = current_;
  // A server in lame duck mode is still up: leave it at once rather than lose
  // messages while waiting; the spread is for servers that went away.
  if (why != errc::lame_duck) plan.first_delay = pool_.spread();
  if (auto ec = co_await run_plan(plan)) {
    if (!closing()) emit(conn_event_kind::gave_up, ec, last_error_.server, last_error_.text());
    closing_ = true;
    co_return;
  }
  ++reconnects_;
  reconnect_wake_.cancel();
  emit(conn_event_kind::reconnected, {}, current_server());
}

// What waited on the connection that just ended learns it now, not at its timeout.
void client::impl::end_session() {
  conn_.close();
  health_.reset();
  out_.clear();
  // PINGs already written are lost with the connection. Unsent ones go out on the
  // next connection; their entries stay (without waiter) so PONGs stay in step.
  while (!pongs_.empty() && pongs_.front().sent) {
    if (auto w = pongs_.front().waiter) w->finish(errc::disconnected);
    pongs_.pop_front();
  }
  for (auto& p : pongs_) {
    if (p.waiter) p.waiter->finish(errc::disconnected);
    p.waiter = nullptr;
  }
  for (auto& [token, st] : requests_) {
    st->error = errc::disconnected;
    st->timer.cancel();
  }
  requests_.clear();
}

void client::impl::teardown() {
  closing_ = true;
  state_ = state::closed;
  conn_.close();
  writer_wake_.cancel();
  sleep_.cancel();
  drained_.cancel();
  reconnect_wake_.cancel();
  for (auto& [sid, sub] : subs_) {
    sub->closed_ = true;
    sub->wake_.cancel();
  }
  subs_.clear();
  for (auto& [token, st] : requests_) {
    st->error = errc::connection_closed;
    st->timer.cancel();
  }
  requests_.clear();
  for (auto& p : pongs_)
    if (p.waiter) p.waiter->finish(errc::connection_closed);
  pongs_.clear();
}

void client::impl::flush_waiter::finish(std::error_code ec) {
  if (done) return;
  done = true;
  result = ec;
  timer.cancel();
}

}  // namespace remaphore::nats
