#include "core/lock/command_group.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace remaphore::core::lock {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// /proc/PID/stat is "pid (comm) state ppid pgrp ..."; comm may hold spaces and ')'.
bool runs_in_group(const std::filesystem::path& stat_file, pid_t group) {
  std::ifstream in(stat_file);
  std::string line;
  if (!std::getline(in, line)) return false;
  const auto comm_end = line.rfind(')');
  if (comm_end == std::string::npos) return false;
  std::istringstream rest(line.substr(comm_end + 1));
  char state = 0;
  long ppid = 0, pgrp = 0;
  rest >> state >> ppid >> pgrp;
  return rest && pgrp == group && state != 'Z' && state != 'X';
}

// In the child, between fork and exec: only async-signal-safe calls. The parent's
// death kills it; its own group; default signals; errno back through `report` when
// exec fails.
[[noreturn]] void exec_child(pid_t parent, char** argv, char** envp, int report) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  ::setpgid(0, 0);
  if (::isatty(0)) {
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
  }
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  environ = envp;
  ::execvp(argv[0], argv);
  int err = errno;
  ssize_t rc = ::write(report, &err, sizeof err);
  (void)rc;
  ::_exit(127);
}

}  // namespace

std::unique_ptr<command_group> command_group::start(asio::any_io_executor ex, const std::vector<std::string>& argv,
                                                    const env_list& env, std::string& error, int& exit_code) {
  std::vector<std::string> args(argv), env_strings = child_environment(env);
  std::vector<char*> cargv, cenv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  for (auto& e : env_strings) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    exit_code = 126;
    return nullptr;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(parent, cargv.data(), cenv.data(), report[1]);
  ::close(report[1]);
  int err = pid < 0 ? errno : 0;
  if (pid > 0) {
    ::setpgid(pid, pid);  // also here: no race with a signal to the group before the child ran
    ssize_t n = 0;
    while ((n = ::read(report[0], &err, sizeof err)) < 0 && errno == EINTR) {
    }
    if (n != sizeof err) err = 0;
  }
  ::close(report[0]);
  if (err != 0) {
    if (pid > 0) ::waitpid(pid, nullptr, 0);
    error = "cannot run '" + argv[0] + "': " + std::strerror(err);
    exit_code = err == ENOENT ? 127 : 126;
    return nullptr;
  }
  // pidfd_open through syscall(): glibc 2.36 declares it without C linkage.
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    error = std::string("pidfd_open: ") + std::strerror(errno);
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    exit_code = 126;
    return nullptr;
  }
  return std::unique_ptr<command_group>(new command_group(std::move(ex), pid, pidfd));
}

command_group::command_group(asio::any_io_executor ex, pid_t pid, int pidfd) : pid_(pid), exit_watch_(ex, pidfd) {}

command_group::~command_group() {
  ::kill(-pid_, SIGKILL);
  if (!status_) ::waitpid(pid_, nullptr, 0);
}

int command_group::exit_code() const {
  if (!status_) return -1;
  if (WIFEXITED(*status_)) return WEXITSTATUS(*status_);
  if (WIFSIGNALED(*status_)) return 128 + WTERMSIG(*status_);
  return -1;
}

asio::awaitable<void> command_group::wait_exit() {
  if (status_) co_return;
  boost::system::error_code ec;
  co_await exit_watch_.async_wait(asio::posix::stream_descriptor::wait_read,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) throw boost::system::system_error(ec);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = status;
}

// A member that has exited but is not yet reaped (a zombie, reparented to an init that
// reaps late) still answers kill(); only members that can still run count.
bool command_group::group_alive() const {
  if (::kill(-pid_, 0) != 0) return false;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec))
    if (runs_in_group(entry.path() / "stat", pid_)) return true;
  return ec ? true : false;
}

asio::awaitable<void> command_group::wait_group_gone(std::chrono::steady_clock::time_point until) {
  // The first process is awaited on its pidfd; the rest of the group (reparented
  // away from us) only by asking the kernel whether any member is left.
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (std::chrono::steady_clock::now() < until) {
    if (!status_) {
      using namespace asio::experimental::awaitable_operators;
      boost::system::error_code ignored;
      timer.expires_at(until);
      co_await (wait_exit() || timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored)));
      continue;
    }
    if (!group_alive()) co_return;
    timer.expires_after(10ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

asio::awaitable<void> command_group::end(std::chrono::steady_clock::time_point kill_at) {
  if (status_ && !group_alive()) co_return;
  ::kill(-pid_, SIGTERM);
  co_await wait_group_gone(kill_at);
  if (!status_ || group_alive()) {
    ::kill(-pid_, SIGKILL);
    co_await wait_group_gone(std::chrono::steady_clock::now() + 5s);
  }
}

}  // namespace remaphore::core::lock
