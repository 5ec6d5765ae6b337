// A receiver that keeps listening (no -o) under a stream of bad input: signed
// messages it must refuse, and garbage of every shape. The command runs for the
// fresh, permitted messages only, and the receiver stays up throughout.
#include <doctest/doctest.h>

#include <signal.h>

#include <random>

#include "cli_support.hpp"
#include "nats/client.hpp"
#include "protocol/envelope.hpp"
#include "support/coro.hpp"

namespace asio = boost::asio;
using namespace remaphore::test;
using namespace remaphore::test::cli;
namespace protocol = remaphore::protocol;
namespace nats = remaphore::nats;

namespace {

std::string sign(const key_pair& k, const std::string& dest, const std::string& verb, std::int64_t at,
                 const std::string& payload) {
  protocol::envelope_fields f;
  f.destination = dest;
  f.send_time_ns = at;
  f.uuid = protocol::uuid_from("");
  f.verb = verb;
  f.payload = payload;
  auto priv = protocol::parse_private_key(k.priv);
  REQUIRE(priv);
  return protocol::encode(*priv, f);
}

}  // namespace

TEST_CASE("hardening: a listening receiver runs its command only for fresh permitted messages and stays up") {
  nats_server server;
  temp_dir dir;
  auto keys = keygen(3);
  auto &peer = keys[0], &stranger = keys[1], &self = keys[2];
  config_text rx;
  rx.server = server.url();
  rx.destination = "com.example.rx";
  rx.identities = {identity_line(self)};
  rx.peers = {peer_line("com.example.ops", peer, "ping, deploy")};
  auto cfg = dir.write("rx.conf", rx.text());
  auto runs = dir.file("runs");
  auto receiver = start_receiver(
      {"-c", cfg, "-t", "60s", "--log-level", "debug", "sh", "-c", "printf '%s\\n' \"$2\" >> '" + runs + "'", "--"});

  auto now = protocol::now_unix_ns();
  std::vector<std::pair<std::string, std::string>> bad;  // what, bytes
  std::string valid = sign(peer, "com.example.*", "deploy", now, "fresh one");
  bad.emplace_back("replay", valid);
  std::string forged = sign(peer, "com.example.*", "deploy", now, "forged");
  forged[forged.size() - 1] = 'X';  // payload changed after signing
  bad.emplace_back("forgery", forged);
  bad.emplace_back("unknown key", sign(stranger, "com.example.*", "deploy", now, "stranger"));
  bad.emplace_back("forbidden verb", sign(peer, "com.example.*", "shutdown", now, "forbidden"));
  bad.emplace_back("old timestamp", sign(peer, "com.example.*", "deploy", now - 600'000'000'000LL, "old"));
  bad.emplace_back("future timestamp", sign(peer, "com.example.*", "deploy", now + 600'000'000'000LL, "future"));
  bad.emplace_back("wrong destination", sign(peer, "com.other.*", "deploy", now, "elsewhere"));
  bad.emplace_back("empty", "");
  bad.emplace_back("commas only", ",,,,,,,,,,,,");
  std::mt19937 rng(42);
  std::string random_bytes(4096, '\0');
  for (auto& ch : random_bytes) ch = static_cast<char>(rng());
  bad.emplace_back("random bytes", random_bytes);
  bad.emplace_back("900 KB", std::string(900 * 1024, 'A') + "," + valid);
  bad.emplace_back("truncated", valid.substr(0, valid.size() / 2));
  bad.emplace_back("truncated in the signature", valid.substr(0, 60));
  bad.emplace_back("newlines", "\n\n\r\n");

  run_coro([&](asio::io_context& ioc) -> asio::awaitable<void> {
    nats::options o;
    o.servers = {server.url()};
    nats::client c(ioc.get_executor(), o);
    auto ec = co_await c.connect();
    REQUIRE_MESSAGE(!ec, c.last_error().text());
    REQUIRE(!c.publish("remaphore.all", valid));
    for (auto& input : bad) REQUIRE_MESSAGE(!c.publish("remaphore.all", input.second), input.first);
    REQUIRE(!c.publish("remaphore.all", sign(peer, "**", "ping", protocol::now_unix_ns(), "fresh two")));
    REQUIRE(!co_await c.flush(5s));
    co_await c.close();
  });

  CHECK(wait_file_contains(runs, "fresh two\n"));
  CHECK(wait_until(
      [&] {
        receiver.running();
        return count_of(receiver.err(), "dropped a message: ") >= bad.size();
      },
      event_bound));
  CHECK(slurp(runs) == "fresh one\nfresh two\n");
  CHECK(receiver.running());  // still listening
  const auto& err = receiver.err();
  INFO(err);
  CHECK(count_of(err, "dropped a message: replayed message") == 1);
  CHECK(count_of(err, "dropped a message: signature does not verify") == 1);
  CHECK(count_of(err, "dropped a message: sender is not a configured peer") == 1);
  CHECK(count_of(err, "dropped a message: peer is not allowed this verb") == 1);
  CHECK(count_of(err, "dropped a message: send time outside allow_skew") == 2);
  CHECK(count_of(err, "dropped a message: destination does not match") == 1);
  CHECK(count_of(err, "dropped a message: malformed message") == 7);
  receiver.signal(SIGTERM);
  auto r = receiver.wait(10s);
  CHECK(r.exit_code == 143);
}
