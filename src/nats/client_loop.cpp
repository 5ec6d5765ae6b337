// Connecting, the connection loop and the end of a client (see the Flow in
// client_impl.hpp). The decisions - which server next, how long to wait, when to
// give up - are the connect_plan's, what a new connection starts with the
// session's; this file only executes them.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <exception>

#include "nats/client_impl.hpp"
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

session_settings session_settings_of(const options& o) {
  return {o.reconnect_buffer, health_settings{o.ping_interval, o.max_pings_out, o.write_timeout}};
}

// The server took us in but not what was queued for it (refused, or over its
// max_payload): another server would not either, and retrying would hide it.
bool refused_queued(std::error_code ec) { return ec == errc::permission_denied || ec == errc::max_payload_exceeded; }

}  // namespace

client::impl::impl(asio::any_io_executor ex, options opts)
    : ex_(ex),
      opts_(std::move(opts)),
      session_(session_settings_of(opts_)),
      pool_(pool_settings_of(opts_)),
      conn_(ex),
      output_(ex),
      changed_(ex),
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
  if (closing()) co_return make_error_code(errc::connection_closed);
  if (session_.state() != session_state::idle) co_return std::error_code{};  // connect() once per client
  last_error_.clear();
  session_.start_connecting();
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
    if (asked_to_stop(co_await asio::this_coro::cancellation_state))
      co_return make_error_code(asio::error::operation_aborted);
    auto step = plan.next(clock::now());
    switch (step.kind) {
      case connect_plan::step::give_up: co_return give_up(last);
      case connect_plan::step::wait:
        if (auto ec = co_await sleep_until(step.until)) co_return ec;
        break;
      case connect_plan::step::try_server:
        last = co_await try_server(step.server, plan, plan_settings.deadline);
        if (!last || refused_queued(last)) co_return last;
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
  // A copy: publish() may queue more meanwhile.
  const auto early = session_.early();
  auto out = co_await conn_.open(url, opts_, timeout, early.bytes, early.largest_payload);
  auth_key_ = out.user_key;
  if (closing()) {
    conn_.close();
    co_return make_error_code(errc::connection_closed);
  }
  if (!out.failure) {
    plan.succeeded(index);
    co_return connected_to(index, out, out.sent_early ? early.bytes.size() : 0);
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

// The handshake succeeded; the session says whether what was queued can go.
std::error_code client::impl::connected_to(std::size_t index, connection::opened& out, std::size_t early_sent) {
  current_ = index;
  auto refused =
      session_.on_connected(current_server(), std::move(out.info), early_sent, out.soft_errors, clock::now());
  if (refused) {
    conn_.close();
    last_error_ = std::move(refused);
    return last_error_.error;
  }
  last_error_.clear();
  carry_out(nullptr);  // servers the INFO announced, -ERRs of the handshake
  return {};
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

// Woken early only by close().
awaitable<std::error_code> client::impl::sleep_until(clock::time_point t) {
  auto self = shared_from_this();
  while (clock::now() < t && !closing()) {
    co_await changed_.wait_until(t);
    if (asked_to_stop(co_await asio::this_coro::cancellation_state))
      co_return make_error_code(asio::error::operation_aborted);
  }
  if (closing()) co_return make_error_code(errc::connection_closed);
  co_return std::error_code{};
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
  });
}

awaitable<void> client::impl::run_loop() {
  while (!closing()) {
    std::error_code why = co_await run_session();
    end_session();
    if (closing()) break;
    co_await reconnect_after(why);
  }
  loop_running_ = false;
  teardown();
}

awaitable<void> client::impl::reconnect_after(std::error_code why) {
  std::string lost = current_server();
  emit(conn_event_kind::disconnected, why, lost, last_error_.reason);
  if (!opts_.allow_reconnect) {
    session_.close();
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
    session_.close();
    co_return;
  }
  ++reconnects_;
  changed_.notify_all();
  emit(conn_event_kind::reconnected, {}, current_server());
}

// What waited on the connection that just ended learns it now, not at its timeout.
void client::impl::end_session() {
  conn_.close();
  session_.on_disconnected();
  carry_out(nullptr);
  fail_requests(make_diagnostic(errc::disconnected, current_server(), "the connection to the server was lost"));
}

void client::impl::fail_requests(const diagnostic& why) {
  for (auto& [token, st] : requests_.waiting) st->failure = why;
  requests_.waiting.clear();
  changed_.notify_all();
}

void client::impl::teardown() {
  session_.close();
  session_.clear_effects();
  conn_.close();
  for (auto& [sid, sub] : subs_) {
    sub->closed_ = true;
    sub->wake_.notify_all();
  }
  subs_.clear();
  fail_requests(make_diagnostic(errc::connection_closed, current_server(), {}));
  output_.notify_all();
}

}  // namespace remaphore::nats
