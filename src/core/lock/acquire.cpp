// Taking a slot of a fleet-wide lock on JetStream, safely on nats-server 2.9.10
// clustered, and fairly.
//
// The stream (REMAPHORE-LOCK) keeps one message per subject (max_msgs_per_subject 1)
// for max_age = the lease. Slot i of lock NAME is held exactly while its subject
// <root>.lock.NAME.slot.i holds a record.
//
// Why this is safe on 2.9.10 clustered. There, the check of
// Nats-Expected-Last-Subject-Sequence for a value > 0 is made on the leader before the
// write is proposed, outside Raft: two writes with the same expected value can both
// pass it and both be stored (nats-server #4320, fixed in 2.9.21). Only the value 0
// ("create if absent") is checked where each replica applies the write, in log order.
// So:
//  1. A slot is taken only by create-if-absent (expected 0) on its own subject: of any
//     number of contenders, the log admits one while a record is there.
//  2. Only the holder writes with a value > 0 on its subject (its renewals, expecting
//     its own last sequence), one write at a time: no two writers ever race with the
//     same value, so the pre-check race cannot happen between hosts.
//  3. A renewal cannot revive a slot another host took. Another host's create is
//     applied only once the subject is empty, i.e. after the holder's last record
//     expired, which is after the holder's deadline (below). A renewal the leader
//     checked while that record was there but applied after such a create would be
//     acknowledged after the deadline - and an acknowledgement after the holder has
//     begun to end its command extends nothing (lease.hpp). At worst such a late
//     renewal replaces the newcomer's record: the newcomer's next renewal then fails
//     and it ends its command, and the late record still keeps anyone else out until
//     after the newcomer's own deadline. Sequences are never reused, so a renewal
//     expecting a sequence that is gone is refused.
//  4. A release deletes the holder's own record by its sequence (MSG.DELETE), never a
//     purge of the subject: a successor's record has another sequence and stays. After
//     its lease a holder deletes nothing: an expired holder's record goes by max_age only.
//  5. The holder judges its lease on its own monotonic clock from the send time of its
//     last write acknowledged in time, and has ended its command's process group by
//     lease - margin (SIGTERM, SIGKILL after a grace): every replica keeps the record
//     at least a lease after it was stored, minus the skew of its clock, which the
//     margin covers (nats-server #3653).
//  6. A write with no acknowledgement in time counts as possibly stored: it never
//     extends what the holder believes, and since every record expires max_age after
//     it was stored, it never keeps a slot longer than a lease. A create that may have
//     been stored is looked up (resolve): ours and young enough, it is taken as the
//     grant; ours and too old, it is deleted (a create cannot have replaced anyone).
//  7. The fencing token is the stream sequence of the create that granted the slot:
//     every write to the stream takes a larger one, so each grant of the lock gets a
//     larger token than every grant before it.
//
// Fairness, and no herd. A contender that finds a free slot and nobody waiting takes
// it. Otherwise it writes a ticket, <root>.lock.NAME.wait.<slots>.<hex time>.<hex id>
// (its own subject, renewed, expiring like a record): tickets in order of their time
// form the queue, and only the first k waiters try for k free slots. A release deletes
// the record, lists the lock and publishes on <root>.lock.NAME.free (plain NATS, not
// stored) which slots are free and which waiters should take them; those try at once,
// the rest stay quiet. Expiries make no sound (no event before 2.11, nats-server #4640),
// so waiters also list the lock now and then, at jittered intervals that grow with the
// queue (the whole queue polls about four times a second): a waiter that finds a slot
// free and others first publishes the same hint. A waiter that was told to go and did
// not (dead, stuck) is passed over by the others for a while.
//
// SLOTS must agree: tickets carry their count in the subject, records in the payload;
// a contender checks the lock when it starts and once more after taking a slot (two
// that disagree cannot both miss each other), and gives the slot back with an error.
#include "core/lock/acquire.hpp"

#include <algorithm>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

#include "core/lock/record.hpp"
#include "log/log.hpp"
#include "protocol/envelope.hpp"
#include "protocol/keys.hpp"
#include "protocol/subjects.hpp"

namespace remaphore::core::lock {
namespace asio = boost::asio;
using asio::awaitable;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
namespace js = nats::js;

namespace {

constexpr auto pass_over_after = 1s;  // a waiter told to go that has not gone by then

std::string hex_u64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

double jitter() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.5, 1.5)(rng);
}

lock_result result_of(lock_outcome o, std::string why) {
  lock_result r;
  r.outcome = o;
  r.why = std::move(why);
  return r;
}

}  // namespace

acquirer::acquirer(nats::client& c, store& s, const protocol::config& cfg, const lock_request& req, stop_signal& stop,
                   std::vector<std::uint8_t> holder)
    : c_(c),
      store_(s),
      cfg_(cfg),
      req_(req),
      stop_(stop),
      holder_(std::move(holder)),
      id_(protocol::hex_encode(holder_.data(), holder_.size())),
      times_(lease_times::for_lease(s.lease())) {}

std::string acquirer::record(const std::string& kind, unsigned slot) const {
  record_fields f;
  f.lock = req_.name;
  f.kind = kind;
  f.slots = req_.slots;
  f.slot = slot;
  f.since_ns = protocol::now_unix_ns();
  return encode_record(*req_.signer, cfg_.destination, holder_, f);
}

bool acquirer::should_end() {
  if (ended_) return true;
  if (stop_.requested()) {
    failure_ = result_of(lock_outcome::interrupted, "interrupted while waiting");
    failure_.exit_code = stop_.code();
  } else if (req_.deadline && steady::now() >= *req_.deadline) {
    failure_ = result_of(lock_outcome::not_acquired, "no slot of lock " + req_.name + " before the -t deadline");
  } else {
    return false;
  }
  ended_ = true;
  return true;
}

awaitable<void> acquirer::pause(std::chrono::nanoseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  boost::system::error_code ec;
  co_await (t.async_wait(asio::redirect_error(asio::use_awaitable, ec)) || stop_.wait());
}

bool acquirer::skipped(const std::string& id) const {
  auto it = named_.find(id);
  if (it == named_.end() || id == id_) return false;
  auto age = steady::now() - it->second;
  return age > pass_over_after && age < pass_over_after + store_.lease();
}

std::chrono::nanoseconds acquirer::poll_period() {
  // About four polls a second from the whole queue, at least every half second each:
  // an expired slot is noticed soon, and a thousand waiters cost the server about one
  // message each per second or less.
  auto w = std::max(latest_.waiting.size(), waiting_seen_);
  auto base = std::max<std::chrono::nanoseconds>(500ms, 250ms * static_cast<long>(w));
  return std::chrono::nanoseconds(static_cast<long>(static_cast<double>(base.count()) * jitter()));
}

awaitable<std::optional<std::string>> acquirer::disagreement(const listing& l, std::optional<unsigned> own) {
  if (auto m = find_mismatch(l, req_.slots); m && m->their_slots != 0)
    co_return "lock " + req_.name + " is awaited with " + std::to_string(m->their_slots) + " slots, not " +
        std::to_string(req_.slots) + " (-n): every contender must give the same number";
  for (unsigned slot : l.held) {
    if (own && slot == *own) continue;
    auto m = co_await store_.read_slot(slot);
    if (!m.found) continue;
    auto r = read_record(m.data, cfg_);
    if (r.readable && r.fields.slots != req_.slots)
      co_return "lock " + req_.name + " is held with " + std::to_string(r.fields.slots) + " slots, not " +
          std::to_string(req_.slots) + " (-n) (slot " + std::to_string(slot) + " by " + r.key +
          (r.foreign ? ", " + r.why_foreign : "") + "): every contender must give the same number";
  }
  co_return std::nullopt;
}

awaitable<bool> acquirer::refresh() {
  auto listed = co_await store_.list();
  if (listed.result.error) {
    log::debug("lock " + req_.name + ": cannot list the lock: " + listed.result.reason);
    co_return true;  // a transient failure: the next poll tries again
  }
  latest_ = std::move(listed.listing);
  if (auto m = find_mismatch(latest_, req_.slots); m && m->their_slots != 0) {
    failure_ = result_of(lock_outcome::refused,
                         "lock " + req_.name + " is awaited with " + std::to_string(m->their_slots) + " slots, not " +
                             std::to_string(req_.slots) + " (-n): every contender must give the same number");
    ended_ = true;
    co_return false;
  }
  co_return true;
}

awaitable<acquirer::maybe_grant> acquirer::try_slot(unsigned slot) {
  const auto sent = steady::now();
  auto w = co_await store_.create(slot, record("slot", slot));
  switch (w.outcome) {
    case js::write_outcome::stored: co_return co_await confirm(grant{slot, w.seq, sent, protocol::now_unix_ns()});
    case js::write_outcome::ambiguous: co_return co_await resolve(slot, sent);
    case js::write_outcome::rejected:
      if (!w.wrong_last_sequence) log::warn("lock " + req_.name + ": taking a slot failed: " + w.result.reason);
      co_return std::nullopt;
    case js::write_outcome::not_sent: co_return std::nullopt;
  }
  co_return std::nullopt;
}

// A create with no acknowledgement may have been stored: find out before going on,
// until it would have expired anyway.
awaitable<acquirer::maybe_grant> acquirer::resolve(unsigned slot, steady::time_point sent) {
  const lease_schedule lease(times_, sent);
  while (steady::now() < sent + times_.lease + times_.margin && !stop_.requested()) {
    auto m = co_await store_.read_slot(slot);
    if (m.result.error) {
      co_await pause(100ms);
      continue;
    }
    if (!m.found || read_record(m.data, cfg_).holder != id_) co_return std::nullopt;
    if (steady::now() < lease.end_by() - times_.renew_every)
      co_return co_await confirm(grant{slot, m.seq, sent, protocol::now_unix_ns()});
    co_await store_.remove(m.seq);  // ours, too old to use: a create replaced nobody
    co_return std::nullopt;
  }
  co_return std::nullopt;
}

awaitable<acquirer::maybe_grant> acquirer::confirm(grant g) {
  auto listed = co_await store_.list();
  if (!listed.result.error) {
    if (auto why = co_await disagreement(listed.listing, g.slot)) {
      co_await store_.remove(g.seq);
      failure_ = result_of(lock_outcome::refused, *why);
      ended_ = true;
      co_return std::nullopt;
    }
  }
  co_return g;
}

awaitable<void> acquirer::join() {
  if (ticket_.empty())
    ticket_ = protocol::subjects::lock_ticket(cfg_.subject, req_.name, req_.slots,
                                              hex_u64(static_cast<std::uint64_t>(protocol::now_unix_ns())), id_);
  auto w = co_await store_.put_ticket(ticket_, record("wait", 0));
  if (w.outcome == js::write_outcome::rejected) log::warn("lock " + req_.name + ": cannot queue: " + w.result.reason);
  ticket_due_ = steady::now() + (w.outcome == js::write_outcome::stored ? store_.lease() / 3 : times_.renew_every / 4);
}

awaitable<acquired> acquirer::run() {
  acquired out;
  notes_ = c_.subscribe(protocol::subjects::lock_free(cfg_.subject, req_.name));  // before listing: no hint missed
  auto listed = co_await store_.list();
  if (listed.result.error) {
    out.failure = result_of(lock_outcome::failed, "cannot list lock " + req_.name + ": " + listed.result.reason);
    co_return out;
  }
  latest_ = std::move(listed.listing);
  if (auto why = co_await disagreement(latest_, std::nullopt)) {
    out.failure = result_of(lock_outcome::refused, *why);
    co_return out;
  }
  if (latest_.waiting.empty())
    if (auto free = free_slots(latest_, req_.slots); !free.empty() && !should_end())
      out.granted = co_await try_slot(free.front());
  if (!out.granted && !ended_) {
    co_await join();
    out.granted = co_await wait_turn();
  }
  c_.unsubscribe(notes_);
  out.ticket_subject = ticket_;
  if (!out.granted) out.failure = failure_;
  co_return out;
}

awaitable<acquirer::maybe_grant> acquirer::wait_turn() {
  bool polled = false;
  auto next_poll = steady::now() + poll_period();
  while (!should_end()) {
    auto free = free_slots(latest_, req_.slots);
    auto rank = rank_of(latest_, id_, [this](const std::string& id) { return skipped(id); });
    if (rank && *rank < free.size()) {
      if (auto g = co_await try_slot(free[*rank])) co_return g;
      if (ended_) co_return std::nullopt;
      co_await refresh();
      continue;
    }
    if (!rank && polled) co_await join();  // our ticket is gone (expired, or its write was lost)
    if (polled && !free.empty()) {         // slots free and nobody took them: tell the first waiters
      auto skip = [this](const std::string& id) { return skipped(id); };
      store_.notify(note{free, first_waiters(latest_, free.size(), skip), latest_.waiting.size()});
    }
    polled = false;
    auto now = steady::now();
    auto wake = std::min(next_poll, ticket_due_);
    if (req_.deadline) wake = std::min(wake, *req_.deadline);
    nats::message m;
    auto got = co_await (c_.next_msg(notes_, m, std::max<steady::duration>(wake - now, 0ns)) || stop_.wait());
    if (got.index() == 0 && !std::get<0>(got)) {
      if (auto g = co_await on_note(m)) co_return g;
    } else if (steady::now() >= ticket_due_) {
      co_await join();
    } else if (steady::now() >= next_poll) {
      co_await refresh();
      polled = true;
      next_poll = steady::now() + poll_period();
    }
  }
  co_return std::nullopt;
}

awaitable<acquirer::maybe_grant> acquirer::on_note(const nats::message& m) {
  auto n = decode_note(m.payload);
  if (!n) co_return std::nullopt;
  waiting_seen_ = n->waiting;
  const auto now = steady::now();
  for (const auto& id : n->next) named_[id] = now;
  auto me = std::find(n->next.begin(), n->next.end(), id_);
  if (me == n->next.end()) co_return std::nullopt;
  auto at = static_cast<std::size_t>(me - n->next.begin());
  if (at < n->free.size() && n->free[at] < req_.slots)
    if (auto g = co_await try_slot(n->free[at])) co_return g;
  if (!ended_) co_await refresh();
  co_return std::nullopt;
}

}  // namespace remaphore::core::lock
