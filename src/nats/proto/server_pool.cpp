#include "nats/proto/server_pool.hpp"

#include <sys/random.h>

#include <algorithm>
#include <random>

#include "nats/proto/error.hpp"

namespace remaphore::nats {

std::uint64_t random_seed() {
  std::uint64_t seed = 0;
  if (::getrandom(&seed, sizeof seed, GRND_NONBLOCK) == static_cast<ssize_t>(sizeof seed)) return seed;
  return std::random_device{}();  // early in boot, before the kernel's pool is ready
}

server_pool::server_pool(pool_settings settings, random_source random)
    : settings_(settings), random_(std::move(random)) {
  if (!random_) random_ = [engine = std::mt19937_64(random_seed())]() mutable { return engine(); };
}

bool server_pool::add(std::string_view url) {
  std::error_code ec;
  auto parsed = parse_server_url(url, ec);
  if (ec) return false;
  servers_.push_back({std::move(parsed), {}});
  return true;
}

std::vector<std::string> server_pool::add_discovered(const std::vector<std::string>& announced, transport_kind kind) {
  std::vector<std::string> added;
  if (settings_.ignore_discovered) return added;
  for (const auto& text : announced) {
    std::error_code ec;
    auto url = parse_server_url(text, ec);
    if (ec) continue;
    url.kind = kind;  // announced as host:port; reached the way we reach its peer
    bool known = std::any_of(servers_.begin(), servers_.end(),
                             [&](const entry& e) { return e.url.host == url.host && e.url.port == url.port; });
    if (known) continue;
    url.discovered = true;
    added.push_back(url.text());
    servers_.push_back({std::move(url), {}});
  }
  return added;
}

std::uint64_t server_pool::uniform(std::uint64_t max) {
  std::uint64_t r = random_();
  return max == UINT64_MAX ? r : r % (max + 1);  // the bias is far below what jitter needs
}

std::vector<std::size_t> server_pool::round_order(std::optional<std::size_t> last) {
  std::vector<std::size_t> order(servers_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (settings_.randomize) {
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[uniform(i - 1)]);
  }
  if (last && *last < order.size() && order.size() > 1) {
    std::stable_partition(order.begin(), order.end(), [&](std::size_t i) { return i != *last; });
  }
  return order;
}

std::chrono::milliseconds server_pool::backoff(int failed_rounds) {
  auto wait = settings_.reconnect_wait * (1LL << std::clamp(failed_rounds, 0, 16));
  if (wait > settings_.reconnect_wait_max) wait = settings_.reconnect_wait_max;
  auto jitter = std::max<std::int64_t>(0, settings_.reconnect_jitter.count());
  return wait + std::chrono::milliseconds(uniform(static_cast<std::uint64_t>(jitter)));
}

std::chrono::milliseconds server_pool::spread() {
  auto max = std::max<std::int64_t>(0, settings_.reconnect_spread.count());
  return std::chrono::milliseconds(uniform(static_cast<std::uint64_t>(max)));
}

bool server_pool::refused_again(std::size_t i, std::string_view reason) {
  bool again = !servers_[i].last_refusal.empty() && servers_[i].last_refusal == reason;
  servers_[i].last_refusal = reason;
  return again;
}

// ---------------------------------------------------------------------------

connect_plan::step connect_plan::wait_until(clock::time_point t) const {
  return {step::wait, 0, std::min(t, settings_.deadline)};
}

connect_plan::step connect_plan::next(clock::time_point now) {
  for (;;) {
    switch (phase_) {
      case phase::start:
        phase_ = phase::new_round;
        if (settings_.first_delay.count() > 0) return wait_until(now + settings_.first_delay);
        break;
      case phase::new_round:
        order_ = pool_.round_order(settings_.lost);
        next_ = 0;
        phase_ = phase::in_round;
        break;
      case phase::in_round:
        if (refused_twice_ || local_fault_ || now >= settings_.deadline) return {step::give_up};
        if (next_ < order_.size()) return {step::try_server, order_[next_++]};
        if (settings_.how == mode::once) return {step::give_up};
        phase_ = phase::new_round;
        return wait_until(now + pool_.backoff(failed_rounds_++));
    }
  }
}

void connect_plan::failed(std::size_t server, std::error_code ec, std::string_view reason) {
  if (ec == errc::auth_failed) {
    if (pool_.refused_again(server, reason) && settings_.how != mode::once) refused_twice_ = true;
    return;
  }
  pool_.clear_refusal(server);
  // Our own credentials file is unusable: every server would fail the same way.
  if ((ec == errc::bad_creds || ec == errc::bad_seed) && settings_.how == mode::once) local_fault_ = true;
}

}  // namespace remaphore::nats
