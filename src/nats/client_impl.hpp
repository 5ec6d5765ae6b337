// The state a nats::client shares with its connection loop, and the loop itself.
// client.cpp holds the public operations, client_loop.cpp connecting, reconnecting
// and teardown, client_session.cpp a live session (reader, writer, health monitor).
//
// Flow: idle -> connecting -> connected <-> reconnecting -> closed (the states of
// the sans-I/O session_, which decides every reaction; the code here executes it).
// connect() runs a connect_plan; on success the loop starts: run_session() until it
// fails, then end_session() (fail the flushes and requests that waited on that
// connection), then a reconnect plan, then the next session. teardown() is the one
// way to the closed state, from close(), from the loop's end and from ~client().
//
// The loop's coroutine holds a shared_ptr to this object, so a client destroyed
// without close() leaves the loop something valid to finish on.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "nats/client.hpp"
#include "nats/connection.hpp"
#include "nats/notifier.hpp"
#include "nats/proto/diagnostic.hpp"
#include "nats/proto/events.hpp"
#include "nats/proto/parser.hpp"
#include "nats/proto/server_pool.hpp"
#include "nats/proto/session.hpp"

namespace remaphore::nats {

struct client::impl : std::enable_shared_from_this<client::impl> {
  impl(boost::asio::any_io_executor ex, options opts);

  // request(): one subscription to "<inbox_prefix>*" carries the replies of every
  // request, each to its own token.
  struct request_state {
    bool done = false;
    diagnostic failure;  // the connection dropped or closed, or the inbox was refused
    message reply;
  };
  struct request_mux {
    std::string inbox_prefix;  // "_INBOX.<random>."
    subscription_ptr sub;
    std::uint64_t next_token = 1;
    std::map<std::string, std::shared_ptr<request_state>, std::less<>> waiting;
  };

  // client_loop.cpp: connecting, the loop, the end.
  boost::asio::awaitable<std::error_code> connect();
  boost::asio::awaitable<std::error_code> run_plan(connect_plan::settings plan_settings);
  boost::asio::awaitable<std::error_code> try_server(std::size_t index, connect_plan& plan,
                                                     std::chrono::steady_clock::time_point deadline);
  std::error_code connected_to(std::size_t index, connection::opened& out, std::size_t early_sent);
  boost::asio::awaitable<std::error_code> sleep_until(std::chrono::steady_clock::time_point t);
  std::error_code give_up(std::error_code last);
  void start_loop();
  boost::asio::awaitable<void> run_loop();
  boost::asio::awaitable<void> reconnect_after(std::error_code why);
  void end_session();
  void fail_requests(const diagnostic& why);
  void teardown();
  void emit(conn_event_kind kind, std::error_code ec = {}, std::string server = {}, std::string text = {});

  // client_session.cpp: one live connection.
  boost::asio::awaitable<std::error_code> run_session();
  boost::asio::awaitable<std::error_code> ends_session(boost::asio::awaitable<std::error_code> part);
  boost::asio::awaitable<std::error_code> reader();
  boost::asio::awaitable<std::error_code> writer();
  boost::asio::awaitable<std::error_code> monitor();
  std::error_code session_failed(diagnostic why);
  std::error_code carry_out(const event* ev);
  void deliver(const event& ev, std::uint64_t sid, bool last);
  void deliver_reply(const event& ev);
  void refuse(std::uint64_t sid, const diagnostic& why);
  void add_discovered();
  void wake_writer();

  bool closing() const { return session_.is_closed(); }
  std::string current_server() const;

  boost::asio::any_io_executor ex_;
  options opts_;
  session session_;  // every decision: what to write, deliver, fail, end
  server_pool pool_;
  std::vector<std::string> invalid_urls_;               // configured URLs that do not parse
  std::size_t current_ = static_cast<std::size_t>(-1);  // index into pool_
  connection conn_;
  notifier output_;   // the writer waits here for bytes to write
  notifier changed_;  // every other wait: flush results, replies, drained output,
                      // reconnects, the loop's end, the monitor's and the backoff's time
  bool loop_running_ = false;

  std::map<std::uint64_t, subscription_ptr> subs_;  // the handles of session_'s subscriptions
  request_mux requests_;

  diagnostic last_error_;
  std::string auth_key_;
  std::uint64_t reconnects_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace remaphore::nats
