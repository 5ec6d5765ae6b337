// A retained send whose acknowledgement is lost: the stream stored the signal, but the
// answer never came back (a relay holds the server's bytes from the moment the
// retained publish went through), so the sender sends it again under the same
// Nats-Msg-Id once its wait is over; the stream takes the second copy as a duplicate
// (its last sequence moves by one, not two) and the send exits 0.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "cli_support.hpp"
#include "support/tcp_relay.hpp"
#include "support/with_client.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;
using namespace std::chrono_literals;

namespace {

std::uint64_t last_sequence(const nats_server& server) {
  std::uint64_t seq = 0;
  with_client(server.url(), [&](remaphore::nats::client& c) -> boost::asio::awaitable<void> {
    remaphore::nats::message reply;
    const auto ec = co_await c.request("$JS.API.STREAM.INFO.REMAPHORE", "", reply, 5s);
    REQUIRE_FALSE(ec);
    seq = nlohmann::json::parse(reply.payload)["state"]["last_seq"].get<std::uint64_t>();
  });
  return seq;
}

}  // namespace

TEST_CASE("cli: a retained send whose acknowledgement was lost is sent again under the same id and stored once") {
  nats_server server("", {"-js", "-sd", "{{DIR}}/js"});
  tcp_relay relay(server.port());
  temp_dir dir;
  auto k = keygen();
  const auto conf = dir.write("node.conf", self_config(relay.url(), k, "com.example.node").text());
  REQUIRE(run_remaphore({"-c", conf, "-s", "--retain", "-u", "first", "first"}).exit_code == 0);
  const auto before = last_sequence(server);

  relay.freeze_replies_after("HPUB remaphore.retained.");
  auto send = spawn({"-c", conf, "-s", "--retain", "-u", "lost_ack", "payload"});
  CHECK(wait_until([&] { return last_sequence(server) == before + 1; }, 10s));  // stored, not acknowledged
  std::this_thread::sleep_for(6s);  // past the sender's wait for the acknowledgement
  relay.thaw();
  auto r = send.wait(60s);
  INFO("stderr:\n", r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("trying again, under the same message id") != std::string::npos);
  CHECK(last_sequence(server) == before + 1);  // the second copy was a duplicate
}
