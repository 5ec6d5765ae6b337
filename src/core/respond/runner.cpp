#include "core/respond/runner.hpp"

#include "core/output_echo.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>

namespace remaphore::core {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using namespace asio::experimental::awaitable_operators;

namespace {

// Owns a started child until it is reaped. If the coroutine running the command is
// destroyed without being cancelled (its owner went away), the destructor kills the
// whole process group at once: SIGKILL takes effect immediately, so reaping does not
// block for long.
class child_guard {
 public:
  explicit child_guard(pid_t pid) : pid_(pid) {}
  ~child_guard() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    reap();
  }
  child_guard(const child_guard&) = delete;
  child_guard& operator=(const child_guard&) = delete;

  // Reaps an exited child; returns the wait status. Children of the command that
  // outlived it are in the same group and go with it.
  int reap() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    ::kill(-pid_, SIGKILL);
    pid_ = -1;
    return status;
  }
  void signal_group(int sig) const { ::kill(-pid_, sig); }

 private:
  pid_t pid_;
};

void fill_status(command_result& r, int status) {
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.term_signal = WTERMSIG(status);
    r.exit_code = 128 + r.term_signal;
  }
}

std::string spawn_error(const std::string& program, int err) {
  if (err == E2BIG)
    return "cannot run '" + program +
           "': its arguments or environment are too long (the kernel takes at most 128 KiB per argument, and "
           "the payload is passed as one)";
  return "cannot run '" + program + "': " + std::strerror(err);
}

// An argument or a variable ends at its first NUL: the command would get less than
// was signed, and nothing would say so.
std::string nul_error(const command_spec& spec) {
  for (std::size_t i = 1; i < spec.argv.size(); ++i)
    if (spec.argv[i].find('\0') != std::string::npos)
      return "cannot run '" + spec.argv[0] + "': argument " + std::to_string(i) +
             " holds a NUL byte, which no command can be given (the payload is passed as one argument)";
  for (const auto& [key, value] : spec.env)
    if (value.find('\0') != std::string::npos)
      return "cannot run '" + spec.argv[0] + "': " + key + " would hold a NUL byte, which no command can be given";
  return {};
}

// Starts argv in its own process group with stdin from /dev/null and stdout+stderr
// into out_fd. Returns 0 or the errno of the failure.
int spawn(command_spec& spec, int out_fd, pid_t& pid) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 2);
  // Its own process group, so a timeout can end the command and everything it
  // started; default signal dispositions and mask, whatever remaphore has set.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv;
  for (auto& a : spec.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto env_strings = child_environment(spec.env);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  int rc = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return rc;
}

// Reads the command's output until EOF: all of it to the echo, the first max_output
// bytes into the result. Reading goes on past the bound so that the command never
// blocks on a full pipe.
awaitable<void> read_output(asio::posix::stream_descriptor& out, const command_spec& spec, command_result& r) {
  char buf[16384];
  for (;;) {
    boost::system::error_code ec;
    std::size_t n = co_await out.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    if (spec.echo) {
      spec.echo->append(std::string_view(buf, n));
      co_await spec.echo->room();
    }
    std::size_t room = spec.max_output - std::min(spec.max_output, r.output.size());
    r.output.append(buf, std::min(n, room));
    if (n > room) r.truncated = true;
  }
}

awaitable<void> wait_exit(asio::posix::stream_descriptor& exit_watch) {
  co_await exit_watch.async_wait(asio::posix::stream_descriptor::wait_read, use_awaitable);
}

// SIGTERM to the group, SIGKILL after the grace period; the exit is awaited on the
// pidfd, never polled, so the connection keeps being served meanwhile.
awaitable<int> terminate_group(child_guard& guard, asio::posix::stream_descriptor& exit_watch,
                               std::chrono::milliseconds grace) {
  guard.signal_group(SIGTERM);
  asio::steady_timer timer(co_await asio::this_coro::executor, grace);
  auto first = co_await (wait_exit(exit_watch) || timer.async_wait(use_awaitable));
  if (first.index() == 1) {
    guard.signal_group(SIGKILL);
    co_await wait_exit(exit_watch);
  }
  co_return guard.reap();
}

// Normally the output ends (EOF) when the command exits. A command whose background
// children keep the pipe open must not hold us: once it has exited, read what is
// left for a short while only.
awaitable<void> collect(asio::posix::stream_descriptor& out, asio::posix::stream_descriptor& exit_watch,
                        const command_spec& spec, command_result& r) {
  auto first = co_await (read_output(out, spec, r) || wait_exit(exit_watch));
  if (first.index() == 1) {
    asio::steady_timer grace(co_await asio::this_coro::executor, std::chrono::milliseconds(200));
    co_await (read_output(out, spec, r) || grace.async_wait(use_awaitable));
  } else {
    co_await wait_exit(exit_watch);
  }
}

}  // namespace

awaitable<command_result> run_command(command_spec spec) {
  command_result result;
  if (spec.argv.empty()) {
    result.error = "no command";
    result.exit_code = exit_cannot_execute;
    co_return result;
  }
  if (auto why = nul_error(spec); !why.empty()) {
    result.error = std::move(why);
    result.exit_code = exit_cannot_execute;
    co_return result;
  }
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    result.exit_code = exit_cannot_execute;
    co_return result;
  }
  pid_t pid = -1;
  int rc = spawn(spec, pipefd[1], pid);
  ::close(pipefd[1]);
  if (rc != 0) {
    ::close(pipefd[0]);
    result.error = spawn_error(spec.argv[0], rc);
    result.exit_code = rc == ENOENT ? exit_not_found : exit_cannot_execute;
    co_return result;
  }
  result.started = true;
  child_guard guard(pid);
  auto ex = co_await asio::this_coro::executor;
  asio::posix::stream_descriptor out(ex, pipefd[0]);
  // pidfd_open through syscall(): glibc 2.36 declares it without C linkage.
  int pfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pfd < 0) {
    // The guard kills the group: we cannot watch it. Its end unseen, it never
    // counts as a success.
    result.error = "cannot watch '" + spec.argv[0] + "' (pidfd_open: " + std::strerror(errno) + "): it was ended";
    result.exit_code = exit_cannot_execute;
    co_return result;
  }
  asio::posix::stream_descriptor exit_watch(ex, pfd);
  bool cancelled = false;
  try {
    co_await collect(out, exit_watch, spec, result);
  } catch (const boost::system::system_error&) {
    cancelled = true;
  }
  if (!cancelled) {
    fill_status(result, guard.reap());
    co_return result;
  }
  // Cancelled (a timeout or a signal ends remaphore): end the group before our owner
  // goes on, then let the cancellation continue upwards.
  co_await asio::this_coro::reset_cancellation_state();
  co_await asio::this_coro::throw_if_cancelled(false);
  fill_status(result, co_await terminate_group(guard, exit_watch, spec.kill_grace));
  throw boost::system::system_error(asio::error::operation_aborted);
}

}  // namespace remaphore::core
