// Telling systemd about the service's state (Type=notify units) without libsystemd:
// one datagram with "READY=1" on the socket named by NOTIFY_SOCKET.
#pragma once
#include <string>
#include <string_view>

namespace remaphore::app {

class systemd_notifier {
 public:
  // Takes NOTIFY_SOCKET out of the environment, so that the commands a receiver runs
  // do not inherit it and cannot speak for the service. Inactive when it is unset.
  // Call it before anything else runs threads that read the environment.
  static systemd_notifier from_environment();

  bool active() const { return !socket_.empty(); }

  // Sends `state` (e.g. "READY=1") as one datagram; logs a warning and returns false
  // when it cannot. Does nothing when inactive.
  bool notify(std::string_view state) const;

 private:
  std::string socket_;  // "/path" or "@abstract", as systemd gives it
};

}  // namespace remaphore::app
