// A live session: reader, writer and health monitor under one parent.
//
// Flow: run_session() runs the three under ||. The first to end sets last_error_ (the
// reason, once) and closes the connection, so the other two end at once whatever
// operation they wait in - a stuck write included, which does not wait for
// cancellation support in every transport. The reader hands each parsed event to
// the sans-I/O session and carries out its effects (messages to subscriptions,
// refusals, flush results, INFO, the end); the writer writes what the session has
// queued, in bounded chunks; the monitor gives the session the health check's
// ticks (PINGs, a stale server, a stuck write).
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <variant>

#include "nats/client_impl.hpp"
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

awaitable<std::error_code> client::impl::run_session() {
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
std::error_code client::impl::session_failed(diagnostic why) {
  if (!last_error_ && !closing()) last_error_ = why;
  return why.error;
}

// read_event's loop, with every event that one read brought handled before the
// next read: a busy subscriber does not pay a coroutine call per message.
awaitable<std::error_code> client::impl::reader() {
  for (;;) {
    event ev;
    std::error_code ec;
    while (conn_.next_buffered_event(ev, ec)) {
      session_.on_event(ev);
      if (auto ended = carry_out(&ev)) co_return ended;
    }
    wake_writer();  // PONGs to the server's PINGs
    if (!ec) ec = co_await conn_.read_more();
    if (ec) co_return session_failed(make_diagnostic(ec, current_server(), read_failure(ec)));
  }
}

awaitable<std::error_code> client::impl::writer() {
  std::string out;
  for (;;) {
    while (!session_.has_output()) {
      co_await output_.wait_until(clock::time_point::max());
      if (asked_to_stop(co_await asio::this_coro::cancellation_state))
        co_return make_error_code(asio::error::operation_aborted);
    }
    session_.take_output(out);
    changed_.notify_all();  // publish_async waits for the queue to drain
    std::string_view rest = out;
    while (!rest.empty()) {
      auto chunk = rest.substr(0, write_chunk);
      session_.write_started(clock::now());
      auto ec = co_await conn_.write(chunk);
      session_.write_finished();
      if (ec) co_return session_failed(make_diagnostic(ec, current_server(), ec.message()));
      rest.remove_prefix(chunk.size());
    }
  }
}

awaitable<std::error_code> client::impl::monitor() {
  for (;;) {
    co_await changed_.wait_until(session_.next_check(clock::now()));
    if (asked_to_stop(co_await asio::this_coro::cancellation_state))
      co_return make_error_code(asio::error::operation_aborted);
    session_.on_tick(clock::now());
    if (auto ended = carry_out(nullptr)) co_return ended;
    wake_writer();
  }
}

void client::impl::wake_writer() {
  if (session_.has_output()) output_.notify_all();
}

// Executes what the session decided; returns the error when it ends the session.
// By index: an application's handler called from here may make the session add more.
std::error_code client::impl::carry_out(const event* ev) {
  std::error_code ended;
  for (std::size_t i = 0; i < session_.effects().size(); ++i) {
    const auto e = session_.effects()[i];
    using kind = session_effect::kind;
    switch (e.what) {
      case kind::deliver:
        if (ev) deliver(*ev, e.sid, e.last);
        break;
      case kind::refused: refuse(e.sid, e.why); break;
      case kind::flushes: changed_.notify_all(); break;
      case kind::server_error: emit(conn_event_kind::server_error, e.why.error, e.why.server, e.why.reason); break;
      case kind::discovered: add_discovered(); break;
      case kind::lame_duck: emit(conn_event_kind::lame_duck, {}, current_server()); break;
      case kind::end: ended = session_failed(e.why); break;
    }
  }
  session_.clear_effects();
  return ended;
}

void client::impl::add_discovered() {
  if (current_ >= pool_.size()) return;
  const auto& info = session_.info();
  transport_kind kind = pool_.url(current_).kind;
  bool websocket = kind == transport_kind::ws || kind == transport_kind::wss;
  for (auto& url : pool_.add_discovered(websocket ? info.ws_connect_urls : info.connect_urls, kind))
    emit(conn_event_kind::server_discovered, {}, std::move(url));
}

void client::impl::deliver(const event& ev, std::uint64_t sid, bool last) {
  auto it = subs_.find(sid);
  if (it == subs_.end()) return;
  // A copy, not a reference into subs_: the last message erases the entry.
  auto sub = it->second;
  if (last) {
    sub->closed_ = true;
    subs_.erase(it);
  }
  if (sub == requests_.sub) return deliver_reply(ev);
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
  sub->wake_.notify_all();
}

void client::impl::deliver_reply(const event& ev) {
  std::string_view subject = ev.subject;
  if (!subject.starts_with(requests_.inbox_prefix)) return;
  auto req = requests_.waiting.find(subject.substr(requests_.inbox_prefix.size()));
  if (req == requests_.waiting.end()) return;  // late or duplicate reply
  auto st = req->second;
  requests_.waiting.erase(req);
  st->reply =
      message{std::string(ev.subject), std::string(ev.reply), std::string(ev.headers), std::string(ev.payload), ev.sid};
  st->done = true;
  changed_.notify_all();
}

// The server refused a subscription: it ends, and says why to whoever reads it.
void client::impl::refuse(std::uint64_t sid, const diagnostic& why) {
  auto it = subs_.find(sid);
  if (it == subs_.end()) return;
  auto sub = it->second;
  subs_.erase(it);
  sub->closed_ = true;
  sub->failure_ = why;
  sub->wake_.notify_all();
  if (sub != requests_.sub) return;
  // Every request waits on the refused inbox; the next one subscribes again.
  requests_.sub = nullptr;
  fail_requests(why);
}

}  // namespace remaphore::nats
