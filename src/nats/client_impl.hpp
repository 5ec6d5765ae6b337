// The state a nats::client shares with its connection loop, and the loop itself.
// client.cpp holds the public operations, client_loop.cpp connecting, reconnecting
// and teardown, client_session.cpp a live session (reader, writer, health monitor).
//
// Flow: idle -> connecting -> connected <-> reconnecting -> closed. connect() runs a
// connect_plan; on success the loop starts: session() until it fails, then
// end_session() (fail the flushes and requests that waited on that connection),
// then a reconnect plan, then the next session. teardown() is the one way to the
// closed state, from close(), from the loop's end and from ~client().
//
// The loop's coroutine holds a shared_ptr to this object, so a client destroyed
// without close() leaves the loop something valid to finish on.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "nats/client.hpp"
#include "nats/connection.hpp"
#include "nats/proto/diagnostic.hpp"
#include "nats/proto/events.hpp"
#include "nats/proto/health.hpp"
#include "nats/proto/parser.hpp"
#include "nats/proto/server_pool.hpp"

namespace remaphore::nats {

namespace detail {

// True when the coroutine we run in has been asked to stop: by the caller's ||, or
// within a session by the sibling that ended first.
//
// cancelled() is for the public operations. Once cancelled, awaiting it throws
// operation_aborted (Asio's throw_if_cancelled, on by default), and that is how a
// cancelled wait ends them: their callers take every error code for a failure to
// report, while the exception ends them as any other cancelled co_await would.
inline boost::asio::awaitable<bool> cancelled() {
  auto cs = co_await boost::asio::this_coro::cancellation_state;
  co_return cs.cancelled() != boost::asio::cancellation_type::none;
}

// asked_to_stop() is for the connection loop and the parts of a session, which are
// cancelled at the end of every session and every run: read as
// `asked_to_stop(co_await this_coro::cancellation_state)`, which neither suspends nor
// throws, so that end costs no exception thrown, unwound and caught in each part.
inline bool asked_to_stop(const boost::asio::cancellation_state& cs) {
  return cs.cancelled() != boost::asio::cancellation_type::none;
}

}  // namespace detail

struct client::impl : std::enable_shared_from_this<client::impl> {
  impl(boost::asio::any_io_executor ex, options opts);

  enum class state { idle, connecting, connected, reconnecting, closed };

  // A flush() waiting for its PONG.
  struct flush_waiter {
    explicit flush_waiter(boost::asio::any_io_executor ex) : timer(std::move(ex)) {}
    void finish(std::error_code ec);
    boost::asio::steady_timer timer;
    bool done = false;
    std::error_code result;
  };
  // One PING whose PONG is due, in the order they were queued. `waiter` is null for
  // the health monitor's PINGs and for flushes that already gave up.
  struct pong_due {
    std::shared_ptr<flush_waiter> waiter;
    bool sent = false;  // the PING has left pending_
  };
  struct request_state {
    explicit request_state(boost::asio::any_io_executor ex) : timer(std::move(ex)) {}
    boost::asio::steady_timer timer;
    bool done = false;
    std::error_code error;  // set when the connection dropped or closed first
    message reply;
  };

  // client_loop.cpp: connecting, the loop, the end.
  boost::asio::awaitable<std::error_code> connect();
  boost::asio::awaitable<std::error_code> run_plan(connect_plan::settings plan_settings);
  boost::asio::awaitable<std::error_code> try_server(std::size_t index, connect_plan& plan,
                                                     std::chrono::steady_clock::time_point deadline);
  boost::asio::awaitable<std::error_code> sleep_until(std::chrono::steady_clock::time_point t);
  std::error_code give_up(std::error_code last);
  void on_connected(std::size_t index, server_info info);
  void start_loop();
  boost::asio::awaitable<void> run_loop();
  boost::asio::awaitable<void> reconnect_after(std::error_code why);
  void end_session();
  void teardown();
  void emit(conn_event_kind kind, std::error_code ec = {}, std::string server = {}, std::string text = {});

  // client_session.cpp: one live connection.
  boost::asio::awaitable<std::error_code> session();
  boost::asio::awaitable<std::error_code> ends_session(boost::asio::awaitable<std::error_code> part);
  boost::asio::awaitable<std::error_code> reader();
  boost::asio::awaitable<std::error_code> writer();
  boost::asio::awaitable<std::error_code> monitor();
  std::error_code session_failed(std::error_code ec, std::string reason);
  std::error_code handle(const event& ev);
  std::error_code handle_info(const event& ev);
  void handle_pong();
  void deliver(const event& ev);
  void deliver_reply(const event& ev);
  void add_discovered(const server_info& info);
  void queue_resubscriptions();
  void wake_writer();

  bool closing() const { return state_ == state::closed || closing_; }
  std::string current_server() const;

  boost::asio::any_io_executor ex_;
  options opts_;
  state state_ = state::idle;
  bool closing_ = false;
  bool loop_running_ = false;

  server_pool pool_;
  std::vector<std::string> invalid_urls_;               // configured URLs that do not parse
  std::size_t current_ = static_cast<std::size_t>(-1);  // index into pool_
  server_info info_;
  connection conn_;
  std::optional<health_check> health_;  // of the running session

  std::string pending_;  // protocol bytes waiting for the writer
  std::string out_;      // bytes being written
  // False while everything sent on this connection went with CONNECT, which the
  // handshake's PONG confirmed: a flush then needs no round trip of its own.
  bool written_since_connected_ = false;
  boost::asio::steady_timer writer_wake_;
  bool writer_parked_ = false;
  boost::asio::steady_timer drained_;         // publish_async waiters, woken as the writer empties pending_
  boost::asio::steady_timer loop_done_;       // close() waits here for the loop's end
  boost::asio::steady_timer sleep_;           // backoff and spread between connect attempts
  boost::asio::steady_timer reconnect_wake_;  // reconnected_after() waiters, woken at each reconnect
  std::deque<pong_due> pongs_;

  std::uint64_t next_sid_ = 1;
  std::map<std::uint64_t, subscription_ptr> subs_;

  std::string inbox_prefix_;  // "_INBOX.<random>."
  subscription_ptr reply_sub_;
  std::uint64_t next_token_ = 1;
  std::map<std::string, std::shared_ptr<request_state>, std::less<>> requests_;

  diagnostic last_error_;
  std::string auth_key_;
  std::uint64_t reconnects_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace remaphore::nats
