// End-to-end tests of a listener's metrics (--metrics, config `metrics:`): the counts
// after real messages, read over HTTP as Prometheus reads them; off by default;
// loopback for a bare port; a bad address is a config or usage error, a port in use
// a runtime error. (tests/packaging/metrics_prometheus.sh has a real Prometheus
// scrape a listener, and promtool check the text.)
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "cli_support.hpp"
#include "support/http_get.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace std::chrono_literals;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("metrics: a listener serves its counts at /metrics in the Prometheus text format") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(2);  // the node, a stranger
  auto cfg = dir.write("c.conf", self_config(server.url(), keys[0], "web.1").text());
  const int port = free_port();
  // The payload is the exit code: `sh -c 'exit $2' sh VERB PAYLOAD`.
  auto rx = start_receiver(
      {"-c", cfg, "--metrics", "127.0.0.1:" + std::to_string(port), "-t", "30s", "sh", "-c", "exit $2", "sh"});
  CHECK(rx.err().find("serving metrics at http://127.0.0.1:" + std::to_string(port) + "/metrics") != std::string::npos);
  CHECK(run_remaphore({"-c", cfg, "-s", "-D", "web.1", "0"}).exit_code == 0);
  CHECK(run_remaphore({"-c", cfg, "-s", "-D", "web.1", "3"}).exit_code == 0);
  auto stranger = dir.write("s.conf", sender_config(server.url(), keys[1]).text());
  CHECK(run_remaphore({"-c", stranger, "-s", "-D", "web.1", "0"}).exit_code == 0);
  REQUIRE(rx.wait_stderr_count("command sh exited with", 2, event_bound));
  REQUIRE(rx.wait_stderr("sender is not a configured peer", event_bound));

  const auto answer = http_get(port, "/metrics");
  INFO("answer:\n", answer);
  CHECK(answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(answer.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") != std::string::npos);
  for (const auto* line :
       {"remaphore_messages_received_total 3", "remaphore_messages_accepted_total 2",
        "remaphore_messages_dropped_total{reason=\"unknown_peer\"} 1",
        "remaphore_messages_dropped_total{reason=\"bad_signature\"} 0", "remaphore_commands_total{exit_code=\"0\"} 1",
        "remaphore_commands_total{exit_code=\"3\"} 1", "remaphore_command_duration_seconds_count 2",
        "remaphore_command_duration_seconds_bucket{le=\"+Inf\"} 2", "remaphore_command_queue_depth 0",
        "remaphore_replies_sent_total 0", "remaphore_reconnects_total 0", "remaphore_connected 1",
        "# TYPE remaphore_command_duration_seconds histogram",
        "remaphore_build_info{version=\"" REMAPHORE_VERSION "\"} 1"})
    CHECK_MESSAGE(has_line(answer, line), line);
  CHECK(answer.find("remaphore_last_accepted_timestamp_seconds 1") != std::string::npos);

  const auto other = http_get(port, "/");
  CHECK(other.rfind("HTTP/1.1 404 Not Found\r\n", 0) == 0);
  // The listener goes on after any number of scrapes.
  CHECK(http_get(port, "/metrics").find("remaphore_connected 1") != std::string::npos);
}

TEST_CASE("metrics: off by default, a bare port is loopback, and a bad address or a taken port is refused") {
  nats_server server;
  temp_dir dir;
  auto k = keygen();
  auto plain = self_config(server.url(), k, "web.1");
  auto off = start_receiver({"-c", dir.write("off.conf", plain.text()), "-t", "20s"});
  CHECK(off.err().find("metrics") == std::string::npos);

  const int port = free_port();
  auto with_key = plain;
  with_key.extra = {"metrics: " + std::to_string(port)};
  auto on = start_receiver({"-c", dir.write("on.conf", with_key.text()), "-t", "20s"});
  CHECK(on.err().find("serving metrics at http://127.0.0.1:" + std::to_string(port) + "/metrics") != std::string::npos);
  CHECK(http_get(port, "/metrics").find("remaphore_connected 1") != std::string::npos);

  // The port is now taken: a second listener on it cannot start (exit 3), saying why.
  auto taken = run_remaphore({"-c", dir.write("taken.conf", with_key.text()), "-t", "5s"});
  CHECK(taken.exit_code == 3);
  CHECK(taken.err.find("cannot serve metrics on 127.0.0.1:" + std::to_string(port) + ": ") != std::string::npos);

  for (const auto& bad_address : std::vector<std::pair<std::string, std::string>>{
           {"99999", "'99999' is not a port from 1 to 65535"},
           {"metrics.example.com:9469", "'metrics.example.com' is not an IP address"},
           {"::1:9469", "an IPv6 address needs brackets"}}) {
    // Named, not bound: INFO captures them, and clang 14 cannot capture a structured binding.
    const std::string& value = bad_address.first;
    const std::string& says = bad_address.second;
    auto bad = plain;
    bad.extra = {"metrics: " + value};
    auto path = dir.write("bad.conf", bad.text());
    auto r = run_remaphore({"-c", path, "--check-config"});
    INFO(value, ": ", r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(path + ":3: invalid metrics address '" + value + "': " + says) != std::string::npos);
    auto flag = run_remaphore({"-c", dir.write("good.conf", plain.text()), "--metrics", value});
    CHECK(flag.exit_code == 2);
    CHECK(flag.err.find("invalid address for --metrics: '" + value + "': " + says) != std::string::npos);
  }
  auto sending = run_remaphore({"-c", dir.write("s.conf", plain.text()), "-s", "--metrics", "9469"});
  CHECK(sending.exit_code == 2);
  CHECK(sending.err.find("--metrics is for receiving") != std::string::npos);
}
