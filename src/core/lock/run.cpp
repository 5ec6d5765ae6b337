#include "core/lock/run.hpp"

#include "core/lock/acquire.hpp"
#include "core/lock/hold.hpp"
#include "core/lock/store.hpp"
#include "log/log.hpp"
#include "protocol/keys.hpp"

namespace remaphore::core::lock {
namespace asio = boost::asio;

namespace {

// Our ticket goes when we stop waiting, so that a contender that gave up holds
// nothing, not even a place in the queue.
asio::awaitable<void> leave_queue(store& s, const std::string& ticket) {
  if (ticket.empty()) co_return;
  if (auto d = co_await s.purge_ticket(ticket); d.error)
    log::debug("lock " + s.name() + ": cannot remove our ticket (it expires with the lease): " + d.reason);
}

}  // namespace

asio::awaitable<lock_result> run_lock(nats::client& c, const protocol::config& cfg, const lock_request& req,
                                      stop_signal& stop) {
  store s(c, cfg, req.name, req.config_path);
  auto ready = co_await s.ensure();
  if (!ready.ok) {
    lock_result r;
    r.outcome = ready.config_matter ? lock_outcome::refused : lock_outcome::failed;
    r.why = ready.why;
    co_return r;
  }
  // One id per run: it tells our records from everyone else's, ours from an earlier run.
  std::vector<std::uint8_t> id(12);
  protocol::random_bytes(id.data(), id.size());
  acquirer a(c, s, cfg, req, stop, id);
  auto got = co_await a.run();
  if (!got.granted) {
    co_await leave_queue(s, got.ticket_subject);
    co_return got.failure;
  }
  holder h(c, s, cfg, req, stop, id, *got.granted);
  co_return co_await h.run(got.ticket_subject);
}

}  // namespace remaphore::core::lock
