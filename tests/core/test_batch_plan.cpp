// The plan of a rolling request, without a server: who is in which batch, one
// message per destination, when the next batch does not start, how long a batch waits.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/request/batch_plan.hpp"

using namespace remaphore;
using namespace std::chrono_literals;
using core::batch_plan;
using core::batch_stop;

namespace {

// Peers named "n0", "n1", ... (or as given), in this order.
protocol::config config_of(const std::vector<std::string>& destinations) {
  protocol::config cfg;
  for (const auto& d : destinations) cfg.peers.push_back({d, {}, {"*"}});
  return cfg;
}

std::vector<const protocol::peer*> all_peers(const protocol::config& cfg) {
  std::vector<const protocol::peer*> out;
  for (const auto& p : cfg.peers) out.push_back(&p);
  return out;
}

std::vector<std::string> destinations_of(const std::vector<core::request_target>& batch) {
  std::vector<std::string> out;
  for (const auto& t : batch) out.push_back(t.destination);
  return out;
}

std::vector<std::string> names(const std::vector<const protocol::peer*>& peers) {
  std::vector<std::string> out;
  for (const auto* p : peers) out.push_back(p->destination);
  return out;
}

}  // namespace

TEST_CASE("batch plan: 10 peers in batches of 3 are 3, 3, 3 and 1, in config order") {
  const auto cfg = config_of({"n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9"});
  const auto plan = batch_plan::rolling(all_peers(cfg), 3);
  REQUIRE(plan.batch_count() == 4);
  CHECK(destinations_of(plan.batch(0)) == std::vector<std::string>{"n0", "n1", "n2"});
  CHECK(destinations_of(plan.batch(1)) == std::vector<std::string>{"n3", "n4", "n5"});
  CHECK(destinations_of(plan.batch(2)) == std::vector<std::string>{"n6", "n7", "n8"});
  CHECK(destinations_of(plan.batch(3)) == std::vector<std::string>{"n9"});
  for (std::size_t b = 0; b < plan.batch_count(); ++b)
    for (const auto& t : plan.batch(b)) {
      REQUIRE(t.peers.size() == 1);
      CHECK(t.peers[0]->destination == t.destination);  // each addressed by its exact destination
    }
  CHECK(plan.peer_count() == 10);
}

TEST_CASE("batch plan: the order is the config's, not the alphabet's") {
  const auto cfg = config_of({"web.canary", "db.1", "web.2", "app.1"});
  const auto plan = batch_plan::rolling(all_peers(cfg), 2);
  REQUIRE(plan.batch_count() == 2);
  CHECK(destinations_of(plan.batch(0)) == std::vector<std::string>{"web.canary", "db.1"});
  CHECK(destinations_of(plan.batch(1)) == std::vector<std::string>{"web.2", "app.1"});
}

TEST_CASE("batch plan: peers that share a destination are one message and one place in a batch") {
  const auto cfg = config_of({"a", "b", "a", "c", "d"});
  const auto plan = batch_plan::rolling(all_peers(cfg), 2);
  REQUIRE(plan.batch_count() == 2);
  REQUIRE(plan.batch(0).size() == 2);
  CHECK(plan.batch(0)[0].destination == "a");
  CHECK(plan.batch(0)[0].peers.size() == 2);  // both peers named "a" answer the one message
  CHECK(plan.batch(0)[1].destination == "b");
  CHECK(destinations_of(plan.batch(1)) == std::vector<std::string>{"c", "d"});
  CHECK(plan.peer_count() == 5);
}

TEST_CASE("batch plan: a batch as large as the fleet is one batch, still one message per destination") {
  const auto cfg = config_of({"a", "b", "c"});
  for (std::size_t size : {3u, 4u, 1000u}) {
    const auto plan = batch_plan::rolling(all_peers(cfg), size);
    REQUIRE(plan.batch_count() == 1);
    CHECK(plan.batch(0).size() == 3);
  }
  CHECK(batch_plan::rolling(all_peers(cfg), 1).batch_count() == 3);
  CHECK(batch_plan::rolling({}, 3).batch_count() == 0);
}

TEST_CASE("batch plan: a plain request is one message to the pattern, expecting every matching peer") {
  const auto cfg = config_of({"web.1", "web.2"});
  const auto plan = batch_plan::single("web.*", all_peers(cfg));
  REQUIRE(plan.batch_count() == 1);
  REQUIRE(plan.batch(0).size() == 1);
  CHECK(plan.batch(0)[0].destination == "web.*");
  CHECK(plan.batch(0)[0].peers.size() == 2);
}

TEST_CASE("batch plan: the peers not asked when the run stops before a batch") {
  const auto cfg = config_of({"n0", "n1", "n2", "n3", "n4"});
  const auto plan = batch_plan::rolling(all_peers(cfg), 2);
  CHECK(names(plan.peers_from(0)) == std::vector<std::string>{"n0", "n1", "n2", "n3", "n4"});
  CHECK(names(plan.peers_from(1)) == std::vector<std::string>{"n2", "n3", "n4"});
  CHECK(names(plan.peers_from(2)) == std::vector<std::string>{"n4"});
  CHECK(plan.peers_from(3).empty());
}

TEST_CASE("batch plan: the next batch starts unless a stop on failure or the deadline says otherwise") {
  const core::batch_result clean{0, 0}, failed{1, 0}, silent{0, 2}, both{1, 1};
  CHECK(core::after_batch(clean, true, false) == batch_stop::none);
  CHECK(core::after_batch(failed, true, false) == batch_stop::failure);
  CHECK(core::after_batch(silent, true, false) == batch_stop::silence);
  CHECK(core::after_batch(both, true, false) == batch_stop::failure);  // the failure is named first
  // Without --batch-stop-on-failure, failures and silences do not stop the run.
  CHECK(core::after_batch(failed, false, false) == batch_stop::none);
  CHECK(core::after_batch(silent, false, false) == batch_stop::none);
  // The -t deadline ends the run either way.
  CHECK(core::after_batch(clean, false, true) == batch_stop::deadline);
  CHECK(core::after_batch(clean, true, true) == batch_stop::deadline);
  CHECK(core::after_batch(silent, true, true) == batch_stop::silence);
}

TEST_CASE("batch plan: a batch waits --batch-timeout, but never past the run's -t deadline") {
  const auto start = core::time_point{} + 100s;
  CHECK(core::batch_deadline(start, 10s, std::nullopt) == start + 10s);
  CHECK(core::batch_deadline(start, 10s, start + 3s) == start + 3s);
  CHECK(core::batch_deadline(start, 10s, start + 30s) == start + 10s);
  CHECK(core::batch_deadline(start, std::nullopt, start + 30s) == start + 30s);  // --batch-timeout 0
  CHECK(!core::batch_deadline(start, std::nullopt, std::nullopt));               // and -t 0: no bound
}
