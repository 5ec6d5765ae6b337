// A live session: reader, writer and health monitor under one parent.
//
// Flow: session() runs the three under ||. The first to end sets last_error_ (the
// reason, once) and closes the connection, so the other two end at once whatever
// operation they wait in - a stuck write included, which does not wait for
// cancellation support in every transport. The reader parses events and acts on
// them (messages to subscriptions, PONGs to flushes, INFO, -ERR); the writer sends
// what accumulated in pending_ in bounded chunks; the monitor sends PINGs and ends
// the session when PINGs go unanswered or a write does not complete in time.
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <variant>

#include "nats/client_impl.hpp"
#include "nats/proto/commands.hpp"
#include "nats/proto/error.hpp"

namespace remaphore::nats {
namespace asio = boost::asio;
using asio::awaitable;
using namespace asio::experimental::awaitable_operators;
using clock = std::chrono::steady_clock;

namespace {

// Large enough that the writer makes few system calls, small enough that a slow but
// moving link completes each chunk well within write_timeout.
constexpr std::size_t write_chunk = 256 * 1024;

std::string read_failure(std::error_code ec) {
  if (ec == std::error_code(make_error_code(asio::error::eof))) return "the server closed the connection";
  if (ec.category() == category()) return "protocol error: " + ec.message();
  return ec.message();
}

}  // namespace

awaitable<std::error_code> client::impl::session() {
  health_.emplace(health_settings{opts_.ping_interval, opts_.max_pings_out, opts_.write_timeout}, clock::now());
  writer_parked_ = false;
  auto result = co_await (ends_session(reader()) || ends_session(writer()) || ends_session(monitor()));
  co_return std::visit([](const std::error_code& e) { return e; }, result);
}

awaitable<std::error_code> client::impl::ends_session(awaitable<std::error_code> part) {
  std::error_code ec;
  try {
    ec = co_await std::move(part);
  } catch (const boost::system::system_error& e) {
    ec = e.code();  // an operation of a part that was asked to stop
  }
  conn_.close();
  co_return ec;
}

// The first part to fail says why the session ended; the others only follow it, and
// a close() by the application is no failure at all.
std::error_code client::impl::session_failed(std::error_code ec, std::string reason) {
  if (!last_error_ && !closing()) last_error_ = make_diagnostic(ec, current_server(), std::move(reason));
  return ec;
}

// read_event's loop, with every event that one read brought handled before the
// next read: a busy subscriber does not pay a coroutine call per message.
awaitable<std::error_code> client::impl::reader() {
  for (;;) {
    event ev;
    std::error_code ec;
    while (conn_.next_buffered_event(ev, ec))
      if (auto failed = handle(ev)) co_return failed;
    if (!ec) ec = co_await conn_.read_more();
    if (ec) co_return session_failed(ec, read_failure(ec));
  }
}

awaitable<std::error_code> client::impl::writer() {
  for (;;) {
    while (pending_.empty()) {
      writer_parked_ = true;
      writer_wake_.expires_at(asio::steady_timer::time_point::max());
      boost::system::error_code ignored;
      co_await writer_wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      writer_parked_ = false;
      if (detail::asked_to_stop(co_await asio::this_coro::cancellation_state))
        co_return make_error_code(asio::error::operation_aborted);
    }
    out_.swap(pending_);
    pending_.clear();
    written_since_connected_ = true;
    for (auto& p : pongs_) p.sent = true;
    drained_.cancel();
    std::string_view rest = out_;
    while (!rest.empty()) {
      auto chunk = rest.substr(0, write_chunk);
      health_->write_started(clock::now());
      auto ec = co_await conn_.write(chunk);
      health_->write_finished();
      if (ec) co_return session_failed(ec, ec.message());
      rest.remove_prefix(chunk.size());
    }
    out_.clear();
  }
}

awaitable<std::error_code> client::impl::monitor() {
  asio::steady_timer timer(ex_);
  for (;;) {
    timer.expires_at(health_->next_check(clock::now()));
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    if (detail::asked_to_stop(co_await asio::this_coro::cancellation_state))
      co_return make_error_code(asio::error::operation_aborted);
    switch (health_->check(clock::now())) {
      case health_check::verdict::fine: break;
      case health_check::verdict::send_ping:
        pending_ += ping_command;
        pongs_.push_back({nullptr, false});
        wake_writer();
        break;
      case health_check::verdict::stale:
        co_return session_failed(errc::stale_connection, std::to_string(health_->pings_out()) + " PINGs unanswered");
      case health_check::verdict::write_stuck:
        co_return session_failed(errc::write_timeout,
                                 "a write did not complete within " + describe_duration(opts_.write_timeout));
    }
  }
}

void client::impl::wake_writer() {
  if (writer_parked_) writer_wake_.cancel();
}

// One parsed event of a live session; an error ends the session.
std::error_code client::impl::handle(const event& ev) {
  switch (ev.kind) {
    case op::msg:
    case op::hmsg: deliver(ev); break;
    case op::ping:
      pending_ += pong_command;
      wake_writer();
      break;
    case op::pong: handle_pong(); break;
    case op::info: return handle_info(ev);
    case op::err:
      // An error the connection survives is an event of its own; one that ends the
      // connection is the reason the disconnected event carries.
      if (is_soft_error(ev.text)) {
        emit(conn_event_kind::server_error, make_error_code(errc::server_error), current_server(),
             std::string(ev.text));
        break;
      }
      return session_failed(is_auth_error(ev.text) ? errc::auth_failed : errc::server_error, std::string(ev.text));
    default: break;
  }
  return {};
}

void client::impl::handle_pong() {
  if (health_) health_->pong_received();
  if (pongs_.empty()) return;
  auto due = std::move(pongs_.front());
  pongs_.pop_front();
  if (due.waiter) due.waiter->finish({});
}

std::error_code client::impl::handle_info(const event& ev) {
  server_info info;
  if (!parse_info(ev.text, info)) return {};
  info_.connect_urls = info.connect_urls;
  info_.ws_connect_urls = info.ws_connect_urls;
  add_discovered(info);
  if (!info.lame_duck) return {};
  emit(conn_event_kind::lame_duck, {}, current_server());
  return session_failed(errc::lame_duck, "the server entered lame duck mode");
}

void client::impl::add_discovered(const server_info& info) {
  if (current_ >= pool_.size()) return;
  transport_kind kind = pool_.url(current_).kind;
  bool websocket = kind == transport_kind::ws || kind == transport_kind::wss;
  for (auto& url : pool_.add_discovered(websocket ? info.ws_connect_urls : info.connect_urls, kind))
    emit(conn_event_kind::server_discovered, {}, std::move(url));
}

void client::impl::deliver(const event& ev) {
  auto it = subs_.find(ev.sid);
  if (it == subs_.end()) return;  // unsubscribed while the message was in flight
  // A copy, not a reference into subs_: an auto-unsubscribe below erases the entry.
  auto sub = it->second;
  if (sub == reply_sub_) return deliver_reply(ev);
  if (sub->closed_) return;
  if (sub->max_ > 0 && sub->delivered_ >= sub->max_) return;
  ++sub->delivered_;
  std::size_t bytes = ev.payload.size() + ev.headers.size();
  if (sub->queue_.size() >= opts_.sub_pending_msgs || sub->queued_bytes_ + bytes > opts_.sub_pending_bytes) {
    // Slow consumer: drop rather than grow without bound.
    if (sub->dropped_++ == 0)
      emit(conn_event_kind::slow_consumer, {}, {}, "subscription " + sub->subject_ + " is full: dropping messages");
  } else {
    sub->queue_.push_back(message{std::string(ev.subject), std::string(ev.reply), std::string(ev.headers),
                                  std::string(ev.payload), ev.sid});
    sub->queued_bytes_ += bytes;
  }
  if (sub->max_ > 0 && sub->delivered_ >= sub->max_) {
    // The server has dropped the interest itself (UNSUB sid max).
    sub->closed_ = true;
    subs_.erase(it);
  }
  sub->wake_.cancel();
}

void client::impl::deliver_reply(const event& ev) {
  std::string_view subject = ev.subject;
  if (!subject.starts_with(inbox_prefix_)) return;
  auto req = requests_.find(subject.substr(inbox_prefix_.size()));
  if (req == requests_.end()) return;  // late or duplicate reply
  auto st = req->second;
  requests_.erase(req);
  st->reply =
      message{std::string(ev.subject), std::string(ev.reply), std::string(ev.headers), std::string(ev.payload), ev.sid};
  st->done = true;
  st->timer.cancel();
}

}  // namespace remaphore::nats
