// The session's reactions to what the server sends on a live connection, and to the
// health check's ticks (see the Flow in session.hpp).
#include "nats/proto/commands.hpp"
#include "nats/proto/error.hpp"
#include "nats/proto/refusal.hpp"
#include "nats/proto/session.hpp"

namespace remaphore::nats {

void session::on_event(const event& ev) {
  // Bytes that were on their way when the application closed the client.
  if (state_ != session_state::connected) return;
  switch (ev.kind) {
    case op::msg:
    case op::hmsg: deliver(ev.sid); break;
    case op::ping: control_ += pong_command; break;
    case op::pong: on_pong(); break;
    case op::info: on_info(ev.text); break;
    case op::err: on_error(ev.text); break;
    case op::ok:
    case op::none: break;
  }
}

void session::deliver(std::uint64_t sid) {
  auto it = subs_.find(sid);
  if (it == subs_.end()) return;  // unsubscribed while the message was on its way
  auto& s = it->second;
  ++s.delivered;
  // The server drops the interest by itself after `max` (UNSUB sid max).
  const bool last = s.max > 0 && s.delivered >= s.max;
  if (last) subs_.erase(it);
  add_effect(session_effect::kind::deliver, sid, last);
}

void session::on_pong() {
  if (health_) health_->pong_received();
  if (pongs_.empty()) return;  // a PONG we did not ask for
  auto due = std::move(pongs_.front());
  pongs_.pop_front();
  finish_flush(due.flush, std::move(due.refusal));
}

void session::on_info(std::string_view json) {
  server_info fresh;
  if (!parse_info(json, fresh)) return;
  info_.connect_urls = std::move(fresh.connect_urls);
  info_.ws_connect_urls = std::move(fresh.ws_connect_urls);
  add_effect(session_effect::kind::discovered);
  if (!fresh.lame_duck) return;
  add_effect(session_effect::kind::lame_duck);
  end(errc::lame_duck, "the server entered lame duck mode");
}

// An error the connection survives is an effect of its own; one that ends the
// connection is the reason the session ends with.
void session::on_error(std::string_view text) {
  if (is_soft_error(text)) return on_refusal(text);
  end(is_auth_error(text) ? errc::auth_failed : errc::server_error, std::string(text));
}

// The server refused a command written before the PINGs now waiting: it fails the
// flushes among them, or the next flush when none waits.
void session::on_refusal(std::string_view text) {
  auto r = parse_refusal(text);
  if (!r) return;
  auto why = make_diagnostic(r->permission ? errc::permission_denied : errc::server_error, server_, std::string(text));
  bool claimed = false;
  for (auto& p : pongs_) {
    if (p.flush == 0) continue;
    claimed = true;
    if (!p.refusal) p.refusal = why;
  }
  if (!claimed && !unclaimed_) unclaimed_ = why;
  if (r->what == refusal::refused::subscription) refuse_subscriptions(r->subject, why);
  add_effect(session_effect::kind::server_error, 0, false, std::move(why));
}

// The server names a subject, not a sid: every subscription to it whose SUB is on
// the wire is refused (the server refuses by subject). One queued since is not: its
// own answer is still to come.
void session::refuse_subscriptions(const std::string& subject, const diagnostic& why) {
  for (auto it = subs_.begin(); it != subs_.end();) {
    const bool written = outputs_taken_ > it->second.queued_at;
    if (it->second.subject != subject || !written) {
      ++it;
      continue;
    }
    add_effect(session_effect::kind::refused, it->first, false, why);
    it = subs_.erase(it);
  }
}

void session::on_tick(clock::time_point now) {
  if (!health_ || state_ != session_state::connected) return;
  switch (health_->check(now)) {
    case health_check::verdict::fine: break;
    case health_check::verdict::send_ping:
      pending_ += ping_command;
      pongs_.push_back({});
      break;
    case health_check::verdict::stale:
      end(errc::stale_connection, std::to_string(health_->pings_out()) + " PINGs unanswered");
      break;
    case health_check::verdict::write_stuck:
      end(errc::write_timeout, "a write did not complete within " + describe_duration(settings_.health.write_timeout));
      break;
  }
}

session::clock::time_point session::next_check(clock::time_point now) const {
  return health_ ? health_->next_check(now) : clock::time_point::max();
}

void session::write_started(clock::time_point now) {
  if (health_) health_->write_started(now);
}

void session::write_finished() {
  if (health_) health_->write_finished();
}

void session::add_effect(session_effect::kind what, std::uint64_t sid, bool last, diagnostic why) {
  session_effect e{what, sid, last, std::move(why)};
  effects_.push_back(std::move(e));
}

void session::end(std::error_code ec, std::string reason) {
  add_effect(session_effect::kind::end, 0, false, make_diagnostic(ec, server_, std::move(reason)));
}

}  // namespace remaphore::nats
