// End-to-end tests of delivery under bursts: every message a receiver accepts is
// acted on (its command runs, its request is answered), however many arrive at
// once, live or read back from the retained-signal stream.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "core/receive/retained.hpp"
#include "nats/client.hpp"
#include "nats/error.hpp"
#include "support/client_options.hpp"
#include "support/coro.hpp"

namespace asio = boost::asio;
using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace std::chrono_literals;
namespace protocol = remaphore::protocol;
namespace nats = remaphore::nats;
namespace core = remaphore::core;

namespace {

// A receiver whose stderr goes to a file: a test busy publishing does not read the
// receiver's pipes, and a pipe full of its log lines (one per message) would stall it.
child start_logging_receiver(const std::string& log, std::vector<std::string> args) {
  args.insert(args.begin(), {"sh", "-c", "exec \"$0\" \"$@\" 2>>'" + log + "'", binary});
  auto p = child(process::start(args));
  REQUIRE_MESSAGE(wait_file_contains(log, "ready:", ready_bound), slurp(log));
  return p;
}

// Polls (draining the receiver's pipes) until the file has n lines.
bool wait_lines(child& rx, const std::string& file, std::size_t n) {
  return wait_until(
      [&] {
        rx.running();
        return lines_of(slurp(file)).size() >= n;
      },
      90s);
}

// A receiver node (its own key signs replies) with one trusted sender.
std::string receiver_config(const temp_dir& dir, const nats_server& server, const key_pair& sender,
                            const key_pair& self) {
  config_text c;
  c.server = server.url();
  c.destination = "node.burst";
  c.identities = {identity_line(self)};
  c.peers = {peer_line("from.sender", sender)};
  return dir.write("rx.conf", c.text());
}

std::vector<std::string> append_payload_to(const std::string& file) {
  return {"sh", "-c", "printf '%s\\n' \"$2\" >> '" + file + "'", "--"};
}

std::string numbers(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += std::to_string(i) + "\n";
  return s;
}

}  // namespace

TEST_CASE("delivery: a burst of 200 signals at once runs the command 200 times, in arrival order") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(2);
  const auto& sender = keys[0];
  const auto runs = dir.file("runs");
  const auto log = dir.file("rx.log");
  auto rx = start_logging_receiver(
      log, concat({"-c", receiver_config(dir, server, sender, keys[1]), "-t", "120s"}, append_payload_to(runs)));

  constexpr int burst = 200;
  run_coro([&](asio::io_context& ioc) -> asio::awaitable<void> {
    nats::client c(ioc.get_executor(), client_options(server));
    REQUIRE(!co_await c.connect());
    for (int i = 0; i < burst; ++i)
      REQUIRE(!c.publish("remaphore.all", sign(sender, signal_fields(std::to_string(i)))));
    REQUIRE(!co_await c.flush(5s));
    co_await c.close();
  });
  CHECK(wait_lines(rx, runs, burst));
  CHECK(slurp(runs) == numbers(burst));
  CHECK(rx.running());
  CHECK(count_of(slurp(log), "accepted '") == burst);
  CHECK(slurp(log).find("dropped") == std::string::npos);
}

TEST_CASE("delivery: 200 requests at once to a receiver without a command get 200 replies") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(2);
  const auto& sender = keys[0];
  auto rx =
      start_logging_receiver(dir.file("rx.log"), {"-c", receiver_config(dir, server, sender, keys[1]), "-t", "120s"});

  constexpr int burst = 200;
  std::set<std::string> answered;  // reply subjects
  std::size_t no_data = 0;
  run_coro(
      [&](asio::io_context& ioc) -> asio::awaitable<void> {
        nats::client c(ioc.get_executor(), client_options(server));
        REQUIRE(!co_await c.connect());
        auto replies = c.subscribe("remaphore.*");
        REQUIRE(!co_await c.flush(5s));
        for (int i = 0; i < burst; ++i)
          REQUIRE(!c.publish("remaphore.all", sign(sender, signal_fields("q" + std::to_string(i), true))));
        auto end = std::chrono::steady_clock::now() + 60s;
        while (answered.size() < burst && std::chrono::steady_clock::now() < end) {
          nats::message m;
          if (co_await c.next_msg(replies, m, 1s)) continue;
          if (m.subject == "remaphore.all") continue;  // our own requests
          answered.insert(m.subject);
          protocol::envelope_view env;
          if (protocol::decode(m.payload, env) == protocol::decode_error::ok && env.payload == "NO_DATA") ++no_data;
        }
        co_await c.close();
      },
      90s);
  CHECK(answered.size() == burst);
  CHECK(no_data == burst);
  CHECK(rx.running());
}

TEST_CASE("delivery: 1,006 retained signals read back with --since run the command 1,006 times") {
  nats_server server("", {"-js", "-sd", "{{DIR}}/js"});
  temp_dir dir;
  auto keys = keygen(2);
  const auto& sender = keys[0];
  constexpr int stored = 1006;
  run_coro([&](asio::io_context& ioc) -> asio::awaitable<void> {
    nats::client c(ioc.get_executor(), client_options(server));
    REQUIRE(!co_await c.connect());
    protocol::config cfg;
    for (int i = 0; i < stored; ++i) {
      auto r = co_await core::retain_signal(
          c, cfg, std::nullopt, sign(sender, signal_fields(std::to_string(i), false, "job" + std::to_string(i))));
      REQUIRE_MESSAGE(!r.ec, r.why);
    }
    co_await c.close();
  });

  const auto runs = dir.file("runs");
  auto rx = start_logging_receiver(
      dir.file("rx.log"), concat({"-c", receiver_config(dir, server, sender, keys[1]), "-t", "120s", "--since", "1h"},
                                 append_payload_to(runs)));
  CHECK(wait_lines(rx, runs, stored));
  auto got = lines_of(slurp(runs));
  CHECK(got.size() == stored);
  CHECK(std::set<std::string>(got.begin(), got.end()).size() == stored);
  CHECK(rx.running());
}

TEST_CASE("delivery: the host-wide replay record drops a replay for a receiver started after it was first taken") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(2);
  const auto& sender = keys[0];
  auto node = [&](const std::string& replay_cache) {
    config_text c;
    c.server = server.url();
    c.destination = "node.host";
    c.allow_skew = "30s";
    c.extra = {"replay_cache: " + replay_cache};
    c.peers = {peer_line("from.sender", sender)};
    return dir.write("rx-" + std::to_string(std::hash<std::string>{}(replay_cache)) + ".conf", c.text());
  };
  const auto shared = node(dir.file("replay"));
  const auto without = node("off");
  const auto wire = sign(sender, signal_fields("once"));
  auto publish = [&] {
    run_coro([&](asio::io_context& ioc) -> asio::awaitable<void> {
      nats::client c(ioc.get_executor(), client_options(server));
      REQUIRE(!co_await c.connect());
      REQUIRE(!c.publish("remaphore.all", wire));
      REQUIRE(!co_await c.flush(5s));
      co_await c.close();
    });
  };

  // Two receivers waiting when it first arrives both take it.
  auto a = start_receiver({"-c", shared, "-o", "-t", "20s"});
  auto b = start_receiver({"-c", shared, "-o", "-t", "20s"});
  publish();
  CHECK(a.wait(run_bound).exit_code == 0);
  CHECK(b.wait(run_bound).exit_code == 0);

  // Started later on the same host, a receiver drops the same bytes published again;
  // with the record off, the replay gets through (only the skew window limits it).
  auto late = start_receiver({"-c", shared, "-o", "-t", "3s", "--log-level", "debug"});
  auto unprotected = start_receiver({"-c", without, "-o", "-t", "3s"});
  publish();
  auto l = late.wait(run_bound);
  CHECK(l.exit_code == 1);
  CHECK(l.err.find("dropped a message: replayed message") != std::string::npos);
  CHECK(unprotected.wait(run_bound).exit_code == 0);
}

TEST_CASE("delivery: a --since receiver takes a retained signal the host took before, once") {
  nats_server server("", {"-js", "-sd", "{{DIR}}/js"});
  temp_dir dir;
  auto k = keygen();
  auto c = self_config(server.url(), k, "node.late");
  c.extra = {"replay_cache: " + dir.file("replay")};
  const auto cfg = dir.write("node.conf", c.text());
  auto waiting = start_receiver({"-c", cfg, "-u", "job", "-t", "20s"});
  REQUIRE(run_remaphore({"-c", cfg, "-s", "--retain", "-u", "job"}).exit_code == 0);
  CHECK(waiting.wait(run_bound).exit_code == 0);
  auto late = run_remaphore({"-c", cfg, "-u", "job", "-t", "5s", "--since", "1m"});
  CHECK_MESSAGE(late.exit_code == 0, late.err);
  CHECK(count_of(late.err, "accepted '") == 1);
}

TEST_CASE("delivery: a request published again gets the same reply again, and the command runs once") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(2);
  const auto& sender = keys[0];
  const auto runs = dir.file("runs");
  auto rx = start_receiver(
      concat({"-c", receiver_config(dir, server, sender, keys[1]), "-t", "60s"}, append_payload_to(runs)));
  const auto request = sign(sender, signal_fields("asked twice", true));
  std::vector<std::string> replies;
  run_coro([&](asio::io_context& ioc) -> asio::awaitable<void> {
    nats::client c(ioc.get_executor(), client_options(server));
    REQUIRE(!co_await c.connect());
    auto sub = c.subscribe("remaphore." + protocol::hex_encode(protocol::message_hash(request)));
    REQUIRE(!co_await c.flush(5s));
    for (int i = 0; i < 2; ++i) {
      REQUIRE(!c.publish("remaphore.all", request));
      nats::message m;
      REQUIRE(!co_await c.next_msg(sub, m, 10s));
      replies.push_back(m.payload);
    }
    co_await c.close();
  });
  REQUIRE(replies.size() == 2);
  CHECK(replies[0] == replies[1]);  // the same signed bytes
  CHECK(slurp(runs) == "asked twice\n");
  CHECK(rx.wait_stderr("sent the reply to a request again", event_bound));
}
