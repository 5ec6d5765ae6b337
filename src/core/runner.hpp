// Runs a receiver's command: never through a shell, in its own process group, with
// stdout and stderr captured together up to a bound. When the awaiting coroutine is
// cancelled (remaphore's own timeout, a signal) the whole process group is
// terminated (SIGTERM, then SIGKILL after a grace period) and reaped: no zombies,
// nothing left behind.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace remaphore::core {

struct command_result {
  bool started = false;
  std::string error;       // why it could not start
  int exit_code = 0;       // exit status, or 128 + signal
  int term_signal = 0;     // the signal that ended it, 0 if it exited
  std::string output;      // stdout and stderr interleaved, at most max_output bytes
  bool truncated = false;  // output went over max_output
};

struct command_spec {
  std::vector<std::string> argv;                            // argv[0] is looked up in PATH
  std::vector<std::pair<std::string, std::string>> env;     // added to (or replacing) ours
  std::size_t max_output = 64 * 1024;
  std::chrono::milliseconds kill_grace = std::chrono::milliseconds(2000);
};

boost::asio::awaitable<command_result> run_command(command_spec spec);

}  // namespace remaphore::core
