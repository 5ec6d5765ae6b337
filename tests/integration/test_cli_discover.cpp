// End-to-end tests of --discover: listeners answer with their status and run
// nothing; a listener whose [ Peers ] line for the asker lacks `discover`, and one
// that does not know the asker at all, stay silent (the latter warns, naming the key);
// the requester lists every answer, which hosts would refuse the verb it means to
// send and why, the expected peers that did not answer, and answers signed by a key
// it does not know. A plain subscriber on <root>.all, as a listener of the Go tool
// is, never sees a discovery.
#include <doctest/doctest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "nats/client.hpp"
#include "support/with_client.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace nats = remaphore::nats;

namespace {

// A listener with its own identity and the asker as its one peer, allowed `verbs`.
std::string listener_config(const temp_dir& dir, const nats_server& server, const std::string& destination,
                            const key_pair& self, const key_pair& asker, const std::string& verbs) {
  config_text c;
  c.server = server.url();
  c.destination = destination;
  c.identities = {identity_line(self)};
  c.peers = {peer_line("the.asker", asker, verbs)};
  return dir.write(destination + ".conf", c.text());
}

std::string line_of(const std::string& out, const std::string& destination) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(destination + " ", 0) == 0) return line;
  return "";
}

// How many messages arrive on `subject` while `act` runs, and for a moment after.
std::size_t messages_seen_on(const nats_server& server, const std::string& subject, const std::function<void()>& act) {
  std::size_t seen = 0;
  with_client(server.url(), [&](nats::client& c) -> asio::awaitable<void> {
    auto sub = c.subscribe(subject);
    const auto subscribed = co_await c.flush(5s);
    REQUIRE_FALSE(subscribed);
    act();
    for (;;) {
      nats::message m;
      const auto ec = co_await c.next_msg(sub, m, 500ms);
      if (ec) break;
      ++seen;
    }
  });
  return seen;
}

}  // namespace

TEST_CASE("cli: --discover lists who listens, runs nothing, and says who would refuse the verb and why") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(5);
  auto &asker = keys[0], &open = keys[1], &picky = keys[2], &closed = keys[3], &down = keys[4];

  config_text ac;
  ac.server = server.url();
  ac.identities = {identity_line(asker)};
  ac.peers = {peer_line("web.open", open), peer_line("web.picky", picky), peer_line("db.closed", closed),
              peer_line("db.down", down)};
  const auto asker_cfg = dir.write("asker.conf", ac.text());

  const auto ran = dir.file("ran");
  const std::vector<std::string> command = {"sh", "-c", "echo ran >> " + ran, "--"};
  auto l_open = start_receiver(concat({"-c", listener_config(dir, server, "web.open", open, asker, "*")}, command));
  auto l_picky = start_receiver(concat(
      {"-c", listener_config(dir, server, "web.picky", picky, asker, "discover, restart"), "-v", "restart"}, command));
  auto l_closed =
      start_receiver(concat({"-c", listener_config(dir, server, "db.closed", closed, asker, "ping")}, command));

  process_result text;
  const auto on_all = messages_seen_on(server, "remaphore.all", [&] {
    text = run_remaphore({"-c", asker_cfg, "--discover", "-t", "2s", "--log-level", "debug"});
  });
  INFO("stdout:\n", text.out, "\nstderr:\n", text.err);
  CHECK(on_all == 0);  // a listener of the Go tool sees nothing
  CHECK(text.exit_code == 0);

  const auto open_line = line_of(text.out, "web.open");
  CHECK(open_line.find(" key=" + open.pub) != std::string::npos);
  CHECK(open_line.find(" command=yes") != std::string::npos);
  CHECK(open_line.find(" verbs=*") != std::string::npos);
  CHECK(open_line.find(" accepts=ping") != std::string::npos);
  const auto picky_line = line_of(text.out, "web.picky");
  CHECK(picky_line.find(" filter=restart") != std::string::npos);
  CHECK(picky_line.find(" refuses=ping:verb-not-allowed") != std::string::npos);
  CHECK(line_of(text.out, "db.closed").empty());
  CHECK(text.err.find("4 expected, 2 answered (1 would not accept 'ping': web.picky: its [ Peers ] line") !=
        std::string::npos);
  CHECK(text.err.find("2 no answer (db.closed, db.down)") != std::string::npos);
  CHECK(text.err.find("no answer from db.down (" + down.pub + ")") != std::string::npos);

  // The verb judged is -v: web.picky would take `restart`; web.open would too.
  auto json = run_remaphore({"-c", asker_cfg, "--discover", "-t", "2s", "-v", "restart", "-D", "web.*", "--json"});
  INFO("json stdout:\n", json.out, "\njson stderr:\n", json.err);
  CHECK(json.exit_code == 0);
  const auto lines = json_lines(json.out);
  REQUIRE(lines.size() == 3);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(lines[i]["accepts"] == true);
    CHECK(lines[i]["verb"] == "restart");
    CHECK(lines[i]["status"]["command"] == true);
    CHECK(lines[i]["status"]["subject"] == "remaphore.all");
  }
  const auto& summary = lines[2]["summary"];
  CHECK(summary["expected"] == 2);
  CHECK(summary["answered"] == 2);
  CHECK(summary["no_answer"].empty());

  // Nothing ran, and the listener that does not answer says why.
  CHECK(!exists(ran));
  CHECK(l_closed.wait_stderr("did not answer a discovery", 5s));
  CHECK(l_closed.err().find("do not include discover") != std::string::npos);
  CHECK(l_open.wait_stderr("answered a discovery from the.asker", 5s));
  CHECK(l_picky.running());
}

TEST_CASE("cli: --discover from an unknown key gets no answer and a warning naming it, a re-keyed host is named") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(4);
  auto &asker = keys[0], &stranger = keys[1], &old_key = keys[2], &new_key = keys[3];

  // The listener knows the asker; it was re-keyed, and the asker still lists its old key.
  auto listener = start_receiver({"-c", listener_config(dir, server, "node.rekeyed", new_key, asker, "*")});
  config_text ac;
  ac.server = server.url();
  ac.identities = {identity_line(asker)};
  ac.peers = {peer_line("node.rekeyed", old_key)};
  auto rekeyed = run_remaphore({"-c", dir.write("asker.conf", ac.text()), "--discover", "-t", "1s"});
  INFO("stderr:\n", rekeyed.err);
  CHECK(rekeyed.exit_code == 1);  // no configured peer answered
  CHECK(rekeyed.out.empty());
  CHECK(rekeyed.err.find("an answer came from key " + new_key.pub) != std::string::npos);
  CHECK(rekeyed.err.find("for destination 'node.rekeyed'") != std::string::npos);
  CHECK(rekeyed.err.find("1 unknown keys") != std::string::npos);

  // A key the listener does not know: silence, and the listener names the key.
  config_text sc;
  sc.server = server.url();
  sc.identities = {identity_line(stranger)};
  sc.peers = {peer_line("node.rekeyed", new_key)};
  auto unknown = run_remaphore({"-c", dir.write("stranger.conf", sc.text()), "--discover", "-t", "1s"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("no answer from node.rekeyed") != std::string::npos);
  CHECK_MESSAGE(listener.wait_stderr("did not answer a discovery from " + stranger.pub, 5s), listener.err());
}

TEST_CASE("cli: --discover takes no payload and no receive options, and no listener takes its subject") {
  temp_dir dir;
  auto k = keygen();
  const auto cfg = dir.write("c.conf", sender_config("nats://127.0.0.1:1", k).text());
  auto payload = run_remaphore({"-c", cfg, "--discover", "hello"});
  CHECK(payload.exit_code == 2);
  CHECK(payload.err.find("--discover sends no payload: 'hello'") != std::string::npos);
  auto once = run_remaphore({"-c", cfg, "--discover", "-o"});
  CHECK(once.exit_code == 2);
  // A listener on <root>.discover would take discoveries for messages.
  auto subject = run_remaphore({"-c", cfg, "-S", "discover"});
  CHECK(subject.exit_code == 2);
  CHECK(subject.err.find("-S discover: that subject is for discovery requests") != std::string::npos);
  auto no_peer = run_remaphore({"-c", cfg, "--discover"});
  CHECK(no_peer.exit_code == 2);
  CHECK(no_peer.err.find("no peer in " + cfg + " has a destination matching '**'") != std::string::npos);
}
