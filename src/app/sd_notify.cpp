#include "app/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "log/log.hpp"

namespace remaphore::app {
namespace {

// The address of "/path" or "@abstract" (a leading NUL byte in sun_path), with its
// length: an abstract name is exactly its bytes, without a terminating NUL.
struct unix_address {
  sockaddr_un addr{};
  socklen_t length = 0;
};

std::optional<unix_address> address_of(const std::string& socket) {
  unix_address a;
  a.addr.sun_family = AF_UNIX;
  if (socket.size() < 2 || socket.size() >= sizeof a.addr.sun_path) return std::nullopt;
  if (socket.front() != '/' && socket.front() != '@') return std::nullopt;
  std::memcpy(a.addr.sun_path, socket.data(), socket.size());
  if (socket.front() == '@') a.addr.sun_path[0] = '\0';
  a.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket.size());
  return a;
}

}  // namespace

systemd_notifier systemd_notifier::from_environment() {
  systemd_notifier n;
  if (const char* s = std::getenv("NOTIFY_SOCKET")) n.socket_ = s;
  ::unsetenv("NOTIFY_SOCKET");
  return n;
}

bool systemd_notifier::notify(std::string_view state) const {
  if (!active()) return false;
  const auto address = address_of(socket_);
  if (!address) {
    log::warn("NOTIFY_SOCKET '" + socket_ + "' is not a unix socket path or abstract name: systemd is not told");
    return false;
  }
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    log::warn(std::string("cannot tell systemd the service state: socket: ") + std::strerror(errno));
    return false;
  }
  const auto sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                             reinterpret_cast<const sockaddr*>(&address->addr), address->length);
  const int sent_errno = errno;
  ::close(fd);
  if (sent != static_cast<ssize_t>(state.size())) {
    log::warn("cannot tell systemd the service state on '" + socket_ + "': " + std::strerror(sent_errno));
    return false;
  }
  return true;
}

}  // namespace remaphore::app
