#include "nats/notifier.hpp"

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace remaphore::nats {
namespace asio = boost::asio;

// One waiting coroutine's timer, registered while it waits. Given back by its
// destructor, so a coroutine destroyed while suspended (its executor gone) leaves no
// stale entry behind; the waiter holds what owns the notifier, which outlives it.
struct notifier_wait {
  notifier& owner;
  std::unique_ptr<asio::steady_timer> timer;

  explicit notifier_wait(notifier& n) : owner(n) {
    if (owner.spare_.empty()) {
      timer = std::make_unique<asio::steady_timer>(owner.ex_);
    } else {
      timer = std::move(owner.spare_.back());
      owner.spare_.pop_back();
    }
    owner.waiting_.push_back(timer.get());
  }
  ~notifier_wait() {
    std::erase(owner.waiting_, timer.get());
    owner.spare_.push_back(std::move(timer));
  }
  notifier_wait(const notifier_wait&) = delete;
  notifier_wait& operator=(const notifier_wait&) = delete;
};

asio::awaitable<void> notifier::wait_until(time_point until) {
  notifier_wait w(*this);
  w.timer->expires_at(until);
  boost::system::error_code woken;  // operation_aborted: notified or cancelled; none: the deadline
  co_await w.timer->async_wait(asio::redirect_error(asio::use_awaitable, woken));
}

void notifier::notify_all() {
  for (auto* t : waiting_) t->cancel();
}

}  // namespace remaphore::nats
