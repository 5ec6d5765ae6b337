// Late joiners: signals kept in JetStream (--retain) and read back by receivers
// started later (--since), against a real nats-server with JetStream on.
#include <thread>

#include <nlohmann/json.hpp>

#include "integration/cli_support.hpp"
#include "nats/client.hpp"
#include "support/with_client.hpp"

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

namespace {

// A JetStream API call from the test's own client; the answer's JSON.
nlohmann::json js_api(const std::string& url, const std::string& subject, const nlohmann::json& body) {
  nlohmann::json out;
  // Made before the co_await: g++ 12 destroys a conditional's temporary in one twice.
  const std::string payload = body.is_null() ? std::string() : body.dump();
  with_client(url, [&](remaphore::nats::client& c) -> boost::asio::awaitable<void> {
    remaphore::nats::message reply;
    auto ec = co_await c.request(subject, payload, reply, std::chrono::seconds(5));
    REQUIRE_FALSE(ec);
    out = nlohmann::json::parse(reply.payload, nullptr, false);
  });
  return out;
}

}  // namespace

TEST_CASE("retained: changing a stream's max_age keeps its other subjects, limits and policies") {
  nats_server server("", {"-js", "-sd", "{{DIR}}/js"});
  // Someone's stream: our subjects and more, limits and a discard policy of its own.
  auto made = js_api(server.url(), "$JS.API.STREAM.CREATE.REMAPHORE",
                     {{"name", "REMAPHORE"},
                      {"subjects", {"remaphore.retained.>", "audit.>"}},
                      {"storage", "file"},
                      {"max_msgs", 1000},
                      {"max_msgs_per_subject", 5},
                      {"discard", "new"},
                      {"max_age", 3600'000'000'000LL}});
  REQUIRE_FALSE(made.contains("error"));
  auto k = keygen();
  temp_dir dir;
  auto c = self_config(server.url(), k, "com.example.late");
  c.extra = {"retain_max_age: 2h"};
  auto sent = run_remaphore({"-c", dir.write("2h.conf", c.text()), "-s", "--retain", "-u", "a"});
  INFO(sent.err);
  CHECK(sent.exit_code == 0);
  CHECK(sent.err.find("now keeps signals for 2h0m0s (was 1h0m0s)") != std::string::npos);
  auto info = js_api(server.url(), "$JS.API.STREAM.INFO.REMAPHORE", nullptr)["config"];
  CHECK(info["max_age"] == 7200'000'000'000LL);
  CHECK(info["subjects"] == nlohmann::json({"remaphore.retained.>", "audit.>"}));
  CHECK(info["max_msgs"] == 1000);
  CHECK(info["max_msgs_per_subject"] == 5);
  CHECK(info["discard"] == "new");
}

TEST_CASE(
    "retained: a stream of that name that does not hold our subjects is left alone (exit 3), no limit is no limit") {
  nats_server server("", {"-js", "-sd", "{{DIR}}/js"});
  auto made = js_api(server.url(), "$JS.API.STREAM.CREATE.REMAPHORE",
                     {{"name", "REMAPHORE"}, {"subjects", {"other.>"}}, {"storage", "file"}});
  REQUIRE_FALSE(made.contains("error"));
  auto k = keygen();
  temp_dir dir;
  auto c = self_config(server.url(), k, "com.example.late");
  c.extra = {"retain_max_age: 2h"};
  auto sent = run_remaphore({"-c", dir.write("2h.conf", c.text()), "-s", "--retain", "-u", "a"});
  INFO(sent.err);
  CHECK(sent.exit_code == 3);
  CHECK(sent.err.find("stream REMAPHORE holds other.>, not remaphore.retained.>") != std::string::npos);
  auto info = js_api(server.url(), "$JS.API.STREAM.INFO.REMAPHORE", nullptr)["config"];
  CHECK(info["subjects"] == nlohmann::json({"other.>"}));
  CHECK(info["max_age"] == 0);

  // Ours, kept without limit: said so, not "for 0s".
  js_api(server.url(), "$JS.API.STREAM.DELETE.REMAPHORE", nullptr);
  made = js_api(server.url(), "$JS.API.STREAM.CREATE.REMAPHORE",
                {{"name", "REMAPHORE"}, {"subjects", {"remaphore.retained.>"}}, {"storage", "file"}});
  REQUIRE_FALSE(made.contains("error"));
  c.extra = {};
  auto unlimited = run_remaphore({"-c", dir.write("default.conf", c.text()), "-s", "--retain", "-u", "b"});
  CHECK(unlimited.exit_code == 0);
  CHECK(unlimited.err.find("stream REMAPHORE keeps signals without a time limit, not the 24h0m0s") !=
        std::string::npos);
}

TEST_CASE(
    "retained: a --since receiver deletes its consumer when it ends, and one killed -9 leaves it for 5 s at most") {
  nats_server server("", {"-js", "-sd", "{{DIR}}/js"});
  auto k = keygen();
  node n(server.url(), k);
  REQUIRE(run_remaphore({"-c", n.conf, "-s", "--retain", "-u", "kept"}).exit_code == 0);
  auto consumers = [&] {
    return js_api(server.url(), "$JS.API.STREAM.INFO.REMAPHORE", nullptr)["state"].value("consumer_count", -1);
  };
  REQUIRE(consumers() == 0);
  // Ended by -t, and by SIGTERM: nothing left behind at once.
  auto timed = run_remaphore({"-c", n.conf, "-u", "other", "-t", "1s", "--since", "1h"});
  CHECK(timed.exit_code == 1);
  CHECK(consumers() == 0);
  auto stopped = start_receiver({"-c", n.conf, "-u", "other", "-t", "60s", "--since", "1h"});
  REQUIRE(consumers() == 1);
  stopped.signal(SIGTERM);
  CHECK(stopped.wait(run_bound).exit_code == 143);
  CHECK(consumers() == 0);
  // Killed: the server's inactivity threshold removes it.
  auto killed = start_receiver({"-c", n.conf, "-u", "other", "-t", "60s", "--since", "1h"});
  REQUIRE(consumers() == 1);
  killed.signal(SIGKILL);
  killed.wait(run_bound);
  CHECK(wait_until([&] { return consumers() == 0; }, 8s));
}
