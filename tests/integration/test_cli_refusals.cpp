// End-to-end tests of what the server refuses: a real nats-server whose users have
// publish and subscribe deny lists. A refusal is a failure (exit 3, naming the
// server's words), never a success, a "ready" or a request that runs commands while
// its replies cannot come back; a message over the server's max_payload is refused
// before anything is written.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "cli_support.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace std::chrono_literals;

namespace {

// pub_denied may not publish to remaphore.all; sub_denied may not subscribe to it;
// replies_denied may not subscribe to any remaphore.<X> (reply subjects included);
// open may do anything.
const std::string deny_lists = R"(authorization { users = [
  { user: pub_denied, password: pw, permissions: { publish: { deny: ["remaphore.all"] } } },
  { user: sub_denied, password: pw, permissions: { subscribe: { deny: ["remaphore.all"] } } },
  { user: replies_denied, password: pw, permissions: { subscribe: { deny: ["remaphore.*"] } } },
  { user: open, password: pw }
] })";

config_text as_user(config_text c, const std::string& user) {
  c.extra.push_back("user: " + user);
  c.extra.push_back("password: pw");
  return c;
}

}  // namespace

TEST_CASE("cli refusals: -s as a user who may not publish to the subject exits 3 with the server's words") {
  nats_server server(deny_lists);
  temp_dir dir;
  auto k = keygen();
  auto denied = dir.write("denied.conf", as_user(sender_config(server.url(), k), "pub_denied").text());
  auto r = run_remaphore({"-c", denied, "-s", "hello"});
  INFO(r.err);
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("Permissions Violation for Publish to \"remaphore.all\"") != std::string::npos);
  CHECK(r.err.find("user pub_denied") != std::string::npos);
  // The refusal is the server's, for that subject: another one is allowed.
  auto other = run_remaphore({"-c", denied, "-s", "-S", "elsewhere", "hello"});
  CHECK_MESSAGE(other.exit_code == 0, other.err);
}

TEST_CASE("cli refusals: -s with a payload over the server's max_payload exits 3 naming the limit and the size") {
  nats_server server("max_payload: 1000");
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("tx.conf", sender_config(server.url(), k).text());
  auto r = run_remaphore({"-c", cfg, "-s", std::string(2000, 'x')});
  INFO(r.err);
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("max_payload of 1000 bytes") != std::string::npos);
  CHECK(r.err.find("disconnected") == std::string::npos);
  CHECK(run_remaphore({"-c", cfg, "-s", std::string(500, 'x')}).exit_code == 0);
}

TEST_CASE("cli refusals: a receiver whose subscription is refused exits 3 with the server's words, never ready") {
  nats_server server(deny_lists);
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("rx.conf", as_user(self_config(server.url(), k, "node.rx"), "sub_denied").text());
  auto start = std::chrono::steady_clock::now();
  auto r = run_remaphore({"-c", cfg, "-t", "20s"});
  INFO(r.err);
  CHECK(r.exit_code == 3);
  CHECK(std::chrono::steady_clock::now() - start < 10s);  // at once, not at -t
  CHECK(r.err.find("Permissions Violation for Subscription to \"remaphore.all\"") != std::string::npos);
  CHECK(r.err.find("ready:") == std::string::npos);
}

TEST_CASE("cli refusals: a listener whose subscription is refused after a reconnect exits 3") {
  auto first = std::make_unique<nats_server>(deny_lists);
  const int port = first->port();
  temp_dir dir;
  auto k = keygen();
  auto cfg = dir.write("rx.conf", as_user(self_config(first->url(), k, "node.rx"), "open").text());
  auto listener = start_receiver({"-c", cfg, "-t", "60s"});
  // The same address comes back with permissions that exclude the subject.
  first.reset();
  nats_server second(
      "authorization { users = [ { user: open, password: pw, permissions: { subscribe: { deny: "
      "[\"remaphore.all\"] } } } ] }",
      {}, port);
  auto r = listener.wait(30s);
  INFO(r.err);
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("Permissions Violation for Subscription to \"remaphore.all\"") != std::string::npos);
}

TEST_CASE("cli refusals: -r whose reply subscription is refused sends nothing, runs nothing, exits 3") {
  nats_server server(deny_lists);
  temp_dir dir;
  auto keys = keygen(2);
  auto &q = keys[0], &rx = keys[1];
  auto runs = dir.file("runs");
  config_text responder;
  responder.server = server.url();
  responder.destination = "node.rx";
  responder.identities = {identity_line(rx)};
  responder.peers = {peer_line("the.requester", q)};
  auto rx_cfg = dir.write("rx.conf", as_user(responder, "open").text());
  auto listener = start_receiver(
      {"-c", rx_cfg, "-t", "60s", "sh", "-c", "printf '%s\\n' \"$2\" >> '" + runs + "'; echo done", "--"});

  config_text requester;
  requester.server = server.url();
  requester.identities = {identity_line(q)};
  requester.peers = {peer_line("node.rx", rx)};
  auto denied = dir.write("q.conf", as_user(requester, "replies_denied").text());
  auto r = run_remaphore({"-c", denied, "-r", "-t", "5s", "the request"});
  INFO(r.err);
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("Permissions Violation for Subscription to \"remaphore.") != std::string::npos);
  CHECK(r.err.find("the request was not sent") != std::string::npos);

  // The responder listens and handles messages in order: a signal sent after the
  // request is the first thing it runs.
  auto allowed = dir.write("open.conf", as_user(requester, "open").text());
  auto s = run_remaphore({"-c", allowed, "-s", "-D", "node.rx", "after"});
  REQUIRE_MESSAGE(s.exit_code == 0, s.err);
  CHECK(wait_file_contains(runs, "after\n"));
  CHECK(slurp(runs) == "after\n");
  // With the reply subscription allowed, the same request is answered.
  auto answered = run_remaphore({"-c", allowed, "-r", "-t", "10s", "again"});
  CHECK_MESSAGE(answered.exit_code == 0, answered.err);
  CHECK(answered.out == "node.rx,0,done\n");
}
