// Runs a receiver's command: never through a shell, in its own process group, with
// stdout and stderr captured together up to a bound (and, when asked, copied whole to
// an output_echo as they arrive). When the awaiting coroutine is cancelled
// (remaphore's own timeout, a signal) the whole process group is terminated:
// SIGTERM, then SIGKILL after a grace period, waited for asynchronously, so the
// event loop goes on serving the connection meanwhile; nothing is left behind.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/child_environment.hpp"

namespace remaphore::core {

class output_echo;

// Exit codes a shell gives for a command it could not run; a reply carries them.
inline constexpr int exit_cannot_execute = 126;
inline constexpr int exit_not_found = 127;

struct command_result {
  bool started = false;
  std::string error;       // why it could not start
  int exit_code = 0;       // exit status, or 128 + signal, or 126/127 when it did not start
  int term_signal = 0;     // the signal that ended it, 0 if it exited
  std::string output;      // stdout and stderr interleaved, at most max_output bytes
  bool truncated = false;  // output went over max_output
};

struct command_spec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  environment_additions env;      // added to (or replacing) ours
  std::size_t max_output = 64 * 1024;
  output_echo* echo = nullptr;  // also gets all the output as it arrives (null: no copy)
  std::chrono::milliseconds kill_grace = std::chrono::milliseconds(2000);
};

boost::asio::awaitable<command_result> run_command(command_spec spec);

}  // namespace remaphore::core
