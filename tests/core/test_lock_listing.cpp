// A lock as its subjects show it, the queue order, the hints, and the records.
#include <doctest/doctest.h>

#include "core/lock/listing.hpp"
#include "core/lock/record.hpp"
#include "protocol/envelope.hpp"
#include "protocol/keys.hpp"

using namespace remaphore;
using namespace remaphore::core::lock;

TEST_CASE("lock listing: held slots and waiters in order of joining") {
  auto l = parse_listing("r", "job",
                         {"r.lock.job.slot.2", "r.lock.job.slot.0", "r.lock.job.wait.3.00000000000000b0.bb",
                          "r.lock.job.wait.3.00000000000000a0.cc", "r.lock.job.wait.3.00000000000000a0.aa",
                          "r.lock.other.slot.1", "r.lock.job.slot.x", "r.lock.job.wait.3.zz.dd"});
  CHECK(l.held == std::vector<unsigned>{0, 2});
  REQUIRE(l.waiting.size() == 3);
  CHECK(l.waiting[0].id == "aa");
  CHECK(l.waiting[1].id == "cc");
  CHECK(l.waiting[2].id == "bb");
  CHECK(free_slots(l, 3) == std::vector<unsigned>{1});
  CHECK(free_slots(l, 5) == std::vector<unsigned>{1, 3, 4});
}

TEST_CASE("lock listing: only the first k waiters go - one told to go that did not is passed over") {
  auto l = parse_listing("r", "a", {"r.lock.a.wait.1.1.w1", "r.lock.a.wait.1.2.w2", "r.lock.a.wait.1.3.w3"});
  CHECK(rank_of(l, "w1", nullptr) == 0u);
  CHECK(rank_of(l, "w3", nullptr) == 2u);
  CHECK_FALSE(rank_of(l, "nobody", nullptr).has_value());
  CHECK(first_waiters(l, 2, nullptr) == std::vector<std::string>{"w1", "w2"});
  auto dead_first = [](const std::string& id) { return id == "w1"; };
  CHECK(rank_of(l, "w2", dead_first) == 0u);
  CHECK(first_waiters(l, 1, dead_first) == std::vector<std::string>{"w2"});
}

TEST_CASE("lock listing: a slot count that differs shows in a ticket or a slot past ours") {
  CHECK_FALSE(find_mismatch(parse_listing("r", "a", {"r.lock.a.wait.2.1.w", "r.lock.a.slot.1"}), 2).has_value());
  auto waiting = find_mismatch(parse_listing("r", "a", {"r.lock.a.wait.3.1.w"}), 2);
  REQUIRE(waiting);
  CHECK(waiting->their_slots == 3);
  auto held = find_mismatch(parse_listing("r", "a", {"r.lock.a.slot.4"}), 2);
  REQUIRE(held);
  CHECK(held->their_slots == 0);  // read the record for its count
  CHECK(held->held_slot == 4);
}

TEST_CASE("lock note: round trip, and garbage is refused") {
  note n{{1, 3}, {"aa", "bb"}, 7};
  auto back = decode_note(encode_note(n));
  REQUIRE(back);
  CHECK(back->free == n.free);
  CHECK(back->next == n.next);
  CHECK(back->waiting == 7);
  CHECK_FALSE(decode_note("not json"));
  CHECK_FALSE(decode_note(R"({"free":"x"})"));
}

TEST_CASE("lock record: ours verifies - an unknown key, a peer without the verb or a bad signature is foreign") {
  auto kp = protocol::generate_key_pair();
  auto other = protocol::generate_key_pair();
  protocol::config cfg;
  cfg.identities.push_back({kp.pub, kp.priv, {"lock:backup"}});
  cfg.peers.push_back({"host.b", other.pub, {"ping"}});
  std::vector<std::uint8_t> holder(12, 0xab);
  record_fields f;
  f.lock = "backup";
  f.slots = 2;
  f.slot = 1;
  f.token = 41;
  auto wire = encode_record(cfg.identities[0], "host.a", holder, f);
  auto r = read_record(wire, cfg);
  CHECK(r.readable);
  CHECK_FALSE(r.foreign);
  CHECK(r.destination == "host.a");
  CHECK(r.holder == "abababababababababababab");
  CHECK(r.fields.slots == 2);
  CHECK(r.fields.token == 41);

  f.lock = "deploy";  // our identity may lock "backup" only
  CHECK(read_record(encode_record(cfg.identities[0], "", holder, f), cfg).foreign);
  protocol::identity peer_id{other.pub, other.priv, {"*"}};
  auto by_peer = read_record(encode_record(peer_id, "host.b", holder, f), cfg);
  CHECK(by_peer.foreign);  // a peer allowed only "ping"
  CHECK(by_peer.why_foreign.find("not allowed") != std::string::npos);
  auto stranger = protocol::generate_key_pair();
  CHECK(read_record(encode_record({stranger.pub, stranger.priv, {"*"}}, "", holder, f), cfg).why_foreign ==
        "not a configured peer");
  std::string forged = wire;
  forged.replace(forged.find("host.a"), 6, "host.x");
  auto bad = read_record(forged, cfg);
  CHECK(bad.readable);
  CHECK(bad.foreign);
  CHECK(bad.why_foreign == "bad signature");
  CHECK_FALSE(read_record("garbage", cfg).readable);
}

TEST_CASE("lock permission: lock, lock:NAME or *") {
  CHECK(may_lock({"lock"}, "x"));
  CHECK(may_lock({"ping", "lock:x"}, "x"));
  CHECK_FALSE(may_lock({"lock:y"}, "x"));
  CHECK(may_lock({"*"}, "x"));
  CHECK_FALSE(may_lock({"ping"}, "x"));
}
