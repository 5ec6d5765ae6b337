// Our NATS client: Asio C++20 coroutines over one connection at a time.
//
// Flow: connect() tries the servers (shuffled; with connect_retry_until, in rounds
// with backoff until then) until one completes the handshake, then starts the
// connection loop in the background. The loop runs a session - reader, writer and
// health monitor under one parent, all ending when one fails - and when a session
// ends it fails the flushes and requests that were waiting on it, reconnects with
// capped, jittered backoff (after a random spread, if configured), resubscribes
// every live subscription and sends what was published while disconnected. close()
// ends the loop and waits for it. What to do at each step is decided by the
// sans-I/O session (nats/proto/session.hpp); the coroutines here only execute it.
//
// What the server accepted: publish() and subscribe() return before the server has
// seen them, and a server refuses asynchronously (-ERR 'Permissions Violation for
// Publish to "X"' or 'for Subscription to "X"', keeping the connection). flush() is
// the confirmation: it succeeds only when the server answered its PING with no
// refusal in between, and fails with errc::permission_denied and the server's words
// otherwise. So a subscriber that must know it will hear something calls
// subscribe(), then flush(); a requester does so before it publishes the request.
//
// Lifetime: the loop runs on state shared with the client (client::impl), not on
// the client object. Destroying a client without close() closes it: the loop then
// ends on its own at the executor's next turn, touching only that shared state, and
// on_event is never called again.
//
// Threading: one executor, no locks. Every public member must be called from a
// coroutine or handler running on the client's executor.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "nats/notifier.hpp"
#include "nats/options.hpp"
#include "nats/proto/diagnostic.hpp"
#include "nats/proto/handshake.hpp"

namespace remaphore::nats {

// A received message; owns its bytes.
struct message {
  std::string subject;
  std::string reply;
  std::string headers;  // HMSG header block, empty for MSG
  std::string payload;
  std::uint64_t sid = 0;
};

// A subscription's state, shared between the client and the handle.
class subscription {
 public:
  std::uint64_t sid() const { return sid_; }
  const std::string& subject() const { return subject_; }
  std::size_t pending() const { return queue_.size(); }
  std::uint64_t dropped() const { return dropped_; }
  // Set when the server refused the subscription (errc::permission_denied, or
  // server_error for a malformed subject), with the server and its words verbatim.
  const diagnostic& failure() const { return failure_; }

 private:
  friend class client;
  explicit subscription(boost::asio::any_io_executor ex) : wake_(std::move(ex)) {}
  std::uint64_t sid_ = 0;
  std::string subject_;
  std::deque<message> queue_;
  std::size_t queued_bytes_ = 0;
  std::uint64_t dropped_ = 0;  // slow consumer: messages dropped at the bound
  bool closed_ = false;
  diagnostic failure_;
  notifier wake_;  // next_msg waits here
};
using subscription_ptr = std::shared_ptr<subscription>;

class client {
 public:
  client(boost::asio::any_io_executor ex, options opts);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // Connects to the first server that completes the handshake: each server once, or
  // with options::connect_retry_until in rounds until then. On failure, last_error()
  // names every server tried with its reason (the server's -ERR text verbatim when
  // it refused us). operation_aborted when cancelled.
  boost::asio::awaitable<std::error_code> connect();

  // Queues a message. Fails with max_payload_exceeded, buffer_full (not connected and
  // over reconnect_buffer) or connection_closed. Does not wait for the server.
  // Before connect(), the message goes with the handshake (when no subscription is
  // waiting to be made): connect() then succeeds only once the server has it, and
  // fails with permission_denied when the server refused it (last_error() has the
  // server's words), or with max_payload_exceeded, before anything is written, when
  // it is over the max_payload the server announces (its reason names both sizes).
  std::error_code publish(std::string_view subject, std::string_view payload, std::string_view reply = {},
                          std::string_view headers = {});
  // As publish, but first waits while more than pending_high_water bytes are queued.
  boost::asio::awaitable<std::error_code> publish_async(std::string_view subject, std::string_view payload,
                                                        std::string_view reply = {});

  // Subscribes; max > 0 unsubscribes automatically after max messages. A following
  // flush() confirms it: permission_denied when the server refused it. A refusal,
  // also one that comes with a later reconnect's resubscription, ends the
  // subscription: next_msg then fails with it, and failure() says why.
  subscription_ptr subscribe(std::string_view subject, std::uint64_t max = 0);
  void unsubscribe(const subscription_ptr& sub);

  // The next message of a subscription, within timeout. errc::timeout,
  // subscription_closed, connection_closed, permission_denied (see failure()), or
  // operation_aborted when cancelled.
  boost::asio::awaitable<std::error_code> next_msg(const subscription_ptr& sub, message& out,
                                                   std::chrono::nanoseconds timeout);

  // The next message of a subscription if one is queued, without waiting.
  bool try_next_msg(const subscription_ptr& sub, message& out);

  // PING/PONG round trip: when it returns success the server has processed and
  // accepted everything written before. errc::permission_denied (server_error for a
  // malformed subject) when the server refused a command written before the PING,
  // or one it refused while no flush waited: `why` then holds the server and its
  // words. errc::disconnected at once when the connection it waits on drops;
  // errc::timeout when the server does not answer in time.
  boost::asio::awaitable<std::error_code> flush(std::chrono::nanoseconds timeout);
  boost::asio::awaitable<std::error_code> flush(std::chrono::nanoseconds timeout, diagnostic& why);

  // Request/reply over one muxed inbox subscription. errc::no_responders when the
  // server reports that nobody listens (status 503); errc::disconnected at once
  // when the connection drops while waiting; permission_denied at once when the
  // server refuses the inbox subscription.
  boost::asio::awaitable<std::error_code> request(std::string_view subject, std::string_view payload, message& reply,
                                                  std::chrono::nanoseconds timeout, std::string_view headers = {});

  // A fresh unique inbox subject ("_INBOX.<random>").
  std::string new_inbox();

  // Flushes (bounded by timeout), then closes and waits for the connection loop.
  boost::asio::awaitable<void> drain_and_close(std::chrono::nanoseconds timeout);
  // Closes at once and waits for the connection loop to end.
  boost::asio::awaitable<void> close();

  const boost::asio::any_io_executor& executor() const;
  bool connected() const;
  // The JetStream domain of options::jetstream_domain (empty: the local API).
  const std::string& jetstream_domain() const;
  bool is_closed() const;
  const server_info& info() const;
  std::string current_server() const;
  // Why the last connect failed, or why the connection was lost (and, once the
  // loop gave up, every server it tried). Cleared at each connect and on a
  // successful reconnect.
  const diagnostic& last_error() const;
  // Shorthand for last_error().text(), for log lines.
  std::string error_text() const { return last_error().text(); }
  // The server that refused our credentials (errc::auth_failed), as a URL.
  std::string refused_by() const;
  // The public key ("U...") of the creds or nkey seed last used to authenticate;
  // empty for the other methods. Safe to log: the seed stays inside the client.
  const std::string& auth_key() const;
  std::uint64_t reconnects() const;
  // Waits until the client has reconnected more than `seen` times (reconnects()), for
  // work a new connection must redo: publishing a request again, recreating a
  // JetStream consumer. errc::connection_closed once the client is closed.
  boost::asio::awaitable<std::error_code> reconnected_after(std::uint64_t seen);
  // Servers in the pool: the configured ones plus those learned from INFO connect_urls.
  std::size_t known_servers() const;
  std::size_t pending_bytes() const;

 private:
  struct impl;  // the state the connection loop shares (client_impl.hpp)
  std::shared_ptr<impl> impl_;
};

}  // namespace remaphore::nats
