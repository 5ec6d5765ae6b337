// The responder's pure parts: the command line and environment for a message, the
// reply payload, and a reply that fits the server's max_payload.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/request/reply_collector.hpp"
#include "core/respond/responder.hpp"
#include "protocol/config.hpp"
#include "protocol/reply.hpp"

using namespace remaphore;

namespace {

core::accepted_message message_for(const protocol::key_pair& k) {
  core::accepted_message m;
  m.sender = k.pub;
  m.sender_b58 = k.pub.to_base58();
  m.fields.verb = "restart";
  m.fields.payload = "now; rm -rf /";
  m.fields.send_time_ns = 1'700'000'000'123'456'789;
  m.fields.uuid = {0xab, 0x01};
  m.uuid_hex = "ab01";
  m.matched_destination = "com.example.web.1";
  return m;
}

std::string env_of(const core::command_spec& s, const std::string& key) {
  for (auto& [k, v] : s.env)
    if (k == key) return v;
  return "<unset>";
}

}  // namespace

TEST_CASE("responder: the command gets verb and payload as its last two arguments, and the variables") {
  protocol::crypto_init();
  auto k = protocol::generate_key_pair();
  core::responder_options o;
  o.command = {"systemctl", "restart", "nginx"};
  auto spec = core::command_for(o, message_for(k));
  CHECK(spec.argv == std::vector<std::string>{"systemctl", "restart", "nginx", "restart", "now; rm -rf /"});
  CHECK(env_of(spec, "REMAPHORE_SENDER") == k.pub.to_base58());
  CHECK(env_of(spec, "REMAPHORE_VERB") == "restart");
  CHECK(env_of(spec, "REMAPHORE_TIME") == "1700000000");
  CHECK(env_of(spec, "REMAPHORE_UUID") == "ab01");
  CHECK(env_of(spec, "REMAPHORE_MSG") == "now; rm -rf /");
  CHECK(env_of(spec, "REMAPHORE_DESTMATCH") == "com.example.web.1");
  o.destmatch_env = false;  // -d
  CHECK(env_of(core::command_for(o, message_for(k)), "REMAPHORE_DESTMATCH") == "<unset>");
}

TEST_CASE("responder: the reply payload carries the exit code, the output or why it could not run") {
  core::command_result ran;
  ran.started = true;
  ran.exit_code = 3;
  ran.output = "out\n";
  CHECK(core::reply_payload(ran, 64) == "3,out\n");
  ran.truncated = true;
  CHECK(core::reply_payload(ran, 64) == "3,out\n\n[remaphore: output truncated at 64 bytes]");
  core::command_result missing;
  missing.error = "cannot run 'x': No such file";
  missing.exit_code = 127;
  CHECK(core::reply_payload(missing, 64) == "127,cannot run 'x': No such file");
}

TEST_CASE("responder: a reply over max_payload is cut to fit, and says so") {
  auto k = protocol::generate_key_pair();
  protocol::identity id{k.pub, k.priv, {"*"}};
  protocol::digest hash{};
  auto now = protocol::now_unix_ns();
  CHECK(core::fit_reply(id, hash, "0,short", 1024, now) == protocol::make_reply(id, hash, "0,short", now));
  for (std::size_t max : {300u, 1000u, 4096u}) {
    CAPTURE(max);
    auto reply = core::fit_reply(id, hash, "0," + std::string(10000, 'x'), max, now);
    CHECK(reply.size() <= max);
    protocol::envelope_view env;
    REQUIRE(protocol::decode(reply, env) == protocol::decode_error::ok);
    CHECK(protocol::verify_signature(env));
    CHECK(env.payload.starts_with("0,xxx"));
    CHECK(env.payload.ends_with("[remaphore: output truncated to fit max_payload]"));
  }
}
