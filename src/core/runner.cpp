#include "core/runner.hpp"

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
#include <ctime>

extern char** environ;

namespace remaphore::core {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using namespace asio::experimental::awaitable_operators;

namespace {

// Owns a started child until it is reaped. If the coroutine running the command
// goes away early (cancelled, or its frame destroyed), the destructor terminates
// the child's whole process group and reaps it.
class child_guard {
 public:
  child_guard(pid_t pid, std::chrono::milliseconds grace) : pid_(pid), grace_(grace) {}
  ~child_guard() {
    if (pid_ > 0) terminate_group();
  }
  child_guard(const child_guard&) = delete;
  child_guard& operator=(const child_guard&) = delete;

  // Reaps an exited child; returns the wait status.
  int reap() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

  int terminate_group() {
    ::kill(-pid_, SIGTERM);
    int status = 0;
    auto end = std::chrono::steady_clock::now() + grace_;
    for (;;) {
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_ || (r < 0 && errno != EINTR)) break;
      if (std::chrono::steady_clock::now() >= end) {
        ::kill(-pid_, SIGKILL);
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        break;
      }
      struct timespec ts{0, 10'000'000};
      ::nanosleep(&ts, nullptr);
    }
    // Children of the command that outlived it are in the same group.
    ::kill(-pid_, SIGKILL);
    pid_ = -1;
    return status;
  }

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_;
  std::chrono::milliseconds grace_;
};

void fill_status(command_result& r, int status) {
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.term_signal = WTERMSIG(status);
    r.exit_code = 128 + r.term_signal;
  }
}

std::vector<std::string> make_env(const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    bool replaced = false;
    for (auto& [k, v] : extra)
      if (kv.size() > k.size() && kv.substr(0, k.size()) == k && kv[k.size()] == '=') replaced = true;
    if (!replaced) env.emplace_back(kv);
  }
  for (auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

}  // namespace

awaitable<command_result> run_command(command_spec spec) {
  command_result result;
  if (spec.argv.empty()) {
    result.error = "no command";
    co_return result;
  }
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    co_return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], 2);
  // Its own process group, so a timeout can end the command and everything it started;
  // default signal dispositions and mask, whatever remaphore itself has set.
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
  auto env_strings = make_env(spec.env);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(pipefd[1]);
  if (rc != 0) {
    ::close(pipefd[0]);
    result.error = "cannot run '" + spec.argv[0] + "': " + std::strerror(rc);
    co_return result;
  }
  result.started = true;
  child_guard guard(pid, spec.kill_grace);

  auto ex = co_await asio::this_coro::executor;
  asio::posix::stream_descriptor out(ex, pipefd[0]);
  // pidfd_open through syscall(): glibc 2.36 declares it without C linkage.
  int pfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pfd < 0) {
    // Cannot watch the process: terminate it rather than wait blindly.
    result.error = std::string("pidfd_open: ") + std::strerror(errno);
    fill_status(result, guard.terminate_group());
    co_return result;
  }
  asio::posix::stream_descriptor exit_watch(ex, pfd);

  auto read_output = [&]() -> awaitable<void> {
    char buf[16384];
    for (;;) {
      boost::system::error_code ec;
      std::size_t n = co_await out.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      std::size_t room = spec.max_output - std::min(spec.max_output, result.output.size());
      result.output.append(buf, std::min(n, room));
      if (n > room) result.truncated = true;  // keep reading so the command never blocks on a full pipe
    }
  };
  auto wait_exit = [&]() -> awaitable<void> {
    co_await exit_watch.async_wait(asio::posix::stream_descriptor::wait_read, use_awaitable);
  };

  try {
    // Normally the output ends (EOF) when the command exits. A command whose
    // background children keep the pipe open must not hold us: once it has exited,
    // read what is left for a short while only.
    auto first = co_await (read_output() || wait_exit());
    if (first.index() == 1) {
      asio::steady_timer grace(ex, std::chrono::milliseconds(200));
      co_await (read_output() || grace.async_wait(use_awaitable));
    } else {
      co_await wait_exit();
    }
  } catch (const boost::system::system_error&) {
    // Cancelled: the guard ends the process group when this frame unwinds, but do it
    // now so the result says how it ended.
    fill_status(result, guard.terminate_group());
    throw;
  }
  fill_status(result, guard.reap());
  co_return result;
}

}  // namespace remaphore::core
