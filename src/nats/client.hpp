// Our NATS client: Asio C++20 coroutines over one connection at a time.
//
// Flow: connect() tries the configured servers (shuffled) until one completes the
// handshake (INFO, optional TLS, CONNECT + PING, PONG), then starts run_loop() in
// the background. run_loop() runs a session - reader, writer and pinger under one
// parent, all ending when one fails - and when a session ends it reconnects with
// capped, jittered backoff, resubscribes every live subscription and sends what was
// published while disconnected. close() ends the loop and waits for it.
//
// Threading: one executor, no locks. Every public member must be called from a
// coroutine or handler running on the client's executor.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "nats/proto/handshake.hpp"
#include "nats/proto/parser.hpp"
#include "nats/transport.hpp"

namespace remaphore::nats {

using namespace std::chrono_literals;

struct options {
  std::vector<std::string> servers;  // URLs; credentials in a URL apply to that server
  bool randomize = true;             // shuffle the server list
  bool ignore_discovered = false;    // do not use INFO connect_urls
  std::string name = "remaphore";

  // Auth (at most one kind is used: creds, nkey seed, token, user/password).
  std::string creds_file;      // NATS creds: user JWT + nkey seed
  std::string nkey_seed_file;  // a file holding an nkey seed ("SU...")
  std::string token;
  std::string user, password;

  tls_options tls;
  bool echo = true;

  std::chrono::milliseconds connect_timeout = 2s;  // per server, TCP to PONG
  std::chrono::milliseconds ping_interval = 2min;
  int max_pings_out = 2;
  bool allow_reconnect = true;
  int max_reconnect_attempts = -1;                 // -1: forever
  std::chrono::milliseconds reconnect_wait = 100ms;  // first backoff step
  std::chrono::milliseconds reconnect_wait_max = 5s;
  std::chrono::milliseconds reconnect_jitter = 100ms;
  std::size_t reconnect_buffer = 8 * 1024 * 1024;  // bytes published while disconnected
  std::size_t pending_high_water = 4 * 1024 * 1024;  // publish_async waits above this
  std::size_t sub_pending_msgs = 65536;              // per subscription, then drop
  std::size_t sub_pending_bytes = 64 * 1024 * 1024;

  // Connection events for logs: "connected to ...", "disconnected: ...", and so on.
  std::function<void(std::string_view)> on_event;
};

// A received message; owns its bytes.
struct message {
  std::string subject;
  std::string reply;
  std::string headers;  // HMSG header block, empty for MSG
  std::string payload;
  std::uint64_t sid = 0;
};

class client;

// A subscription's state, shared between the client and the handle.
class subscription {
 public:
  std::uint64_t sid() const { return sid_; }
  const std::string& subject() const { return subject_; }
  std::size_t pending() const { return queue_.size(); }
  std::uint64_t dropped() const { return dropped_; }

 private:
  friend class client;
  subscription(boost::asio::any_io_executor ex) : wake_(ex) {}
  std::uint64_t sid_ = 0;
  std::string subject_;
  std::string queue_group_;
  std::uint64_t max_ = 0;        // auto-unsubscribe after this many (0 = never)
  std::uint64_t delivered_ = 0;
  std::deque<message> queue_;
  std::size_t queued_bytes_ = 0;
  std::uint64_t dropped_ = 0;    // slow consumer: messages dropped at the bound
  bool closed_ = false;
  boost::asio::steady_timer wake_;  // parked waiter of next_msg, cancelled to wake it
};
using subscription_ptr = std::shared_ptr<subscription>;

class client {
 public:
  client(boost::asio::any_io_executor ex, options opts);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // Connects to the first server that completes the handshake; tries each server
  // once. On failure `error_text()` says why (the server's -ERR text verbatim when
  // the server refused us).
  boost::asio::awaitable<std::error_code> connect();

  // Queues a message. Fails with max_payload_exceeded, buffer_full (disconnected and
  // over reconnect_buffer) or connection_closed. Does not wait for the server.
  std::error_code publish(std::string_view subject, std::string_view payload, std::string_view reply = {},
                          std::string_view headers = {});
  // As publish, but first waits while more than pending_high_water bytes are queued.
  boost::asio::awaitable<std::error_code> publish_async(std::string_view subject, std::string_view payload,
                                                        std::string_view reply = {});

  // Subscribes; max > 0 unsubscribes automatically after max messages.
  subscription_ptr subscribe(std::string_view subject, std::string_view queue_group = {}, std::uint64_t max = 0);
  void unsubscribe(const subscription_ptr& sub);

  // The next message of a subscription, within timeout. errc::timeout,
  // subscription_closed, connection_closed, or operation_aborted when cancelled.
  boost::asio::awaitable<std::error_code> next_msg(const subscription_ptr& sub, message& out,
                                                   std::chrono::nanoseconds timeout);

  // PING/PONG round trip: when it returns success the server has processed
  // everything written before.
  boost::asio::awaitable<std::error_code> flush(std::chrono::nanoseconds timeout);

  // Request/reply over one muxed inbox subscription. errc::no_responders when the
  // server reports that nobody listens (status 503).
  boost::asio::awaitable<std::error_code> request(std::string_view subject, std::string_view payload,
                                                  message& reply, std::chrono::nanoseconds timeout,
                                                  std::string_view headers = {});

  // A fresh unique inbox subject ("_INBOX.<random>").
  std::string new_inbox();

  // Flushes (bounded by timeout), then closes and waits for the connection loop.
  boost::asio::awaitable<void> drain_and_close(std::chrono::nanoseconds timeout);
  // Closes at once and waits for the connection loop to end.
  boost::asio::awaitable<void> close();

  bool connected() const { return state_ == state::connected; }
  bool is_closed() const { return state_ == state::closed; }
  const server_info& info() const { return info_; }
  std::string current_server() const { return current_ < pool_.size() ? pool_[current_].url.text() : std::string(); }
  const std::string& error_text() const { return error_text_; }
  // The server that last refused our credentials (errc::auth_failed), as a URL.
  const std::string& refused_by() const { return refused_by_; }
  // The public key ("U...") of the creds or nkey seed last used to authenticate;
  // empty for the other methods. Safe to log: the seed stays inside the client.
  const std::string& auth_key() const { return auth_key_; }
  std::uint64_t reconnects() const { return reconnects_; }
  // Servers in the pool: the configured ones plus those learned from INFO connect_urls.
  std::size_t known_servers() const { return pool_.size(); }
  std::size_t pending_bytes() const { return pending_.size(); }

 private:
  enum class state { idle, connecting, connected, reconnecting, closed };
  struct pool_entry {
    server_url url;
    int failures = 0;
    std::string last_auth_error;
  };
  struct pong_waiter {
    std::shared_ptr<boost::asio::steady_timer> timer;  // null for the pinger's own PINGs
    std::shared_ptr<bool> answered;
    bool sent = false;  // the PING has left the pending buffer
  };
  struct request_state {
    explicit request_state(boost::asio::any_io_executor ex) : timer(ex) {}
    boost::asio::steady_timer timer;
    bool done = false;
    message reply;
  };

  boost::asio::awaitable<std::error_code> connect_to(std::size_t index);
  boost::asio::awaitable<std::error_code> read_event(event& ev);
  boost::asio::awaitable<std::error_code> session();
  void prepare_read_space();
  boost::asio::awaitable<std::error_code> handshake(const server_url& url);
  boost::asio::awaitable<std::error_code> connect_any(bool reconnecting);
  boost::asio::awaitable<void> run_loop();
  boost::asio::awaitable<std::error_code> reader();
  boost::asio::awaitable<std::error_code> writer();
  boost::asio::awaitable<std::error_code> pinger();
  std::error_code handle(const event& ev);  // one parsed event of a live session
  void deliver(const event& ev);
  void add_discovered(const server_info& info);
  void send_resubscriptions();
  void fail_sent_pongs();
  void wake_writer();
  void emit(std::string_view text);
  bool closing() const { return state_ == state::closed || closing_; }
  std::error_code build_auth(const server_url& url, auth& a);

  boost::asio::any_io_executor ex_;
  options opts_;
  state state_ = state::idle;
  bool closing_ = false;
  bool loop_running_ = false;

  std::vector<pool_entry> pool_;
  std::size_t current_ = static_cast<std::size_t>(-1);  // index into pool_
  server_info info_;
  std::unique_ptr<transport> transport_;
  parser parser_;
  std::string rbuf_;              // read buffer; [rstart_, rend_) unparsed
  std::size_t rstart_ = 0, rend_ = 0;

  std::string pending_;           // protocol bytes waiting for the writer
  std::string out_;               // bytes being written
  boost::asio::steady_timer writer_wake_;
  boost::asio::steady_timer drained_;  // publish_async waiters, woken as the writer empties pending_
  boost::asio::steady_timer loop_done_;
  boost::asio::steady_timer backoff_;
  bool writer_parked_ = false;
  std::deque<pong_waiter> pongs_;
  int pings_out_ = 0;

  std::uint64_t next_sid_ = 1;
  std::map<std::uint64_t, subscription_ptr> subs_;

  std::string inbox_prefix_;      // "_INBOX.<random>."
  subscription_ptr resp_sub_;
  std::uint64_t next_token_ = 1;
  std::map<std::string, std::shared_ptr<request_state>, std::less<>> requests_;

  std::string error_text_;
  std::string refused_by_;
  std::string auth_key_;
  std::uint64_t reconnects_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace remaphore::nats
