// End-to-end tests of drops that say who and why: a receiver names the key, the
// claimed destination and the verb of a message from an unknown key or with a verb
// its peer may not use; a requester names the key of a reply signed by a key it does
// not know (a re-keyed host) and says so in its summary; --check-config refuses a peer
// key that is not an ed25519 point and an identity whose private key is another's.
#include <doctest/doctest.h>

#include <string>

#include "cli_support.hpp"
#include "protocol/base58.hpp"

using namespace remaphore;
using namespace remaphore::test;
using namespace remaphore::test::cli;

namespace {

// `pub` with one character changed so that it still decodes to 32 bytes but is no
// ed25519 point: the typo a key copied by hand gets.
std::string typo_of(const std::string& pub) {
  static const std::string alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  for (std::size_t i = pub.size(); i-- > 1;)
    for (char c : alphabet) {
      std::string t = pub;
      t[i] = c;
      auto k = protocol::parse_public_key(t);
      if (t != pub && k && !protocol::is_valid_point(*k)) return t;
    }
  FAIL("no typo of " << pub << " fails to be a point");
  return pub;
}

}  // namespace

TEST_CASE("drops: a receiver names the key, claimed destination and verb of an unknown sender or a refused verb") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(3);  // the receiver, a peer allowed only ping, a stranger
  config_text rc = self_config(server.url(), keys[0], "web.1");
  rc.peers.push_back(peer_line("ops.1", keys[1], "ping"));
  auto rx = start_receiver({"-c", dir.write("r.conf", rc.text()), "-t", "20s"});

  auto stranger = dir.write("s.conf", sender_config(server.url(), keys[2]).text());
  auto peer = dir.write("p.conf", sender_config(server.url(), keys[1]).text());
  CHECK(run_remaphore({"-c", stranger, "-s", "-D", "web.*", "-v", "restart", "now"}).exit_code == 0);
  CHECK(run_remaphore({"-c", peer, "-s", "-D", "web.1", "-v", "restart", "now"}).exit_code == 0);
  REQUIRE(rx.wait_stderr("peer is not allowed this verb", event_bound));
  REQUIRE(rx.wait_stderr("sender is not a configured peer", event_bound));
  const auto err = rx.err();
  INFO("stderr:\n", err);
  CHECK(err.find("warn: sender is not a configured peer: 1 message dropped (first: key " + keys[2].pub +
                 ", claimed destination 'web.*', verb 'restart')") != std::string::npos);
  CHECK(err.find("warn: peer is not allowed this verb: 1 message dropped (first: key " + keys[1].pub +
                 ", claimed destination 'web.1', verb 'restart')") != std::string::npos);
}

TEST_CASE("drops: a reply from a key that is not a peer is named, and the summary says so") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(3);  // the requester, the responder's old key, its new key
  config_text responder;
  responder.server = server.url();
  responder.destination = "web.1";
  responder.identities = {identity_line(keys[2])};  // re-keyed: the requester knows keys[1]
  responder.peers = {peer_line("ops.1", keys[0])};
  auto rx = start_receiver({"-c", dir.write("r.conf", responder.text()), "-t", "20s", "echo"});
  config_text q;
  q.server = server.url();
  q.identities = {identity_line(keys[0])};
  q.peers = {peer_line("web.1", keys[1])};
  auto r = run_remaphore({"-c", dir.write("q.conf", q.text()), "-r", "-t", "2s", "--json", "status"});
  INFO("stderr:\n", r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("warn: a reply to this request came from key " + keys[2].pub +
                   ", which is not a configured peer (claimed destination: none)") != std::string::npos);
  CHECK(count_of(r.err, "a reply to this request came from key") == 1);
  CHECK(r.err.find("1 silent (web.1), 1 reply from an unknown key (" + keys[2].pub + ")") != std::string::npos);
  CHECK(r.out.find("\"unknown_keys\":[\"" + keys[2].pub + "\"]") != std::string::npos);
}

TEST_CASE("drops: --check-config refuses a peer key that is no ed25519 point and a private key of another identity") {
  temp_dir dir;
  auto keys = keygen(2);
  config_text c = self_config("nats://127.0.0.1:4222", keys[0], "web.1");
  const auto typo = typo_of(keys[1].pub);
  c.peers.push_back(peer_line("web.2", {typo, ""}));
  auto bad_peer = dir.write("peer.conf", c.text());
  for (auto mode : {"--check-config", "-s"}) {
    auto r = run_remaphore({"-c", bad_peer, mode});
    INFO(mode, " stderr: ", r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(bad_peer + ":9: peer key '" + typo + "' is not a valid ed25519 public key") != std::string::npos);
  }
  config_text mixed = self_config("nats://127.0.0.1:4222", keys[0], "web.1");
  mixed.identities = {keys[0].pub + " " + keys[1].priv + " [*]"};
  auto r = run_remaphore({"-c", dir.write("mixed.conf", mixed.text()), "--check-config"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("mixed.conf:5: private key does not belong to public key") != std::string::npos);
}
