// End-to-end tests of the systemd readiness notification: a real receiver started
// with NOTIFY_SOCKET naming a datagram socket the test has bound (a path, and an
// abstract name) sends READY=1 once it is subscribed, and its commands do not
// inherit NOTIFY_SOCKET.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "cli_support.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace std::chrono_literals;

namespace {

// A bound AF_UNIX datagram socket, the way systemd listens for notifications.
class notify_listener {
 public:
  // `name`: a path, or "@name" for the abstract namespace.
  explicit notify_listener(const std::string& name) : name_(name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(name.size() < sizeof addr.sun_path);
    std::memcpy(addr.sun_path, name.data(), name.size());
    if (name.front() == '@') addr.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    REQUIRE_MESSAGE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), length) == 0, std::strerror(errno));
  }
  ~notify_listener() { ::close(fd_); }
  notify_listener(const notify_listener&) = delete;
  notify_listener& operator=(const notify_listener&) = delete;

  const std::string& name() const { return name_; }

  // A datagram if one is waiting, else empty.
  std::string poll() {
    char buf[4096];
    const auto n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }

 private:
  std::string name_;
  int fd_ = -1;
};

// Starts a receiver with NOTIFY_SOCKET set and checks that its first notification
// is READY=1 and comes after the "ready:" log line. The receiver is returned running.
child expect_ready_after_subscribe(notify_listener& listener, std::vector<std::string> args) {
  auto p = child(process::start(argv_of(std::move(args)), {{"NOTIFY_SOCKET", listener.name()}}));
  std::string datagram;
  const bool got = wait_until(
      [&] {
        datagram = listener.poll();
        return !datagram.empty() || !p.running();
      },
      ready_bound);
  REQUIRE_MESSAGE(got, "no notification; stderr:\n" << p.err());
  REQUIRE_MESSAGE(datagram == "READY=1", "stderr:\n" << p.err());
  // The log line is written before the datagram is sent: it must be in the pipe.
  p.running();
  CHECK_MESSAGE(p.err().find("ready:") != std::string::npos, "READY=1 before subscribing; stderr:\n" << p.err());
  CHECK(listener.poll().empty());
  return p;
}

}  // namespace

TEST_CASE("sd_notify: a receiver sends READY=1 on a socket path once subscribed") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("node.conf", self_config(server.url(), k, "com.example.web.1").text());
  notify_listener listener(dir.file("notify.sock"));
  auto rx = expect_ready_after_subscribe(listener, {"-c", cfg, "-t", "30s"});
  CHECK(rx.running());
}

TEST_CASE("sd_notify: a receiver sends READY=1 on an abstract socket once subscribed") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("node.conf", self_config(server.url(), k, "com.example.web.1").text());
  notify_listener listener("@remaphore-test-" + std::to_string(::getpid()));
  auto rx = expect_ready_after_subscribe(listener, {"-c", cfg, "-t", "30s"});
  CHECK(rx.running());
}

TEST_CASE("sd_notify: the commands a receiver runs do not inherit NOTIFY_SOCKET") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("node.conf", self_config(server.url(), k, "com.example.web.1").text());
  notify_listener listener(dir.file("notify.sock"));
  const auto env_file = dir.file("env");
  auto rx = expect_ready_after_subscribe(listener,
                                         {"-c", cfg, "-o", "-t", "30s", "sh", "-c", "env > '" + env_file + "'", "--"});
  auto sent = run_remaphore({"-c", cfg, "-s", "hello"});
  REQUIRE_MESSAGE(sent.exit_code == 0, sent.err);
  auto r = rx.wait(event_bound);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto env = slurp(env_file);
  CHECK(env_value(env, "REMAPHORE_MSG") == "hello");
  CHECK(env_value(env, "NOTIFY_SOCKET") == "<unset>");
}

TEST_CASE("sd_notify: a receiver without NOTIFY_SOCKET, or with one nobody listens on, still works") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("node.conf", self_config(server.url(), k, "com.example.web.1").text());
  auto p = child(process::start(argv_of({"-c", cfg, "-o", "-t", "30s"}), {{"NOTIFY_SOCKET", dir.file("nobody")}}));
  REQUIRE_MESSAGE(p.wait_stderr("ready:", ready_bound), p.err());
  auto sent = run_remaphore({"-c", cfg, "-s"});
  REQUIRE_MESSAGE(sent.exit_code == 0, sent.err);
  auto r = p.wait(event_bound);
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK_MESSAGE(r.err.find("cannot tell systemd") != std::string::npos, r.err);
}
