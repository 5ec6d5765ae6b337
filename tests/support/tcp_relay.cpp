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

void tcp_relay::cut() {
  ssize_t rc = ::write(wake_[1], &wake_cut, 1);
  (void)rc;
}

void tcp_relay::run() {
  for (;;) {
    std::vector<pollfd> fds = {{wake_[0], POLLIN, 0}, {listener_, POLLIN, 0}};
    for (const auto& [client, server] : pairs_) {
      fds.push_back({client, POLLIN, 0});
      fds.push_back({server, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) continue;
    if (fds[0].revents) {
      char what = 0;
      ssize_t rc = ::read(wake_[0], &what, 1);
      (void)rc;
      close_all();
      if (what == wake_stop) return;
      continue;
    }
    // Only the pairs that were polled: one accepted now waits for the next poll.
    const std::size_t polled = pairs_.size();
    if (fds[1].revents) accept_one();
    std::vector<std::pair<int, int>> open(pairs_.begin() + static_cast<std::ptrdiff_t>(polled), pairs_.end());
    for (std::size_t i = 0; i < polled; ++i) {
      const auto [client, server] = pairs_[i];
      bool ok = true;
      if (fds[2 + 2 * i].revents) ok = forward(client, server);
      if (ok && fds[3 + 2 * i].revents) ok = forward(server, client);
      if (ok) {
        open.emplace_back(client, server);
      } else {
        ::close(client);
        ::close(server);
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
  pairs_.emplace_back(client, server);
  ++accepted_;
}

bool tcp_relay::forward(int from, int to) {
  char buf[65536];
  ssize_t n = ::recv(from, buf, sizeof buf, 0);
  return n > 0 && write_all(to, buf, static_cast<std::size_t>(n));
}

void tcp_relay::close_all() {
  for (const auto& [client, server] : pairs_) {
    ::close(client);
    ::close(server);
  }
  pairs_.clear();
}

}  // namespace remaphore::test
