#include "support/nats_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <time.h>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

namespace remaphore::test {

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

}  // namespace

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = loopback(0);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("cannot bind a loopback port");
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

namespace {

// The lowest port the kernel hands out for port 0 (32768 when unreadable).
int ephemeral_low() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 32768;
  in >> low;
  return low;
}

bool can_bind(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr = loopback(port);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int fixed_port() {
  static std::mt19937 pick{std::random_device{}()};
  const int low = 10000;
  const int high = std::max(low + 1000, ephemeral_low()) - 1;
  std::uniform_int_distribution<int> in_range(low, high);
  for (int tries = 0; tries < 1000; ++tries)
    if (const int port = in_range(pick); can_bind(port)) return port;
  throw std::runtime_error("no free loopback port below the ephemeral range");
}

temp_dir::temp_dir() {
  char tmpl[] = "/tmp/remaphore-test-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string temp_dir::write(const std::string& name, const std::string& content) const {
  std::string p = file(name);
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
  }
  std::filesystem::permissions(p, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return p;
}

static bool port_accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr = loopback(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// The client port a server started with -p -1 logs: "Listening for client
// connections on 127.0.0.1:PORT"; 0 until it is there.
static int logged_port(const std::string& log) {
  std::ifstream in(log);
  const std::string marker = "Listening for client connections on ";
  for (std::string line; std::getline(in, line);) {
    auto at = line.find(marker);
    auto colon = line.rfind(':');
    if (at != std::string::npos && colon != std::string::npos && colon > at) return std::atoi(line.c_str() + colon + 1);
  }
  return 0;
}

nats_server::nats_server(std::string config, std::vector<std::string> extra_args, int port)
    : args_(std::move(extra_args)), port_(port) {
  if (!config.empty()) {
    // A config that names its own port needs it before the server starts.
    if (port_ == 0 && config.find("{{PORT}}") != std::string::npos) port_ = free_port();
    for (auto pos = config.find("{{PORT}}"); pos != std::string::npos; pos = config.find("{{PORT}}"))
      config.replace(pos, 8, std::to_string(port_));
    config_path_ = dir_.write("server.conf", config);
  }
  start();
}

nats_server::~nats_server() { stop(); }

void nats_server::start() {
  if (pid_ > 0) return;
  // Port -1: the server picks a free one itself and logs it, so no other process can
  // take it between a probe and the server's bind. A restart keeps the port it got.
  std::vector<std::string> argv = {"nats-server", "-a", "127.0.0.1", "-p", port_ ? std::to_string(port_) : "-1"};
  if (!config_path_.empty()) {
    argv.push_back("-c");
    argv.push_back(config_path_);
  }
  for (auto& a : args_) {
    std::string s = a;
    for (auto pos = s.find("{{DIR}}"); pos != std::string::npos; pos = s.find("{{DIR}}"))
      s.replace(pos, 7, dir_.path());
    argv.push_back(s);
  }
  std::string log = dir_.file("server.log");
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::setpgid(0, 0);
    // A test binary that crashes (a sanitizer abort) runs no destructors: the server
    // must not outlive it and hold its port.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execvp("nats-server", cargv.data());
    ::_exit(127);
  }
  pid_ = pid;
  log_ = log;
  if (!wait_ready(std::chrono::seconds(10))) {
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    stop();
    throw std::runtime_error("nats-server did not start on port " + std::to_string(port_) + ":\n" + text);
  }
}

bool nats_server::wait_ready(std::chrono::milliseconds bound) {
  return wait_until(
             [&] {
               int status = 0;
               if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                 pid_ = -1;
                 return true;  // exited: reported as not ready below
               }
               if (port_ == 0) port_ = logged_port(log_);
               return port_ != 0 && port_accepts(port_);
             },
             bound) &&
         pid_ > 0;
}

void nats_server::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void nats_server::lame_duck() {
  if (pid_ > 0) ::kill(pid_, SIGUSR2);
}

void nats_server::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  bool gone = wait_until([&] { return ::waitpid(pid_, nullptr, WNOHANG) == pid_; }, std::chrono::seconds(5));
  if (!gone) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
}

}  // namespace remaphore::test
