#include "core/output_echo.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

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

void output_echo::flush() {
  while (queued() > 0) {
    ssize_t n = ::write(fd_, buffer_.data() + offset_, queued());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    offset_ += static_cast<std::size_t>(n);
  }
  buffer_.clear();
  offset_ = 0;
}

}  // namespace remaphore::core
