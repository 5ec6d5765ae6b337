// Flow: start the command (REMAPHORE_LOCK, _SLOT, _TOKEN set), drop our ticket, then
// wait for whichever comes first: the command's exit, the next renewal, end_by, or a
// signal. A renewal extends the lease only when acknowledged in time (lease.hpp);
// one refused because the record is no longer ours ends the command at once. At
// end_by the group gets SIGTERM, at the deadline SIGKILL, and the run ends as "lease
// lost" without touching the stream. Otherwise the group is ended (what the command
// left running in it too), the record deleted by its sequence, and the waiters told.
#include "core/lock/hold.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/lock/record.hpp"
#include "log/log.hpp"
#include "protocol/envelope.hpp"
#include "protocol/keys.hpp"

namespace remaphore::core::lock {
namespace asio = boost::asio;
using asio::awaitable;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
namespace js = nats::js;

holder::holder(nats::client& c, store& s, const protocol::config& cfg, const lock_request& req, stop_signal& stop,
               std::vector<std::uint8_t> id, grant g)
    : c_(c),
      store_(s),
      cfg_(cfg),
      req_(req),
      stop_(stop),
      id_(std::move(id)),
      grant_(g),
      seq_(g.seq),
      lease_(lease_times::for_lease(s.lease()), g.sent) {}

std::string holder::record() const {
  record_fields f;
  f.lock = req_.name;
  f.slots = req_.slots;
  f.slot = grant_.slot;
  f.token = grant_.seq;
  f.since_ns = grant_.since_ns;
  return encode_record(*req_.signer, cfg_.destination, id_, f);
}

awaitable<lock_result> holder::run(const std::string& ticket_subject) {
  lock_result r;
  const command_group::env_list env = {{"REMAPHORE_LOCK", req_.name},
                                       {"REMAPHORE_LOCK_SLOT", std::to_string(grant_.slot)},
                                       {"REMAPHORE_LOCK_TOKEN", std::to_string(grant_.seq)}};
  group_ = command_group::start(co_await asio::this_coro::executor, req_.command, env, r.why, r.exit_code);
  if (!group_) {
    // As a receiver answers: 127 (not found) or 126, as a shell would.
    log::error(r.why);
    r.outcome = lock_outcome::ran;
    co_await release();
    co_return r;
  }
  log::info("lock " + req_.name + ": holding slot " + std::to_string(grant_.slot) + ", token " +
            std::to_string(grant_.seq));
  if (!ticket_subject.empty()) co_await store_.purge_ticket(ticket_subject);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    if (gone_ || lease_.lost(steady::now())) co_return co_await lose();
    timer.expires_at(std::min(lease_.next_renewal(), lease_.end_by()));
    boost::system::error_code ec;
    auto woke = co_await (group_->wait_exit() || timer.async_wait(asio::redirect_error(asio::use_awaitable, ec)) ||
                          stop_.wait());
    if (woke.index() == 1) {
      if (!lease_.lost(steady::now())) co_await renew_once();
      continue;
    }
    const bool stopped = woke.index() == 2;
    // The group ends with its first process: what it left running goes too, before
    // the slot can pass to someone else.
    co_await group_->end(std::min(steady::now() + lease_.times().grace, lease_.deadline()));
    co_await release();
    r.outcome = stopped ? lock_outcome::interrupted : lock_outcome::ran;
    r.exit_code = stopped ? stop_.code() : group_->exit_code();
    co_return r;
  }
}

awaitable<void> holder::renew_once() {
  const auto sent = steady::now();
  auto w = co_await store_.renew(grant_.slot, record(), seq_);
  const auto acked = steady::now();
  switch (w.outcome) {
    case js::write_outcome::stored:
      seq_ = w.seq;
      lease_.sent(sent, !lease_.acknowledged(sent, acked));
      co_return;
    case js::write_outcome::rejected:
      // Not ours at the last sequence we know: an earlier renewal of ours that got no
      // acknowledgement may be there; anything else means the slot is lost.
      if (w.wrong_last_sequence && w.last_seq != 0 && co_await still_ours()) {
        lease_.sent(sent, true);
        co_return;
      }
      if (w.wrong_last_sequence) {
        log::error("lock " + req_.name + ": slot " + std::to_string(grant_.slot) + " is no longer ours");
        gone_ = true;
      } else {
        log::warn("lock " + req_.name + ": renewal refused: " + w.result.reason);
        lease_.sent(sent, true);
      }
      co_return;
    case js::write_outcome::ambiguous:
    case js::write_outcome::not_sent:
      log::debug("lock " + req_.name + ": renewal not confirmed: " + w.result.reason);
      lease_.sent(sent, true);
      co_return;
  }
}

// The slot's last record is one of ours (read in time): go on renewing from it, with
// the lease as it was. A read that fails says nothing: the lease decides then.
awaitable<bool> holder::still_ours() {
  auto m = co_await store_.read_slot(grant_.slot);
  if (m.result.error) co_return true;
  if (!m.found || lease_.lost(steady::now())) co_return false;
  if (read_record(m.data, cfg_).holder != protocol::hex_encode(id_.data(), id_.size())) co_return false;
  seq_ = m.seq;
  co_return true;
}

awaitable<lock_result> holder::lose() {
  log::error("lock " + req_.name + ": the lease of slot " + std::to_string(grant_.slot) +
             " could not be renewed in time: ending the command (SIGTERM, SIGKILL at the lease's end)");
  co_await group_->end(lease_.deadline());
  lock_result r;
  r.outcome = lock_outcome::lease_lost;
  r.exit_code = exit_lease_lost;
  r.why = "lease of lock " + req_.name + " lost";
  co_return r;
}

awaitable<void> holder::release() {
  // Only within the lease: after it, a record of ours may be one that replaced a
  // newcomer's (acquire.cpp, point 3), and deleting it would let a third in.
  if (lease_.lost(steady::now())) {
    log::warn("lock " + req_.name + ": slot " + std::to_string(grant_.slot) +
              " not released (the command took past the lease to end): it is free again when its lease ends");
    co_return;
  }
  auto [removed, listed] = co_await (store_.remove(seq_) && store_.list());
  if (removed.gone && !lease_.lost(steady::now())) {
    // A renewal of ours with no acknowledgement may have been stored after seq_.
    auto m = co_await store_.read_slot(grant_.slot);
    if (m.found && !lease_.lost(steady::now()) &&
        read_record(m.data, cfg_).holder == protocol::hex_encode(id_.data(), id_.size()))
      removed = co_await store_.remove(m.seq);
  }
  if (removed.result.error) {
    log::warn("lock " + req_.name + ": cannot release slot " + std::to_string(grant_.slot) + " (" +
              removed.result.reason + "): it is free again when its lease ends");
    co_return;
  }
  if (!listed.result.error) co_await tell_waiters(listed.listing);
}

awaitable<void> holder::tell_waiters(const listing& l) {
  listing after = l;
  std::erase(after.held, grant_.slot);  // listed before or after the delete was applied
  auto free = free_slots(after, req_.slots);
  if (after.waiting.empty() || free.empty()) co_return;
  store_.notify(note{free, first_waiters(after, free.size(), nullptr), after.waiting.size()});
  co_await c_.flush(store_.api_timeout());
}

}  // namespace remaphore::core::lock
