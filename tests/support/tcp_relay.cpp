#include "support/tcp_relay.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>

namespace remaphore::test {
namespace {

constexpr char wake_cut = 'c';
constexpr char wake_stop = 's';
constexpr char wake_freeze = 'f';
constexpr char wake_freeze_replies = 'r';
constexpr char wake_thaw = 't';

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  return addr;
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

tcp_relay::tcp_relay(int server_port) : server_port_(server_port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  auto addr = loopback(0);
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener_, 16) != 0 || ::pipe(wake_) != 0)
    throw std::runtime_error("tcp_relay: cannot listen");
  socklen_t len = sizeof addr;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

tcp_relay::~tcp_relay() {
  ssize_t rc = ::write(wake_[1], &wake_stop, 1);
  (void)rc;
  thread_.join();
  ::close(listener_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void tcp_relay::command(char what) {
  ssize_t rc = ::write(wake_[1], &what, 1);
  (void)rc;
}

void tcp_relay::cut() { command(wake_cut); }
void tcp_relay::freeze() { command(wake_freeze); }
void tcp_relay::freeze_replies() { command(wake_freeze_replies); }
void tcp_relay::thaw() { command(wake_thaw); }

void tcp_relay::freeze_replies_after(const std::string& marker) {
  std::lock_guard lock(marker_mutex_);
  marker_ = marker;
}

bool tcp_relay::take_marker(const std::string& sent) {
  std::lock_guard lock(marker_mutex_);
  if (marker_.empty() || sent.find(marker_) == std::string::npos) return false;
  marker_.clear();
  return true;
}

void tcp_relay::run() {
  for (;;) {
    std::vector<pollfd> fds = {{wake_[0], POLLIN, 0}, {listener_, POLLIN, 0}};
    for (const auto& p : pairs_) {
      fds.push_back({p.client, static_cast<short>(p.client_frozen ? 0 : POLLIN), 0});
      fds.push_back({p.server, static_cast<short>(p.server_frozen ? 0 : POLLIN), 0});
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) continue;
    if (fds[0].revents) {
      char what = 0;
      ssize_t rc = ::read(wake_[0], &what, 1);
      (void)rc;
      for (auto& p : pairs_) {
        if (what == wake_freeze || what == wake_thaw) p.client_frozen = what == wake_freeze;
        if (what == wake_freeze || what == wake_freeze_replies || what == wake_thaw)
          p.server_frozen = what != wake_thaw;
      }
      if (what == wake_cut || what == wake_stop) close_all();
      if (what == wake_stop) return;
      continue;
    }
    // Only the pairs that were polled: one accepted now waits for the next poll.
    const std::size_t polled = pairs_.size();
    if (fds[1].revents) accept_one();
    std::vector<pair> open(pairs_.begin() + static_cast<std::ptrdiff_t>(polled), pairs_.end());
    for (std::size_t i = 0; i < polled; ++i) {
      auto p = pairs_[i];
      bool ok = true;
      const auto in_client = fds[2 + 2 * i].revents, in_server = fds[3 + 2 * i].revents;
      std::string sent;
      if (in_client) ok = p.client_frozen ? !(in_client & (POLLHUP | POLLERR)) : forward(p.client, p.server, &sent);
      if (ok && !sent.empty() && take_marker(sent)) p.server_frozen = true;
      if (ok && in_server) ok = p.server_frozen ? !(in_server & (POLLHUP | POLLERR)) : forward(p.server, p.client);
      if (ok) {
        open.push_back(p);
      } else {
        ::close(p.client);
        ::close(p.server);
      }
    }
    pairs_ = std::move(open);
  }
}

void tcp_relay::accept_one() {
  int client = ::accept(listener_, nullptr, nullptr);
  if (client < 0) return;
  int server = ::socket(AF_INET, SOCK_STREAM, 0);
  auto addr = loopback(server_port_);
  if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(client);
    if (server >= 0) ::close(server);
    return;
  }
  pairs_.push_back({client, server});
  ++accepted_;
}

bool tcp_relay::forward(int from, int to, std::string* sent) {
  char buf[65536];
  ssize_t n = ::recv(from, buf, sizeof buf, 0);
  if (n > 0 && sent) sent->append(buf, static_cast<std::size_t>(n));
  return n > 0 && write_all(to, buf, static_cast<std::size_t>(n));
}

void tcp_relay::close_all() {
  for (const auto& p : pairs_) {
    ::close(p.client);
    ::close(p.server);
  }
  pairs_.clear();
}

}  // namespace remaphore::test
