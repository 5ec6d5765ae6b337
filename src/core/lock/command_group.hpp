// The locked command, in a process group of its own: started with our stdout and
// stderr (and stdin, unless it is a terminal, which a background group could not read
// without being stopped), watched through a pidfd, and ended as a whole. The lock
// covers the group, not just its first process: it is released only once nothing in
// the group runs, and a lost lease ends the whole group.
//
// This is not core/runner: a receiver's runner captures the output for a reply and
// ends the group when its coroutine is cancelled; a lock's command writes where
// remaphore writes, and is ended on a schedule (the lease's end_by and deadline).
//
// If remaphore itself is killed with SIGKILL, the kernel sends the command's first
// process SIGKILL too (PR_SET_PDEATHSIG); what that process started is left to it.
#pragma once
#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/child_environment.hpp"

namespace remaphore::core::lock {

class command_group {
 public:
  using env_list = environment_additions;
  // Starts argv (argv[0] from PATH) with `env` added. On failure: nullptr, `error`
  // says why and `exit_code` is 127 (not found) or 126.
  static std::unique_ptr<command_group> start(boost::asio::any_io_executor ex, const std::vector<std::string>& argv,
                                              const env_list& env, std::string& error, int& exit_code);
  ~command_group();  // SIGKILL to whatever of the group still runs
  command_group(const command_group&) = delete;
  command_group& operator=(const command_group&) = delete;

  pid_t pgid() const { return pid_; }
  bool exited() const { return status_.has_value(); }
  // The first process's exit code (128 + signal when a signal ended it).
  int exit_code() const;

  // Completes when the first process has exited (and reaps it).
  boost::asio::awaitable<void> wait_exit();
  // Ends what still runs of the group: SIGTERM, then SIGKILL at `kill_at` (or once
  // the first process exited, whatever is left after `grace`); returns once nothing
  // in the group runs (bounded: a process that SIGKILL cannot end is left).
  boost::asio::awaitable<void> end(std::chrono::steady_clock::time_point kill_at);
  // Any process left in the group after the first one exited.
  bool group_alive() const;

 private:
  command_group(boost::asio::any_io_executor ex, pid_t pid, int pidfd);
  boost::asio::awaitable<void> wait_group_gone(std::chrono::steady_clock::time_point until);
  pid_t pid_;
  boost::asio::posix::stream_descriptor exit_watch_;
  std::optional<int> status_;
};

}  // namespace remaphore::core::lock
