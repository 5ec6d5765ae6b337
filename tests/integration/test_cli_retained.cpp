// Late joiners: signals kept in JetStream (--retain) and read back by receivers
// started later (--since), against a real nats-server with JetStream on.
#include <thread>

#include "integration/cli_support.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;

namespace {

struct node {
  temp_dir dir;
  std::string conf;
  node(const std::string& server_url, const key_pair& k, const std::string& skew = "2s") {
    auto c = self_config(server_url, k, "com.example.late");
    c.allow_skew = skew;
    conf = dir.write("node.conf", c.text());
  }
};

}  // namespace

TEST_CASE("retained: a receiver started after the send still gets the signal with --since") {
  nats_server server("", {"-js", "-sd", "{{DIR}}/js"});
  auto k = keygen();
  node n(server.url(), k);
  auto sent = run_remaphore({"-c", n.conf, "-s", "--retain", "-u", "late_job", "done"});
  INFO(sent.err);
  REQUIRE(sent.exit_code == 0);

  auto late = run_remaphore({"-c", n.conf, "-u", "late_job", "-t", "5s", "--since", "1m", "echo", "got"});
  INFO(late.err);
  CHECK(late.exit_code == 0);
  CHECK(late.out.find("got ping done") != std::string::npos);
  CHECK(late.err.find("(retained)") != std::string::npos);

  // Without --since a late receiver only sees live traffic.
  auto live_only = run_remaphore({"-c", n.conf, "-u", "late_job", "-t", "500ms"});
  CHECK(live_only.exit_code == 1);
  // The server filters by uuid: another job's waiter gets nothing.
  auto other = run_remaphore({"-c", n.conf, "-u", "other_job", "-t", "500ms", "--since", "1m"});
  CHECK(other.exit_code == 1);
}

TEST_CASE("retained: a receiver that sees a signal live and retained runs its command once") {
  nats_server server("", {"-js", "-sd", "{{DIR}}/js"});
  auto k = keygen();
  node n(server.url(), k);
  // The stream exists before the receiver starts (a first retained signal).
  REQUIRE(run_remaphore({"-c", n.conf, "-s", "--retain", "-u", "warmup"}).exit_code == 0);
  std::string marks = n.dir.file("marks");
  auto recv = start_receiver(
      {"-c", n.conf, "-t", "3s", "--since", "1m", "-u", "twice", "-n", "2", "sh", "-c", "echo run >> " + marks, "sh"});
  REQUIRE(run_remaphore({"-c", n.conf, "-s", "--retain", "-u", "twice"}).exit_code == 0);
  auto r = recv.wait(10s);
  INFO(r.err);
  // One sender: the live copy and the stored copy are the same message, so the
  // barrier of two distinct peers is never reached and the command never runs.
  CHECK(r.exit_code == 1);
  CHECK(count_of(r.err, "accepted") == 1);
  CHECK_FALSE(exists(marks));
}

TEST_CASE("retained: signals older than --since are not delivered") {
  nats_server server("", {"-js", "-sd", "{{DIR}}/js"});
  auto k = keygen();
  node n(server.url(), k, "100ms");
  REQUIRE(run_remaphore({"-c", n.conf, "-s", "--retain", "-u", "old_job"}).exit_code == 0);
  // Let the signal age past the window the receiver will ask for.
  std::this_thread::sleep_for(600ms);
  auto r = run_remaphore({"-c", n.conf, "-u", "old_job", "-t", "500ms", "--since", "200ms"});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  auto wide = run_remaphore({"-c", n.conf, "-u", "old_job", "-t", "2s", "--since", "1m"});
  CHECK(wide.exit_code == 0);
}

TEST_CASE("retained: without JetStream on the server, --retain and --since fail clearly with exit 3") {
  nats_server server;
  auto k = keygen();
  node n(server.url(), k);
  auto s = run_remaphore({"-c", n.conf, "-s", "--retain", "-u", "x"});
  CHECK(s.exit_code == 3);
  CHECK(s.err.find("JetStream is not enabled") != std::string::npos);
  auto r = run_remaphore({"-c", n.conf, "-u", "x", "-t", "1s", "--since", "1m"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("JetStream is not enabled") != std::string::npos);
}

TEST_CASE("retained: a stream kept for another time is reported, and changed when the config says retain_max_age") {
  nats_server server("", {"-js", "-sd", "{{DIR}}/js"});
  auto k = keygen();
  temp_dir dir;
  auto conf = [&](const std::string& name, const std::string& extra) {
    auto c = self_config(server.url(), k, "com.example.late");
    if (!extra.empty()) c.extra = {extra};
    return dir.write(name, c.text());
  };
  auto one_hour = conf("1h.conf", "retain_max_age: 1h");
  auto by_default = conf("default.conf", "");
  auto two_hours = conf("2h.conf", "retain_max_age: 2h");
  REQUIRE(run_remaphore({"-c", one_hour, "-s", "--retain", "-u", "a"}).exit_code == 0);
  auto warned = run_remaphore({"-c", by_default, "-s", "--retain", "-u", "b"});
  CHECK(warned.exit_code == 0);
  CHECK(warned.err.find("stream REMAPHORE keeps signals for 1h0m0s, not the 24h0m0s") != std::string::npos);
  auto changed = run_remaphore({"-c", two_hours, "-s", "--retain", "-u", "c"});
  CHECK(changed.exit_code == 0);
  CHECK(changed.err.find("stream REMAPHORE now keeps signals for 2h0m0s (was 1h0m0s)") != std::string::npos);
  auto again = run_remaphore({"-c", two_hours, "-s", "--retain", "-u", "d"});
  CHECK(again.err.find("keeps signals") == std::string::npos);
}
