// End-to-end tests of what a receiver must refuse and what it must accept: a
// captured message published again, tampered, re-attributed, non-canonical or
// stale copies, messages from strangers (none may run the command, each is dropped
// with its reason); and envelopes made by the Go tool, which must be accepted
// with the Go tool's config and answered with a bound reply.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <cctype>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "nats/client.hpp"
#include "nats/error.hpp"
#include "protocol/envelope.hpp"
#include "protocol/keys.hpp"
#include "support/client_options.hpp"
#include "support/coro.hpp"
#include "support/vectors.hpp"

namespace asio = boost::asio;
using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace std::chrono_literals;
namespace protocol = remaphore::protocol;
namespace nats = remaphore::nats;

namespace {

// The eight comma-separated fields of an envelope (the payload may hold commas).
std::vector<std::string> fields_of(const std::string& wire) {
  std::vector<std::string> f;
  std::size_t start = 0;
  for (int i = 0; i < 7; ++i) {
    auto comma = wire.find(',', start);
    REQUIRE(comma != std::string::npos);
    f.push_back(wire.substr(start, comma - start));
    start = comma + 1;
  }
  f.push_back(wire.substr(start));
  return f;
}

std::string join_fields(const std::vector<std::string>& f) {
  std::string s;
  for (std::size_t i = 0; i < f.size(); ++i) s += (i ? "," : "") + f[i];
  return s;
}

std::string signed_by(const key_pair& k, std::int64_t send_time_ns, const std::string& payload) {
  protocol::envelope_fields f;
  f.destination = "**";
  f.send_time_ns = send_time_ns;
  f.uuid = protocol::uuid_from("");
  f.verb = "ping";
  f.payload = payload;
  auto priv = protocol::parse_private_key(k.priv);
  REQUIRE(priv.has_value());
  return protocol::encode(*priv, f);
}

}  // namespace

TEST_CASE("cli: a replayed or forged message never runs the command") {
  // allow_skew at its largest too: the replay cache must still hold hashes then.
  std::string skew;
  SUBCASE("default allow_skew") { skew = ""; }
  SUBCASE("the largest allow_skew") { skew = "2562047h"; }
  CAPTURE(skew);

  nats_server server;
  temp_dir dir;
  auto keys = keygen(3);
  auto &a = keys[0], &b = keys[1], &stranger = keys[2];
  config_text rx;
  rx.server = server.url();
  rx.destination = "node.rx";
  rx.allow_skew = skew;
  rx.peers = {peer_line("from.a", a), peer_line("from.b", b)};
  auto rx_cfg = dir.write("rx.conf", rx.text());
  config_text tx;
  tx.server = server.url();
  tx.identities = {identity_line(a)};
  auto tx_cfg = dir.write("tx.conf", tx.text());
  auto runs = dir.file("runs");

  auto receiver = start_receiver(
      {"-c", rx_cfg, "-t", "30s", "--log-level", "debug", "sh", "-c", "printf '%s\\n' \"$2\" >> '" + runs + "'", "--"});

  std::vector<std::pair<std::string, std::string>> forgeries;  // what, wire
  run_coro([&](asio::io_context& ioc) -> asio::awaitable<void> {
    nats::client c(ioc.get_executor(), client_options(server));
    auto ec = co_await c.connect();
    REQUIRE_MESSAGE(!ec, c.last_error().text());
    auto sub = c.subscribe("remaphore.all");
    REQUIRE(!co_await c.flush(5s));

    // Capture a genuine message on its way to the receiver.
    // (An id with hex letters in it, for the upper-case copy below.)
    auto sent = run_remaphore({"-c", tx_cfg, "-s", "-u", "zzz", "original"});
    REQUIRE_MESSAGE(sent.exit_code == 0, sent.err);
    nats::message m;
    REQUIRE(!co_await c.next_msg(sub, m, 5s));
    const std::string wire = m.payload;
    REQUIRE(wait_file_contains(runs, "original\n"));

    const auto f = fields_of(wire);
    // The captured wire with field i replaced, the signature left as it was.
    const auto with = [&f](std::size_t i, std::string value) {
      auto g = f;
      g[i] = std::move(value);
      return join_fields(g);
    };
    forgeries.emplace_back("replay", wire);
    forgeries.emplace_back("replay again", wire);
    forgeries.emplace_back("tampered payload", with(7, "tampered"));
    forgeries.emplace_back("tampered destination", with(2, "node.*"));
    forgeries.emplace_back("re-attributed", with(0, b.pub));  // another peer's key over a's signature
    forgeries.emplace_back("flag changed", with(6, "Q"));
    // Copies that the Go tool would verify (it re-encodes the parsed fields): the
    // same message under another hash. Ours only accepts the canonical form.
    forgeries.emplace_back("non-canonical flag", with(6, "X"));
    auto upper = f[4];
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    forgeries.emplace_back("upper-case uuid", with(4, upper));
    forgeries.emplace_back("leading zero in time", with(3, "0" + f[3]));
    forgeries.emplace_back("stranger", signed_by(stranger, protocol::now_unix_ns(), "stranger"));
    if (skew.empty())  // a genuine but old message: only the skew check stops it
      forgeries.emplace_back("stale", signed_by(a, protocol::now_unix_ns() - 3'600'000'000'000, "stale"));
    forgeries.emplace_back("garbage", "hello, world");
    forgeries.emplace_back("empty", "");
    for (auto& forgery : forgeries) REQUIRE_MESSAGE(!c.publish("remaphore.all", forgery.second), forgery.first);
    REQUIRE(!co_await c.flush(5s));
    co_await c.close();
  });

  // A genuine message after them all: once it ran, every forgery has been handled.
  REQUIRE(run_remaphore({"-c", tx_cfg, "-s", "final"}).exit_code == 0);
  CHECK(wait_file_contains(runs, "final\n"));
  CHECK(wait_until(
      [&] {
        receiver.running();
        return handled(receiver.err()) >= forgeries.size() + 2;
      },
      event_bound));
  CHECK(slurp(runs) == "original\nfinal\n");

  const auto& err = receiver.err();
  CHECK(count_of(err, "accepted '") == 2);
  CHECK(count_of(err, "dropped a message: replayed message") == 2);
  CHECK(count_of(err, "dropped a message: signature does not verify") == 4);
  CHECK(count_of(err, "dropped a message: sender is not a configured peer") == 1);
  CHECK(count_of(err, "dropped a message: malformed message") == 5);
  CHECK(count_of(err, "dropped a message: send time outside allow_skew") == (skew.empty() ? 1 : 0));
}

TEST_CASE("cli: envelopes made by the Go tool are accepted with its config, once each, and answered") {
  auto vectors = load_go_vectors();
  REQUIRE(vectors["vectors"].size() >= 2);
  nats_server server;
  temp_dir dir;

  // The vectors' config, pointed at our server; its creds file does not exist here.
  std::string text = vectors["config"];
  const std::string server_line = "server: nats://127.0.0.1:4222\n";
  auto pos = text.find(server_line);
  REQUIRE(pos != std::string::npos);
  text.replace(pos, server_line.size(), "server: " + server.url() + "\n");
  pos = text.find("credentials:");
  REQUIRE(pos != std::string::npos);
  text.erase(pos, text.find('\n', pos) + 1 - pos);
  auto cfg = dir.write("go.conf", text);
  auto runs = dir.file("runs");

  auto receiver =
      start_receiver({"-c", cfg, "-t", "30s", "--log-level", "debug", "sh", "-c",
                      "printf '%s|%s|%s|%s|%s\\n<end>\\n' \"$1\" \"$REMAPHORE_UUID\" \"$REMAPHORE_DESTMATCH\" "
                      "\"$REMAPHORE_SENDER\" \"$2\" >> '" +
                          runs + "'",
                      "--"});

  const std::string sender = vectors["sender_public_key"];
  std::string expected;
  std::string request_hash;
  std::size_t published = 0;
  for (auto& v : vectors["vectors"]) {
    if (v["verb"] == "reply") continue;  // a reply is addressed to nobody: dropped
    expected += std::string(v["verb"]) + "|" + std::string(v["uuid_hex"]) + "|com.example.node|" + sender + "|" +
                std::string(v["payload"]) + "\n<end>\n";
    if (v["request"] == true) request_hash = v["hash_hex"];
  }
  REQUIRE(!request_hash.empty());

  std::string reply;
  run_coro([&](asio::io_context& ioc) -> asio::awaitable<void> {
    nats::client c(ioc.get_executor(), client_options(server));
    auto ec = co_await c.connect();
    REQUIRE_MESSAGE(!ec, c.last_error().text());
    auto replies = c.subscribe("remaphore." + request_hash);
    REQUIRE(!co_await c.flush(5s));
    // Each one twice: the copy is a replay.
    for (int round = 0; round < 2; ++round)
      for (auto& v : vectors["vectors"]) {
        REQUIRE(!c.publish("remaphore.all", std::string(v["wire"])));
        ++published;
      }
    REQUIRE(!co_await c.flush(5s));
    nats::message m;
    REQUIRE(!co_await c.next_msg(replies, m, event_bound));
    reply = m.payload;
    // Exactly one reply: the replayed request is not answered again.
    auto again = co_await c.next_msg(replies, m, 300ms);
    CHECK(again == nats::errc::timeout);
    co_await c.close();
  });

  CHECK(wait_until(
      [&] {
        receiver.running();
        return handled(receiver.err()) >= published;
      },
      event_bound));
  CHECK(wait_until([&] { return slurp(runs).size() >= expected.size(); }, event_bound));
  CHECK(slurp(runs) == expected);
  CHECK(count_of(receiver.err(), "dropped a message: replayed message") == published / 2 - 1);
  CHECK(count_of(receiver.err(), "dropped a message: destination does not match") == 2);  // the reply vector

  // The reply: signed by our default identity, bound to the request's hash.
  protocol::envelope_view env;
  REQUIRE(protocol::decode(reply, env) == protocol::decode_error::ok);
  CHECK(protocol::verify_signature(env));
  CHECK(env.sender.to_base58() == sender);
  CHECK(env.destination == "");
  CHECK(env.verb == "reply");
  CHECK(!env.request);
  CHECK(protocol::hex_encode(env.uuid.data(), env.uuid.size()) == request_hash.substr(0, 24));
  CHECK(env.payload == "0,");  // the command's exit code and its (empty) output
}
