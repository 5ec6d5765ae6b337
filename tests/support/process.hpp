// Child processes for end-to-end tests: the real binary, run with extra environment
// variables, stdout and stderr captured separately, every wait bounded.
//
// Flow: process::start() spawns argv in its own process group (stdin /dev/null,
// stdout and stderr on pipes). The test then waits for a line on stderr
// (wait_stderr, e.g. a receiver's "ready:") and finally for the exit (wait). A
// bound that passes kills the whole process group and reaps the child, so a stuck
// binary fails its test instead of hanging it; the destructor does the same.
// run() is start() + wait() for one-shot commands.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace remaphore::test {

using env_list = std::vector<std::pair<std::string, std::string>>;

struct process_result {
  int exit_code = -1;      // the exit status, or -1 when killed by a signal
  int term_signal = 0;     // the signal that ended the process, 0 if it exited
  bool timed_out = false;  // the bound passed: the process group was killed
  std::string out;         // everything written to stdout
  std::string err;         // everything written to stderr
};

class process {
 public:
  // Spawns argv (argv[0] looked up in PATH) with `env` added to (or replacing)
  // ours. Throws std::runtime_error when it cannot be started.
  static process start(std::vector<std::string> argv, const env_list& env = {});

  process(process&& other) noexcept;
  process& operator=(process&& other) noexcept;
  process(const process&) = delete;
  process& operator=(const process&) = delete;
  ~process();  // kills the process group and reaps the child if it still runs

  pid_t pid() const { return pid_; }

  // Reads output until stderr holds `needle` (searched from the start), the
  // process exits, or `bound` passes. True when the text was seen.
  bool wait_stderr(const std::string& needle, std::chrono::milliseconds bound);
  // The same for stdout (e.g. a requester's reply line).
  bool wait_stdout(const std::string& needle, std::chrono::milliseconds bound);
  // The same for the n-th occurrence of `needle` (n >= 1).
  bool wait_stderr_count(const std::string& needle, std::size_t n, std::chrono::milliseconds bound);

  // Collects output without blocking; true while the process is still running.
  bool running();

  // Sends a signal to the process (not its group).
  void signal(int sig);

  // Waits for the exit and the end of its output. When `bound` passes first, kills
  // the process group, reaps, and returns with timed_out set.
  process_result wait(std::chrono::milliseconds bound);

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  process() = default;
  // Polls the pipes for at most `ms` milliseconds and appends what they hold.
  void pump(int ms);
  bool reap(bool block);
  void kill_group();
  void close_pipes();

  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  bool exited_ = false;
  int status_ = 0;
  std::string out_, err_;
};

// Runs argv to completion with a bound (see process::wait).
process_result run(std::vector<std::string> argv, std::chrono::milliseconds bound, const env_list& env = {});

// True when no process `pid` exists any more (a zombie counts as gone: it runs nothing).
bool process_gone(pid_t pid);

// The fields of /proc/<pid>/stat the tests look at; nullopt when there is no such process.
struct proc_stat {
  char state = 0;  // 'R', 'S', 'Z' (zombie), ...
  long ppid = 0;
  long pgrp = 0;
};
std::optional<proc_stat> read_proc_stat(pid_t pid);

// Non-overlapping occurrences of `needle` in `haystack`.
std::size_t count_of(const std::string& haystack, const std::string& needle);

}  // namespace remaphore::test
