// A real nats-server for tests: started on a 127.0.0.1 port it chooses, in a temp dir,
// polled (bounded) until it accepts connections, killed and reaped on destruction.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace remaphore::test {

// A port nobody listens on right now (bind to port 0, read it, close).
int free_port();

// A port below the kernel's ephemeral range that nobody listens on right now: for a
// server that is killed and started again, as a port the kernel hands out may be taken
// by another test's server or connection in between.
int fixed_port();

// A fresh directory under /tmp, removed with its content on destruction.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes a file (mode 0600) and returns its path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

class nats_server {
 public:
  // `config`: nats-server config text (may be empty). "{{PORT}}" in it is replaced.
  // `port` 0: the server chooses a free port itself (-p -1).
  // `extra_args`: more command line arguments (e.g. "-js").
  explicit nats_server(std::string config = {}, std::vector<std::string> extra_args = {}, int port = 0);
  ~nats_server();
  nats_server(const nats_server&) = delete;
  nats_server& operator=(const nats_server&) = delete;

  int port() const { return port_; }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_.path(); }

  void kill9();  // SIGKILL and reap: a crash, as far as clients can tell
  void stop();   // SIGTERM, then SIGKILL after a bound
  void start();  // (re)start on the same port with the same config
  bool running() const { return pid_ > 0; }
  void lame_duck();  // SIGUSR2: enter lame duck mode

 private:
  bool wait_ready(std::chrono::milliseconds bound);
  temp_dir dir_;
  std::string config_path_;
  std::vector<std::string> args_;
  std::string log_;
  int port_;  // 0 until a server started with -p -1 has logged its port
  pid_t pid_ = -1;
};

// Polls `cond` every 10 ms until it is true or `bound` passes. Returns its last value.
template <class F>
bool wait_until(F cond, std::chrono::milliseconds bound) {
  auto end = std::chrono::steady_clock::now() + bound;
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    struct timespec ts {
      0, 10'000'000
    };
    nanosleep(&ts, nullptr);
  }
}

}  // namespace remaphore::test
