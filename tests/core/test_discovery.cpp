// Discovery without a server: the listener's gate (who is answered), the status a
// reply carries (any bytes decode to a status or to nothing), the requester's checks
// of an answer, and its judgement of whether a host would accept a verb.
#include <doctest/doctest.h>

#include "core/discover/acceptance.hpp"
#include "core/discover/answer_check.hpp"
#include "core/discover/discovery_gate.hpp"
#include "core/peer_index.hpp"
#include "protocol/config.hpp"
#include "protocol/envelope.hpp"
#include "protocol/reply.hpp"
#include "protocol/status.hpp"

using namespace remaphore;
using core::discovery_drop;

namespace {

struct discovery_fixture {
  protocol::key_pair asker = protocol::generate_key_pair();
  protocol::key_pair limited = protocol::generate_key_pair();
  protocol::key_pair stranger = protocol::generate_key_pair();
  protocol::key_pair listener = protocol::generate_key_pair();
  protocol::config cfg;  // the listener's
  protocol::listener_status self;

  discovery_fixture() {
    protocol::crypto_init();
    cfg.destination = "com.example.web.1";
    cfg.identities.push_back({listener.pub, listener.priv, {"*"}});
    cfg.peers.push_back({"ops", asker.pub, {"discover", "restart"}});
    cfg.peers.push_back({"ci", limited.pub, {"ping"}});
    self.destination = cfg.destination;
  }

  static std::string request(const protocol::key_pair& key, std::string dest = "com.example.**",
                             std::string verb = "discover", std::int64_t at = protocol::now_unix_ns()) {
    protocol::envelope_fields f;
    f.destination = std::move(dest);
    f.send_time_ns = at;
    f.uuid = protocol::uuid_from("");
    f.verb = std::move(verb);
    f.request = true;
    f.payload = "why";
    return protocol::encode(key.priv, f);
  }

  discovery_drop check(core::discovery_gate& gate, const std::string& wire) {
    return gate.check(wire, self, protocol::now_unix_ns(), std::chrono::steady_clock::now()).drop;
  }
};

}  // namespace

TEST_CASE("discovery gate: only a peer allowed `discover` is answered, once") {
  discovery_fixture f;
  core::discovery_gate gate(f.cfg, std::chrono::seconds(10));
  const auto wire = f.request(f.asker);
  const auto v = gate.check(wire, f.self, protocol::now_unix_ns(), std::chrono::steady_clock::now());
  CHECK(v.drop == discovery_drop::none);
  REQUIRE(v.peer);
  CHECK(v.peer->destination == "ops");
  CHECK(v.hash == protocol::message_hash(wire));
  CHECK(f.check(gate, wire) == discovery_drop::replay);

  CHECK(f.check(gate, f.request(f.limited)) == discovery_drop::not_allowed);
  const auto unknown =
      gate.check(f.request(f.stranger), f.self, protocol::now_unix_ns(), std::chrono::steady_clock::now());
  CHECK(unknown.drop == discovery_drop::unknown_peer);
  CHECK(unknown.sender_b58 == f.stranger.pub.to_base58());
  CHECK(f.check(gate, f.request(f.asker, "com.example.db.*")) == discovery_drop::destination);
  CHECK(f.check(gate, f.request(f.asker, "**", "ping")) == discovery_drop::not_discovery);
  CHECK(f.check(gate, f.request(f.asker, "**", "discover", protocol::now_unix_ns() - 60'000'000'000)) ==
        discovery_drop::skew);
  CHECK(f.check(gate, "not,an,envelope") == discovery_drop::malformed);
}

TEST_CASE("discovery gate: a request whose signature does not verify is not answered") {
  discovery_fixture f;
  core::discovery_gate gate(f.cfg, std::chrono::seconds(10));
  auto wire = f.request(f.asker);
  // The payload field is signed: changing it breaks the signature, not the form.
  REQUIRE(wire.ends_with("why"));
  wire.back() = 'o';
  CHECK(f.check(gate, wire) == discovery_drop::bad_signature);
}

TEST_CASE("discovery gate: -D X is found by X itself and by a pattern matching X, -d by any pattern") {
  discovery_fixture f;
  core::discovery_gate gate(f.cfg, std::chrono::seconds(10));
  f.self.filter = protocol::destination_filter::exact;
  f.self.destination = "web.7";
  CHECK(f.check(gate, f.request(f.asker, "web.*")) == discovery_drop::none);
  CHECK(f.check(gate, f.request(f.asker, "web.7")) == discovery_drop::none);
  CHECK(f.check(gate, f.request(f.asker, "db.*")) == discovery_drop::destination);
  f.self.filter = protocol::destination_filter::any;
  CHECK(f.check(gate, f.request(f.asker, "db.*")) == discovery_drop::none);
}

TEST_CASE("status: round-trips, ignores what it does not know, refuses what is not an object") {
  protocol::listener_status s;
  s.destination = "web.1";
  s.filter = protocol::destination_filter::exact;
  s.version = "1.2.3";
  s.uptime_ms = 1234;
  s.subject = "remaphore.all";
  s.verbs_for_you = {"*"};
  s.verb_filter = {"restart"};
  s.sender_filter = "abc";
  s.uuid_filter = true;
  s.command = true;
  s.queue = 3;
  s.last_accepted_ns = 42;
  s.replay_record = "on";
  CHECK(protocol::decode_status(protocol::encode_status(s)) == s);

  const auto odd = protocol::decode_status(R"({"destination":7,"queue":-1,"future":{"x":1},"command":true})");
  REQUIRE(odd);
  CHECK(odd->destination.empty());
  CHECK(odd->queue == 0);
  CHECK(odd->command);
  for (const char* bad : {"", "[]", "\"text\"", "{", "null", "\xff\xfe"}) CHECK_FALSE(protocol::decode_status(bad));
}

TEST_CASE("acceptance: the reason given is the first the listener's pipeline would hit") {
  protocol::listener_status s;
  s.destination = "web.1";
  s.verbs_for_you = {"discover", "ping"};
  CHECK_FALSE(core::why_not_accepted(s, "ping", "**", "K"));
  CHECK(core::why_not_accepted(s, "restart", "**", "K")->code == "verb-not-allowed");
  s.verbs_for_you = {"*"};
  s.verb_filter = {"status"};
  s.sender_filter = "OTHER";
  CHECK(core::why_not_accepted(s, "ping", "**", "K")->code == "verb-filter");
  CHECK(core::why_not_accepted(s, "status", "**", "K")->code == "sender-filter");
  CHECK_FALSE(core::why_not_accepted(s, "status", "**", "OTHER"));
  s.filter = protocol::destination_filter::exact;
  CHECK(core::why_not_accepted(s, "status", "web.*", "OTHER")->code == "destination-filter");
  CHECK_FALSE(core::why_not_accepted(s, "status", "web.1", "OTHER"));
}

TEST_CASE("answer check: bound, from a configured peer, once, an unknown signer is a stranger") {
  discovery_fixture f;
  protocol::config asker_cfg;
  asker_cfg.peers.push_back({"com.example.web.1", f.listener.pub, {"*"}});
  core::peer_index peers(asker_cfg);
  const auto request = f.request(f.asker);
  const auto hash = protocol::message_hash(request);
  core::answer_check check(asker_cfg, peers, hash);
  const auto status = protocol::encode_status(f.self);
  const auto now = protocol::now_unix_ns();
  core::answer_drop why{};
  std::optional<core::host_answer> stranger;

  const auto answer = protocol::make_reply({f.listener.pub, f.listener.priv, {"*"}}, hash, status, now);
  const auto a = check.take(answer, now, why, stranger);
  REQUIRE(a);
  CHECK(a->peer == &asker_cfg.peers.front());
  CHECK(a->status.destination == "com.example.web.1");
  CHECK_FALSE(check.take(answer, now, why, stranger));
  CHECK(why == core::answer_drop::duplicate);

  const auto other = protocol::message_hash(f.request(f.asker, "x"));
  const auto unbound = protocol::make_reply({f.listener.pub, f.listener.priv, {"*"}}, other, status, now);
  core::answer_check fresh(asker_cfg, peers, hash);
  CHECK_FALSE(fresh.take(unbound, now, why, stranger));
  CHECK(why == core::answer_drop::unbound);

  const auto from_stranger = protocol::make_reply({f.stranger.pub, f.stranger.priv, {"*"}}, hash, status, now);
  CHECK_FALSE(fresh.take(from_stranger, now, why, stranger));
  REQUIRE(stranger);
  CHECK(stranger->key_b58 == f.stranger.pub.to_base58());
  CHECK_FALSE(fresh.take(from_stranger, now, why, stranger));  // named once
  CHECK_FALSE(stranger);
}
