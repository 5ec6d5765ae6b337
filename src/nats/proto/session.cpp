// The session's answers to the application and to the connection's life (see the
// Flow in session.hpp); its reactions to what the server sends are in
// session_events.cpp.
#include "nats/proto/session.hpp"

#include "nats/proto/commands.hpp"
#include "nats/proto/error.hpp"
#include "nats/proto/refusal.hpp"

namespace remaphore::nats {

std::error_code session::publish(std::string_view subject, std::string_view reply, std::string_view headers,
                                 std::string_view payload) {
  if (state_ == session_state::closed) return errc::connection_closed;
  const std::size_t size = headers.size() + payload.size();
  // Until a server has said its limit, the handshake checks what was queued.
  if (info_known_ && size > info_.max_payload) return errc::max_payload_exceeded;
  if (state_ != session_state::connected &&
      pending_.size() + publish_size(subject, reply, headers, payload) > settings_.reconnect_buffer)
    return errc::buffer_full;
  append_publish(pending_, subject, reply, headers, payload);
  if (!info_known_ && size > largest_queued_) largest_queued_ = size;
  return {};
}

std::uint64_t session::subscribe(std::string_view subject, std::uint64_t max) {
  const std::uint64_t sid = next_sid_++;
  if (state_ == session_state::closed) return sid;
  subs_[sid] = subscribed{std::string(subject), max, 0, outputs_taken_};
  // Otherwise the next connection subscribes to everything registered.
  if (state_ == session_state::connected) {
    append_subscribe(control_, subject, sid);
    if (max > 0) append_unsubscribe(control_, sid, max);
  }
  return sid;
}

void session::unsubscribe(std::uint64_t sid) {
  if (subs_.erase(sid) > 0 && state_ == session_state::connected) append_unsubscribe(control_, sid);
}

void session::unsubscribe_all() {
  if (state_ != session_state::connected) return;
  for (const auto& entry : subs_) append_unsubscribe(control_, entry.first);
}

session::flush_ticket session::flush() {
  if (state_ == session_state::closed) return {0, make_diagnostic(errc::connection_closed, server_, {})};
  if (state_ == session_state::idle) return {0, make_diagnostic(errc::disconnected, {}, "not connected yet")};
  // The handshake's PONG confirmed all that was written.
  if (state_ == session_state::connected && !has_output() && !written_since_connected_) return {0, take_unclaimed()};
  flush_ticket t;
  t.id = next_flush_++;
  pending_ += ping_command;
  pongs_.push_back({t.id, false, take_unclaimed()});
  return t;
}

std::optional<diagnostic> session::flush_result(std::uint64_t id) {
  auto it = finished_flushes_.find(id);
  if (it == finished_flushes_.end()) return std::nullopt;
  auto result = std::move(it->second);
  finished_flushes_.erase(it);
  return result;
}

void session::abandon_flush(std::uint64_t id) {
  for (auto& p : pongs_)
    if (p.flush == id) p.flush = 0;
  finished_flushes_.erase(id);
}

void session::start_connecting() {
  if (state_ == session_state::idle) state_ = session_state::connecting;
}

session::early_commands session::early() const {
  early_commands e;
  e.largest_payload = largest_queued_;
  if (subs_.empty() && pongs_.empty() && control_.empty()) e.bytes = pending_;
  return e;
}

diagnostic session::on_connected(std::string server, server_info info, std::size_t early_sent,
                                 const std::vector<std::string>& handshake_errors, clock::time_point now) {
  if (state_ == session_state::closed) return make_diagnostic(errc::connection_closed, server, {});
  const bool first = state_ == session_state::connecting;
  server_ = std::move(server);
  info_ = std::move(info);
  info_known_ = true;
  pending_.erase(0, early_sent);
  if (first) {
    if (auto refused = admit_queued(early_sent, handshake_errors)) return refused;
  }
  largest_queued_ = 0;
  state_ = session_state::connected;
  for (const auto& text : handshake_errors) on_refusal(text);
  queue_resubscriptions();
  written_since_connected_ = false;
  health_.emplace(settings_.health, now);
  add_effect(session_effect::kind::discovered);
  return {};
}

// What the application queued before the first connection: nothing over the limit
// the server has just told (it would close the connection for it), and nothing the
// server refused while letting us in.
diagnostic session::admit_queued(std::size_t early_sent, const std::vector<std::string>& handshake_errors) const {
  if (largest_queued_ > info_.max_payload)
    return make_diagnostic(errc::max_payload_exceeded, server_,
                           describe_payload_over(largest_queued_, info_.max_payload));
  if (early_sent == 0) return {};
  for (const auto& text : handshake_errors) {
    auto r = parse_refusal(text);
    if (r) return make_diagnostic(r->permission ? errc::permission_denied : errc::server_error, server_, text);
  }
  return {};
}

// Subscriptions made while disconnected, or lost with the last connection, go first,
// so nothing published next on this connection can miss them.
void session::queue_resubscriptions() {
  control_.clear();
  for (auto& [sid, s] : subs_) {
    append_subscribe(control_, s.subject, sid);
    if (s.max > 0) append_unsubscribe(control_, sid, s.max - s.delivered);
    s.queued_at = outputs_taken_;
  }
}

// PINGs already written are lost with the connection; unsent ones go out on the next
// one, so their entries stay (without a flush) to keep PONGs in step.
void session::on_disconnected() {
  if (state_ == session_state::closed || state_ == session_state::idle) return;
  state_ = session_state::reconnecting;
  health_.reset();
  control_.clear();
  const auto lost = make_diagnostic(errc::disconnected, server_, "the connection to the server was lost");
  while (!pongs_.empty() && pongs_.front().sent) {
    finish_flush(pongs_.front().flush, lost);
    pongs_.pop_front();
  }
  for (auto& p : pongs_) {
    finish_flush(p.flush, lost);
    p.flush = 0;
    p.refusal.clear();
  }
}

void session::close() {
  if (state_ == session_state::closed) return;
  state_ = session_state::closed;
  for (auto& p : pongs_) finish_flush(p.flush, make_diagnostic(errc::connection_closed, server_, {}));
  pongs_.clear();
  subs_.clear();
  control_.clear();
  pending_.clear();
  health_.reset();
}

void session::take_output(std::string& out) {
  if (control_.empty()) {
    out.swap(pending_);
  } else {
    out.swap(control_);
    out += pending_;
  }
  control_.clear();
  pending_.clear();
  for (auto& p : pongs_) p.sent = true;
  ++outputs_taken_;
  written_since_connected_ = true;
}

void session::finish_flush(std::uint64_t id, diagnostic result) {
  if (id == 0) return;
  finished_flushes_[id] = std::move(result);
  if (effects_.empty() || effects_.back().what != session_effect::kind::flushes)
    add_effect(session_effect::kind::flushes);
}

diagnostic session::take_unclaimed() {
  diagnostic d = std::move(unclaimed_);
  unclaimed_.clear();
  return d;
}

}  // namespace remaphore::nats
