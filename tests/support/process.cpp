#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace remaphore::test {
namespace {

using clock = std::chrono::steady_clock;

std::vector<std::string> make_env(const env_list& extra) {
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

int ms_left(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

process process::start(std::vector<std::string> argv, const env_list& env) {
  if (argv.empty()) throw std::runtime_error("process::start: empty argv");
  int out_pipe[2], err_pipe[2];
  // Close-on-exec: other children must not inherit our ends, or EOF never comes.
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    throw std::runtime_error("pipe2 failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  // Its own process group (to kill it with everything it started in that group),
  // default signal handling whatever the test runner has set.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  auto env_strings = make_env(env);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, cargv[0], &actions, &attr, cargv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw std::runtime_error("cannot start '" + argv[0] + "': " + std::strerror(rc));
  }
  process p;
  p.pid_ = pid;
  p.out_fd_ = out_pipe[0];
  p.err_fd_ = err_pipe[0];
  ::fcntl(p.out_fd_, F_SETFL, O_NONBLOCK);
  ::fcntl(p.err_fd_, F_SETFL, O_NONBLOCK);
  return p;
}

process::process(process&& o) noexcept { *this = std::move(o); }

process& process::operator=(process&& o) noexcept {
  if (this != &o) {
    std::swap(pid_, o.pid_);
    std::swap(out_fd_, o.out_fd_);
    std::swap(err_fd_, o.err_fd_);
    std::swap(exited_, o.exited_);
    std::swap(status_, o.status_);
    std::swap(out_, o.out_);
    std::swap(err_, o.err_);
  }
  return *this;
}

process::~process() {
  if (pid_ > 0 && !exited_) {
    // Politely first, so a receiver can end the commands it runs (they live in
    // process groups of their own); then the whole group, for good.
    ::kill(pid_, SIGTERM);
    auto deadline = clock::now() + std::chrono::seconds(3);
    while (!reap(false) && clock::now() < deadline) pump(10);
    if (!exited_) kill_group();
  }
  close_pipes();
}

void process::close_pipes() {
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
  out_fd_ = err_fd_ = -1;
}

void process::pump(int ms) {
  pollfd fds[2];
  nfds_t n = 0;
  if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
  if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
  if (n == 0) {
    if (ms > 0) {
      struct timespec ts {
        0, static_cast<long>(std::min(ms, 10)) * 1'000'000L
      };
      ::nanosleep(&ts, nullptr);
    }
    return;
  }
  int rc = ::poll(fds, n, ms);
  if (rc <= 0) return;
  auto drain = [](int& fd, std::string& to) {
    char buf[65536];
    for (;;) {
      ssize_t got = ::read(fd, buf, sizeof buf);
      if (got > 0) {
        to.append(buf, static_cast<std::size_t>(got));
        continue;
      }
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      ::close(fd);  // EOF or a real error: nothing more will come
      fd = -1;
      return;
    }
  };
  if (out_fd_ >= 0) drain(out_fd_, out_);
  if (err_fd_ >= 0) drain(err_fd_, err_);
}

bool process::reap(bool block) {
  if (exited_) return true;
  if (pid_ <= 0) return true;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    exited_ = true;
    status_ = status;
  }
  return exited_;
}

void process::kill_group() {
  if (pid_ <= 0 || exited_) return;
  ::kill(-pid_, SIGKILL);
  reap(true);
}

bool process::running() {
  pump(0);
  return !reap(false);
}

void process::signal(int sig) {
  if (pid_ > 0 && !exited_) ::kill(pid_, sig);
}

bool process::wait_stderr(const std::string& needle, std::chrono::milliseconds bound) {
  return wait_stderr_count(needle, 1, bound);
}

bool process::wait_stderr_count(const std::string& needle, std::size_t n, std::chrono::milliseconds bound) {
  auto deadline = clock::now() + bound;
  for (;;) {
    if (count_of(err_, needle) >= n) return true;
    if (reap(false) && err_fd_ < 0) return false;  // gone, and all its output read
    if (clock::now() >= deadline) return false;
    pump(std::min(ms_left(deadline), 10));
  }
}

bool process::wait_stdout(const std::string& needle, std::chrono::milliseconds bound) {
  auto deadline = clock::now() + bound;
  for (;;) {
    if (out_.find(needle) != std::string::npos) return true;
    if (reap(false) && out_fd_ < 0) return false;  // gone, and all its output read
    if (clock::now() >= deadline) return false;
    pump(std::min(ms_left(deadline), 10));
  }
}

process_result process::wait(std::chrono::milliseconds bound) {
  process_result r;
  auto deadline = clock::now() + bound;
  while (!reap(false)) {
    if (clock::now() >= deadline) {
      r.timed_out = true;
      kill_group();
      break;
    }
    pump(std::min(ms_left(deadline), 10));
  }
  // The rest of the output. Whatever still holds a pipe open after the exit (a
  // leftover grandchild) gets a short while, not the whole bound.
  auto drain_deadline = std::min(deadline, clock::now() + std::chrono::seconds(1));
  while ((out_fd_ >= 0 || err_fd_ >= 0) && clock::now() < drain_deadline) pump(std::min(ms_left(drain_deadline), 10));
  pump(0);
  if (WIFEXITED(status_)) {
    r.exit_code = WEXITSTATUS(status_);
  } else if (WIFSIGNALED(status_)) {
    r.term_signal = WTERMSIG(status_);
  }
  r.out = out_;
  r.err = err_;
  return r;
}

process_result run(std::vector<std::string> argv, std::chrono::milliseconds bound, const env_list& env) {
  return process::start(std::move(argv), env).wait(bound);
}

bool process_gone(pid_t pid) {
  if (pid <= 0) return true;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  // A zombie (exited, not yet reaped by whoever inherited it) runs nothing.
  auto st = read_proc_stat(pid);
  return !st || st->state == 'Z' || st->state == 'X';
}

std::optional<proc_stat> read_proc_stat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
  auto paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return std::nullopt;
  std::istringstream rest(stat.substr(paren + 2));
  proc_stat st;
  if (!(rest >> st.state >> st.ppid >> st.pgrp)) return std::nullopt;
  return st;
}

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + needle.size()))
    ++n;
  return n;
}

}  // namespace remaphore::test
