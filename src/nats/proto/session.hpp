// The NATS session as plain state: how the client reacts to everything that happens
// to it - the application's publishes, subscriptions, unsubscriptions and flushes,
// each parsed event of the live connection (INFO, MSG/HMSG, PING/PONG, +OK/-ERR), a
// completed handshake, a lost connection, the health check's ticks - with no I/O and
// no clock of its own, so every reaction is unit-tested without sockets.
//
// Flow: the client (client*.cpp) is the executor. It hands each of those to the
// session, then carries out what the session asks for:
//   - bytes to write: take_output() whenever has_output(),
//   - effects(): deliver the event just handled to a subscription, tell a
//     subscription that the server refused it, report an -ERR the connection
//     survives, learn the servers an INFO announced, end the session (and why),
//     wake the flushes whose results are in (flush_result()),
// then clear_effects(). States: idle -> connecting -> connected <-> reconnecting,
// and closed from any of them.
//
// What a PONG confirms: the server answers in order, so an -ERR that arrives while a
// PING waits for its PONG refused a command written before that PING. A refusal
// fails every flush waiting at that moment or, when none waits, the next flush: a
// flush succeeds only when the server took everything written before its PING.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "nats/proto/diagnostic.hpp"
#include "nats/proto/handshake.hpp"
#include "nats/proto/health.hpp"
#include "nats/proto/parser.hpp"

namespace remaphore::nats {

struct session_settings {
  std::size_t reconnect_buffer = 8 * 1024 * 1024;  // bytes queued while not connected
  health_settings health;
};

enum class session_state { idle, connecting, connected, reconnecting, closed };

// One thing the executor is to do.
struct session_effect {
  enum class kind {
    deliver,       // the event just handled is a message for subscription `sid`;
                   // `last`: its auto-unsubscribe count is reached, it is gone
    refused,       // the server refused subscription `sid` (`why`); it is gone
    flushes,       // flush results are in: waiting flushes look at flush_result()
    server_error,  // an -ERR the connection survives (`why`, the server's words)
    discovered,    // an INFO announced servers: info().connect_urls, ws_connect_urls
    lame_duck,     // the server is shutting down (an `end` follows)
    end,           // end this connection (`why`)
  };
  kind what;
  std::uint64_t sid = 0;
  bool last = false;
  diagnostic why;
};

class session {
 public:
  using clock = std::chrono::steady_clock;

  // What may go with CONNECT, before its PING: what was published before there was a
  // connection, when nothing (a subscription, a PING) has to go first.
  struct early_commands {
    std::string bytes;
    // The largest payload queued before any server said its max_payload (0 after).
    std::size_t largest_payload = 0;
  };
  // flush(): done at once (id 0, `result`), or to be awaited under `id`.
  struct flush_ticket {
    std::uint64_t id = 0;
    diagnostic result;
  };

  explicit session(session_settings s = {}) : settings_(s) {}

  // The application's requests.
  // Queues a message: max_payload_exceeded (once a server told its limit),
  // buffer_full (not connected, over reconnect_buffer) or connection_closed.
  std::error_code publish(std::string_view subject, std::string_view reply, std::string_view headers,
                          std::string_view payload);
  // A new subscription's sid; the SUB goes out now, or with the next connection.
  std::uint64_t subscribe(std::string_view subject, std::uint64_t max = 0);
  void unsubscribe(std::uint64_t sid);
  // UNSUB for every subscription, which stay registered until close(): a drain.
  void unsubscribe_all();
  flush_ticket flush();
  // The result of flush `id` once known (taken: asked once); nullopt while waiting.
  std::optional<diagnostic> flush_result(std::uint64_t id);
  // A flush that stopped waiting: its PONG still counts, its result is dropped.
  void abandon_flush(std::uint64_t id);

  // The connection's life.
  void start_connecting();  // idle -> connecting: connect() runs
  early_commands early() const;
  // The handshake with `server` succeeded: `early_sent` bytes of early() went with
  // CONNECT, and the server sent `handshake_errors` (-ERRs it kept the connection
  // after) before its PONG. On the first connection, a failure when what was queued
  // cannot be taken: a payload over the server's max_payload, or an early publish the
  // server refused; the state then stays `connecting`.
  diagnostic on_connected(std::string server, server_info info, std::size_t early_sent,
                          const std::vector<std::string>& handshake_errors, clock::time_point now);
  // The connection ended: every waiting flush fails with `disconnected`.
  void on_disconnected();
  // For good: waiting flushes fail with `connection_closed`, subscriptions are dropped.
  void close();

  // The live connection.
  void on_event(const event& ev);
  void on_tick(clock::time_point now);  // the health check's time: PING, stale, stuck
  clock::time_point next_check(clock::time_point now) const;
  bool has_output() const { return !pending_.empty() || !control_.empty(); }
  // Hands over every queued byte (swapped into `out`) for the executor to write.
  void take_output(std::string& out);
  void write_started(clock::time_point now);
  void write_finished();

  const std::vector<session_effect>& effects() const { return effects_; }
  void clear_effects() { effects_.clear(); }

  session_state state() const { return state_; }
  bool is_connected() const { return state_ == session_state::connected; }
  bool is_closed() const { return state_ == session_state::closed; }
  const server_info& info() const { return info_; }
  std::size_t pending_bytes() const { return pending_.size() + control_.size(); }
  std::size_t subscriptions() const { return subs_.size(); }

 private:
  struct subscribed {
    std::string subject;
    std::uint64_t max = 0;  // auto-unsubscribe after this many (0 = never)
    std::uint64_t delivered = 0;
    std::uint64_t queued_at = 0;  // outputs_taken_ when its SUB was queued: on the wire once that passed
  };
  // One PING whose PONG is due, in the order they were queued.
  struct pong_due {
    std::uint64_t flush = 0;  // 0: the health check's PING, or a flush that stopped waiting
    bool sent = false;        // handed to the executor to write
    diagnostic refusal;       // the first refusal the server sent before this PONG
  };

  void deliver(std::uint64_t sid);
  void on_pong();
  void on_info(std::string_view json);
  void on_error(std::string_view text);
  void on_refusal(std::string_view text);
  void refuse_subscriptions(const std::string& subject, const diagnostic& why);
  diagnostic admit_queued(std::size_t early_sent, const std::vector<std::string>& handshake_errors) const;
  void queue_resubscriptions();
  void finish_flush(std::uint64_t id, diagnostic result);
  diagnostic take_unclaimed();
  void end(std::error_code ec, std::string reason);
  void add_effect(session_effect::kind what, std::uint64_t sid = 0, bool last = false, diagnostic why = {});

  session_settings settings_;
  session_state state_ = session_state::idle;
  server_info info_;
  bool info_known_ = false;  // a server told us its max_payload
  std::string server_;       // the current server, for diagnostics
  std::optional<health_check> health_;

  // Commands waiting for the executor's writer, in two queues written in this order:
  // what belongs to one connection (SUB, UNSUB, PONG), dropped with it because the
  // next one starts with its own SUBs; and what must reach the server whichever
  // connection takes it (PUB, PING). A SUB thus never goes after a PUB queued before
  // it, and a PING always after everything queued before it.
  std::string control_;
  std::string pending_;
  std::size_t largest_queued_ = 0;  // largest payload queued while !info_known_
  std::uint64_t outputs_taken_ = 0;
  // False while everything sent on this connection went with CONNECT, which the
  // handshake's PONG confirmed: a flush then needs no round trip of its own.
  bool written_since_connected_ = false;

  std::uint64_t next_sid_ = 1;
  std::map<std::uint64_t, subscribed> subs_;

  std::uint64_t next_flush_ = 1;
  std::deque<pong_due> pongs_;
  std::map<std::uint64_t, diagnostic> finished_flushes_;  // until their flush takes them
  diagnostic unclaimed_;                                  // a refusal that came while no flush waited: the next flush's

  std::vector<session_effect> effects_;
};

}  // namespace remaphore::nats
