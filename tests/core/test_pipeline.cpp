// The receiving pipeline without a server: stage order, drops, replay, replies.
#include <doctest/doctest.h>

#include "core/receive/pipeline.hpp"
#include "core/replay/replay_cache.hpp"
#include "core/request/reply_collector.hpp"
#include "protocol/config.hpp"
#include "protocol/envelope.hpp"
#include "protocol/reply.hpp"
#include "protocol/skew.hpp"

#include <deque>

using namespace remaphore;
using core::drop_reason;

namespace {

struct pipeline_fixture {
  protocol::key_pair sender = protocol::generate_key_pair();
  protocol::key_pair stranger = protocol::generate_key_pair();
  protocol::key_pair self = protocol::generate_key_pair();
  protocol::config cfg;
  std::deque<core::replay_cache> caches;  // one for each pipeline made

  pipeline_fixture() {
    protocol::crypto_init();
    cfg.destination = "com.example.web.1";
    cfg.allow_skew = std::chrono::seconds(5);
    cfg.identities.push_back({self.pub, self.priv, {"*"}});
    cfg.peers.push_back({"com.example.ops", sender.pub, {"ping", "restart"}});
  }

  core::pipeline pipeline(core::filters f = {}) {
    return core::pipeline(cfg, std::move(f), caches.emplace_back(std::chrono::seconds(10), 1000));
  }

  std::string message(const protocol::key_pair& key, std::string dest = "com.example.**", std::string verb = "ping",
                      std::int64_t at = protocol::now_unix_ns(), std::string uuid = "job") {
    protocol::envelope_fields f;
    f.destination = std::move(dest);
    f.send_time_ns = at;
    f.uuid = protocol::uuid_from(uuid);
    f.verb = std::move(verb);
    f.payload = "payload, with commas\nand lines";
    return protocol::encode(key.priv, f);
  }
};

// Both steps of the reply collector, the signature checked inline.
std::optional<core::collected_reply> take(core::reply_collector& c, std::string_view wire, std::int64_t now,
                                          core::reply_drop& why) {
  auto candidate = c.check(wire, now, why);
  if (!candidate) return std::nullopt;
  return c.take(*candidate, core::signature_verifies(candidate->signed_by), why);
}

}  // namespace

TEST_CASE("pipeline: a fresh, permitted, matching message is accepted once") {
  pipeline_fixture fx;
  auto p = fx.pipeline();
  auto wire = fx.message(fx.sender);
  auto v = p.process(wire, protocol::now_unix_ns());
  REQUIRE(v.message);
  CHECK(v.message->fields.verb == "ping");
  CHECK(v.message->fields.payload == "payload, with commas\nand lines");
  CHECK(v.message->matched_destination == "com.example.web.1");
  CHECK(v.message->peer == &fx.cfg.peers[0]);
  // The same bytes again: a replay.
  auto again = p.process(wire, protocol::now_unix_ns());
  CHECK_FALSE(again.message);
  CHECK(again.reason == drop_reason::replay);
  CHECK(p.accepted() == 1);
  CHECK(p.dropped(drop_reason::replay) == 1);
}

TEST_CASE("pipeline: cheap rejections never reach the signature check") {
  pipeline_fixture fx;
  auto p = fx.pipeline();
  auto now = protocol::now_unix_ns();
  struct {
    std::string wire;
    drop_reason reason;
  } cases[] = {
      {"", drop_reason::malformed},
      {",,,,,,,", drop_reason::malformed},
      {fx.message(fx.sender, "com.example.**", "ping", now - 60'000'000'000LL), drop_reason::skew},
      {fx.message(fx.sender, "com.example.**", "ping", now + 60'000'000'000LL), drop_reason::skew},
      {fx.message(fx.stranger), drop_reason::unknown_peer},
      {fx.message(fx.sender, "com.example.**", "shutdown"), drop_reason::verb_not_allowed},
      {fx.message(fx.sender, "com.other.*.*"), drop_reason::destination},
  };
  for (auto& c : cases) {
    CAPTURE(c.wire);
    auto v = p.process(c.wire, now);
    CHECK_FALSE(v.message);
    CHECK(v.reason == c.reason);
  }
  CHECK(p.signature_checks() == 0);
}

TEST_CASE("pipeline: a forged signature is checked and dropped") {
  pipeline_fixture fx;
  auto p = fx.pipeline();
  auto wire = fx.message(fx.sender);
  // Change the payload after signing: everything before the signature still passes.
  wire.back() = wire.back() == 'x' ? 'y' : 'x';
  auto v = p.process(wire, protocol::now_unix_ns());
  CHECK_FALSE(v.message);
  CHECK(v.reason == drop_reason::bad_signature);
  CHECK(p.signature_checks() == 1);
  // A message signed by a stranger but carrying a peer's key as sender.
  auto forged = fx.message(fx.stranger);
  auto comma = forged.find(',');
  forged = fx.sender.pub.to_base58() + forged.substr(comma);
  v = p.process(forged, protocol::now_unix_ns());
  CHECK(v.reason == drop_reason::bad_signature);
}

TEST_CASE("pipeline: filters -D exact, -d, -u, -v, -p") {
  pipeline_fixture fx;
  auto now = protocol::now_unix_ns();
  {
    core::filters f;
    f.exact_destination = "com.example.**";
    auto p = fx.pipeline(f);
    CHECK(p.process(fx.message(fx.sender, "com.example.**"), now).message);
    CHECK(p.process(fx.message(fx.sender, "com.example.web.1"), now).reason == drop_reason::destination);
  }
  {
    core::filters f;
    f.no_destination = true;
    auto p = fx.pipeline(f);
    auto v = p.process(fx.message(fx.sender, "org.elsewhere"), now);
    REQUIRE(v.message);
    CHECK(v.message->matched_destination.empty());
  }
  {
    core::filters f;
    f.uuid = protocol::uuid_from("upload_done");
    f.verbs = {"restart"};
    f.sender = fx.sender.pub;
    auto p = fx.pipeline(f);
    CHECK(p.process(fx.message(fx.sender, "**", "restart", now, "other"), now).reason == drop_reason::uuid);
    CHECK(p.process(fx.message(fx.sender, "**", "ping", now, "upload_done"), now).reason == drop_reason::verb_filter);
    CHECK(p.process(fx.message(fx.sender, "**", "restart", now, "upload_done"), now).message);
  }
  {
    core::filters f;
    f.sender = fx.stranger.pub;
    auto p = fx.pipeline(f);
    CHECK(p.process(fx.message(fx.sender), now).reason == drop_reason::sender_filter);
  }
}

TEST_CASE("skew: no overflow at the ends of int64") {
  using protocol::within_skew;
  auto s = std::chrono::seconds(3);
  CHECK(within_skew(0, 0, s));
  CHECK(within_skew(3'000'000'000LL, 0, s));
  CHECK_FALSE(within_skew(3'000'000'001LL, 0, s));
  CHECK_FALSE(within_skew(INT64_MIN, INT64_MAX, s));
  CHECK_FALSE(within_skew(INT64_MAX, INT64_MIN, s));
  CHECK(within_skew(INT64_MAX, INT64_MAX, s));
}

TEST_CASE("replay cache: window and capacity") {
  core::replay_cache cache(std::chrono::seconds(10), 3);
  auto t0 = core::replay_cache::clock::now();
  protocol::digest h[5]{};
  for (int i = 0; i < 5; ++i) h[i][0] = static_cast<std::uint8_t>(i + 1);
  CHECK(cache.insert(h[0], t0));
  CHECK_FALSE(cache.insert(h[0], t0 + std::chrono::seconds(9)));
  CHECK(cache.insert(h[0], t0 + std::chrono::seconds(11)));  // forgotten after the window
  CHECK(cache.insert(h[1], t0 + std::chrono::seconds(11)));
  CHECK(cache.insert(h[2], t0 + std::chrono::seconds(11)));
  CHECK(cache.insert(h[3], t0 + std::chrono::seconds(11)));  // over capacity: oldest goes
  CHECK(cache.size() == 3);
  CHECK(cache.insert(h[0], t0 + std::chrono::seconds(11)));
}

TEST_CASE("replies: bound to the request, from peers only, once per peer") {
  pipeline_fixture fx;
  fx.cfg.peers.push_back({"com.example.web.2", fx.self.pub, {"ping"}});
  auto request_hash = protocol::message_hash(fx.message(fx.sender));
  auto other_hash = protocol::message_hash(fx.message(fx.sender, "**", "ping", protocol::now_unix_ns(), "x"));
  auto now = protocol::now_unix_ns();
  core::peer_index peers(fx.cfg);
  core::reply_collector col(fx.cfg, peers, request_hash);
  core::reply_drop why;
  auto self_id = fx.cfg.identities[0];
  protocol::identity stranger_id{fx.stranger.pub, fx.stranger.priv, {"*"}};

  CHECK_FALSE(take(col, protocol::make_reply(stranger_id, request_hash, "0,hi", now), now, why));
  CHECK(why == core::reply_drop::unknown_peer);
  CHECK_FALSE(take(col, protocol::make_reply(self_id, other_hash, "0,hi", now), now, why));
  CHECK(why == core::reply_drop::unbound);
  auto ok = take(col, protocol::make_reply(self_id, request_hash, "0,hi\nthere", now), now, why);
  REQUIRE(ok);
  CHECK(ok->peer->destination == "com.example.web.2");
  CHECK(ok->payload == "0,hi\nthere");
  CHECK_FALSE(take(col, protocol::make_reply(self_id, request_hash, "0,again", now), now, why));
  CHECK(why == core::reply_drop::duplicate);

  // A forged reply in the name of a peer that has not answered yet.
  auto forged = protocol::make_reply(self_id, request_hash, "0,real", now);
  forged.back() = forged.back() == 'x' ? 'y' : 'x';
  core::reply_collector fresh(fx.cfg, peers, request_hash);
  CHECK_FALSE(take(fresh, forged, now, why));
  CHECK(why == core::reply_drop::bad_signature);

  // Two replies of one peer in one burst: both pass check(), only the first is taken.
  auto first = protocol::make_reply(self_id, request_hash, "0,one", now);
  auto second = protocol::make_reply(self_id, request_hash, "0,two", now);
  auto c1 = fresh.check(first, now, why);
  auto c2 = fresh.check(second, now, why);
  REQUIRE(c1);
  REQUIRE(c2);
  auto taken = fresh.take(*c1, core::signature_verifies(c1->signed_by), why);
  REQUIRE(taken);
  CHECK(taken->payload == "0,one");
  CHECK_FALSE(fresh.take(*c2, core::signature_verifies(c2->signed_by), why));
  CHECK(why == core::reply_drop::duplicate);

  // Old responders send a random uuid: accepted only when the config allows it.
  fx.cfg.accept_unbound_replies = true;
  core::reply_collector lax(fx.cfg, peers, request_hash);
  CHECK(take(lax, protocol::make_reply(self_id, other_hash, "0,old", now), now, why));
}
