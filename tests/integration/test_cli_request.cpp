// End-to-end tests of request/response: one entry per reply on stdout
// (`destination,exit-code,output`, multi-line output framed by `--> X` / `--< X`),
// NO_DATA from a responder without a command, silent peers reported at the timeout,
// --json, a fan-out of 20 responders, and a request published again after the
// requester's connection is cut.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "cli_support.hpp"
#include "nats/client.hpp"
#include "protocol/reply.hpp"
#include "protocol/subjects.hpp"
#include "support/client_options.hpp"
#include "support/coro.hpp"
#include "support/tcp_relay.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace nats = remaphore::nats;
namespace protocol = remaphore::protocol;

namespace {

struct parsed_output {
  std::vector<std::string> entries;  // one per reply, framing removed
  std::set<std::string> markers;     // the X of every `--> X`
  std::string error;                 // set when the output is not well-formed
};

// The first line of `text` (the reply object of a --json run; the summary follows).
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// Splits a requester's stdout into its entries, checking the framing.
parsed_output parse_entries(const std::string& out) {
  parsed_output p;
  if (!out.empty() && out.back() != '\n') p.error = "output does not end with a newline";
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("--> ", 0) != 0) {
      if (line.rfind("--< ", 0) == 0) p.error = "a closing marker without an opening one";
      p.entries.push_back(line);
      continue;
    }
    std::string marker = line.substr(4);
    if (marker.size() != 16 || marker.find_first_not_of("0123456789abcdef") != std::string::npos)
      p.error = "marker is not 16 hex digits: " + marker;
    p.markers.insert(marker);
    std::string entry;
    bool closed = false;
    bool first = true;
    while (std::getline(in, line)) {
      if (line == "--< " + marker) {
        closed = true;
        break;
      }
      if (line.rfind("--> ", 0) == 0) p.error = "an entry opened inside another";
      entry += (first ? "" : "\n") + line;
      first = false;
    }
    if (!closed) p.error = "entry " + marker + " is not closed";
    if (entry.find('\n') == std::string::npos) p.error = "a framed entry without a newline: " + entry;
    p.entries.push_back(entry);
  }
  return p;
}

// A responder: its own identity (the default one, which signs replies), the
// requester as its only peer.
std::string responder_config(const temp_dir& dir, const nats_server& server, const std::string& destination,
                             const key_pair& self, const key_pair& requester) {
  config_text c;
  c.server = server.url();
  c.destination = destination;
  c.identities = {identity_line(self)};
  c.peers = {peer_line("the.requester", requester)};
  return dir.write(destination + ".conf", c.text());
}

// A requester: its own identity, and one peer that answers.
std::string requester_config(const temp_dir& dir, const std::string& server_url, const key_pair& self,
                             const std::string& peer_destination, const key_pair& peer) {
  config_text c;
  c.server = server_url;
  c.identities = {identity_line(self)};
  c.peers = {peer_line(peer_destination, peer)};
  return dir.write("q.conf", c.text());
}

}  // namespace

TEST_CASE("cli: request prints one entry per reply, frames multi-line output, reports silent peers") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(6);
  auto &q = keys[0], &one = keys[1], &two = keys[2], &three = keys[3], &four = keys[4], &gone = keys[5];

  config_text qc;
  qc.server = server.url();
  qc.identities = {identity_line(q)};
  qc.peers = {peer_line("node.one", one), peer_line("node.two", two), peer_line("node.three", three),
              peer_line("node.four", four), peer_line("node.gone", gone)};
  auto q_cfg = dir.write("q.conf", qc.text());

  std::vector<child> responders;
  responders.push_back(spawn(
      concat({"-c", responder_config(dir, server, "node.one", one, q)}, {"sh", "-c", "echo \"one $1 $2\"", "--"})));
  responders.push_back(spawn(
      concat({"-c", responder_config(dir, server, "node.two", two, q)}, {"sh", "-c", "printf 'a\\nb\\n'", "--"})));
  responders.push_back(spawn({"-c", responder_config(dir, server, "node.three", three, q)}));  // no command
  responders.push_back(spawn(
      concat({"-c", responder_config(dir, server, "node.four", four, q)}, {"sh", "-c", "echo bad; exit 3", "--"})));
  for (auto& r : responders) REQUIRE_MESSAGE(r.wait_stderr("ready:", ready_bound), r.err());

  // Independent requests, all at once.
  auto start = std::chrono::steady_clock::now();
  auto all = spawn({"-c", q_cfg, "-r", "-t", "1s", "-v", "status", "hello"});
  auto json = spawn({"-c", q_cfg, "-r", "-t", "10s", "-D", "node.t*", "--json"});
  auto silent = spawn({"-c", q_cfg, "-r", "-t", "300ms", "-D", "node.gone"});
  auto none = spawn({"-c", q_cfg, "-r", "-D", "nothing.*"});

  auto j = json.wait(run_bound);
  auto json_elapsed = std::chrono::steady_clock::now() - start;
  auto a = all.wait(run_bound);
  auto all_elapsed = std::chrono::steady_clock::now() - start;
  auto s = silent.wait(run_bound);
  auto n = none.wait(run_bound);

  {  // the request to every peer
    INFO("stdout:\n", a.out, "\nstderr:\n", a.err);
    CHECK(a.exit_code == 0);   // some replied
    CHECK(all_elapsed >= 1s);  // waited for node.gone until the timeout
    auto p = parse_entries(a.out);
    CHECK(p.error == "");
    CHECK(p.markers.size() == 1);  // one marker per request
    std::multiset<std::string> got(p.entries.begin(), p.entries.end());
    std::multiset<std::string> want = {"node.one,0,one status hello", "node.two,0,a\nb", "node.three,NO_DATA",
                                       "node.four,3,bad"};
    CHECK(got == want);
    CHECK(count_of(a.err, "no reply from") == 1);
    CHECK(a.err.find("no reply from node.gone (" + gone.pub + ")") != std::string::npos);
  }
  {  // --json, returning as soon as every suspected responder answered
    INFO("stdout:\n", j.out, "\nstderr:\n", j.err);
    CHECK(j.exit_code == 0);
    CHECK(json_elapsed < 5s);
    auto lines = json_lines(j.out);
    REQUIRE(lines.size() == 3);
    CHECK(lines.back()["summary"]["answered"] == 2);  // the summary object comes last
    lines.pop_back();
    std::sort(lines.begin(), lines.end(), [](auto& x, auto& y) { return x["destination"] < y["destination"]; });
    CHECK(lines[0]["destination"] == "node.three");
    CHECK(lines[0]["sender"] == three.pub);
    CHECK(lines[0]["exit_code"].is_null());
    CHECK(lines[0]["output"].is_null());
    CHECK(lines[1]["destination"] == "node.two");
    CHECK(lines[1]["sender"] == two.pub);
    CHECK(lines[1]["exit_code"] == 0);
    CHECK(lines[1]["output"] == "a\nb\n");
  }
  {  // no reply at all: exit 1, the silent peer named
    CHECK(s.exit_code == 1);
    CHECK(s.out.empty());
    CHECK(s.err.find("no reply from node.gone (" + gone.pub + ")") != std::string::npos);
  }
  {  // no peer matches -D: exit 2
    CHECK(n.exit_code == 2);
    CHECK(n.err.find("no peer in " + q_cfg + " has a destination matching 'nothing.*'") != std::string::npos);
  }
}

TEST_CASE("cli: 20 responders answer one request: 20 well-formed entries") {
  constexpr int fleet = 20;
  nats_server server;
  temp_dir dir;
  auto keys = keygen(fleet + 1);
  const auto& q = keys[fleet];

  auto name = [](int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "fleet.n%02d", i);
    return std::string(buf);
  };
  config_text qc;
  qc.server = server.url();
  qc.identities = {identity_line(q)};
  for (int i = 0; i < fleet; ++i) qc.peers.push_back(peer_line(name(i), keys[i]));
  auto q_cfg = dir.write("q.conf", qc.text());

  // Odd members answer with two lines, even ones with one.
  std::vector<child> responders;
  for (int i = 0; i < fleet; ++i) {
    auto cfg = responder_config(dir, server, name(i), keys[i], q);
    std::vector<std::string> cmd =
        i % 2 ? std::vector<std::string>{"sh", "-c", "printf 'first %s\\nsecond %s\\n' \"$0\" \"$0\"", name(i)}
              : std::vector<std::string>{"echo", "out", name(i)};
    responders.push_back(spawn(concat({"-c", cfg}, cmd)));
  }
  for (auto& r : responders) REQUIRE_MESSAGE(r.wait_stderr("ready:", ready_bound), r.err());

  auto start = std::chrono::steady_clock::now();
  auto r = run_remaphore({"-c", q_cfg, "-r", "-t", "20s", "fan", "out"});
  auto elapsed = std::chrono::steady_clock::now() - start;
  INFO("stdout:\n", r.out, "\nstderr:\n", r.err);
  CHECK(r.exit_code == 0);
  CHECK(elapsed < 10s);  // returned when all had answered, not at -t
  CHECK(r.err.find("no reply from") == std::string::npos);

  auto p = parse_entries(r.out);
  CHECK(p.error == "");
  REQUIRE(p.entries.size() == fleet);
  std::set<std::string> got(p.entries.begin(), p.entries.end());
  std::set<std::string> want;
  for (int i = 0; i < fleet; ++i)
    want.insert(i % 2 ? name(i) + ",0,first " + name(i) + "\nsecond " + name(i)
                      : name(i) + ",0,out " + name(i) + " ping fan out");
  CHECK(got == want);
}

TEST_CASE("cli: a reply larger than the output bound is cut, and says so") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(2);
  const auto &q = keys[0], &big = keys[1];
  auto q_cfg = requester_config(dir, server.url(), q, "node.big", big);
  // 100,000 bytes of output on one line, more than a reply carries (64 KiB).
  auto rx = spawn({"-c", responder_config(dir, server, "node.big", big, q), "-o", "-t", "20s", "sh", "-c",
                   "head -c 100000 /dev/zero | tr '\\0' x"});
  REQUIRE_MESSAGE(rx.wait_stderr("ready:", ready_bound), rx.err());

  auto r = run_remaphore({"-c", q_cfg, "--json", "-r", "-t", "10s", "size"});
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 0);
  auto reply = nlohmann::json::parse(first_line(r.out), nullptr, false);  // then the summary
  REQUIRE(!reply.is_discarded());
  const std::string output = reply.value("output", "");
  CHECK(output.size() < 100000);
  CHECK(output.rfind(std::string(64 * 1024, 'x'), 0) == 0);
  CHECK(output.find("[remaphore: output truncated at 65536 bytes]") != std::string::npos);
  CHECK(reply.value("exit_code", -1) == 0);
  CHECK(rx.wait(run_bound).exit_code == 0);
}

TEST_CASE("cli: a payload over the kernel's argument limit is answered with 126 and the reason, not lost") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(2);
  const auto &q = keys[0], &node = keys[1];
  auto q_cfg = requester_config(dir, server.url(), q, "node.big", node);
  auto rx = start_receiver({"-c", responder_config(dir, server, "node.big", node, q), "-o", "-t", "20s", "true"});
  // Four words of 50,000 bytes: the payload is 200 kB, over the 128 KiB a single
  // argument may have (each word alone is under it, so our own exec works).
  std::vector<std::string> args = {"-c", q_cfg, "--json", "-r", "-t", "10s"};
  for (int i = 0; i < 4; ++i) args.push_back(std::string(50000, 'a' + i));
  auto r = run_remaphore(args);
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 0);
  auto reply = nlohmann::json::parse(first_line(r.out), nullptr, false);  // then the summary
  REQUIRE(!reply.is_discarded());
  CHECK(reply.value("exit_code", -1) == 126);
  CHECK(reply.value("output", "").find("128 KiB") != std::string::npos);
  auto rxr = rx.wait(run_bound);
  CHECK(rxr.exit_code == 0);
  CHECK(rxr.err.find("error: cannot run 'true'") != std::string::npos);
  CHECK(rxr.out.empty());  // the reason goes to the log (stderr), not to stdout
}

TEST_CASE("cli: a reply that is not bound to the request is named once per responder at warning level") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(2);
  const auto &q = keys[0], &go = keys[1];
  auto q_cfg = requester_config(dir, server.url(), q, "node.go", go);
  // A responder as the Go tool answers: a reply with a random uuid, twice. The
  // request starts once this responder listens (else it could go out unheard).
  // co_await results go to variables first: g++ 12 miscompiles co_await inside a
  // condition such as REQUIRE's.
  std::optional<child> request;
  run_coro([&](asio::io_context& ioc) -> asio::awaitable<void> {
    nats::options o;
    o.servers = {server.url()};
    nats::client c(ioc.get_executor(), o);
    const auto connected = co_await c.connect();
    REQUIRE(!connected);
    auto sub = c.subscribe("remaphore.all");
    const auto subscribed = co_await c.flush(5s);
    REQUIRE(!subscribed);
    request.emplace(spawn({"-c", q_cfg, "-r", "-t", "6s"}));
    nats::message m;
    const auto received = co_await c.next_msg(sub, m, 20s);
    REQUIRE(!received);
    auto reply_subject = "remaphore." + protocol::hex_encode(protocol::message_hash(m.payload));
    for (int i = 0; i < 2; ++i) {
      auto f = signal_fields("0,unbound", false);
      f.destination = "";
      f.verb = "reply";
      REQUIRE(!c.publish(reply_subject, sign(go, f)));
    }
    const auto flushed = co_await c.flush(5s);
    REQUIRE(!flushed);
    co_await c.close();
  });
  auto r = request->wait(run_bound);
  CHECK(r.exit_code == 1);
  CHECK(count_of(r.err, "reply from node.go not bound to this request; set accept_unbound_replies: yes") == 1);
}

TEST_CASE("cli: a requester whose connection is cut publishes the same request again and takes the reply") {
  nats_server server;
  tcp_relay relay(server.port());
  temp_dir dir;
  auto keys = keygen(2);
  const auto &q = keys[0], &node = keys[1];
  auto q_cfg = requester_config(dir, relay.url(), q, "node.late", node);  // only the requester goes through the relay
  auto node_priv = protocol::parse_private_key(node.priv);
  REQUIRE(node_priv);
  const protocol::identity node_id{*protocol::parse_public_key(node.pub), *node_priv, {"*"}};

  // The stand-in responder, straight on the server: it lets the first request go
  // unanswered (as if the reply were lost in the cut), cuts the requester's
  // connection, and answers the request that comes again.
  std::optional<child> request;
  std::string first, second;
  run_coro([&](asio::io_context& ioc) -> asio::awaitable<void> {
    nats::client c(ioc.get_executor(), client_options(server));
    const auto connected = co_await c.connect();
    REQUIRE(!connected);
    auto sub = c.subscribe("remaphore.all");
    const auto subscribed = co_await c.flush(5s);
    REQUIRE(!subscribed);
    request.emplace(spawn({"-c", q_cfg, "-r", "-t", "20s", "--log-level", "debug", "status"}));
    nats::message m;
    const auto got_first = co_await c.next_msg(sub, m, 15s);
    REQUIRE(!got_first);
    first = m.payload;
    relay.cut();
    const auto got_second = co_await c.next_msg(sub, m, 15s);
    REQUIRE(!got_second);
    second = m.payload;
    const auto hash = protocol::message_hash(second);
    const auto reply = remaphore::protocol::make_reply(node_id, hash, "0,asked twice", protocol::now_unix_ns());
    const auto published = c.publish(protocol::subjects::reply("remaphore", hash), reply);
    REQUIRE(!published);
    const auto flushed = co_await c.flush(5s);
    REQUIRE(!flushed);
    co_await c.close();
  });
  auto r = request->wait(run_bound);
  INFO("stdout:\n", r.out, "\nstderr:\n", r.err);
  CHECK(second == first);  // the same signed bytes: a responder that answered takes it as a repeat
  CHECK(relay.accepted() == 2);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "node.late,0,asked twice\n");
  CHECK(r.err.find("reconnected: published again 1 request still waiting for replies") != std::string::npos);
}

TEST_CASE("cli: 300 emulated nodes answer one request at once: each reply printed once, each checked") {
  nats_server server;
  temp_dir dir;
  auto fleet = process::start({REMAPHORE_FLEET_BINARY, "--url", server.url(), "--nodes", "300", "--dir", dir.path()});
  const auto up = [&] { return fleet.out().find("subscribed in") != std::string::npos; };
  wait_until([&] { return !fleet.running() || up(); }, 60s);
  REQUIRE_MESSAGE(up(), fleet.err());

  // The replies come in bursts, whose signatures are checked side by side.
  auto r = run_remaphore({"-c", dir.file("controller.conf"), "--json", "-r", "-D", "fleet.**", "-t", "30s", "status"});
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 0);
  std::set<std::string> answered;
  std::size_t replies = 0;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    REQUIRE(!j.is_discarded());
    if (!j.contains("destination")) continue;  // the summary
    ++replies;
    answered.insert(j["destination"].get<std::string>());
    CHECK(j.value("exit_code", -1) == 0);
  }
  CHECK(replies == 300);
  CHECK(answered.size() == 300);
  CHECK(r.err.find("300 answered") != std::string::npos);
}
