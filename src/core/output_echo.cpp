#include "core/output_echo.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "core/wait.hpp"

namespace remaphore::core {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// A pipe that poll() calls writable takes PIPE_BUF bytes without blocking.
constexpr std::size_t piece = PIPE_BUF;

}  // namespace

output_echo::output_echo(asio::any_io_executor ex, int fd, std::size_t bound)
    : fd_(fd), bound_(bound), data_wake_(ex), room_wake_(ex), retry_(ex) {}

void output_echo::append(std::string_view bytes) {
  if (fd_ < 0 || bytes.empty()) return;
  if (offset_ > 0 && offset_ >= buffer_.size() / 2) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(bytes);
  data_wake_.cancel();
}

asio::awaitable<void> output_echo::room() {
  while (queued() > bound_) {
    const auto w = co_await park(room_wake_);
    if (w == woken::to_stop) co_return;
  }
}

bool output_echo::write_some() {
  pollfd p{fd_, POLLOUT, 0};
  if (::poll(&p, 1, 0) != 1) return false;
  if (p.revents & (POLLERR | POLLNVAL)) {
    buffer_.clear();  // nobody can read it any more
    offset_ = 0;
    return true;
  }
  ssize_t n = ::write(fd_, buffer_.data() + offset_, std::min(piece, queued()));
  if (n < 0) return errno == EINTR;
  offset_ += static_cast<std::size_t>(n);
  if (queued() <= bound_) room_wake_.cancel();
  return true;
}

asio::awaitable<void> output_echo::run() {
  for (;;) {
    // Nothing queued: park until append(); stdout full: look again shortly.
    auto until = queued() == 0 ? asio::steady_timer::time_point::max() : std::chrono::steady_clock::now() + 10ms;
    const auto woke = co_await park(queued() == 0 ? data_wake_ : retry_, until);
    if (woke == woken::to_stop) co_return;
    while (queued() > 0 && write_some()) {
    }
  }
}

// Piece by piece when poll() says stdout takes one, so that a stdout that takes
// nothing (a reader that stopped) holds us until `until` at most.
std::size_t output_echo::flush(std::chrono::steady_clock::time_point until) {
  using clock = std::chrono::steady_clock;
  while (queued() > 0) {
    int wait_ms = -1;
    if (until != clock::time_point::max()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock::now()).count();
      if (left <= 0) break;
      wait_ms = static_cast<int>(std::min<long long>(left, 1'000'000));
    }
    pollfd p{fd_, POLLOUT, 0};
    const int ready = ::poll(&p, 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    const ssize_t n = ::write(fd_, buffer_.data() + offset_, std::min(queued(), piece));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    offset_ += static_cast<std::size_t>(n);
  }
  const auto left_over = queued();
  buffer_.clear();
  offset_ = 0;
  return left_over;
}

}  // namespace remaphore::core
