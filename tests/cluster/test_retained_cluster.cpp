// Retained signals on a 3-node nats-server cluster with the stream at 3 replicas
// (retain_replicas: 3): signals sent with --retain while the stream's leader is
// killed (-9) and started again, and --since receivers started before, during and
// after the election: every signal reaches every receiver, none twice. Labelled
// "cluster" (tools/test --quick leaves it out).
#include <map>
#include <thread>

#include "cluster/js_cluster.hpp"
#include "integration/cli_support.hpp"

using namespace remaphore::test;
using namespace remaphore::test::cli;

namespace {

constexpr int signals = 8;

std::string receiver_log(const temp_dir& dir, int i) { return dir.file("rx" + std::to_string(i)); }

// A --since receiver that appends each payload to a file of its own. Started during
// an election it may wait for the cluster to answer before it is ready: the caller
// waits for that with a bound of its own.
child since_receiver(const temp_dir& dir, const std::string& conf, int i) {
  return spawn(
      {"-c", conf, "--since", "10m", "-t", "2m", "--", "sh", "-c", "echo \"$2\" >> " + receiver_log(dir, i), "--"});
}

// Each of the signals exactly once.
std::string what_is_wrong(const std::string& text) {
  std::map<std::string, int> seen;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) ++seen[line];
  std::string wrong;
  for (int s = 0; s < signals; ++s) {
    const auto n = seen["signal-" + std::to_string(s)];
    if (n != 1) wrong += "signal-" + std::to_string(s) + " seen " + std::to_string(n) + " times; ";
  }
  return wrong;
}

}  // namespace

TEST_CASE(
    "retained cluster: 3 replicas, the stream's leader killed mid-run: every signal reaches every receiver once") {
  js_cluster cluster(3);
  temp_dir dir;
  auto k = keygen();
  auto cfg = self_config(cluster.nodes[0]->url(), k, "com.example.node");
  cfg.extra = cluster.server_lines();
  const auto single = dir.write("single.conf", cfg.text());
  cfg.extra.push_back("retain_replicas: 3");
  const auto conf = dir.write("node.conf", cfg.text());
  // The cluster elects its JetStream leader after start: until then the stream cannot be
  // made. Made by a host without retain_replicas, it has one replica.
  REQUIRE(wait_until(
      [&] {
        return run_remaphore({"-c", single, "-s", "--retain", "-u", "warmup", "warmup"}).exit_code == 0;
      },
      60s));
  // A config that says retain_replicas changes that field of the stream, and only that.
  auto raised = run_remaphore({"-c", conf, "-s", "--retain", "-u", "raise", "raise"}, 60s);
  CHECK(raised.exit_code == 0);
  CHECK_MESSAGE(
      raised.err.find("stream REMAPHORE now has 3 replicas (was 1 replica), as the config says") != std::string::npos,
      raised.err);
  auto kept = run_remaphore({"-c", single, "-s", "--retain", "-u", "kept", "kept"}, 60s);
  CHECK(kept.err.find("stream REMAPHORE has 3 replicas, not the 1 this config would give it; set retain_replicas") !=
        std::string::npos);
  with_client(cluster.nodes[0]->url(), [&](remaphore::nats::client& c) -> boost::asio::awaitable<void> {
    auto info = co_await remaphore::nats::js::get_stream_info(c, "REMAPHORE", "", 5s);
    CHECK(info.config.replicas == 3);
  });

  std::vector<child> receivers;
  receivers.push_back(since_receiver(dir, conf, 0));  // before
  REQUIRE_MESSAGE(receivers[0].wait_stderr("ready:", ready_bound), receivers[0].err());
  auto send = [&](int s) {
    auto r = run_remaphore({"-c", conf, "-s", "--retain", "-u", "u" + std::to_string(s), "signal-" + std::to_string(s)},
                           60s);
    CHECK_MESSAGE(r.exit_code == 0, "signal " << s << ": " << r.err);
  };
  for (int s = 0; s < signals / 2; ++s) send(s);
  REQUIRE(wait_until([&] { return cluster.replicas_current("REMAPHORE"); }, 60s));
  const int leader = cluster.stream_leader("REMAPHORE");
  REQUIRE(leader >= 0);
  cluster.nodes[leader]->kill9();
  // During the election: a receiver starts and the other half is sent.
  receivers.push_back(since_receiver(dir, conf, 1));
  for (int s = signals / 2; s < signals; ++s) send(s);
  cluster.nodes[leader]->start();
  receivers.push_back(since_receiver(dir, conf, 2));  // after
  for (auto& r : receivers) REQUIRE_MESSAGE(r.wait_stderr("ready:", 60s), r.err());

  for (int i = 0; i < 3; ++i) {
    INFO("receiver ", i);
    const bool all = wait_until([&] { return what_is_wrong(slurp(receiver_log(dir, i))).empty(); }, 30s);
    CHECK_MESSAGE(all, what_is_wrong(slurp(receiver_log(dir, i))));
  }
  std::this_thread::sleep_for(1s);  // a late duplicate would show now
  for (int i = 0; i < 3; ++i) CHECK(what_is_wrong(slurp(receiver_log(dir, i))).empty());
}
